"""BatchNormalization and LayerNormalization: formulas, moving statistics, gradients, torch."""

import numpy as np
import pytest
import torch

from deepgrad import gradcheck
from deepgrad.layers import BatchNormalization, LayerNormalization


pytestmark = pytest.mark.usefixtures("float64")


def max_grad_error(layer, x):
    """Largest relative error of the layer's gradients vs central differences (deepgrad.gradcheck)."""
    return max(gradcheck.check_layer(layer, x).values())


X2 = np.random.default_rng(1).normal(size=(6, 4)) * 2 + 1
X3 = np.random.default_rng(2).normal(size=(3, 5, 4))


def _randomize_affine(layer, x):
    layer(x)
    rng = np.random.default_rng(9)
    for p in layer.trainable_weights:
        p.value[...] = rng.normal(size=p.shape)


@pytest.mark.parametrize("x", [X2, X3], ids=["2d", "3d"])
def test_batchnorm_gradients_in_training_mode(x):
    layer = BatchNormalization()
    _randomize_affine(layer, x)
    assert max_grad_error(layer, x.copy()) < 1e-6


@pytest.mark.parametrize("x", [X2, X3], ids=["2d", "3d"])
def test_layernorm_gradients(x):
    layer = LayerNormalization()
    _randomize_affine(layer, x)
    assert max_grad_error(layer, x.copy()) < 1e-6


def test_batchnorm_inference_mode_gradient():
    layer = BatchNormalization()
    _randomize_affine(layer, X2)
    layer.moving_mean.value[...] = [0.1, -0.2, 0.3, 0.0]
    layer.moving_variance.value[...] = [0.5, 2.0, 1.0, 3.0]
    layer.trainable = False                 # Keras: a frozen BN runs in inference mode
    assert gradcheck.check_layer(layer, X2.copy())["input"] < 1e-6  # no trainable weights left


def test_batchnorm_training_output_and_moving_statistics():
    layer = BatchNormalization()
    x = X2
    y = layer(x, training=True)
    mu, var = x.mean(0), x.var(0)                   # biased variance, as Keras
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-3), atol=1e-12)
    # moving = 0.99 * moving + 0.01 * batch; starts at mean 0, variance 1
    np.testing.assert_allclose(layer.moving_mean.value, 0.01 * mu, atol=1e-12)
    np.testing.assert_allclose(layer.moving_variance.value, 0.99 + 0.01 * var, atol=1e-12)
    # inference uses the moving statistics
    mm, mv = layer.moving_mean.value, layer.moving_variance.value
    np.testing.assert_allclose(layer(x), (x - mm) / np.sqrt(mv + 1e-3), atol=1e-12)


def test_batchnorm_frozen_does_not_update_moving_statistics():
    layer = BatchNormalization(trainable=False)
    layer(X2, training=True)
    np.testing.assert_array_equal(layer.moving_mean.value, np.zeros(4))
    np.testing.assert_array_equal(layer.moving_variance.value, np.ones(4))


def test_batchnorm_weights_and_param_counts():
    layer = BatchNormalization()
    layer(X3)
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert layer.count_params() == 16                                  # 4 * features
    assert sum(w.value.size for w in layer.non_trainable_weights) == 8  # 2 * features
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    cfg = layer.get_config()
    assert (cfg["momentum"], cfg["epsilon"], cfg["axis"]) == (0.99, 1e-3, -1)


def test_batchnorm_matches_torch_in_training_mode():
    # torch BatchNorm1d(eps=1e-3) normalizes with the same biased batch variance; its running
    # variance uses the unbiased one, so only the outputs and gradients are compared.
    rng = np.random.default_rng(4)
    layer = BatchNormalization()
    _randomize_affine(layer, X2)
    bn = torch.nn.BatchNorm1d(4, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(layer.gamma.value))
        bn.bias.copy_(torch.from_numpy(layer.beta.value))
    gy = rng.normal(size=X2.shape)
    y = layer(X2, training=True)
    dx = layer.backward(gy)
    xt = torch.tensor(X2, requires_grad=True)
    yt = bn(xt)
    yt.backward(torch.from_numpy(gy))
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(layer.gamma.grad, bn.weight.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(layer.beta.grad, bn.bias.grad.numpy(), atol=1e-10)


def test_layernorm_matches_torch():
    layer = LayerNormalization()
    _randomize_affine(layer, X3)
    ln = torch.nn.LayerNorm(4, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.from_numpy(layer.gamma.value))
        ln.bias.copy_(torch.from_numpy(layer.beta.value))
    np.testing.assert_allclose(layer(X3), ln(torch.from_numpy(X3)).detach().numpy(), atol=1e-10)


def test_center_and_scale_off():
    layer = BatchNormalization(center=False, scale=False)
    layer(X2)
    assert [w.name for w in layer.weights] == ["moving_mean", "moving_variance"]
    ln = LayerNormalization(center=False, scale=False)
    y = ln(X2)
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-12)


@pytest.mark.parametrize("kw,exc,word", [
    ({"momentum": 1.5}, ValueError, "momentum"),
    ({"epsilon": 0}, ValueError, "epsilon"),
    ({"center": "yes"}, TypeError, "center"),
    ({"axis": 1.0}, TypeError, "axis"),
])
def test_bad_arguments(kw, exc, word):
    with pytest.raises(exc, match=word):
        BatchNormalization(**kw)


def test_feature_size_change_raises():
    layer = BatchNormalization()
    layer(X2)
    with pytest.raises(ValueError, match="inputs"):
        layer(np.zeros((2, 3)))


def test_moving_statistics_are_non_trainable_in_a_model_summary():
    from deepgrad.layers.core import Dense
    from deepgrad.models import Sequential

    model = Sequential([Dense(5, input_shape=(3,)), BatchNormalization(), Dense(1)])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    # BN(5): gamma, beta trainable (10), moving mean/variance non-trainable (10)
    assert "Non-trainable params: 10" in text
    assert sum(w.value.size for w in model.non_trainable_weights) == 10
