"""The protocol of a gradient transformation, ``chain``, clipping, weight decay and the learning rate.

See the package docstring (:mod:`deepgrad.optimizers.transforms`) for the conventions.
"""

from __future__ import annotations

import math

import numpy as np

from deepgrad._blas import axpby, sum_of_squares

__all__ = [
    "GradientTransformation", "ScaledDirection", "ParamList", "chain", "clip", "clip_by_norm",
    "clip_by_global_norm", "add_decayed_weights", "scale_by_learning_rate",
]


class ParamList(list):
    """A list of parameter arrays, with ``segments`` (per array: variable ranges or None)."""

    def __init__(self, arrays, segments=None):
        super().__init__(arrays)
        self.segments = list(segments) if segments is not None else [None] * len(self)


def segments_of(params):
    """Per array of ``params``: the ``(start, stop)`` range of each variable packed in it, or None."""
    return getattr(params, "segments", None) or [None] * len(params)


def value_at(rate, step):
    """Evaluate a float-or-callable hyperparameter at ``step``."""
    return float(rate(step)) if callable(rate) else rate


def lr_or_one(learning_rate, step):
    """The learning rate at ``step``, or ``1`` when a transform has none (it then gives its direction)."""
    return 1.0 if learning_rate is None else value_at(learning_rate, step)


def empty_like_all(params):
    return [np.empty_like(p) for p in params]


def zeros_like_all(params):
    return [np.zeros_like(p) for p in params]


class GradientTransformation:
    """Base class: ``init(params) -> state`` and ``update(updates, state, params) -> (updates, state)``.

    Subclasses set ``name`` (the prefix of their state's names), ``slots`` (the state's
    per-variable arrays and their domains: ``"real"`` (finite) or ``">= 0"``) and implement
    both methods; see the package docstring for the buffer conventions.
    """

    name = "transform"
    #: True when the update of each element depends only on that element (and scalars), so
    #: the optimizer may run it on slices of a flat buffer in parallel. Subclasses opt in.
    elementwise = False
    #: ``{slot: domain}`` of the per-variable state arrays (checked when a state is loaded).
    slots: dict = {}
    #: ``{scalar: domain}`` of the state's scalars besides ``count`` (``"(0, 1]"``, ...).
    scalars: dict = {}

    def init(self, params):
        raise NotImplementedError

    def update(self, updates, state, params):
        raise NotImplementedError

    def apply(self, updates, state, params):
        """``update``, then ``params += updates`` in place; returns the new state.

        The optimizer steps through this method. A transformation that ends a chain may
        override it to fuse its last operation with the addition (SGD's whole step is one
        ``w <- w - lr * g``, a single :func:`deepgrad._blas.axpby`); the result is
        ``update`` followed by the addition, bit for bit unless the override says otherwise.
        """
        updates, state = self.update(updates, state, params)
        for p, u in zip(params, updates):
            p += u
        return state

    def legacy_slots(self) -> dict:
        """``{old slot: (slot, factor)}``: slots saved by deepgrad before version 0.3 as
        rescaled sums (e.g. Adam's ``m_sum = m / (1 - beta_1)``); loading multiplies by ``factor``."""
        return {}

    def check_slots(self, slots) -> str | None:
        """A constraint between slots of one variable (``{slot: array}``): None, or what is wrong."""
        return None


class chain(GradientTransformation):
    """Apply transformations in sequence; the state is a tuple of their states."""

    name = "chain"

    def __init__(self, *transforms):
        for t in transforms:
            if not (hasattr(t, "init") and hasattr(t, "update")):
                raise TypeError(f"chain: every argument must have init/update, got {type(t).__name__}.")
        self.transforms = tuple(transforms)
        self.elementwise = all(getattr(t, "elementwise", False) for t in transforms)

    def init(self, params):
        return tuple(t.init(params) for t in self.transforms)

    def update(self, updates, state, params):
        new_state = []
        for t, s in zip(self.transforms, state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)

    def apply(self, updates, state, params):
        """Every transformation's ``update`` but the last, whose ``apply`` adds to ``params``."""
        new_state = []
        for t, s in zip(self.transforms[:-1], state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        last = self.transforms[-1]  # a user's piece may have only init/update: the base's apply
        apply = last.apply if isinstance(last, GradientTransformation) else \
            lambda *args: GradientTransformation.apply(last, *args)
        new_state.append(apply(updates, state[-1], params))
        return tuple(new_state)


class ScaledDirection(GradientTransformation):
    """A transformation whose update is ``k * d``: a direction ``d`` (an array the algorithm
    computed, e.g. Adam's ``m / (sqrt(v) + epsilon)``) times a number ``k`` of the step (e.g.
    ``-alpha_t``).

    Subclasses implement ``direction(updates, state, params) -> (d, k)``, which advances the
    state. ``update`` writes ``k * d`` into the ``_out`` buffers; ``apply`` adds ``k * d`` to
    the parameters in one pass (``axpby``), rounded exactly as scaling and then adding.
    """

    def direction(self, updates, state, params):
        raise NotImplementedError

    def update(self, updates, state, params):
        d, k = self.direction(updates, state, params)
        out = state["_out"]
        for a, o in zip(d, out):
            if k != 1.0 or a is not o:
                np.multiply(a, k, out=o)
        return out, state

    def apply(self, updates, state, params):
        d, k = self.direction(updates, state, params)
        for a, p in zip(d, params):
            axpby(k, a, 1.0, p)                 # w <- w + k * d
        return state


# ----------------------------------------------------------------------------- clipping
class clip(GradientTransformation):
    """Keras ``clipvalue``: ``g <- clip(g, -max_delta, max_delta)`` elementwise."""

    name = "clip"
    elementwise = True

    def __init__(self, max_delta: float):
        self.max_delta = float(max_delta)

    def init(self, params):
        return {"_out": empty_like_all(params)}

    def update(self, updates, state, params):
        c = self.max_delta
        for g, o in zip(updates, state["_out"]):
            np.clip(g, -c, c, out=o)
        return state["_out"], state


class _NormClip(GradientTransformation):
    """What the two norm clippings share: ``max_norm`` and one output buffer per array."""

    def __init__(self, max_norm: float):
        self.max_norm = float(max_norm)

    def init(self, params):
        return {"_out": empty_like_all(params)}


class clip_by_norm(_NormClip):
    """Keras ``clipnorm``, per variable: ``g <- g * c / max(||g||_2, c)``."""

    name = "clip_by_norm"

    def update(self, updates, state, params):
        c = self.max_norm
        for g, o, segs in zip(updates, state["_out"], segments_of(params)):
            if segs is None:
                n = math.sqrt(sum_of_squares(g))
                np.multiply(g, c / max(n, c), out=o)
            else:
                gf, of = g.reshape(-1), o.reshape(-1)
                for a, b in segs:
                    n = math.sqrt(sum_of_squares(gf[a:b]))
                    np.multiply(gf[a:b], c / max(n, c), out=of[a:b])
        return state["_out"], state


class clip_by_global_norm(_NormClip):
    """Keras ``global_clipnorm``: ``N = sqrt(sum_i ||g_i||^2)``; ``g <- g * c * min(1/N, 1/c)``."""

    name = "clip_by_global_norm"

    def update(self, updates, state, params):
        c = self.max_norm
        total = math.sqrt(sum(sum_of_squares(g) for g in updates))
        scale = c * min(1.0 / total, 1.0 / c) if total > 0 else 1.0
        for g, o in zip(updates, state["_out"]):
            np.multiply(g, scale, out=o)
        return state["_out"], state


# ----------------------------------------------------------------------------- weight decay
class add_decayed_weights(GradientTransformation):
    """Keras's decoupled weight decay as an update term: ``u <- u - lr * weight_decay * w``.

    Keras applies ``w <- w - w * weight_decay * lr`` to the variable before the update step;
    since no update step reads ``w``, adding the same term to the final update is the same
    step. ``mask(i) -> bool`` says whether variable ``i`` (in order) decays; default all.
    """

    name = "add_decayed_weights"

    def __init__(self, weight_decay: float, learning_rate=1.0, mask=None):
        self.weight_decay = weight_decay
        self.learning_rate = learning_rate
        self.mask = mask
        self.elementwise = mask is None

    def init(self, params):
        return {"count": 0, "_out": empty_like_all(params)}

    def update(self, updates, state, params):
        k = -value_at(self.learning_rate, state["count"]) * value_at(self.weight_decay, state["count"])
        var = 0
        for u, p, o, segs in zip(updates, params, state["_out"], segments_of(params)):
            # the whole array (``...``, which a 0-d array accepts) or each variable's range
            ranges = [...] if segs is None else [slice(a, b) for a, b in segs]
            of, uf, pf = (o, u, p) if segs is None else (o.reshape(-1), u.reshape(-1), p.reshape(-1))
            for r in ranges:
                if self.mask is None or self.mask(var):
                    np.multiply(pf[r], k, out=of[r])
                    of[r] += uf[r]              # u - lr * weight_decay * w
                else:
                    of[r] = uf[r]
                var += 1
        state["count"] += 1
        return state["_out"], state


# ----------------------------------------------------------------------------- learning rate
class scale_by_learning_rate(GradientTransformation):
    """``u <- -lr(step) * u`` (ends a chain: the result is added to the parameters)."""

    name = "scale_by_learning_rate"
    elementwise = True

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "_out": empty_like_all(params)}

    def update(self, updates, state, params):
        lr = value_at(self.learning_rate, state["count"])
        for u, o in zip(updates, state["_out"]):
            np.multiply(u, -lr, out=o)
        state["count"] += 1
        return state["_out"], state

    def apply(self, updates, state, params):
        lr = value_at(self.learning_rate, state["count"])
        for u, p in zip(updates, params):
            axpby(-lr, u, 1.0, p)               # w <- w - lr * u, one pass
        state["count"] += 1
        return state
