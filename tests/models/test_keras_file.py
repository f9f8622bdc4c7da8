"""Keras 3 ``.keras`` files both ways (models/keras_file.py), checked against real Keras.

Predictions are compared at float32 tolerance: Keras 3.15 computes in float32 (its torch
backend's matmul is float32-accurate), deepgrad computes the same formulas in float32, so the
two differ by float32 rounding only (rtol 1e-5 covers a few ulps through a few layers).
"""

import io
import json
import os
import zipfile

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import deepgrad  # noqa: E402
from deepgrad import callbacks, layers, models, optimizers  # noqa: E402
from deepgrad.models import ModelFileError  # noqa: E402

h5py = pytest.importorskip("h5py")
RTOL, ATOL = 1e-5, 1e-6
KL = keras.layers


def _randomize(model, seed):
    """Give every weight random values (variances positive) so no layer is an identity."""
    rng = np.random.default_rng(seed)
    model.set_weights([(np.abs(w) + 0.5 if "variance" in v.path else w).astype("float32")
                       for w, v in zip((rng.normal(0, 0.5, size=v.shape) for v in model.weights), model.weights)])


def _keras_mlp():
    m = keras.Sequential([keras.Input((4,)), KL.Dense(8, activation="relu"), KL.Dropout(0.3),
                          KL.BatchNormalization(), KL.Dense(3, activation="softmax")])
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    return m


def _keras_recurrent():
    return keras.Sequential([keras.Input((5, 3)), KL.LSTM(4, return_sequences=True),
                             KL.GRU(3, return_sequences=True), KL.GRU(3, return_sequences=True, reset_after=False),
                             KL.SimpleRNN(2)])


def _keras_bidirectional():
    return keras.Sequential([keras.Input((6,)), KL.Embedding(10, 4), KL.Bidirectional(KL.LSTM(3)), KL.Dense(1)])


def _keras_functional():
    inputs = keras.Input((4,))
    return keras.Model(inputs, KL.Dense(2)(KL.Dense(3, activation="tanh")(inputs)))


def _keras_reshaping():
    norm = KL.Normalization()
    norm.adapt(np.random.default_rng(1).normal(2.0, 3.0, size=(20, 5, 3)).astype("float32"))
    return keras.Sequential([keras.Input((5, 3)), norm, KL.Masking(0.0), KL.TimeDistributed(KL.Dense(2)),
                             KL.GRU(3), KL.RepeatVector(2), KL.LayerNormalization(), KL.Flatten(),
                             KL.Activation("relu"), KL.PReLU()])


def _keras_activation_layers():
    return keras.Sequential([keras.Input((6,)), KL.ReLU(max_value=1.0), KL.Dense(6), KL.LeakyReLU(0.2),
                             KL.Dense(6), KL.ELU(), KL.Reshape((2, 3)), KL.Softmax(),
                             KL.BatchNormalization(scale=False), KL.Flatten()])


KERAS_BUILT = {"activations": (_keras_activation_layers, (6,)), "mlp": (_keras_mlp, (4,)),
               "recurrent": (_keras_recurrent, (5, 3)),
               "bidirectional": (_keras_bidirectional, "tokens"), "functional": (_keras_functional, (4,)),
               "reshaping": (_keras_reshaping, (5, 3))}


def _inputs(shape, seed=0):
    rng = np.random.default_rng(seed)
    if shape == "tokens":
        return rng.integers(1, 10, size=(7, 6))
    return rng.normal(size=(7,) + shape).astype("float32")


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    """Each Keras-built model saved by Keras: ``{name: (path, x, Keras's predictions)}``."""
    folder = tmp_path_factory.mktemp("keras_built")
    keras.utils.set_random_seed(0)
    out = {}
    for i, (name, (build, shape)) in enumerate(KERAS_BUILT.items()):
        model = build()
        if name != "reshaping":  # its Normalization statistics come from adapt
            _randomize(model, i)
        path = str(folder / f"{name}.keras")
        model.save(path)
        x = _inputs(shape, i)
        out[name] = (path, x, np.asarray(model.predict(x, verbose=0)))
    return out


# ---------------------------------------------------------------------- Keras -> deepgrad
@pytest.mark.parametrize("name", list(KERAS_BUILT))
def test_a_keras_saved_model_predicts_the_same_in_deepgrad(keras_files, name):
    path, x, expected = keras_files[name]
    model = models.load_model(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)


def test_the_layer_configs_and_compile_config_come_from_the_keras_file(keras_files):
    model = models.load_model(keras_files["mlp"][0])
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "BatchNormalization", "Dense"]
    assert model.layers[1].rate == 0.3 and model.layers[3].units == 3
    # compiled with keras.optimizers.Adam(learning_rate=0.01), loss "mse", metrics ["mae"]:
    # Keras stores the rate as float32, 0.01 -> 0.009999999776482582
    assert isinstance(model.optimizer, optimizers.Adam)
    assert model.optimizer.learning_rate == pytest.approx(0.01, rel=1e-7)
    assert type(model.loss).__name__ == "MeanSquaredError"
    assert models.load_model(keras_files["mlp"][0], compile=False).optimizer is None


def test_a_keras_functional_model_loads_as_a_deepgrad_model(keras_files):
    model = models.load_model(keras_files["functional"][0])
    assert isinstance(model, models.Model) and [layer.units for layer in model.layers] == [3, 2]


def _deepgrad_twin(name):
    """A deepgrad model with the layers Keras's ``name`` model has, its own random weights."""
    if name == "mlp":
        return models.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"), layers.Dropout(0.3),
                                  layers.BatchNormalization(), layers.Dense(3, activation="softmax")])
    inputs = layers.Input((4,))
    return models.Model(inputs, layers.Dense(2)(layers.Dense(3, activation="tanh")(inputs)))


@pytest.mark.parametrize("name", ["mlp", "functional"])
def test_load_weights_from_a_keras_file_gives_keras_predictions(keras_files, name):
    # Keras's model.load_weights("m.keras"): the weights only, into a model with the same layers
    path, x, expected = keras_files[name]
    model = _deepgrad_twin(name)
    assert not np.allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)  # its own weights first
    model.load_weights(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)
    assert model.optimizer is None  # the file's compile config is not read


def test_load_weights_from_a_keras_file_refuses_other_layers_before_changing_any(keras_files):
    model = models.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                               layers.Dense(3, activation="softmax")])  # the file's mlp has Dropout, BN too
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ModelFileError, match=r"load_weights: .*same layers in the same order"):
        model.load_weights(keras_files["mlp"][0])
    wide = models.Sequential([layers.Input((4,)), layers.Dense(5, activation="tanh"), layers.Dense(2)])
    wide_before = [w.copy() for w in wide.get_weights()]
    with pytest.raises(ModelFileError, match=r"has shape \(4, 3\) in the file; the layer needs \(4, 5\)"):
        wide.load_weights(keras_files["functional"][0])
    for got, want in zip(model.get_weights() + wide.get_weights(), before + wide_before):
        np.testing.assert_array_equal(got, want)


def test_embedding_mask_zero_is_restored_and_padding_is_masked(tmp_path):
    keras.utils.set_random_seed(3)
    km = keras.Sequential([keras.Input((6,)), KL.Embedding(10, 4, mask_zero=True), KL.LSTM(3), KL.Dense(1)])
    _randomize(km, 3)
    km.save(tmp_path / "masked.keras")
    x = _inputs("tokens", 3)
    model = models.load_model(tmp_path / "masked.keras")
    assert model.layers[0].mask_zero is True
    # without padding the mask is all ones: the same numbers whether masks travel or not
    np.testing.assert_allclose(model.predict(x, verbose=0), km.predict(x, verbose=0), rtol=RTOL, atol=ATOL)


def test_padded_sequences_predict_as_keras_through_a_loaded_mask(tmp_path):
    keras.utils.set_random_seed(4)
    km = keras.Sequential([keras.Input((6,)), KL.Embedding(10, 4, mask_zero=True), KL.LSTM(3), KL.Dense(1)])
    _randomize(km, 4)
    km.save(tmp_path / "masked.keras")
    x = _inputs("tokens", 4)
    x[:, -2:] = 0  # padding: Keras's LSTM skips these steps
    model = models.load_model(tmp_path / "masked.keras")
    np.testing.assert_allclose(model.predict(x, verbose=0), km.predict(x, verbose=0), rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------- deepgrad -> Keras
def _deepgrad_models():
    deepgrad.utils.set_random_seed(0)
    mlp = models.Sequential([layers.Input((4,)), layers.Dense(6, activation="tanh"), layers.BatchNormalization(),
                             layers.Dropout(0.2), layers.Dense(2, activation="softmax")])
    mlp.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="categorical_crossentropy",
                metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    mlp.fit(x, np.eye(2, dtype="float32")[(x[:, 0] > 0).astype(int)], epochs=2, verbose=0)  # BN statistics move
    rnn = models.Sequential([layers.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                             layers.Bidirectional(layers.GRU(3, return_sequences=True)),
                             layers.TimeDistributed(layers.Dense(2)), layers.SimpleRNN(3), layers.Dense(1)])
    misc = models.Sequential([layers.Input((4, 3)), layers.Normalization(mean=[1.0, 2, 3], variance=[1.0, 4, 9]),
                              layers.Masking(), layers.GRU(3, reset_after=False, return_sequences=True),
                              layers.LayerNormalization(), layers.Flatten(), layers.LeakyReLU(), layers.Dense(6),
                              layers.ELU(), layers.Reshape((2, 3)), layers.Softmax(), layers.Flatten(),
                              layers.PReLU()])
    inputs = layers.Input((4,))
    functional = models.Model(inputs, layers.Dense(2)(layers.Dense(5, activation="relu")(inputs)))
    return {"mlp": (mlp, (4,)), "rnn": (rnn, (5, 3)), "misc": (misc, (4, 3)), "functional": (functional, (4,))}


@pytest.fixture(scope="module")
def deepgrad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deepgrad_built")
    out = {}
    for name, (model, shape) in _deepgrad_models().items():
        path = str(folder / f"{name}.keras")
        model.save(path)
        out[name] = (path, model, _inputs(shape, 9))
    return out


@pytest.mark.parametrize("name", ["mlp", "rnn", "misc", "functional"])
def test_a_deepgrad_model_saved_as_keras_predicts_the_same_in_keras(deepgrad_files, name):
    path, model, x = deepgrad_files[name]
    km = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(km.predict(x, verbose=0)), model.predict(x, verbose=0),
                               rtol=RTOL, atol=ATOL)


def test_keras_restores_the_compile_config_deepgrad_wrote(deepgrad_files):
    km = keras.models.load_model(deepgrad_files["mlp"][0])
    assert isinstance(km.optimizer, keras.optimizers.Adam)
    assert float(km.optimizer.learning_rate) == pytest.approx(0.02, rel=1e-6)


@pytest.mark.parametrize("name", ["mlp", "rnn", "functional"])
def test_a_deepgrad_keras_file_round_trips_through_deepgrad_exactly(deepgrad_files, name):
    path, model, x = deepgrad_files[name]
    again = deepgrad.models.load_model(path)
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_save_model_writes_keras_files_atomically_and_respects_overwrite(deepgrad_files, tmp_path):
    model = deepgrad_files["functional"][1]
    path = tmp_path / "m.keras"
    models.save_model(model, path)
    assert zipfile.ZipFile(path).namelist() == ["metadata.json", "config.json", "model.weights.h5"]
    assert os.listdir(tmp_path) == ["m.keras"]  # no temporary file left beside it
    with pytest.raises(FileExistsError):
        models.save_model(model, path, overwrite=False)


def test_model_checkpoint_writes_keras_files(tmp_path):
    deepgrad.utils.set_random_seed(1)
    model = models.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(1).normal(size=(16, 3)).astype("float32")
    model.fit(x, x[:, :1], epochs=2, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch}.keras"))])
    assert sorted(os.listdir(tmp_path)) == ["ckpt-1.keras", "ckpt-2.keras"]
    last = tmp_path / "ckpt-2.keras"
    np.testing.assert_array_equal(models.load_model(last).predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_allclose(np.asarray(keras.models.load_model(last).predict(x, verbose=0)),
                               model.predict(x, verbose=0), rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------- hostile files
def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write(path, members, compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compress) as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    return path


def _edit_config(keras_files, tmp_path, edit, name="mlp"):
    members = _members(keras_files[name][0])
    cfg = json.loads(members["config.json"])
    edit(cfg)
    members["config.json"] = json.dumps(cfg).encode()
    return _write(tmp_path / "hostile.keras", members)


def _edit_weights(keras_files, tmp_path, edit):
    members = _members(keras_files["mlp"][0])
    scratch = tmp_path / "w.h5"
    scratch.write_bytes(members["model.weights.h5"])
    with h5py.File(scratch, "r+") as f:
        edit(f)
    members["model.weights.h5"] = scratch.read_bytes()
    return _write(tmp_path / "hostile.keras", members)


def _refused(path, *words):
    with pytest.raises(ModelFileError) as info:
        models.load_model(path)
    message = str(info.value)
    assert "hostile.keras" in message or os.path.basename(str(path)) in message
    for word in words:
        assert word in message, message


def _mlp_layers(cfg):
    return cfg["config"]["layers"]


def test_a_lambda_layer_is_refused(keras_files, tmp_path):
    def edit(cfg):
        _mlp_layers(cfg).insert(2, {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                                    "config": {"name": "evil", "function": {"class_name": "__lambda__",
                                                                            "config": {"code": "b64..."}}}})
    _refused(_edit_config(keras_files, tmp_path, edit), "Lambda", "never runs code")


def test_a_custom_object_is_refused(keras_files, tmp_path):
    def edit(cfg):
        _mlp_layers(cfg)[1]["registered_name"] = "my_package>MyDense"
    _refused(_edit_config(keras_files, tmp_path, edit), "my_package>MyDense")


def test_a_module_outside_keras_is_refused(keras_files, tmp_path):
    def edit(cfg):
        _mlp_layers(cfg)[1]["config"]["kernel_initializer"]["module"] = "os"
    _refused(_edit_config(keras_files, tmp_path, edit), "'os'", "GlorotUniform")


def test_an_unknown_layer_class_is_refused(keras_files, tmp_path):
    def edit(cfg):
        _mlp_layers(cfg)[1]["class_name"] = "Conv2D"
    _refused(_edit_config(keras_files, tmp_path, edit), "Conv2D")


def test_a_subclassed_model_is_refused(keras_files, tmp_path):
    def edit(cfg):
        cfg.update(module="my_models", class_name="MyModel", registered_name="Custom>MyModel")
    _refused(_edit_config(keras_files, tmp_path, edit), "MyModel")


def test_a_branching_functional_graph_is_refused(keras_files, tmp_path):
    def edit(cfg):  # the second Dense also reads the input: a branch (and a dangling first Dense)
        cfg["config"]["layers"][2]["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = "input_layer_x"
    _refused(_edit_config(keras_files, tmp_path, edit, name="functional"), "one-path")


def test_a_config_that_is_not_json_is_refused(keras_files, tmp_path):
    members = _members(keras_files["mlp"][0])
    members["config.json"] = b"{'class_name': Sequential"
    _refused(_write(tmp_path / "hostile.keras", members), "config.json", "JSON")


@pytest.mark.parametrize("missing", ["config.json", "metadata.json", "model.weights.h5"])
def test_a_missing_member_is_refused(keras_files, tmp_path, missing):
    members = _members(keras_files["mlp"][0])
    del members[missing]
    _refused(_write(tmp_path / "hostile.keras", members), missing)


@pytest.mark.parametrize("name", ["../evil.py", "/etc/passwd", "assets/../../x", "extra.pkl"])
def test_a_path_traversal_or_unexpected_member_is_refused(keras_files, tmp_path, name):
    members = _members(keras_files["mlp"][0])
    members[name] = b"print('owned')"
    _refused(_write(tmp_path / "hostile.keras", members), name)


def test_a_zip_bomb_is_refused(keras_files, tmp_path):
    members = _members(keras_files["mlp"][0])
    members["config.json"] = members["config.json"] + b" " * 4_000_000  # still valid JSON, ratio >> 100
    _refused(_write(tmp_path / "hostile.keras", members, zipfile.ZIP_DEFLATED), "zip bomb")


def test_a_file_over_max_bytes_is_refused(keras_files):
    path = keras_files["mlp"][0]
    with pytest.raises(ModelFileError, match="max_bytes=1000"):
        models.load_model(path, max_bytes=1000)


def test_a_truncated_file_is_refused(keras_files, tmp_path):
    raw = open(keras_files["mlp"][0], "rb").read()
    (tmp_path / "hostile.keras").write_bytes(raw[: len(raw) // 2])
    _refused(tmp_path / "hostile.keras", "zip")


def test_a_weight_of_the_wrong_shape_is_refused(keras_files, tmp_path):
    def edit(f):
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = np.zeros((4, 9), "float32")  # the Dense(8) kernel is (4, 8)
    _refused(_edit_weights(keras_files, tmp_path, edit), "layers/dense'", "(4, 9)")


def test_a_missing_or_extra_weight_is_refused(keras_files, tmp_path):
    _refused(_edit_weights(keras_files, tmp_path, lambda f: f["layers/dense/vars"].create_dataset(
        "2", data=np.zeros(3, "float32"))), "layers/dense'")
    _refused(_edit_weights(keras_files, tmp_path, lambda f: f["layers/dense_1/vars"].__delitem__("1")),
             "layers/dense_1")


def test_weights_for_a_layer_the_config_lacks_are_refused(keras_files, tmp_path):
    _refused(_edit_weights(keras_files, tmp_path, lambda f: f.create_group("layers/dense_7/vars")), "dense_7")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_weights_are_refused(keras_files, tmp_path, bad):
    def edit(f):
        f["layers/dense/vars/1"][3] = bad
    _refused(_edit_weights(keras_files, tmp_path, edit), "NaN or Inf")


def test_a_non_numeric_weight_is_refused(keras_files, tmp_path):
    def edit(f):
        del f["layers/dense/vars/1"]
        f["layers/dense/vars/1"] = np.array([b"abc"] * 8)
    _refused(_edit_weights(keras_files, tmp_path, edit), "numeric")


def test_a_refused_file_leaves_the_global_generator_alone(keras_files, tmp_path):
    members = _members(keras_files["mlp"][0])
    del members["model.weights.h5"]
    path = _write(tmp_path / "hostile.keras", members)
    before = deepgrad.config.rng().bit_generator.state
    with pytest.raises(ModelFileError):
        models.load_model(path)
    assert deepgrad.config.rng().bit_generator.state == before


def test_the_file_is_read_without_extracting_anything(keras_files, tmp_path):
    members = _members(keras_files["mlp"][0])
    io.BytesIO()  # the loader reads members into memory: the folder holds only the file afterwards
    path = _write(tmp_path / "m.keras", members)
    models.load_model(path)
    assert os.listdir(tmp_path) == ["m.keras"]


def test_a_link_to_another_file_is_refused(keras_files, tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["secret"] = np.zeros((4, 8), "float32")

    def edit(f):
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.ExternalLink(str(other), "secret")
    _refused(_edit_weights(keras_files, tmp_path, edit), "external HDF5 link")


def test_a_dataset_stored_in_another_file_is_refused(keras_files, tmp_path):
    (tmp_path / "raw.bin").write_bytes(np.zeros(32, "float32").tobytes())

    def edit(f):
        del f["layers/dense/vars/0"]
        f["layers/dense/vars"].create_dataset("0", shape=(4, 8), dtype="float32",
                                              external=[(str(tmp_path / "raw.bin"), 0, 128)])
    _refused(_edit_weights(keras_files, tmp_path, edit), "outside the file")


def test_a_deepgrad_functional_model_is_a_keras_functional_model_and_comes_back_as_one(deepgrad_files):
    path, model, _ = deepgrad_files["functional"]
    km = keras.models.load_model(path)
    assert type(km).__name__ == "Functional" and [layer.name for layer in km.layers] == \
        [layer.name for layer in model._layers]
    assert isinstance(models.load_model(path), models.Model)


# ---------------------------------------------------------------------- optimizer state
KERAS_OPTIMIZERS = {
    "Adam": lambda: keras.optimizers.Adam(0.01),
    "Adam amsgrad": lambda: keras.optimizers.Adam(0.01, amsgrad=True),
    "AdamW": lambda: keras.optimizers.AdamW(0.01),
    "SGD nesterov": lambda: keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True),
    "RMSprop centered": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "Adagrad": lambda: keras.optimizers.Adagrad(0.05),
}


def _max_diff(a, b):
    return max(float(np.abs(np.asarray(u) - np.asarray(v)).max()) for u, v in zip(a, b))


@pytest.mark.parametrize("name", list(KERAS_OPTIMIZERS))
def test_training_continues_across_keras_and_deepgrad_with_the_optimizer_state(tmp_path, name):
    """Keras trains 3 steps and saves; deepgrad loads and both take the same 4th step: the
    weights agree to float32 rounding. deepgrad saves, Keras loads, both take a 5th: again. A
    fresh optimizer's step (the state lost) lands far away, so the comparison can fail."""
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 2)).astype("float32")
    keras.utils.set_random_seed(5)
    km = keras.Sequential([keras.Input((4,)), KL.Dense(3, activation="tanh"), KL.BatchNormalization(), KL.Dense(2)])
    km.compile(optimizer=KERAS_OPTIMIZERS[name](), loss="mse")
    km.fit(x, y, batch_size=16, epochs=3, verbose=0)
    km.save(tmp_path / "k.keras")
    model = models.load_model(tmp_path / "k.keras")
    fresh = models.load_model(tmp_path / "k.keras", compile=False)
    fresh.compile(optimizer=type(model.optimizer).from_config(model.optimizer.get_config()), loss="mse")
    for m in (model, km, fresh):
        m.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    assert _max_diff(model.get_weights(), km.get_weights()) < 1e-6
    assert _max_diff(fresh.get_weights(), km.get_weights()) > 1e-4  # without the state: another step
    model.save(tmp_path / "d.keras")
    k2 = keras.models.load_model(tmp_path / "d.keras")
    for m in (model, k2):
        m.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    assert _max_diff(model.get_weights(), k2.get_weights()) < 1e-6


def test_an_optimizer_state_of_the_wrong_size_is_refused(tmp_path):
    keras.utils.set_random_seed(6)
    km = keras.Sequential([keras.Input((4,)), KL.Dense(2)])
    km.compile(optimizer="adam", loss="mse")
    km.fit(np.ones((4, 4), "float32"), np.ones((4, 2), "float32"), verbose=0)
    km.save(tmp_path / "k.keras")
    members = _members(tmp_path / "k.keras")
    scratch = tmp_path / "w.h5"
    scratch.write_bytes(members["model.weights.h5"])
    with h5py.File(scratch, "r+") as f:
        del f["optimizer/vars/5"]  # iterations, learning_rate, m/v of kernel, m/v of bias: 6 variables
    members["model.weights.h5"] = scratch.read_bytes()
    _refused(_write(tmp_path / "hostile.keras", members), "optimizer holds 5 variables", "needs 6")


def test_weights_hidden_under_an_input_layer_are_refused(keras_files, tmp_path):
    members = _members(keras_files["functional"][0])
    scratch = tmp_path / "w.h5"
    scratch.write_bytes(members["model.weights.h5"])
    with h5py.File(scratch, "r+") as f:
        f["layers/input_layer/vars"].create_dataset("0", data=np.zeros(3, "float32"))
    members["model.weights.h5"] = scratch.read_bytes()
    _refused(_write(tmp_path / "hostile.keras", members), "InputLayer", "layers/input_layer")
