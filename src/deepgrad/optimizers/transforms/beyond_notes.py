"""Keras 3's optimizers beyond the notes: Lion, Lamb and Ftrl, one transformation each.

As in :mod:`.algorithms`: the state in the algorithm's own units, one formula per line beside
its formula.
"""

from __future__ import annotations

import math

import numpy as np

from deepgrad._blas import axpby, sum_of_squares

from .core import GradientTransformation, ScaledDirection, empty_like_all, lr_or_one, segments_of, zeros_like_all

__all__ = ["scale_by_ftrl", "scale_by_lamb", "scale_by_lion"]


class scale_by_lion(ScaledDirection):
    """Lion (Chen et al. 2023), Keras 3's form::

        c = beta_1 * m + (1 - beta_1) * g
        w <- w - lr * sign(c)
        m <- beta_2 * m + (1 - beta_2) * g

    State: ``m`` per variable (Keras's "momentum").
    """

    name = "lion"
    elementwise = True
    slots = {"m": "real"}

    def __init__(self, beta_1=0.9, beta_2=0.99, learning_rate=None):
        self.beta_1, self.beta_2 = beta_1, beta_2
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "m": zeros_like_all(params), "_out": empty_like_all(params)}

    def direction(self, updates, state, params):
        b1, b2 = self.beta_1, self.beta_2
        lr = lr_or_one(self.learning_rate, state["count"])
        for g, m, o in zip(updates, state["m"], state["_out"]):
            np.multiply(m, b1, out=o)
            axpby(1.0 - b1, g, 1.0, o)          # c = beta_1 * m + (1 - beta_1) * g
            np.sign(o, out=o)                   # sign(c)
            axpby(1.0 - b2, g, b2, m)           # m <- beta_2 * m + (1 - beta_2) * g
        state["count"] += 1
        return state["_out"], -lr if self.learning_rate is not None else 1.0  # w <- w - lr * sign(c)


class scale_by_lamb(GradientTransformation):
    """Lamb (You et al. 2019), Keras 3's form (``t`` the 1-based step; norms per variable)::

        m <- beta_1 * m + (1 - beta_1) * g
        v <- beta_2 * v + (1 - beta_2) * g^2
        r = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)
        ratio = ||w|| / ||r||          (1 if either norm is 0)
        w <- w - ratio * lr * r

    State: ``m``, ``v`` (>= 0) per variable. With ``weight_decay``, Keras decays ``w`` before
    the step and so reads ``||w||`` after the decay; here the decay is a term added after the
    step (the optimizer's chain), so ``||w||`` is read before it.
    """

    name = "lamb"
    slots = {"m": "real", "v": ">= 0"}

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-7, learning_rate=None):
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "m": zeros_like_all(params), "v": zeros_like_all(params),
                "_out": empty_like_all(params)}

    def _steps(self, updates, state, params):
        """``r`` into ``_out``; yields ``(r, w, -ratio * lr)`` per variable (flat views of a range)."""
        b1, b2 = self.beta_1, self.beta_2
        lr = lr_or_one(self.learning_rate, state["count"])
        t = state["count"] + 1
        for g, m, v, o in zip(updates, state["m"], state["v"], state["_out"]):
            axpby(1.0 - b1, g, b1, m)           # m <- beta_1 * m + (1 - beta_1) * g
            np.multiply(g, g, out=o)
            axpby(1.0 - b2, o, b2, v)           # v <- beta_2 * v + (1 - beta_2) * g^2
            np.divide(v, 1.0 - b2 ** t, out=o)
            np.sqrt(o, out=o)
            o += self.epsilon                   # sqrt(v / (1 - beta_2^t)) + epsilon
            np.divide(m, o, out=o)
            o /= 1.0 - b1 ** t                  # r = (m / (1 - beta_1^t)) / (...)
        state["count"] = t
        sign = -1.0 if self.learning_rate is not None else 1.0
        for o, p, segs in zip(state["_out"], params, segments_of(params)):
            of, pf = o.reshape(-1), p.reshape(-1)
            for a, b in segs or [(0, of.size)]:
                w_norm, r_norm = math.sqrt(sum_of_squares(pf[a:b])), math.sqrt(sum_of_squares(of[a:b]))
                ratio = w_norm / r_norm if w_norm > 0 and r_norm > 0 else 1.0  # ratio = ||w|| / ||r||
                yield of[a:b], pf[a:b], sign * ratio * lr

    def update(self, updates, state, params):
        for r, _, k in self._steps(updates, state, params):
            r *= k
        return state["_out"], state

    def apply(self, updates, state, params):
        for r, w, k in self._steps(updates, state, params):
            axpby(k, r, 1.0, w)                 # w <- w - ratio * lr * r
        return state


class scale_by_ftrl(GradientTransformation):
    """FTRL-Proximal (McMahan et al. 2013), Keras 3's form (``p = learning_rate_power <= 0``)::

        l2 = l2_regularization_strength + beta / (2 * lr)
        g2 = g + 2 * l2_shrinkage_regularization_strength * w
        n_new = n + g^2                     (n_0 = initial_accumulator_value)
        z <- z + g2 - (n_new^(-p) - n^(-p)) / lr * w
        quadratic = n_new^(-p) / lr + 2 * l2
        w <- (clip(z, -l1, l1) - z) / quadratic
        n <- n_new

    (``l1 = l1_regularization_strength``). The step sets ``w`` itself; as a chain's update it is
    ``w_new - w``. State: ``accumulator`` (``n``, >= 0) and ``linear`` (``z``) per variable.
    Needs a learning rate > 0 (it divides by it).
    """

    name = "ftrl"
    elementwise = True
    slots = {"accumulator": ">= 0", "linear": "real"}

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0):
        self.learning_rate = learning_rate
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1, self.l2, self.l2_shrinkage, self.beta = (
            l1_regularization_strength, l2_regularization_strength, l2_shrinkage_regularization_strength, beta)

    def init(self, params):
        return {"count": 0, "accumulator": [np.full_like(p, self.initial_accumulator_value) for p in params],
                "linear": zeros_like_all(params), "_out": empty_like_all(params), "_tmp": empty_like_all(params)}

    def _new_weights(self, updates, state, params):
        """The new weights into ``_out`` (the state advances)."""
        lr = lr_or_one(self.learning_rate, state["count"])
        p = self.learning_rate_power
        l2 = self.l2 + self.beta / (2.0 * lr)  # l2 = l2_regularization_strength + beta / (2 * lr)
        for g, w, n, z, o, tmp in zip(updates, params, state["accumulator"], state["linear"], state["_out"],
                                      state["_tmp"]):
            np.multiply(w, 2.0 * self.l2_shrinkage, out=o)
            o += g                              # g2 = g + 2 * l2_shrinkage * w
            z += o
            np.power(n, -p, out=tmp)            # n^(-p)
            np.multiply(g, g, out=o)
            n += o                              # n_new = n + g^2 (kept: n <- n_new)
            np.power(n, -p, out=o)              # n_new^(-p)
            np.subtract(o, tmp, out=tmp)
            tmp /= lr
            tmp *= w
            z -= tmp                            # z <- z + g2 - (n_new^(-p) - n^(-p)) / lr * w
            o /= lr
            o += 2.0 * l2                       # quadratic = n_new^(-p) / lr + 2 * l2
            np.clip(z, -self.l1, self.l1, out=tmp)
            tmp -= z
            np.divide(tmp, o, out=o)            # w_new = (clip(z, -l1, l1) - z) / quadratic
        state["count"] += 1
        return state["_out"]

    def update(self, updates, state, params):
        for o, w in zip(self._new_weights(updates, state, params), params):
            o -= w                              # the update w_new - w
        return state["_out"], state

    def apply(self, updates, state, params):
        for o, w in zip(self._new_weights(updates, state, params), params):
            w[...] = o                          # w <- w_new
        return state
