"""Keras's loss functions (per-sample values), their use in compile, and custom losses."""

import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import layers, losses


def _keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


RNG = np.random.default_rng(1)
YT = RNG.uniform(0.1, 1.0, size=(5, 3)).astype(np.float32)
YP = RNG.uniform(0.1, 1.0, size=(5, 3)).astype(np.float32)

NAMES = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
         "mean_squared_logarithmic_error", "huber", "log_cosh", "hinge", "squared_hinge",
         "categorical_hinge", "kl_divergence", "poisson", "cosine_similarity",
         "categorical_crossentropy", "binary_crossentropy", "mse", "mae", "mape", "msle", "kld"]


@pytest.mark.parametrize("name", NAMES)
def test_per_sample_values_match_keras(name):
    keras = _keras()
    ours = getattr(losses, name)(YT, YP)
    theirs = keras.ops.convert_to_numpy(keras.losses.get(name)(YT, YP))
    assert ours.shape == theirs.shape == (5,)   # one value per sample, as Keras
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=1e-6)


def test_sparse_and_keyword_arguments():
    keras = _keras()
    logits = RNG.normal(size=(4, 3)).astype(np.float32)
    labels = np.array([0, 2, 1, 2])
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(labels, logits, from_logits=True),
        keras.ops.convert_to_numpy(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)),
        rtol=1e-5)
    np.testing.assert_allclose(losses.huber(YT, YP, delta=0.1),
                               keras.ops.convert_to_numpy(keras.losses.huber(YT, YP, delta=0.1)), rtol=1e-5)
    with pytest.raises(TypeError, match="delta2"):
        losses.huber(YT, YP, delta2=0.1)


def test_one_dimensional_is_one_sample():
    # Keras reduces the last (only) axis of 1-D arrays: mean((1 - 0)^2, (3 - 1)^2) = 2.5
    assert float(losses.mean_squared_error(np.array([1.0, 3.0]), np.array([0.0, 1.0]))) == 2.5


def test_function_in_compile_trains_with_its_class():
    model = dg.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile("sgd", loss=losses.mean_squared_error)
    assert isinstance(model.loss, losses.MeanSquaredError) and model.loss.name == "mean_squared_error"
    model.compile("sgd", loss=losses.log_cosh)
    assert isinstance(model.loss, losses.LogCosh)
    history = model.fit(YT, YP[:, :2], epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_bare_function_is_refused_with_an_explanation():
    model = dg.Sequential([layers.Input((3,)), layers.Dense(2)])

    def my_loss(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean(axis=-1)

    with pytest.raises(TypeError, match="my_loss.*no gradient.*automatic differentiation.*_losses"):
        model.compile("sgd", loss=my_loss)
    assert not model.compiled   # nothing changed

    class CallOnly(losses.Loss):   # Keras style: call() without a gradient
        def call(self, y_true, y_pred):
            return ((y_true - y_pred) ** 2).mean(axis=-1)

    with pytest.raises(TypeError, match="no gradient"):
        model.compile("sgd", loss=CallOnly())


def test_custom_loss_subclass_with_gradient_trains():
    class MeanQuarticError(losses.Loss):
        def _losses(self, y_true, y_pred, want_grad):
            d = y_pred - y_true
            k = d.shape[-1]
            return (d ** 4).mean(axis=-1), (4 * d ** 3 / k if want_grad else None)

    loss = MeanQuarticError()
    # value: mean over samples of mean_j d^4 = ((1 + 16) / 2 + 0) / 2
    assert loss(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[1.0, 2.0], [1.0, 1.0]])) == pytest.approx(4.25)
    dg.config.set_floatx("float64")
    try:
        from deepgrad import gradcheck
        assert gradcheck.check_function(lambda p: loss(YT, p), lambda p: loss.grad(YT, p),
                                        YP.astype(np.float64)) < 1e-7
    finally:
        dg.config.set_floatx("float32")
    model = dg.Sequential([layers.Input((3,)), layers.Dense(3)])
    model.compile("sgd", loss=loss)
    before = model.evaluate(YT, YP, verbose=0)
    model.fit(YT, YP, epochs=20, verbose=0)
    assert model.evaluate(YT, YP, verbose=0) < before
