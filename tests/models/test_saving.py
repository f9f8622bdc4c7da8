"""Regression tests for review findings on saving and the progress bar.

1. A seeded Dropout inside a wrapper keeps its generator across save/load and backups.
2. compile(metrics=[Metric objects]) can be saved, and load_model compiles with the same metrics.
3. fit(verbose=2) prints Keras's "Epoch i/N" header and its one-line epoch summary.
"""

import io
import json
import os
import re
import zipfile

import numpy as np
import pytest

from deepgrad import layers as L, metrics
from deepgrad.callbacks import BackupAndRestore, LambdaCallback
from deepgrad.callbacks.progbar import ProgbarLogger, format_time_per_step
from deepgrad.models import ModelFileError, Sequential, load_model
from deepgrad.optimizers import Adam
from deepgrad.utils import set_random_seed


def _same(a, b):
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


def _rewrite_member(path, name, raw):
    """Replace one member of a .deepgrad archive (as another writer would have written it)."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[name] = raw
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)


# ---------------------------------------------------------------- 1. nested seeded generators
X_SEQ = np.random.default_rng(0).standard_normal((12, 3, 2)).astype("float32")
Y_SEQ = np.random.default_rng(1).standard_normal((12, 3, 2)).astype("float32")
FIT_SEQ = dict(batch_size=4, verbose=0, shuffle=True)


def _td_model():
    set_random_seed(0)
    model = Sequential([L.Input((3, 2)), L.TimeDistributed(L.Dropout(0.5, seed=1)), L.Dense(2)])
    model.compile(Adam(0.01), "mse")
    return model


def test_time_distributed_seeded_dropout_resumes_exactly_after_save_and_load(tmp_path):
    # Reference: 2 epochs in one go. The inner Dropout's generator advances during epoch 1, so
    # the resumed epoch 2 only matches if that generator's state travels with the file.
    reference = _td_model()
    reference.fit(X_SEQ, Y_SEQ, epochs=2, **FIT_SEQ)

    model = _td_model()
    model.fit(X_SEQ, Y_SEQ, epochs=1, **FIT_SEQ)
    path = tmp_path / "td.deepgrad"
    model.save(path)
    resumed = load_model(path)  # the global generator continues untouched (shuffling of epoch 2)
    resumed.fit(X_SEQ, Y_SEQ, epochs=1, **FIT_SEQ)
    assert _same(resumed.get_weights(), reference.get_weights())
    state = json.loads(zipfile.ZipFile(path).read("state.json"))
    assert list(state["layer_rng"]) == ["1/layer"]  # layer 1 (after Input), attribute `layer`


def test_time_distributed_seeded_dropout_resumes_exactly_with_backup_and_restore(tmp_path):
    class Interrupt(Exception):
        pass

    where = {"epoch": None}

    def stop(batch, logs):
        if (where["epoch"], batch) == (1, 1):
            raise Interrupt

    reference = _td_model()
    reference.fit(X_SEQ, Y_SEQ, epochs=3, **FIT_SEQ)

    stopper = LambdaCallback(on_epoch_begin=lambda epoch, logs: where.update(epoch=epoch), on_train_batch_end=stop)
    with pytest.raises(Interrupt):  # backups after every batch; killed in the middle of epoch 2
        _td_model().fit(X_SEQ, Y_SEQ, epochs=3, **FIT_SEQ, callbacks=[BackupAndRestore(tmp_path, save_freq=1),
                                                                      stopper])
    resumed = _td_model()
    resumed.fit(X_SEQ, Y_SEQ, epochs=3, **FIT_SEQ, callbacks=[BackupAndRestore(tmp_path, save_freq=1)])
    assert _same(resumed.get_weights(), reference.get_weights())


def test_file_without_nested_generator_states_still_loads(tmp_path):
    # Files written before nested states were saved hold {"layer_rng": {}} for this model; the
    # inner Dropout then keeps the generator its config seeds (that of a fresh Dropout(seed=1)).
    model = _td_model()
    model.fit(X_SEQ, Y_SEQ, epochs=1, **FIT_SEQ)
    path = tmp_path / "old.deepgrad"
    model.save(path)
    _rewrite_member(path, "state.json", b'{"layer_rng": {}}')
    loaded = load_model(path)
    fresh = L.Dropout(0.5, seed=1)
    assert loaded.layers[0].layer._rng.bit_generator.state == fresh._rng.bit_generator.state
    assert _same(loaded.get_weights(), model.get_weights())


def test_unknown_nested_generator_path_is_refused(tmp_path):
    model = _td_model()
    path = tmp_path / "bad.deepgrad"
    model.save(path)
    state = json.loads(zipfile.ZipFile(path).read("state.json"))
    state["layer_rng"]["1/other"] = state["layer_rng"]["1/layer"]
    _rewrite_member(path, "state.json", json.dumps(state).encode())
    with pytest.raises(ModelFileError, match="1/other"):
        load_model(path)


# ---------------------------------------------------------------- 2. Metric objects in compile
X_CLS = np.random.default_rng(2).standard_normal((20, 3)).astype("float32")
Y_CLS = np.eye(3, dtype="float32")[np.random.default_rng(3).integers(0, 3, 20)]


def _metric_model(metric_list):
    set_random_seed(0)
    model = Sequential([L.Input((3,)), L.Dense(3, activation="softmax")])
    model.compile(Adam(0.05), "categorical_crossentropy", metrics=metric_list)
    return model


def test_metric_objects_are_saved_and_restored(tmp_path):
    model = _metric_model([metrics.CategoricalAccuracy(), metrics.BinaryAccuracy(name="bin", threshold=0.3), "mae"])
    model.fit(X_CLS, Y_CLS, epochs=1, batch_size=5, verbose=0)
    path = tmp_path / "m.deepgrad"
    model.save(path)  # raised TypeError (a Metric object is not JSON) before the fix
    loaded = load_model(path)
    # evaluate gives [loss, categorical_accuracy, bin, mae]; the threshold 0.3 must survive: check
    # `bin` against its formula mean((p > 0.3) == (y > 0.5)) on the loaded model's predictions.
    values = loaded.evaluate(X_CLS, Y_CLS, batch_size=20, verbose=0)
    assert values == model.evaluate(X_CLS, Y_CLS, batch_size=20, verbose=0)
    p = loaded.predict(X_CLS, verbose=0)
    assert values[2] == pytest.approx(np.mean((p > 0.3) == (Y_CLS > 0.5)))
    assert values[1] == pytest.approx(np.mean(p.argmax(1) == Y_CLS.argmax(1)))
    # one more epoch on each: the same History keys and values (training resumes exactly)
    h_loaded = loaded.fit(X_CLS, Y_CLS, epochs=1, batch_size=5, verbose=0, shuffle=False)
    h_model = model.fit(X_CLS, Y_CLS, epochs=1, batch_size=5, verbose=0, shuffle=False)
    assert list(h_loaded.history) == ["bin", "categorical_accuracy", "loss", "mae"]
    assert h_loaded.history == h_model.history


def test_unresolved_accuracy_object_is_saved_as_its_name(tmp_path):
    model = _metric_model([metrics.get("acc")])  # an Accuracy that resolves on first use
    path = tmp_path / "acc.deepgrad"
    model.save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    assert config["compile_config"]["metrics"] == ["acc"]
    h = load_model(path).fit(X_CLS, Y_CLS, epochs=1, batch_size=20, verbose=0)
    assert list(h.history) == ["acc", "loss"]


def test_unregistered_metric_class_refused_at_save_and_no_file_written(tmp_path):
    class Hits(metrics.Metric):  # a user metric deepgrad's registry does not know
        def values(self, y_true, y_pred):
            return y_true.argmax(-1) == y_pred.argmax(-1)

    model = _metric_model([Hits()])
    with pytest.raises(ValueError, match="Hits"):
        model.save(tmp_path / "h.deepgrad")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("entry", [{"class_name": "NoSuchMetric", "config": {}},
                                   {"class_name": "BinaryAccuracy", "config": {"threshold": "x"}},
                                   {"class_name": "CategoricalAccuracy", "config": {"name": 5}}, 7])
def test_bad_metric_entry_in_file_is_a_model_file_error(tmp_path, entry):
    path = tmp_path / "m.deepgrad"
    _metric_model(["mae"]).save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    config["compile_config"]["metrics"] = [entry]
    _rewrite_member(path, "config.json", json.dumps(config).encode())
    with pytest.raises(ModelFileError, match="compile_config"):
        load_model(path)


# ---------------------------------------------------------------- model-level `trainable` in config.json
def _config_with(path, **model_keys):
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    for k, v in model_keys.items():
        if v is None:
            config["config"].pop(k, None)
        else:
            config["config"][k] = v
    _rewrite_member(path, "config.json", json.dumps(config).encode())


@pytest.mark.parametrize("flag, frozen", [(False, True), (True, False), (None, False)])  # None: key absent
def test_model_trainable_flag_in_config_is_passed_to_the_loaded_model(tmp_path, flag, frozen):
    path = tmp_path / "t.deepgrad"
    _metric_model([]).save(path)
    _config_with(path, trainable=flag)  # Sequential.get_config holds "trainable" (as Keras's)
    loaded = load_model(path)
    assert loaded.trainable is (not frozen)
    assert len(loaded.trainable_weights) == (0 if frozen else 2)  # Dense(3) on 3 inputs: kernel, bias


def test_model_trainable_flag_of_wrong_type_is_a_model_file_error(tmp_path):
    path = tmp_path / "t.deepgrad"
    _metric_model([]).save(path)
    _config_with(path, trainable="no")
    with pytest.raises(ModelFileError, match="trainable"):
        load_model(path)


# ---------------------------------------------------------------- 3. progress bar, verbose=2
# Keras 3 (keras/src/callbacks/progbar_logger.py, keras/src/utils/progbar.py): on_epoch_begin
# prints "Epoch {i}/{N}" when verbose and N > 1; with verbose=2 the finalized line is
# "{step}/{steps} - {elapsed:.0f}s - {time per step} - {k}: {v}" ("{v:.4f}" if v > 1e-3 else "{v:.4e}").
_TIME = r"\d+s - \d+(s|ms|us)/step"


def _v2_line(steps, logs):
    values = "".join(re.escape(f" - {k}: {v:.4f}") for k, v in sorted(logs.items()))
    return rf"{steps}/{steps} - {_TIME}{values}\n"


def test_fit_verbose_2_prints_the_epoch_header_then_one_line(capsys):
    model = _metric_model(["accuracy"])
    h = model.fit(X_CLS, Y_CLS, epochs=2, batch_size=8, verbose=2)  # 20 rows: 3 steps
    out = capsys.readouterr().out
    logs = [{k: v[e] for k, v in h.history.items()} for e in range(2)]
    assert all(v > 1e-3 for e in logs for v in e.values())  # so every value prints as .4f
    expected = f"Epoch 1/2\n{_v2_line(3, logs[0])}Epoch 2/2\n{_v2_line(3, logs[1])}"
    assert re.fullmatch(expected, out), out


def test_fit_verbose_2_single_epoch_has_no_header(capsys):
    model = _metric_model([])
    h = model.fit(X_CLS, Y_CLS, epochs=1, batch_size=20, verbose=2)
    out = capsys.readouterr().out
    assert re.fullmatch(_v2_line(1, {"loss": h.history["loss"][0]}), out), out


@pytest.mark.parametrize("verbose, text", [(1, "-0.5000"), (2, "-5.0000e-01")])
def test_negative_values_follow_keras_rule_per_verbose_mode(verbose, text):
    # verbose=1 compares |v| > 1e-3 (abs), verbose=2 compares v > 1e-3 (no abs) in Keras's Progbar
    stream = io.StringIO()
    bar = ProgbarLogger(verbose=verbose, stream=stream)
    bar.set_params({"epochs": 1, "steps": 2, "verbose": verbose})
    bar.on_epoch_begin(0)
    bar.on_epoch_end(0, {"loss": -0.5})
    assert stream.getvalue().endswith(f" - loss: {text}\n"), stream.getvalue()


def test_time_per_step_zero_prints_as_seconds():
    # Keras's _format_time: "s" when the time is >= 1 or exactly 0
    assert [format_time_per_step(t) for t in (0.0, 2.0, 0.0042, 4.2e-5)] == ["0s/step", "2s/step", "4ms/step",
                                                                             "42us/step"]


def test_a_config_with_layer_dtype_object_is_refused_on_load(tmp_path):
    # issue 13 item 15: dtype "object" loaded, then fit raised a bare TypeError
    from deepgrad.models import Sequential, load_model
    from deepgrad.models.saving import ModelFileError

    m = Sequential([L.InputLayer(input_shape=(2,)), L.Dense(1)])
    m.build((None, 2))
    m.save(tmp_path / "m.deepgrad")
    with zipfile.ZipFile(tmp_path / "m.deepgrad") as z:
        members = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in members if n.endswith("config.json") and b'"layers"' in members[n])
    members[name] = members[name].replace(b'"float32"', b'"object"')
    with zipfile.ZipFile(tmp_path / "bad.deepgrad", "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    with pytest.raises(ModelFileError, match="dtype 'object'"):
        load_model(tmp_path / "bad.deepgrad")
