"""``Masking``: mark padded time steps so that the layers after it skip them (Keras 3)."""

from __future__ import annotations

import numbers

import numpy as np

from .base import Layer


class Masking(Layer):
    """Mask the time steps whose features all equal ``mask_value`` (default 0.0).

    For input x of shape (batch, timesteps, features):
        keep[b, t] = any_f (x[b, t, f] != mask_value)
        y[b, t, :] = x[b, t, :] if keep[b, t] else 0
    :meth:`compute_mask` returns ``keep`` (the mask the model hands to the next layers, e.g. a
    recurrent layer, which then carries its state over the masked steps; see the mask
    protocol in ``docs/recurrent.md``). Backward: ``dx = dy * keep`` (masked steps were set to 0).
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        if isinstance(mask_value, bool) or not isinstance(mask_value, numbers.Real):
            raise TypeError(f"Masking: `mask_value` must be a number, got "
                            f"{type(mask_value).__name__} {mask_value!r}.")
        self.mask_value = float(mask_value)
        super().__init__(**kwargs)
        self._keep = None

    def compute_mask(self, inputs, mask=None):
        """keep[b, t] = any over the last axis of (inputs != mask_value)."""
        return np.any(np.asarray(inputs) != self.mask_value, axis=-1)

    def forward(self, x, training=False):
        keep = np.any(x != self.mask_value, axis=-1, keepdims=True)
        if training:
            self._keep = keep
        return np.where(keep, x, 0).astype(x.dtype, copy=False)

    def backward(self, grad):
        keep, self._keep = self._keep, None
        if not self.compute_input_grad:
            return None
        return grad * keep

    def get_config(self):
        cfg = super().get_config()
        cfg["mask_value"] = self.mask_value
        return cfg
