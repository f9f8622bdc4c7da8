"""Loss reduction=, scalar sample_weight, axis=, SparseCategoricalCrossentropy(ignore_class=) and
compile(loss_weights=): values against Keras and gradients against central differences."""

import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import gradcheck, layers, losses


def _keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


RNG = np.random.default_rng(2)
YT = RNG.normal(size=(4, 3)).astype(np.float32)
YP = RNG.normal(size=(4, 3)).astype(np.float32)
W = np.array([0.0, 1.0, 2.0, 3.0], dtype=np.float32)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None])
@pytest.mark.parametrize("weight", [None, W, 2.5])
def test_reductions_match_keras(reduction, weight):
    keras = _keras()
    ours = losses.MeanSquaredError(reduction=reduction)(YT, YP, weight)
    theirs = keras.ops.convert_to_numpy(keras.losses.MeanSquaredError(reduction=reduction)(YT, YP, weight))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_reduction_by_hand_and_gradient(float64):
    l = losses.MeanSquaredError().call(YT, YP)       # per-sample values
    yt, yp = YT.astype(np.float64), YP.astype(np.float64)
    assert losses.MeanSquaredError(reduction="sum")(yt, yp) == pytest.approx(float(l.sum()), rel=1e-6)
    # mean_with_sample_weight divides by sum(w) = 6
    assert losses.MeanSquaredError(reduction="mean_with_sample_weight")(yt, yp, W) == pytest.approx(
        float((W * l).sum() / 6), rel=1e-6)
    for reduction in ("sum", "mean_with_sample_weight"):
        loss = losses.MeanSquaredError(reduction=reduction)
        assert gradcheck.check_function(lambda p: loss(yt, p, W), lambda p: loss.grad(yt, p, W), yp) < 1e-8
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="none").grad(yt, yp)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_ignore_class_matches_keras_and_gradient():
    keras = _keras()
    logits = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    labels = np.array([[1, -1, 3], [-1, 0, 2]])
    for from_logits, pred in ((True, logits), (False, np.exp(logits) / np.exp(logits).sum(-1, keepdims=True))):
        ours = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1)
        theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1)
        np.testing.assert_allclose(ours(labels, pred), float(keras.ops.convert_to_numpy(theirs(labels, pred))),
                                   rtol=1e-5)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    z = logits.astype(np.float64)
    assert gradcheck.check_function(lambda p: loss(labels, p), lambda p: loss.grad(labels, p), z) < 1e-8
    g = loss.grad(labels, z)
    np.testing.assert_array_equal(g[0, 1], 0.0)       # an ignored entry gets no gradient


def test_ignore_class_in_fit():
    model = dg.Sequential([layers.Input((3, 2)), layers.Dense(4, activation="softmax")])
    model.compile("sgd", losses.SparseCategoricalCrossentropy(ignore_class=-1))
    x = RNG.normal(size=(5, 3, 2))
    y = RNG.integers(0, 4, size=(5, 3))
    y[0, 0] = -1
    model.fit(x, y, epochs=1, verbose=0)   # -1 labels are accepted and skipped


def test_loss_weights_scale_loss_and_gradient():
    dg.utils.set_random_seed(0)
    a = dg.Sequential([layers.Input((3,)), layers.Dense(3)])
    b = dg.Sequential([layers.Input((3,)), layers.Dense(3)])
    b.set_weights(a.get_weights())
    a.compile(dg.optimizers.SGD(0.1), "mse")
    b.compile(dg.optimizers.SGD(0.05), "mse", loss_weights=[2.0])
    # doubling the loss doubles the gradient: SGD(0.05) on 2 L steps like SGD(0.1) on L
    la = a.fit(YT, YP, epochs=1, batch_size=4, shuffle=False, verbose=0).history["loss"][0]
    lb = b.fit(YT, YP, epochs=1, batch_size=4, shuffle=False, verbose=0).history["loss"][0]
    assert lb == pytest.approx(2 * la, rel=1e-6)
    np.testing.assert_allclose(a.get_weights()[0], b.get_weights()[0], rtol=1e-5, atol=1e-7)
    assert b.evaluate(YT, YP, verbose=0) == pytest.approx(2 * a.evaluate(YT, YP, verbose=0), rel=1e-6)
    with pytest.raises(ValueError, match="loss_weights"):
        b.compile("sgd", "mse", loss_weights="2")
    with pytest.raises(ValueError, match="reduction"):
        b.compile("sgd", losses.MeanSquaredError(reduction="none"))


def test_axis_moves_the_class_axis():
    # CategoricalCrossentropy(axis=0) on (C, N) equals the default on the transpose
    p = np.array([[0.2, 0.7], [0.8, 0.3]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    a = losses.CategoricalCrossentropy(axis=0)(y, p)
    b = losses.CategoricalCrossentropy()(y.T, p.T)
    assert a == pytest.approx(b)
    assert not losses.CategoricalCrossentropy(axis=0).fuses_with(dg.activations.softmax)


def test_output_mask_like_keras():
    keras = _keras()
    yt = RNG.normal(size=(2, 3, 2)).astype(np.float32)
    yp = RNG.normal(size=(2, 3, 2)).astype(np.float32)
    mask = np.array([[True, True, False], [True, False, False]])
    per = losses.MeanSquaredError().call(yt, yp)
    # Keras's masked mean: kept entries weigh E / kept, so L = sum over kept / kept
    ours = losses.MeanSquaredError()(yt, yp, mask=mask)
    assert ours == pytest.approx(float(per[mask].mean()), rel=1e-6)
    from keras.src import backend as kb
    masked = keras.ops.convert_to_tensor(yp)
    kb.set_keras_mask(masked, keras.ops.convert_to_tensor(mask))
    assert ours == pytest.approx(float(keras.ops.convert_to_numpy(keras.losses.MeanSquaredError()(yt, masked))),
                                 rel=1e-5)
    g = losses.MeanSquaredError().grad(yt, yp, mask=mask)
    np.testing.assert_array_equal(g[~mask], 0.0)
    loss = losses.MeanSquaredError()
    assert gradcheck.check_function(lambda p: loss(yt.astype(np.float64), p, mask=mask),
                                    lambda p: loss.grad(yt.astype(np.float64), p, mask=mask),
                                    yp.astype(np.float64)) < 1e-8
    with pytest.raises(ValueError, match="mask"):
        loss(yt, yp, mask=mask[:, :2])
