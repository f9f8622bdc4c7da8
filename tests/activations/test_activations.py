"""Activations: PyTorch parity (float64, 1e-10), gradient checks, stability, resolution."""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deepgrad import activations, gradcheck



RNG = np.random.default_rng(1234)
# Inputs away from the kinks (0, +-3, +-6) so that central differences are meaningful.
X = RNG.uniform(-5.0, 5.0, size=(7, 9))
X[np.abs(X) < 0.05] += 0.1
X[np.abs(np.abs(X) - 3.0) < 0.05] += 0.1

TORCH = {
    "relu": F.relu,
    "leaky_relu": lambda t: F.leaky_relu(t, 0.2),       # Keras function default slope 0.2
    "elu": F.elu,
    "selu": F.selu,
    "gelu": F.gelu,
    "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
    "silu": F.silu,
    "swish": F.silu,
    "mish": F.mish,
    "softplus": F.softplus,           # torch is linear above 20; the inputs stay within +-5
    "softsign": F.softsign,
    "hard_sigmoid": F.hardsigmoid,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda t: F.softmax(t, dim=-1),
    "exponential": torch.exp,
    "linear": lambda t: t,
}


def _torch_forward_backward(fn, x, r):
    t = torch.tensor(x, requires_grad=True)
    y = fn(t)
    (y * torch.tensor(r)).sum().backward()
    return y.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("name", sorted(TORCH))
def test_parity_with_torch(name):
    act = activations.get(name)
    r = RNG.standard_normal(X.shape)
    y_t, dx_t = _torch_forward_backward(TORCH[name], X, r)
    y = act.forward(X)
    dx = act.backward(r.copy(), X if act.needs_input else None, y)
    np.testing.assert_allclose(y, y_t, rtol=0, atol=1e-10)
    if name == "hard_sigmoid":
        # torch multiplies by the float32 constant 1/6 even in float64 (relative error 3e-8);
        # the exact slope is 1/6 inside (-3, 3) and 0 outside.
        np.testing.assert_allclose(dx, r * (np.abs(X) < 3) / 6.0, rtol=0, atol=1e-15)
        np.testing.assert_allclose(dx, dx_t, rtol=1e-7, atol=0)
    else:
        np.testing.assert_allclose(dx, dx_t, rtol=0, atol=1e-10)


ALL = [
    "linear", "sigmoid", "tanh", "relu", "leaky_relu", "abs", "elu", "selu", "swish", "silu",
    "mish", "gelu", "gelu_tanh", "softplus", "softsign", "hard_sigmoid", "exponential", "softmax",
    activations.Relu(max_value=2.0), activations.Relu(negative_slope=0.1, threshold=0.5),
    activations.Relu(negative_slope=0.1, threshold=-0.5), activations.Relu(max_value=0.0),
    activations.LeakyRelu(0.01), activations.LeakyRelu(0.3), activations.LeakyRelu(-0.5),
    activations.Elu(0.5), activations.Elu(-0.7), activations.Swish(beta=0.5),
    activations.Swish(beta=2.5), activations.Gelu(approximate=True), activations.Softmax(axis=0),
]


@pytest.mark.parametrize("identifier", ALL, ids=str)
def test_gradcheck_every_activation(identifier, float64):
    act = activations.get(identifier)
    x = X.copy()
    if isinstance(act, activations.Relu):       # keep away from threshold and max_value kinks
        for kink in (act.threshold, act.max_value or 0.0):
            x[np.abs(x - kink) < 0.05] += 0.1

    def grad(v, dy):
        y = act.forward(v)
        return act.backward(dy, v if act.needs_input else None, y)

    assert gradcheck.check_function(act.forward, grad, x) < 1e-6


@pytest.mark.parametrize("name", [n for n in ALL if isinstance(n, str)])
def test_derivative_from_output_alone(name):
    """needs_input=False activations give the same derivative with x=None."""
    act = activations.get(name)
    y = act.forward(X)
    r = RNG.standard_normal(X.shape)
    with_x = act.backward(r.copy(), X, y)
    if not act.needs_input:
        np.testing.assert_array_equal(act.backward(r.copy(), None, y), with_x)


@pytest.mark.parametrize("name", [n for n in ALL if isinstance(n, str)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_forward_and_dtype(name, dtype):
    act = activations.get(name)
    x = X.astype(dtype)
    expected = act.forward(x.copy())
    assert expected.dtype == dtype
    buf = x.copy()
    out = act.forward(buf, out=buf)
    assert out is buf
    np.testing.assert_array_equal(out, expected)


EXTREMES = np.array([-1e4, -1e3, -100.0, -40.0, -1.0, 0.0, 1.0, 40.0, 100.0, 1e3, 1e4])


@pytest.mark.parametrize("name", [n for n in ALL if isinstance(n, str) and n != "exponential"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_and_finite(name, dtype):
    act = activations.get(name)
    x = EXTREMES.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = act.forward(x)
        dx = act.backward(np.ones_like(x), x, y)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dx))


def test_stable_values():
    sig = activations.get("sigmoid")
    np.testing.assert_array_equal(sig(np.array([-1e3, 1e3])), [0.0, 1.0])
    # relative accuracy in the left tail: sigma(-40) = e^-40 / (1 + e^-40)
    assert sig(np.array([-40.0]))[0] == pytest.approx(math.exp(-40) / (1 + math.exp(-40)), rel=1e-15)
    sp = activations.get("softplus")
    np.testing.assert_array_equal(sp(np.array([1e4, -1e4])), [1e4, 0.0])
    assert sp(np.array([-40.0]))[0] == pytest.approx(math.log1p(math.exp(-40)), rel=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert activations.get("exponential")(np.array([1e3]))[0] == np.inf


def test_keras_defaults_and_formulas():
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_allclose(activations.get("leaky_relu")(x), [-0.4, -0.1, 0.5, 2.0])   # slope 0.2
    np.testing.assert_allclose(activations.get("abs")(x), np.abs(x))                       # alpha = -1
    assert activations.get("hard_sigmoid")(np.array([1.0]))[0] == pytest.approx(4.0 / 6.0)  # relu6(4)/6
    np.testing.assert_allclose(activations.get("elu")(np.array([-1.0])), [math.exp(-1) - 1])
    selu = activations.get("selu")(np.array([-1.0, 1.0]))
    np.testing.assert_allclose(selu, [1.0507009873554805 * 1.6732632423543772 * (math.exp(-1) - 1), 1.0507009873554805])
    # Keras relu(x, negative_slope, max_value, threshold), piecewise definition transcribed
    relu = activations.Relu(negative_slope=0.1, max_value=3.0, threshold=1.0)
    grid = np.linspace(-5, 5, 41)
    expected = np.where(grid > 1.0, np.minimum(grid, 3.0), 0.1 * (grid - 1.0))
    np.testing.assert_allclose(relu(grid), expected)


def test_gelu_forms():
    grid = np.linspace(-6, 6, 2001)
    exact = activations.get("gelu")(grid)
    approx = activations.get("gelu_tanh")(grid)
    phi = np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in grid])
    np.testing.assert_allclose(exact, grid * phi, rtol=0, atol=1e-14)
    # the reference measured a 4.7e-4 gap between the two forms
    assert 1e-4 < np.max(np.abs(exact - approx)) < 5e-4


def test_erf_matches_torch():
    u = np.concatenate([np.linspace(-30, 30, 200001), [-2.0, 2.0, 0.0]])
    np.testing.assert_allclose(activations.erf(u), torch.special.erf(torch.tensor(u)).numpy(), rtol=0, atol=1e-14)
    tail = np.linspace(-5, 26, 20001)
    ref = torch.special.erfc(torch.tensor(tail)).numpy()
    np.testing.assert_allclose(activations.erfc(tail), ref, rtol=1e-12)


def test_get_and_serialize():
    assert isinstance(activations.get(None), activations.Linear)
    assert activations.get("silu") == activations.Swish()
    assert activations.get("gelu_tanh") == activations.Gelu(approximate=True)
    assert activations.get(activations.relu) is activations.relu
    for ident in ["relu", "gelu_tanh", "softmax", activations.Relu(max_value=6.0), activations.Swish(2.0)]:
        act = activations.get(ident)
        assert activations.get(activations.serialize(act)) == act
    assert activations.serialize(activations.Relu(max_value=6.0))["class_name"] == "Relu"
    with pytest.raises(ValueError, match="Valid names: .*gelu_tanh.*relu"):
        activations.get("rleu")
    with pytest.raises(TypeError, match="`activation`"):
        activations.get(3)


def test_plain_callable_forward_only():
    act = activations.get(lambda v: 2 * v)
    np.testing.assert_array_equal(act(np.array([1.0, 2.0])), [2.0, 4.0])
    with pytest.raises(TypeError, match="no analytic derivative|without an analytic derivative"):
        act.backward(np.ones(2), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="serialize"):
        activations.serialize(act)


def test_bad_arguments():
    with pytest.raises(ValueError, match="negative_slope"):
        activations.Relu(negative_slope=-1.0)
    with pytest.raises(TypeError, match="approximate"):
        activations.Gelu(approximate="yes")
    with pytest.raises(ValueError, match="max_value"):
        activations.Relu(max_value=-1.0)
