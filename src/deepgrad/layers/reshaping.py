"""Reshaping layers beyond core's Flatten/Reshape: ``RepeatVector`` (encoder-decoder RNNs)."""

from __future__ import annotations

import numbers

import numpy as np

from .base import Layer


class RepeatVector(Layer):
    """Repeat each input vector ``n`` times along a new time axis, as Keras.

    Shapes: (batch, features) -> (batch, n, features): ``y[b, t, :] = x[b, :]`` for t < n.
    Backward: every copy received a gradient, so ``dx[b, :] = sum_t dy[b, t, :]``.
    Used between an encoder RNN (return_sequences=False) and a decoder RNN.
    """

    def __init__(self, n, **kwargs):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"RepeatVector: `n` must be an int, got {type(n).__name__} {n!r}.")
        if n < 1:
            raise ValueError(f"RepeatVector: `n` must be a positive int, got {n!r}.")
        self.n = int(n)
        super().__init__(**kwargs)

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"RepeatVector '{self.name}': input must be 2-D (batch, features), "
                             f"got shape {tuple(input_shape)}.")
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def forward(self, x, training=False):
        if x.ndim != 2:
            raise ValueError(f"RepeatVector '{self.name}': input must be 2-D (batch, features), "
                             f"got shape {x.shape}.")
        return np.repeat(x[:, None, :], self.n, axis=1)

    def backward(self, grad):
        if not self.compute_input_grad:
            return None
        return grad.sum(axis=1)

    def get_config(self):
        cfg = super().get_config()
        cfg["n"] = self.n
        return cfg
