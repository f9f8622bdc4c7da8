"""Every loss class: value against real Keras (float32 tolerance) and gradient against float64
central differences (deepgrad.gradcheck.check_function)."""

import os

import numpy as np
import pytest

from deepgrad import gradcheck, losses


def _keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


RNG = np.random.default_rng(0)
REG_TRUE = RNG.normal(size=(6, 4))
REG_PRED = RNG.normal(size=(6, 4))
POS_TRUE = RNG.uniform(0.1, 3.0, size=(6, 4))
POS_PRED = RNG.uniform(0.1, 3.0, size=(6, 4))
PROB_TRUE = RNG.dirichlet(np.ones(4), size=6)
PROB_PRED = RNG.dirichlet(np.ones(4), size=6)
ONEHOT = np.eye(4)[RNG.integers(0, 4, size=6)]
BIN = RNG.integers(0, 2, size=(6, 4)).astype(float)
PM = 2 * BIN - 1

# (class name, kwargs, y_true, y_pred); y_pred kept away from kinks and clipping bounds
CASES = [
    ("MeanAbsolutePercentageError", {}, REG_TRUE, REG_PRED),
    ("MeanSquaredLogarithmicError", {}, POS_TRUE, POS_PRED),
    ("LogCosh", {}, REG_TRUE, REG_PRED),
    ("Poisson", {}, POS_TRUE, POS_PRED),
    ("KLDivergence", {}, PROB_TRUE, PROB_PRED),
    ("CosineSimilarity", {}, REG_TRUE, REG_PRED),
    ("CosineSimilarity", {"axis": 0}, REG_TRUE, REG_PRED),
    ("Hinge", {}, BIN, REG_PRED),           # {0, 1} labels are converted to {-1, 1}
    ("Hinge", {}, PM, REG_PRED),
    ("SquaredHinge", {}, BIN, REG_PRED),
    ("CategoricalHinge", {}, ONEHOT, REG_PRED),
    ("CategoricalCrossentropy", {"axis": 0}, PROB_TRUE, PROB_PRED),
    ("BinaryCrossentropy", {"axis": 0, "from_logits": True}, BIN, REG_PRED),
    ("MeanSquaredError", {"reduction": "sum"}, REG_TRUE, REG_PRED),
]


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", CASES)
def test_value_matches_keras(name, kwargs, y_true, y_pred):
    keras = _keras()
    ours = getattr(losses, name)(**kwargs)
    theirs = getattr(keras.losses, name)(**kwargs)
    yt, yp = y_true.astype(np.float32), y_pred.astype(np.float32)
    np.testing.assert_allclose(ours(yt, yp), float(keras.ops.convert_to_numpy(theirs(yt, yp))),
                               rtol=2e-5, atol=1e-6)
    w = np.linspace(0.5, 2.0, len(yt)).astype(np.float32) if kwargs.get("axis", -1) == -1 else None
    if w is not None:   # per-sample weights too
        np.testing.assert_allclose(ours(yt, yp, w),
                                   float(keras.ops.convert_to_numpy(theirs(yt, yp, w))),
                                   rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", CASES)
def test_gradient_central_differences(name, kwargs, y_true, y_pred):
    loss = getattr(losses, name)(**kwargs)
    w = np.linspace(0.5, 2.0, len(y_true)) if kwargs.get("axis", -1) == -1 else None
    err = gradcheck.check_function(lambda p: loss(y_true, p, w), lambda p: loss.grad(y_true, p, w),
                                   y_pred)
    assert err < 1e-7, err


def test_formulas_by_hand():
    # MAPE: 100 * mean(|1 - 2| / 1, |4 - 2| / 4) = 100 * (1 + 0.5) / 2 = 75
    assert losses.MeanAbsolutePercentageError()(np.array([[1.0, 4.0]]), np.array([[2.0, 2.0]])) == pytest.approx(75.0)
    # hinge with labels {0, 1} -> {-1, 1}: margins max(1 - (-1)(0.5), 0) = 1.5, max(1 - 2, 0) = 0
    assert losses.Hinge()(np.array([[0.0, 1.0]]), np.array([[0.5, 2.0]])) == pytest.approx(0.75)
    # cosine similarity of parallel vectors is -1
    assert losses.CosineSimilarity()(np.array([[1.0, 2.0]]), np.array([[2.0, 4.0]])) == pytest.approx(-1.0)
    # KL(p || p) = 0
    p = np.array([[0.2, 0.8]])
    assert losses.KLDivergence()(p, p) == pytest.approx(0.0, abs=1e-12)


def test_names_and_config_round_trip():
    for name in ("mape", "msle", "kld", "log_cosh", "poisson", "hinge", "squared_hinge",
                 "categorical_hinge", "cosine_similarity"):
        loss = losses.get(name)
        clone = losses.get(losses.serialize(loss))
        assert type(clone) is type(loss) and clone.get_config() == loss.get_config()
