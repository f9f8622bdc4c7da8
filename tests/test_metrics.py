"""Metrics: Keras's 'accuracy' resolution, streaming means equal to full-data values."""

import numpy as np
import pytest

from deepgrad import metrics

RNG = np.random.default_rng(3)
N, C = 23, 4
PROBS = RNG.dirichlet(np.ones(C), N)
LABELS = RNG.integers(0, C, N)
ONEHOT = np.eye(C)[LABELS]


@pytest.mark.parametrize("y_true, y_pred, cls", [
    (np.zeros((5, 1)), np.zeros((5, 1)), metrics.BinaryAccuracy),             # y_pred last dim 1
    (np.zeros(5), np.zeros((5, 1)), metrics.BinaryAccuracy),
    (np.zeros(5), np.zeros((5, 3)), metrics.SparseCategoricalAccuracy),       # fewer dims
    (np.zeros((5, 1)), np.zeros((5, 3)), metrics.SparseCategoricalAccuracy),  # last dim 1 vs > 1
    (np.zeros((5, 3)), np.zeros((5, 3)), metrics.CategoricalAccuracy),
])
def test_accuracy_resolution(y_true, y_pred, cls):
    for name in ("accuracy", "acc"):
        m = metrics.get(name, y_true, y_pred)
        assert type(m) is cls and m.name == name


def test_accuracy_values():
    expected = float(np.mean(PROBS.argmax(1) == LABELS))        # direct computation
    for y in (LABELS, ONEHOT, LABELS[:, None]):
        m = metrics.get("accuracy", y, PROBS)
        m.update_state(y, PROBS)
        assert m.result() == pytest.approx(expected)
    lazy = metrics.get("acc")                                    # resolved on first update
    lazy.update_state(ONEHOT, PROBS)
    assert lazy.result() == pytest.approx(expected) and lazy.name == "acc"
    b = metrics.BinaryAccuracy()
    b.update_state(np.array([[1.0], [0.0], [1.0], [0.0]]), np.array([[0.7], [0.2], [0.4], [0.6]]))
    assert b.result() == 0.5


@pytest.mark.parametrize("name", ["accuracy", "categorical_accuracy", "mse", "mae", "mean_squared_error"])
def test_streaming_equals_full_data(name):
    full = metrics.get(name, ONEHOT, PROBS)
    full.update_state(ONEHOT, PROBS)
    streamed = metrics.get(name, ONEHOT, PROBS)
    for lo, hi in ((0, 8), (8, 16), (16, 23)):                    # last batch smaller
        streamed.update_state(ONEHOT[lo:hi], PROBS[lo:hi])
    assert streamed.result() == pytest.approx(full.result(), rel=1e-12)
    streamed.reset_state()
    assert streamed.result() == 0.0


def test_regression_metrics_and_weights():
    y, p = RNG.standard_normal((N, 2)), RNG.standard_normal((N, 2))
    m = metrics.get("mse")
    m.update_state(y, p)
    assert m.result() == pytest.approx(np.mean((p - y) ** 2)) and m.name == "mse"
    w = RNG.uniform(0, 1, N)
    m = metrics.get("mae")
    m.update_state(y, p, sample_weight=w)
    assert m.result() == pytest.approx(np.sum(w * np.abs(p - y).mean(1)) / w.sum())
    with pytest.raises(ValueError, match="`sample_weight`"):
        m.update_state(y, p, sample_weight=np.ones(N + 1))


def test_get_errors():
    with pytest.raises(ValueError, match="Valid names"):
        metrics.get("precision_at_k")
    with pytest.raises(TypeError, match="`metrics`"):
        metrics.get(3)
    with pytest.raises(ValueError, match="`y_true`"):
        metrics.SparseCategoricalAccuracy().update_state(np.zeros((N, 2)), PROBS)
