"""Dense, Dropout, Flatten, Reshape, Input: math, gradients (float64 central differences), torch parity."""

import numpy as np
import pytest
import torch

from deepgrad import config, gradcheck, initializers
from deepgrad.layers import Dense, Dropout, Flatten, Input, Reshape
from deepgrad.utils import set_random_seed



def test_dense_forward_is_x_at_kernel_plus_bias(float64):
    layer = Dense(3, kernel_initializer=initializers.Constant(0.5), bias_initializer=initializers.Constant(0.25))
    x = np.arange(8.0).reshape(2, 4)
    y = layer(x)
    # every kernel entry is 0.5: y[i, j] = 0.5 * sum(x[i]) + 0.25 -> row sums 6 and 22
    np.testing.assert_allclose(y, [[3.25] * 3, [11.25] * 3])
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.value.shape == (4, 3) and layer.count_params() == 4 * 3 + 3


@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid", "softmax", "gelu", "swish", "elu"])
def test_dense_gradients_match_central_differences(float64, activation):
    set_random_seed(1)
    layer = Dense(5, activation=activation, kernel_regularizer=None)
    x = config.rng().normal(size=(7, 4))
    errors = gradcheck.check_layer(layer, x)
    assert max(errors.values()) < 1e-6, errors


def test_dense_on_3d_input_acts_on_last_axis(float64):
    set_random_seed(2)
    layer = Dense(3, activation="tanh")
    x = config.rng().normal(size=(2, 5, 4))
    y = layer(x)
    assert y.shape == (2, 5, 3)
    # the same as applying the layer to each time step separately
    np.testing.assert_allclose(y[:, 1], layer(x[:, 1]), rtol=1e-12)
    errors = gradcheck.check_layer(layer, x)
    assert max(errors.values()) < 1e-6, errors


def test_dense_matches_torch_linear_forward_and_backward(float64):
    set_random_seed(3)
    layer = Dense(6, activation="relu")
    layer.build((None, 4))
    x = config.rng().normal(size=(5, 4))
    y = layer.forward(x, training=True)
    g = config.rng().normal(size=y.shape)
    dx = layer.backward(g.copy())
    lin = torch.nn.Linear(4, 6).double()
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(layer.kernel.value.T))  # Keras (in, out) -> torch (out, in)
        lin.bias.copy_(torch.from_numpy(layer.bias.value))
    xt = torch.from_numpy(x).requires_grad_(True)
    yt = torch.relu(lin(xt))
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.kernel.grad, lin.weight.grad.numpy().T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, lin.bias.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_dropout_is_inverted_and_only_active_in_training():
    set_random_seed(4)
    layer = Dropout(0.25)
    x = np.ones((200, 50), dtype=np.float32)
    assert layer(x, training=False) is not None
    np.testing.assert_array_equal(layer(x, training=False), x)  # inference: identity, no scaling
    y = layer(x, training=True)
    # kept units are scaled by 1 / (1 - 0.25) = 4/3, dropped ones are 0 (reference §3: {0, 1.3333})
    np.testing.assert_allclose(np.unique(y), [0.0, 4 / 3], rtol=1e-6)
    # 10,000 Bernoulli(0.75) draws: kept fraction within 5 standard deviations (sd = sqrt(.75*.25/1e4) = 0.0043)
    assert abs((y > 0).mean() - 0.75) < 5 * 0.0043
    # backward uses the same mask
    g = np.ones_like(x)
    np.testing.assert_array_equal(layer.backward(g), y)


def test_dropout_with_seed_is_reproducible_and_rate_zero_is_identity():
    x = np.ones((4, 6), dtype=np.float32)
    a = Dropout(0.5, seed=7)(x, training=True)
    b = Dropout(0.5, seed=7)(x, training=True)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(Dropout(0.0)(x, training=True), x)


def test_flatten_and_reshape_round_trip_values_and_gradients():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    f = Flatten()
    y = f(x)
    assert y.shape == (2, 12) and f.output_shape == (None, 12)
    np.testing.assert_array_equal(f.backward(y), x)
    r = Reshape((4, -1))
    z = r(x)
    assert z.shape == (2, 4, 3) and r.output_shape == (None, 4, 3)
    np.testing.assert_array_equal(r.backward(z), x)


def test_input_declares_the_sample_shape():
    layer = Input(shape=(784,))
    assert layer.shape == (784,)


@pytest.mark.parametrize("make, match", [
    (lambda: Dense(0), "units"),
    (lambda: Dense(2.5), "units"),
    (lambda: Dense(3, activation="nope"), "activation"),
    (lambda: Dense(3, kernel_initializer="nope"), "kernel_initializer"),
    (lambda: Dropout(1.0), "rate"),
    (lambda: Dropout(-0.1), "rate"),
    (lambda: Reshape((2, -1, -1)), "target_shape"),
    (lambda: Dense(3, input_shape=(0,)), "input_shape"),
    (lambda: Input(), "shape"),
])
def test_bad_constructor_arguments_name_the_argument(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_set_weights_checks_shapes_and_count_before_changing_anything():
    layer = Dense(2)
    layer.build((None, 3))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="kernel.*shape"):
        layer.set_weights([np.zeros((3, 3)), np.zeros(2)])
    with pytest.raises(ValueError, match="2 arrays"):
        layer.set_weights([np.zeros((3, 2))])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_get_config_round_trip_rebuilds_an_equal_layer():
    layer = Dense(4, activation="relu", use_bias=False, name="d")
    clone = Dense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("make", [lambda: __import__("deepgrad").layers.Dense(None),
                                  lambda: __import__("deepgrad").layers.Dense("64"),
                                  lambda: __import__("deepgrad").layers.Dense(2.5),
                                  lambda: __import__("deepgrad").layers.Dense(0),
                                  lambda: __import__("deepgrad").layers.Dropout(0.5, noise_shape="x")])
def test_bad_values_raise_value_error_as_keras(make):
    # Keras 3.15 raises ValueError for each of these (checked against keras.layers)
    with pytest.raises(ValueError, match="units|noise_shape"):
        make()
