"""Activation layers: gradient checks, PyTorch PReLU parity, Keras defaults, config, fusion hooks."""

import numpy as np
import pytest
import torch

from deepgrad import activations, gradcheck, layers



RNG = np.random.default_rng(11)
X = RNG.uniform(-3, 3, (5, 6))
X[np.abs(X) < 0.05] += 0.1


def _layers():
    return [
        layers.Activation("tanh"), layers.Activation("gelu"), layers.Activation("softmax"),
        layers.ReLU(), layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5),
        layers.LeakyReLU(), layers.ELU(alpha=0.7), layers.Softmax(),
        layers.PReLU(alpha_initializer="random_normal"), layers.Swish(beta=1.3),
        layers.Swish(beta=0.8, trainable_beta=True),
    ]


@pytest.mark.parametrize("index", range(len(_layers())))
def test_gradcheck_every_layer(index, float64):
    layer = _layers()[index]
    x = X.copy()
    if isinstance(layer, layers.ReLU):
        for kink in (0.5, 1.0):
            x[np.abs(x - kink) < 0.05] += 0.1
    errors = gradcheck.check_layer(layer, x)
    assert set(errors) == {"input"} | {w.name for w in layer.trainable_weights}
    assert max(errors.values()) < 1e-6, errors


def test_prelu_shared_axes_gradcheck(float64):
    layer = layers.PReLU(alpha_initializer="random_uniform", shared_axes=[1])
    x = RNG.uniform(-2, 2, (3, 4, 5))
    errors = gradcheck.check_layer(layer, x)
    assert layer.alpha.shape == (1, 5) and max(errors.values()) < 1e-6


def test_prelu_parity_with_torch(float64):
    """Keras PReLU(shared_axes=[2]) on (N, C, L) = torch nn.PReLU(C) (one alpha per channel)."""
    x = RNG.standard_normal((4, 3, 7))
    alpha = RNG.uniform(-0.5, 0.5, 3)
    ours = layers.PReLU(shared_axes=[2])
    ours.build((None, 3, 7))
    ours.set_weights([alpha.reshape(3, 1)])
    theirs = torch.nn.PReLU(3).double()
    theirs.weight.data = torch.tensor(alpha)
    r = RNG.standard_normal(x.shape)
    tx = torch.tensor(x, requires_grad=True)
    ty = theirs(tx)
    (ty * torch.tensor(r)).sum().backward()
    y = ours.forward(x, training=True)
    dx = ours.backward(r)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.alpha.grad.ravel(), theirs.weight.grad.numpy(), rtol=0, atol=1e-10)


def test_keras_defaults():
    assert layers.LeakyReLU().activation.negative_slope == 0.3          # layer default (function: 0.2)
    assert layers.LeakyReLU(alpha=0.1).activation.negative_slope == 0.1  # Keras 2 spelling
    relu = layers.ReLU()
    assert (relu.activation.max_value, relu.activation.negative_slope, relu.activation.threshold) == (None, 0.0, 0.0)
    assert layers.ELU().activation.alpha == 1.0
    assert layers.Softmax().activation.axis == -1
    p = layers.PReLU()
    p.build((None, 10))
    assert p.count_params() == 10 and np.all(p.get_weights()[0] == 0)   # alpha starts at 0, per feature
    assert layers.Swish().count_params() == 0
    s = layers.Swish(beta=2.0, trainable_beta=True)
    s.build((None, 3))
    assert s.count_params() == 1 and s.get_weights()[0][0] == 2.0


def test_relu6_forward():
    y = layers.ReLU(max_value=6.0)(np.array([[-1.0, 3.0, 7.0]]))
    np.testing.assert_array_equal(y, [[0.0, 3.0, 6.0]])


@pytest.mark.parametrize("index", range(len(_layers())))
def test_config_roundtrip(index):
    layer = _layers()[index]
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    x = X.astype(np.float32)
    if clone.weights or layer.weights or isinstance(layer, layers.PReLU):
        return
    np.testing.assert_array_equal(clone(x), layer(x))


@pytest.mark.parametrize("layer", [layers.Softmax(), layers.Activation("sigmoid"), layers.ReLU()], ids=str)
def test_emit_logits_passthrough(layer):
    assert layer.emit_logits is False and isinstance(layer.activation, activations.Activation)
    layer.emit_logits = True
    x = X.astype(np.float32)
    assert layer.forward(x, training=True) is x
    g = np.ones_like(x)
    assert layer.backward(g) is g


def test_backward_leaves_incoming_gradient_untouched():
    layer = layers.Activation("sigmoid")
    layer.forward(X, training=True)
    g = np.ones_like(X)
    layer.backward(g)
    assert np.all(g == 1.0)


def test_errors():
    with pytest.raises(RuntimeError, match="backward"):
        layers.ReLU().backward(np.ones((2, 2)))
    with pytest.raises(ValueError, match="negative_slope"):
        layers.ReLU(negative_slope=-0.1)
    with pytest.raises(ValueError, match="Unknown activation"):
        layers.Activation("relu7")
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU(shared_axes=[0])
    with pytest.raises(TypeError, match="unexpected keyword"):
        layers.ELU(beta=1.0)
