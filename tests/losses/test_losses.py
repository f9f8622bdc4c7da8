"""Losses: PyTorch parity (float64, 1e-10), Keras's probability formulas, fusion, gradient checks."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deepgrad import activations, gradcheck, losses



RNG = np.random.default_rng(7)
N, C = 6, 4
LOGITS = RNG.standard_normal((N, C)) * 2.0
LABELS = RNG.integers(0, C, N)
ONEHOT = np.eye(C)[LABELS]
Y_REG = RNG.standard_normal((N, 3))
P_REG = RNG.standard_normal((N, 3)) * 1.5
Y_BIN = RNG.integers(0, 2, (N, 3)).astype(float)
Z_BIN = RNG.standard_normal((N, 3)) * 2.0
WEIGHTS = RNG.uniform(0.1, 2.0, N)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _torch_value_grad(fn, y_pred):
    t = torch.tensor(y_pred, requires_grad=True)
    v = fn(t)
    v.backward()
    return v.item(), t.grad.numpy()


CASES = {
    "mse": (losses.MeanSquaredError(), Y_REG, P_REG, lambda t: F.mse_loss(t, torch.tensor(Y_REG))),
    "mae": (losses.MeanAbsoluteError(), Y_REG, P_REG, lambda t: F.l1_loss(t, torch.tensor(Y_REG))),
    "huber": (losses.Huber(), Y_REG, P_REG, lambda t: F.huber_loss(t, torch.tensor(Y_REG))),
    "huber_0.5": (losses.Huber(delta=0.5), Y_REG, P_REG,
                  lambda t: F.huber_loss(t, torch.tensor(Y_REG), delta=0.5)),
    "cce_logits": (losses.CategoricalCrossentropy(from_logits=True), ONEHOT, LOGITS,
                   lambda t: F.cross_entropy(t, torch.tensor(LABELS))),
    "cce_logits_smoothing": (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), ONEHOT,
                             LOGITS, lambda t: F.cross_entropy(t, torch.tensor(LABELS), label_smoothing=0.2)),
    "scce_logits": (losses.SparseCategoricalCrossentropy(from_logits=True), LABELS, LOGITS,
                    lambda t: F.cross_entropy(t, torch.tensor(LABELS))),
    "bce_logits": (losses.BinaryCrossentropy(from_logits=True), Y_BIN, Z_BIN,
                   lambda t: F.binary_cross_entropy_with_logits(t, torch.tensor(Y_BIN))),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_parity_with_torch(case):
    loss, y, p, fn = CASES[case]
    v_t, g_t = _torch_value_grad(fn, p)
    v, g = loss.value_and_grad(y, p)
    assert abs(v - v_t) < 1e-10
    np.testing.assert_allclose(g, g_t, rtol=0, atol=1e-10)
    assert loss(y, p) == v
    np.testing.assert_array_equal(loss.grad(y, p), g)


def _keras_probability_ce(y, p):
    """Keras 3 (jax/numpy backends) categorical_crossentropy on probabilities, transcribed in torch."""
    p = p / p.sum(-1, keepdim=True)
    p = torch.clamp(p, 1e-7, 1 - 1e-7)
    return -(y * torch.log(p)).sum(-1)


def _keras_probability_bce(y, p):
    p = torch.clamp(p, 1e-7, 1 - 1e-7)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean(-1)


def test_probability_losses_match_keras_formula():
    probs = _softmax(LOGITS) * 1.7            # unnormalized on purpose: Keras renormalizes
    y = torch.tensor(ONEHOT)
    for loss, labels in ((losses.CategoricalCrossentropy(), ONEHOT),
                         (losses.SparseCategoricalCrossentropy(), LABELS)):
        v_t, g_t = _torch_value_grad(lambda t: _keras_probability_ce(y, t).mean(), probs)
        v, g = loss.value_and_grad(labels, probs)
        assert abs(v - v_t) < 1e-10
        np.testing.assert_allclose(g, g_t, rtol=0, atol=1e-10)
    p_bin = 1 / (1 + np.exp(-Z_BIN))
    v_t, g_t = _torch_value_grad(lambda t: _keras_probability_bce(torch.tensor(Y_BIN), t).mean(), p_bin)
    v, g = losses.BinaryCrossentropy().value_and_grad(Y_BIN, p_bin)
    assert abs(v - v_t) < 1e-10
    np.testing.assert_allclose(g, g_t, rtol=0, atol=1e-10)


def test_reference_values():
    cce = losses.CategoricalCrossentropy()
    # p = 0 on the true class is clipped to 1e-7: -log(1e-7) = 16.118
    assert cce([[0.0, 1.0, 0.0]], [[0.5, 0.0, 0.5]]) == pytest.approx(-math.log(1e-7), rel=1e-6)
    # [2, 2, 4] renormalizes to [.25, .25, .5]: -log(.5) = ln 2
    assert cce([[0.0, 0.0, 1.0]], [[2.0, 2.0, 4.0]]) == pytest.approx(math.log(2), rel=1e-12)
    # sum_over_batch_size: weights [1, 0, 0, 0] give l_0 / 4, not l_0 / sum(w)
    mse = losses.MeanSquaredError()
    assert mse(np.zeros((4, 1)), np.array([[2.0], [1.0], [1.0], [1.0]]), sample_weight=[1, 0, 0, 0]) == 1.0
    # torch/Keras label smoothing example value of the reference file (3.08388) is tested by parity


def test_fused_logits_are_exact_and_finite():
    ce = losses.CategoricalCrossentropy()
    assert ce.fused_activation == "softmax" and ce.fuses_with(activations.get("softmax"))
    assert not ce.fuses_with(activations.Softmax(axis=0)) and not ce.fuses_with(activations.get("relu"))
    fused = ce.with_logits()
    assert fused.from_logits and not fused.fuses_with(activations.get("softmax"))
    # same value as the unfused pair where no clipping happens
    assert fused(ONEHOT, LOGITS) == pytest.approx(ce(ONEHOT, _softmax(LOGITS)), rel=1e-12)
    # gradient is exactly (softmax(z) - y) / N
    np.testing.assert_allclose(fused.grad(ONEHOT, LOGITS), (_softmax(LOGITS) - ONEHOT) / N, rtol=0, atol=1e-16)
    # logits of size 1e4: log-sum-exp value is exact (z_max - z_true when the others vanish)
    z = np.array([[1e4, 0.0, -1e4]])
    v, g = fused.value_and_grad(np.array([[0.0, 1.0, 0.0]]), z)
    assert v == 1e4
    np.testing.assert_array_equal(g, [[1.0, -1.0, 0.0]])
    assert losses.SparseCategoricalCrossentropy().with_logits()(np.array([2]), z) == 2e4
    bce = losses.BinaryCrossentropy()
    assert bce.fused_activation == "sigmoid" and bce.fuses_with(activations.get("sigmoid"))
    zb = np.array([[1e4, -1e4]])
    v, g = bce.with_logits().value_and_grad(np.array([[0.0, 0.0]]), zb)
    assert v == pytest.approx(1e4 / 2, rel=1e-15) and np.isfinite(g).all()
    np.testing.assert_array_equal(g, [[0.5, 0.0]])            # (sigmoid(z) - y) / (N k)
    assert losses.MeanSquaredError().fused_activation is None
    with pytest.raises(TypeError):
        losses.MeanSquaredError().with_logits()


def _loss_cases():
    probs = _softmax(LOGITS)
    pb = 1 / (1 + np.exp(-Z_BIN))
    return [
        ("mse", Y_REG, P_REG), ("mae", Y_REG, P_REG), ("huber", Y_REG, P_REG),
        (losses.Huber(delta=0.3), Y_REG, P_REG),
        ("categorical_crossentropy", ONEHOT, probs),
        (losses.CategoricalCrossentropy(from_logits=True), ONEHOT, LOGITS),
        (losses.CategoricalCrossentropy(label_smoothing=0.1), ONEHOT, probs),
        (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), ONEHOT, LOGITS),
        ("sparse_categorical_crossentropy", LABELS, probs),
        (losses.SparseCategoricalCrossentropy(from_logits=True), LABELS, LOGITS),
        ("binary_crossentropy", Y_BIN, pb),
        (losses.BinaryCrossentropy(from_logits=True), Y_BIN, Z_BIN),
        (losses.BinaryCrossentropy(label_smoothing=0.2), Y_BIN, pb),
        (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2), Y_BIN, Z_BIN),
    ]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", range(len(_loss_cases())))
def test_gradcheck_every_loss(case, weighted, float64):
    ident, y, p = _loss_cases()[case]
    loss = losses.get(ident)
    w = WEIGHTS if weighted else None
    err = gradcheck.check_function(lambda q: loss(y, q, sample_weight=w),
                                   lambda q: loss.grad(y, q, sample_weight=w), p)
    assert err < 1e-6


def test_weighted_reduction_and_shapes():
    mse = losses.MeanSquaredError()
    per = mse.call(Y_REG, P_REG)
    np.testing.assert_allclose(per, ((P_REG - Y_REG) ** 2).mean(-1))
    assert mse(Y_REG, P_REG, sample_weight=WEIGHTS) == pytest.approx(float((per * WEIGHTS).sum() / N))
    # 1-D predictions count as one output per sample; y_true (N,) vs y_pred (N, 1) is accepted
    y1, p1 = Y_REG[:, 0], P_REG[:, 0]
    assert mse(y1, p1) == pytest.approx(mse(y1[:, None], p1[:, None]))
    assert mse.grad(y1, p1).shape == (N,)
    assert mse(y1, p1[:, None]) == pytest.approx(mse(y1, p1))
    ce = losses.CategoricalCrossentropy(from_logits=True)
    assert ce.call(ONEHOT, LOGITS).shape == (N,)


def test_float32_stays_float32():
    v, g = losses.get("categorical_crossentropy").with_logits().value_and_grad(
        ONEHOT.astype(np.float32), LOGITS.astype(np.float32))
    assert g.dtype == np.float32 and isinstance(v, float)
    g = losses.SparseCategoricalCrossentropy(from_logits=True).grad(LABELS, LOGITS.astype(np.float32),
                                                                    sample_weight=WEIGHTS)
    assert g.dtype == np.float32


def test_label_validation():
    scce = losses.SparseCategoricalCrossentropy()
    with pytest.raises(ValueError, match=r"`y_true`.*\[0, 4\)"):
        scce(np.array([0, 1, 4, 2, 1, 0]), LOGITS)
    with pytest.raises(ValueError, match="`y_true`"):
        scce(np.array([0, -1, 2, 2, 1, 0]), LOGITS)
    with pytest.raises(ValueError, match="`y_true`.*integer"):
        scce(np.array([0, 1.5, 2, 2, 1, 0]), LOGITS)
    assert scce(LABELS.astype(float)[:, None], _softmax(LOGITS)) == pytest.approx(scce(LABELS, _softmax(LOGITS)))
    with pytest.raises(ValueError, match="one-hot width 3 != 4"):
        losses.CategoricalCrossentropy()(np.eye(3)[[0, 1, 2, 0, 1, 2]], LOGITS)
    with pytest.raises(ValueError, match="`sample_weight`"):
        losses.MeanSquaredError()(Y_REG, P_REG, sample_weight=np.ones(N + 1))
    with pytest.raises(ValueError, match="`y_true`"):
        losses.MeanSquaredError()(Y_REG[:, :2], P_REG)
    with pytest.raises(TypeError, match="`y_pred`"):
        losses.MeanSquaredError()(Y_REG, np.array([["a"]]))


def test_get_names_and_config():
    for name, cls in [("mse", losses.MeanSquaredError), ("mean_squared_error", losses.MeanSquaredError),
                      ("mae", losses.MeanAbsoluteError), ("huber", losses.Huber),
                      ("categorical_crossentropy", losses.CategoricalCrossentropy),
                      ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
                      ("binary_crossentropy", losses.BinaryCrossentropy)]:
        assert type(losses.get(name)) is cls
    assert losses.get("mse").name == "mean_squared_error"
    ce = losses.CategoricalCrossentropy(label_smoothing=0.1)
    again = losses.get(losses.serialize(ce))
    assert again.get_config() == ce.get_config()
    with pytest.raises(ValueError, match="Valid names"):
        losses.get("cross_entropy")
    with pytest.raises(TypeError, match="`loss`"):
        losses.get(lambda a, b: 0.0)
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.CategoricalCrossentropy(label_smoothing=1.5)
