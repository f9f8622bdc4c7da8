"""Numerical stability through the public API: logits of magnitude 1e4, sigmoid of +-1e3,
probabilities that underflow, in float32 and float64. No NaN, no Inf, no floating-point
warning (overflow, invalid, divide: errors here), and the right limits."""

import math
import warnings

import numpy as np
import pytest

from deepgrad import activations, losses
from deepgrad.layers import Dense
from deepgrad.models import Sequential
from deepgrad.optimizers import SGD

DTYPES = ["float32", "float64"]
EPS_LOSS = -math.log(1e-7)  # Keras clips probabilities to [1e-7, 1 - 1e-7]: -log(1e-7) = 16.1181


@pytest.fixture(autouse=True)
def strict_floats():
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def finite(*arrays):
    return all(np.all(np.isfinite(np.asarray(a))) for a in arrays)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_of_huge_logits(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    p = activations.get("softmax")(z)
    assert p.dtype == np.dtype(dtype) and finite(p)
    # exact limits: one dominant logit -> one-hot; equal logits -> uniform
    np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_allclose(p[2], [0.5, 0.5, 0.0], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_from_huge_logits(dtype):
    z = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]], dtype=dtype)
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=dtype)
    cce = losses.CategoricalCrossentropy(from_logits=True)
    value, grad = cce.value_and_grad(y, z)
    # per-sample -log softmax: row 0 picks the max logit -> 0; row 1: logsumexp(z) - z_1 = 1e4 + 1e4
    assert value == pytest.approx((0.0 + 2e4) / 2, rel=1e-6)
    assert finite(grad)
    # gradient of the mean: (softmax(z) - y) / N = ([0,0,0], [1,-1,0]) / 2
    np.testing.assert_allclose(grad, [[0, 0, 0], [0.5, -0.5, 0]], atol=1e-6)
    sparse = losses.SparseCategoricalCrossentropy(from_logits=True)
    assert sparse(np.array([0, 1]), z) == pytest.approx(1e4, rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_and_friends_at_plus_minus_1e3(dtype):
    x = np.array([-1e3, -50.0, 0.0, 50.0, 1e3], dtype=dtype)
    s = activations.get("sigmoid")(x)
    assert s.dtype == np.dtype(dtype) and finite(s)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    # softplus(x) = log(1 + e^x): ~0 at -1e3, = x at +1e3
    sp = activations.get("softplus")(x)
    assert finite(sp) and sp[0] == pytest.approx(0.0, abs=1e-30) and sp[-1] == pytest.approx(1e3)
    t = activations.get("tanh")(x)
    assert t[0] == -1.0 and t[-1] == 1.0
    e = activations.get("elu")(x)
    assert e[0] == pytest.approx(-1.0) and e[-1] == 1e3
    sw = activations.get("swish")(x)  # x * sigmoid(x): 0 at -1e3 (not NaN), x at +1e3
    assert finite(sw) and sw[0] == pytest.approx(0.0, abs=1e-30) and sw[-1] == pytest.approx(1e3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_from_logits_at_1e3(dtype):
    z = np.array([[1e3], [-1e3], [1e3], [-1e3]], dtype=dtype)
    y = np.array([[1.0], [0.0], [0.0], [1.0]], dtype=dtype)
    bce = losses.BinaryCrossentropy(from_logits=True)
    per_sample = bce.call(y, z)
    # softplus form: max(z,0) - z*y + log(1 + e^-|z|): right answers 0, wrong answers |z| = 1e3
    np.testing.assert_allclose(per_sample, [0.0, 0.0, 1e3, 1e3], atol=1e-6)
    value, grad = bce.value_and_grad(y, z)
    assert value == pytest.approx(500.0) and finite(grad)
    np.testing.assert_allclose(grad.ravel(), [0.0, 0.0, 0.25, -0.25], atol=1e-7)  # (sigmoid(z) - y) / 4


@pytest.mark.parametrize("dtype", DTYPES)
def test_underflowing_probabilities_are_clipped_not_infinite(dtype):
    tiny = np.finfo(dtype).tiny
    # probabilities that underflow to 0 (1e-50 is 0 in float32; tiny/1e10 is 0 in both)
    p = np.array([[np.asarray(1e-50, dtype=dtype), 1.0 - 0.0, 0.0],
                  [tiny / 1e10, 0.5, 0.5]], dtype=dtype)
    y = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], dtype=dtype)
    cce = losses.CategoricalCrossentropy()
    value, grad = cce.value_and_grad(y, p)
    assert finite(value, grad)
    assert value == pytest.approx(EPS_LOSS, rel=1e-4)  # both rows: -log(clip(0)) = -log(1e-7)
    bce = losses.BinaryCrossentropy()
    v = bce(np.array([[1.0], [0.0]], dtype=dtype), np.array([[0.0], [1.0]], dtype=dtype))
    # y=1, p=0 -> -log(1e-7); y=0, p=1 -> -log(1 - clip) with clip = 1 - 1e-7 rounded to the dtype
    # (float32: 1 - 2**-23, so -log(1.19e-7) = 15.942; float64: -log(1e-7) up to rounding)
    upper = np.asarray(1 - 1e-7, dtype=dtype)
    expected = (EPS_LOSS - math.log(float(np.asarray(1, dtype=dtype) - upper))) / 2
    assert math.isfinite(v) and v == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_model_with_huge_logits_trains_and_predicts_finite(dtype):
    """A softmax model whose logits reach 1e4: the fused softmax + cross-entropy stays finite."""
    model = Sequential([Dense(3, activation="softmax", input_shape=(2,), dtype=dtype)])
    model.compile(optimizer=SGD(learning_rate=1e-6), loss="categorical_crossentropy")
    model.set_weights([np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]], dtype=dtype), np.zeros(3, dtype=dtype)])
    x = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=dtype)
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=dtype)
    loss = model.train_on_batch(x, y)
    assert loss == pytest.approx(1e4, rel=1e-5)  # (0 + 2e4) / 2, as above
    assert finite(*model.get_weights())
    p = model.predict(x, verbose=0)
    assert finite(p) and np.all(p >= 0) and np.allclose(p.sum(axis=1), 1.0)

    binary = Sequential([Dense(1, activation="sigmoid", input_shape=(1,), dtype=dtype)])
    binary.compile(optimizer=SGD(learning_rate=1e-6), loss="binary_crossentropy")
    binary.set_weights([np.array([[1e3]], dtype=dtype), np.zeros(1, dtype=dtype)])
    xb = np.array([[1.0], [-1.0]], dtype=dtype)
    loss = binary.train_on_batch(xb, np.array([[0.0], [1.0]], dtype=dtype))  # both maximally wrong
    assert loss == pytest.approx(1e3, rel=1e-5) and finite(*binary.get_weights())
    assert np.array_equal(binary.predict(xb, verbose=0).ravel(), [1.0, 0.0])
