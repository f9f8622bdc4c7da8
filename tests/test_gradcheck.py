"""The gradient checker itself: it passes right gradients, catches wrong ones, handles randomness."""

import numpy as np
import pytest

from deepgrad import config, gradcheck, layers
from deepgrad.layers.base import Layer



RNG = np.random.default_rng(5)


def test_relative_error_definition():
    assert gradcheck.relative_error([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert gradcheck.relative_error([0.0], [0.0]) == 0.0
    # |a - n| / (|a| + |n|) with Euclidean norms: |(0, 1)| / (5 + |(3, 5)|)
    assert gradcheck.relative_error([3.0, 4.0], [3.0, 5.0]) == pytest.approx(1 / (5 + 34 ** 0.5))


def test_check_function_scalar_and_vector():
    x = RNG.standard_normal((3, 4))
    assert gradcheck.check_function(lambda v: np.sum(np.sin(v)), np.cos, x) < 1e-9
    assert gradcheck.check_function(np.sin, lambda v, dy: dy * np.cos(v), x) < 1e-9
    # a 1% error in the derivative is caught
    assert gradcheck.check_function(np.sin, lambda v, dy: 1.01 * dy * np.cos(v), x) > 1e-3


def test_random_projection_for_large_inputs():
    x = RNG.standard_normal(5000)                # > MAX_ELEMENTS: random directions
    good = gradcheck.check_function(lambda v: np.sum(v ** 3), lambda v: 3 * v ** 2, x)
    bad = gradcheck.check_function(lambda v: np.sum(v ** 3), lambda v: 3 * v ** 2 + 0.05 * v, x)
    assert good < 1e-6 and bad > 1e-3
    small = RNG.standard_normal(10)
    assert gradcheck.check_function(lambda v: np.sum(v ** 3), lambda v: 3 * v ** 2, small, directions=3) < 1e-8


class GradcheckNoisyScale(Layer):
    """Test layer: multiplies by a random mask drawn from deepgrad's global generator in training."""

    def forward(self, x, training=False):
        self._mask = config.rng().uniform(0.5, 1.5, x.shape) if training else np.ones_like(x)
        return x * self._mask

    def backward(self, grad):
        return grad * self._mask


def test_stochastic_layer_is_reseeded(float64):
    x = RNG.standard_normal((4, 3))
    assert gradcheck.check_layer(GradcheckNoisyScale(), x)["input"] < 1e-8
    # without reseeding every forward sees a new mask and the check fails
    assert gradcheck.check_layer(GradcheckNoisyScale(), x, reseed=lambda: None)["input"] > 1e-3


class GradcheckWrongPReLU(layers.PReLU):
    """Test layer: PReLU whose alpha gradient is off by a factor 2."""

    def backward(self, grad):
        dx = super().backward(grad)
        self.alpha.grad *= 2.0
        return dx


def test_wrong_weight_gradient_is_caught(float64):
    x = RNG.standard_normal((6, 3))
    errors = gradcheck.check_layer(GradcheckWrongPReLU(alpha_initializer="ones"), x)
    assert errors["input"] < 1e-8 and errors["alpha"] > 0.1


def test_check_model_with_loss(float64):
    x = RNG.standard_normal((5, 4))
    y = np.eye(4)[RNG.integers(0, 4, 5)]
    chain = [layers.PReLU(alpha_initializer="random_normal", name="p"), layers.Softmax()]
    errors = gradcheck.check_model(chain, x, y, "categorical_crossentropy", sample_weight=RNG.uniform(0.5, 1, 5))
    assert set(errors) == {"input", "p/alpha"} and max(errors.values()) < 1e-6


def test_float32_layer_is_refused():
    with pytest.raises(ValueError, match="float64"):
        gradcheck.check_layer(layers.PReLU(), np.ones((2, 2)))


def test_check_layer_on_an_unbuilt_stochastic_layer_reseeds_after_building(float64):
    # building draws the initial weights; if that happened after a reseed, later forwards would
    # draw other dropout masks and the check would fail although backward is right
    from deepgrad import config
    from deepgrad.layers import LSTM
    x = np.random.default_rng(1).normal(size=(3, 5, 2))
    layer = LSTM(4, dropout=0.3, recurrent_dropout=0.4, return_sequences=True)
    errors = gradcheck.check_layer(layer, x, reseed=lambda: config.seed_rng(7))
    assert max(errors.values()) < 1e-6, errors


def test_check_layer_handles_several_outputs(float64):
    from deepgrad.layers import LSTM
    x = np.random.default_rng(2).normal(size=(2, 4, 3))
    errors = gradcheck.check_layer(LSTM(3, return_state=True), x)  # [output, h, c]
    assert max(errors.values()) < 1e-6, errors
