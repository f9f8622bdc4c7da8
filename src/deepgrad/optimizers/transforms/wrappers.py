"""Keras 3's two base-optimizer options that wrap the whole step: gradient accumulation and the
exponential moving average (EMA) of the weights.

A wrapper's state is ``(its own dict, the inner transformation's state)``; its ``count`` counts
every call (Keras's internal ``_iterations``), the inner transformation's counts only the steps
it took.
"""

from __future__ import annotations

import numpy as np

from deepgrad._blas import axpby

from .core import GradientTransformation, zeros_like_all

__all__ = ["accumulate_gradients", "ema_of_params"]


class accumulate_gradients(GradientTransformation):
    """Keras's ``gradient_accumulation_steps=k``: the variables move every ``k``-th call, by
    ``inner``'s step on the mean gradient of the ``k`` calls::

        calls 1 .. k-1 of each group:  acc <- acc + g            (no step)
        call k:                        inner step with (acc + g) / k;  acc <- 0

    State: ``gradient_accumulator`` per variable.
    """

    name = "gradient_accumulation"
    slots = {"gradient_accumulator": "real"}
    counts_calls = True

    def __init__(self, inner, k):
        self.inner, self.k = inner, int(k)
        self.elementwise = getattr(inner, "elementwise", False)

    def init(self, params):
        return ({"count": 0, "gradient_accumulator": zeros_like_all(params)}, self.inner.init(params))

    def _mean_or_none(self, updates, own):
        """On the ``k``-th call the mean gradient (in the accumulator), else None (added to it)."""
        last = (own["count"] + 1) % self.k == 0
        own["count"] += 1
        for g, acc in zip(updates, own["gradient_accumulator"]):
            acc += g                            # acc <- acc + g
            if last:
                acc /= self.k                   # (acc + g) / k
        return own["gradient_accumulator"] if last else None

    def update(self, updates, state, params):
        own, inner = state
        mean = self._mean_or_none(updates, own)
        if mean is None:
            return [np.zeros_like(p) for p in params], state
        out, inner = self.inner.update(mean, inner, params)
        out = [o.copy() for o in out]
        for acc in mean:
            acc[...] = 0                        # acc <- 0
        return out, (own, inner)

    def apply(self, updates, state, params):
        own, inner = state
        mean = self._mean_or_none(updates, own)
        if mean is not None:
            apply = getattr(self.inner, "apply", None) or (
                lambda *a: GradientTransformation.apply(self.inner, *a))
            inner = apply(mean, inner, params)
            for acc in mean:
                acc[...] = 0                    # acc <- 0
        return (own, inner)


class ema_of_params(GradientTransformation):
    """Keras's ``use_ema``: after each call, the average of the weights (``T`` the number of
    steps taken before this call: Keras's ``iterations``)::

        mu = 0 if T == 0 else ema_momentum
        average <- mu * average + (1 - mu) * w
        every ema_overwrite_frequency steps ((T + 1) % f == 0):  w <- average

    State: ``average`` per variable. ``steps_per_update`` is the gradient accumulation's ``k``
    (``T = calls // k``).
    """

    name = "ema"
    slots = {"average": "real"}
    counts_calls = True

    def __init__(self, inner, ema_momentum=0.99, ema_overwrite_frequency=None, steps_per_update=1):
        self.inner, self.ema_momentum = inner, ema_momentum
        self.ema_overwrite_frequency, self.k = ema_overwrite_frequency, steps_per_update
        self.elementwise = getattr(inner, "elementwise", False)

    def init(self, params):
        return ({"count": 0, "average": zeros_like_all(params)}, self.inner.init(params))

    def _average(self, own, params):
        T = own["count"] // self.k
        mu = 0.0 if T == 0 else self.ema_momentum
        for a, w in zip(own["average"], params):
            axpby(1.0 - mu, w, mu, a)           # average <- mu * average + (1 - mu) * w
        f = self.ema_overwrite_frequency
        if f and (T + 1) % f == 0:
            for a, w in zip(own["average"], params):
                w[...] = a                      # w <- average
        own["count"] += 1

    def update(self, updates, state, params):
        raise TypeError("ema_of_params reads the weights after the step: it must end a chain "
                        "(the optimizer adds it last).")

    def apply(self, updates, state, params):
        own, inner = state
        apply = getattr(self.inner, "apply", None) or (lambda *a: GradientTransformation.apply(self.inner, *a))
        inner = apply(updates, inner, params)
        self._average(own, params)
        return (own, inner)
