"""Shared test fixtures."""

import pytest

from deepgrad import config


@pytest.fixture
def float64():
    """Run a test with ``floatx() == "float64"`` (gradient checks, parity tests), then restore it."""
    old = config.floatx()
    config.set_floatx("float64")
    yield
    config.set_floatx(old)


class _CalledWith:
    """A layer called with fixed keywords (``mask``, ``initial_state``), in the shape
    deepgrad.gradcheck drives: ``obj(x, training=...)``, ``obj.backward(grad)``."""

    def __init__(self, layer, **call_kwargs):
        self.layer, self.kw = layer, call_kwargs
        self.name, self.dtype = layer.name, layer.dtype

    def __call__(self, x, training=False):
        return self.layer(x, training=training, **self.kw)

    def backward(self, grad):
        return self.layer.backward(grad)

    @property
    def trainable_weights(self):
        return self.layer.trainable_weights


@pytest.fixture
def called_with():
    """``called_with(layer, mask=..., initial_state=...)``: the layer with those call keywords
    fixed, for gradient checks of masked or initial-state calls."""
    return _CalledWith
