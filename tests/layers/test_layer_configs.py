"""Regression tests for the layer bugs found in review: each asserts Keras's behaviour."""

import json
import zipfile

import numpy as np
import pytest

from deepgrad import activations, initializers, regularizers
from deepgrad.layers import (LSTM, RNN, BatchNormalization, Bidirectional, Dense, Dropout, Flatten,
                             Input, LayerNormalization, LeakyReLU, PReLU, Reshape, SimpleRNN)
from deepgrad.layers.base import LAYERS
from deepgrad.models import Sequential, load_model
from deepgrad.models.saving import ModelFileError

X = np.random.default_rng(0).standard_normal((2, 4, 2)) * 3


def simple_rnn_literal(x, kernel, recurrent_kernel, bias, f):
    """h_t = f(x_t K + h_{t-1} R + b), h_0 = 0: Keras's SimpleRNN cell, written out; last h."""
    h = np.zeros((x.shape[0], kernel.shape[1]))
    for t in range(x.shape[1]):
        h = f(x[:, t] @ kernel + h @ recurrent_kernel + bias)
    return h


# ------------------------------------------------------------- 1. RNN activation objects
def test_rnn_activation_objects_serialize_by_name():
    lay = LSTM(3, activation=activations.relu, recurrent_activation=activations.hard_sigmoid)
    cfg = lay.get_config()
    assert cfg["activation"] == "relu" and cfg["recurrent_activation"] == "hard_sigmoid"
    assert SimpleRNN(3, activation=activations.tanh).get_config()["activation"] == "tanh"
    assert LSTM(3, recurrent_activation=activations.sigmoid).get_config()["recurrent_activation"] == "sigmoid"


def test_simple_rnn_with_activation_object_survives_save_and_load(tmp_path):
    model = Sequential([Input((4, 2)), SimpleRNN(3, activation=activations.tanh), Dense(1)])
    x = X.astype("float32")
    path = str(tmp_path / "m.deepgrad")
    model.save(path)
    np.testing.assert_array_equal(load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


def test_bidirectional_backward_copy_keeps_activation_object(float64):
    b = Bidirectional(SimpleRNN(2, activation=activations.relu))
    b(X)
    assert b.backward_layer.get_config()["activation"] == "relu"
    K, R, bias = b.forward_layer.get_weights()
    b.backward_layer.set_weights([K, R, bias])
    relu = lambda z: np.maximum(z, 0)  # noqa: E731
    # go_backwards: the backward copy reads the sequence from the last step to the first
    expected = simple_rnn_literal(X[:, ::-1], K, R, bias, relu)
    np.testing.assert_allclose(b.backward_layer(X), expected, rtol=1e-12)


def test_user_function_named_tanh_is_not_replaced_by_builtin(float64):
    def tanh(z):  # a user function that merely shares the built-in's name
        return 2.0 * np.tanh(z)

    lay = SimpleRNN(2, activation=tanh)
    y = lay(X)
    expected = simple_rnn_literal(X, *lay.get_weights(), tanh)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    # a plain callable cannot be written to a config (as for Dense), never as the built-in "tanh"
    with pytest.raises(ValueError, match="plain callable"):
        lay.get_config()


def test_configured_builtin_activation_is_not_computed_as_plain_one(float64):
    capped = activations.Relu(max_value=0.5)  # name "relu", but not the default relu
    lay = SimpleRNN(2, activation=capped)
    y = lay(X)
    expected = simple_rnn_literal(X, *lay.get_weights(), lambda z: np.clip(z, 0, 0.5))
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    assert lay.get_config()["activation"] == {"class_name": "Relu", "config": capped.get_config()}


# ------------------------------------------------------------- 2. normalization initializers
def test_batch_normalization_config_keeps_initializer_objects():
    bn = BatchNormalization(gamma_initializer=initializers.Constant(2.0),
                            moving_variance_initializer=initializers.Constant(4.0))
    cfg = bn.get_config()
    assert cfg["gamma_initializer"] == {"class_name": "Constant", "config": {"value": 2.0}}
    clone = BatchNormalization.from_config({**cfg, "name": "clone"})
    clone.build((None, 3))
    # Constant(v) fills every entry with v
    np.testing.assert_array_equal(clone.gamma.value, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(clone.moving_variance.value, [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(clone.beta.value, [0.0, 0.0, 0.0])  # default "zeros"


def test_layer_normalization_config_keeps_initializer_objects():
    ln = LayerNormalization(beta_initializer=initializers.Constant(-1.5))
    clone = LayerNormalization.from_config({**ln.get_config(), "name": "clone"})
    clone.build((None, 2))
    np.testing.assert_array_equal(clone.beta.value, [-1.5, -1.5])


@pytest.mark.parametrize("make,exc,argname", [
    (lambda: BatchNormalization(gamma_initializer="bad"), ValueError, "gamma_initializer"),
    (lambda: BatchNormalization(moving_mean_initializer=3), TypeError, "moving_mean_initializer"),
    (lambda: BatchNormalization(moving_variance_initializer=None), TypeError, "moving_variance_initializer"),
    (lambda: LayerNormalization(beta_initializer=3), TypeError, "beta_initializer"),
])
def test_normalization_initializers_checked_in_constructor(make, exc, argname):
    with pytest.raises(exc, match=argname):
        make()


# ------------------------------------------------------------- 3. abstract bases not loadable
def _rewrite_config(src, dst, edit):
    """Copy the model file ``src`` to ``dst`` with ``edit`` applied to its config.json."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            raw = zin.read(name)
            if name == "config.json":
                cfg = json.loads(raw)
                edit(cfg)
                raw = json.dumps(cfg).encode()
            zout.writestr(name, raw)


@pytest.mark.parametrize("index,entry", [
    (1, {"class_name": "RNN", "config": {"units": 3}}),
    (2, {"class_name": "_Normalization", "config": {"name": "n"}}),
])
def test_model_file_naming_an_abstract_layer_class_fails_at_load(tmp_path, index, entry):
    model = Sequential([Input((4, 2)), SimpleRNN(3), Flatten(), Dense(2)])
    src, bad = str(tmp_path / "ok.deepgrad"), str(tmp_path / "bad.deepgrad")
    model.save(src)
    _rewrite_config(src, bad, lambda cfg: cfg["config"]["layers"].__setitem__(index, entry))
    with pytest.raises(ModelFileError, match="unknown layer class"):
        load_model(bad)


def test_abstract_layer_bases_are_not_registered_or_constructible():
    for name in ("RNN", "rnn", "_Normalization", "_normalization"):
        with pytest.raises(ValueError, match="Unknown layer"):
            LAYERS.lookup(name, "class_name")
    with pytest.raises(TypeError, match="abstract"):
        RNN(3)


# ------------------------------------------------------------- 4. Reshape after a None axis
def test_reshape_after_unknown_axis():
    model = Sequential([Input((None, 4)), Reshape((-1, 2))])
    assert model.output_shape == (None, None, 2)  # Keras: the -1 entry stays unknown
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    # 3 * 4 = 12 entries per sample -> (6, 2), in C order as numpy's reshape
    np.testing.assert_array_equal(model.predict(x, verbose=0), x.reshape(2, 6, 2))
    layer = model.layers[-1]
    np.testing.assert_array_equal(layer.backward(x.reshape(2, 6, 2)), x)
    # 12 entries do not split into rows of 5: at run time (unknown axis) and at build time
    unknown = Reshape((-1, 5))
    unknown.build((None, None, 4))
    with pytest.raises(ValueError, match="target_shape"):
        unknown(x)
    with pytest.raises(ValueError, match="target_shape"):
        Reshape((-1, 5))(x)


# ------------------------------------------------------------- 5. argument checks
@pytest.mark.parametrize("make,exc,argname", [
    (lambda: Reshape((2.7, -1)), TypeError, "target_shape"),
    (lambda: Reshape((True, -1)), TypeError, "target_shape"),
    (lambda: Reshape(("2", -1)), TypeError, "target_shape"),
    (lambda: Reshape((-1, -1)), ValueError, "target_shape"),
    (lambda: Reshape((2, 0)), ValueError, "target_shape"),
    (lambda: Dropout(0.5, noise_shape=(-1, 4)), ValueError, "noise_shape"),
    (lambda: Dropout(0.5, noise_shape=(0, 4)), ValueError, "noise_shape"),
    (lambda: Dropout(0.5, noise_shape="ab"), ValueError, "noise_shape"),
    (lambda: Dropout(0.5, noise_shape=(None, 2.0)), ValueError, "noise_shape"),
    (lambda: Dropout(0.5, noise_shape=(None, True)), ValueError, "noise_shape"),
    (lambda: PReLU(alpha_constraint="non_negative"), ValueError, "alpha_constraint"),
    (lambda: LeakyReLU(-0.5), ValueError, "negative_slope"),  # Keras's layer refuses < 0
    (lambda: LeakyReLU(alpha=-0.1), ValueError, "alpha"),
])
def test_bad_layer_arguments_name_the_argument(make, exc, argname):
    with pytest.raises(exc, match=argname):
        make()


def test_reshape_accepts_ints_and_a_saved_list():
    assert Reshape((np.int64(2), -1)).target_shape == (2, -1)
    assert Reshape([3, 2]).target_shape == (3, 2)


def test_prelu_takes_an_alpha_constraint():
    # weight constraints are supported since issue 17 (deepgrad.constraints)
    layer = PReLU(alpha_constraint="non_neg")
    assert layer.get_config()["alpha_constraint"] == {"class_name": "NonNeg", "config": {}}
    assert PReLU(alpha_constraint=None).get_config()["alpha_constraint"] is None


@pytest.mark.parametrize("noise_shape", [(None, 3), (2, 4, 1), (None,)])
def test_dropout_noise_shape_that_cannot_broadcast_fails_naming_it(noise_shape):
    x = np.ones((2, 4))
    with pytest.raises(ValueError, match="noise_shape"):
        Dropout(0.5, noise_shape=noise_shape)(x, training=True)
    with pytest.raises(ValueError, match="noise_shape"):  # at build, before any data
        Sequential([Input((4,)), Dropout(0.5, noise_shape=noise_shape)])


def test_dropout_noise_shape_shares_the_mask_along_size_one_axes():
    x = np.ones((3, 5), dtype="float32")
    y = Dropout(0.5, noise_shape=(None, 1), seed=1)(x, training=True)
    # one mask entry per sample, shared by its 5 features: every row is all 0 or all 2
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert all(len(np.unique(row)) == 1 for row in y)
    with pytest.raises(ValueError, match="noise_shape"):  # batch of 3, mask for 2
        Dropout(0.5, noise_shape=(2, 1))(x, training=True)


# ------------------------------------------------------------- 6. regularizer names
def test_l1l2_resolves_by_keras3_name_and_alias():
    # Keras 3 registers L1L2 under to_snake_case("L1L2") = "l1l2"; "l1_l2" is kept as an alias
    for name in ("l1l2", "l1_l2", "L1L2"):
        reg = regularizers.get(name)
        assert type(reg) is regularizers.L1L2 and reg.get_config() == {"l1": 0.0, "l2": 0.0}
    layer = Dense(2, kernel_regularizer="l1l2")
    assert type(layer.kernel_regularizer) is regularizers.L1L2
