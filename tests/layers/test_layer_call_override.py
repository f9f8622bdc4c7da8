"""Keras-style layer subclasses that override ``call`` (Layer.call in layers/base.py).

deepgrad has no autodiff, so an overridden ``call`` must either re-dispatch to the parent layer
(the books' MC-dropout pattern: its gradient is the parent's backward) or come with a backward;
anything else is refused, never silently ignored.
"""

import numpy as np
import pytest

from deepgrad import layers
from deepgrad.models import Sequential
from deepgrad.utils import set_random_seed


class MCDropout(layers.Dropout):
    """The MC-dropout layer of the books: dropout also at inference."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


class MCDropoutNoTraining(layers.Dropout):
    def call(self, inputs):  # Keras passes `training` only when `call` takes it
        return super().call(inputs, training=True)


@pytest.mark.parametrize("cls", [MCDropout, MCDropoutNoTraining])
def test_mc_dropout_drops_at_inference(cls):
    model = Sequential([layers.Input((1000,)), cls(0.5)])
    x = np.ones((2, 1000), dtype=np.float32)
    a, b = model.predict(x, verbose=0), model.predict(x, verbose=0)
    # inverted dropout at rate 0.5: each entry is 0 or 1 / (1 - 0.5) = 2
    assert set(np.unique(a)) == {0.0, 2.0} and not np.array_equal(a, b)
    assert abs((a == 0).mean() - 0.5) < 0.05  # 2000 draws: the standard deviation is about 0.011
    plain = Sequential([layers.Input((1000,)), layers.Dropout(0.5)])
    np.testing.assert_array_equal(plain.predict(x, verbose=0), x)  # the parent is unchanged


def test_mc_dropout_trains_like_dropout_in_training_mode():
    # the same seed draws the same masks: one SGD step through MCDropout equals one through Dropout
    results = []
    for cls in (MCDropout, layers.Dropout):
        set_random_seed(3)
        model = Sequential([layers.Input((4,)), layers.Dense(8), cls(0.3), layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(np.ones((6, 4)), np.zeros((6, 1)), epochs=2, batch_size=3, verbose=0, shuffle=False)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_call_that_computes_by_itself_without_backward_is_refused_when_it_runs():
    class Doubled(layers.Dense):
        def call(self, inputs, training=None):
            return super().call(inputs, training=training) * 2.0  # the parent's backward would be wrong

    model = Sequential([layers.Input((3,)), Doubled(2)])
    with pytest.raises(TypeError, match=r"Doubled.call returned something other than the parent"):
        model.predict(np.ones((1, 3)), verbose=0)


def test_layer_subclass_with_call_only_is_refused_at_construction():
    class Scale(layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    with pytest.raises(TypeError, match=r"Scale defines `call`.*forward.*backward"):
        Scale()


def test_call_with_its_own_backward_works_and_its_gradient_is_checked(float64):
    class Scale(layers.Layer):
        def call(self, inputs, training=None):
            return inputs * 2.0

        def backward(self, grad):
            return grad * 2.0  # d(2x)/dx = 2

    from deepgrad import gradcheck
    layer = Scale()
    x = np.random.default_rng(0).normal(size=(3, 2))
    np.testing.assert_array_equal(layer(x), 2 * x)
    model = Sequential([layers.Input((2,)), layers.Dense(2), Scale(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    errors = gradcheck.check_model(model, x, np.ones((3, 1)), loss="mse")  # relative errors by weight
    assert set(errors) >= {"input"} and max(errors.values()) < 1e-7
