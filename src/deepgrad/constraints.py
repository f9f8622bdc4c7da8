"""Weight constraints (Keras 3 names, defaults and formulas).

A constraint is a projection applied to a weight **after each optimizer step**, as Keras does
(``variable.assign(constraint(variable))`` once the gradients are applied): the model's
training step writes ``w <- constraint(w)`` in place for every trainable weight that has one.
Layers take them as ``kernel_constraint=``, ``bias_constraint=``, ``recurrent_constraint=``,
``embeddings_constraint=``, ``beta_constraint=``/``gamma_constraint=``.

With ``n = sqrt(sum(w^2, axis, keepdims))`` (the norm of each weight vector along ``axis``;
``axis=0`` in a Dense kernel (input_dim, units) is the vector of weights entering one unit)
and ``eps = deepgrad.config.epsilon()`` (1e-7):

    MaxNorm(max_value=2, axis=0):                 w * clip(n, 0, max_value) / (eps + n)
    MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0):
                                                  w * (rate * clip(n, min_value, max_value)
                                                       + (1 - rate) * n) / (eps + n)
    NonNeg():                                     max(w, 0)
    UnitNorm(axis=0):                             w / (eps + n)

``axis`` may be an int or a list/tuple of ints (e.g. ``[0, 1]``). The lower-case names
``max_norm``, ``min_max_norm``, ``non_neg``, ``unit_norm`` are the same classes (as Keras).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import config
from ._validation import check_float
from .registry import Configurable, Registry

CONSTRAINTS = Registry("constraint")


class Constraint(Configurable):
    """Base class: ``__call__(w) -> projected w`` (a new array of w's shape). The base class is
    the identity, as Keras's; subclass it and override ``__call__`` for a custom constraint."""

    def __call__(self, w):
        return np.asarray(w)


def _check_axis(axis, where):
    """An int or a non-empty list/tuple of ints (returned as a list, as Keras's config keeps it)."""
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        return int(axis)
    if isinstance(axis, (list, tuple)) and axis and all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis):
        return [int(a) for a in axis]
    raise TypeError(f"{where}: `axis` must be an int or a list of ints, got {axis!r}.")


def _norms(w, axis):
    """sqrt(sum(w^2)) along ``axis``, kept as length-1 axes so it broadcasts against w."""
    ax = tuple(axis) if isinstance(axis, list) else axis
    return np.sqrt(np.sum(np.square(w), axis=ax, keepdims=True))


@CONSTRAINTS.register("max_norm")
class MaxNorm(Constraint):
    """``MaxNorm(max_value=2, axis=0)``: rescale each weight vector whose norm exceeds
    ``max_value`` to that norm: ``w * clip(n, 0, max_value) / (eps + n)``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = check_float(max_value, "max_value", "MaxNorm", low=0.0)
        self.axis = _check_axis(axis, "MaxNorm")

    def __call__(self, w):
        w = np.asarray(w)
        n = _norms(w, self.axis)
        desired = np.clip(n, 0.0, self.max_value)
        return w * (desired / (config.epsilon() + n))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@CONSTRAINTS.register("min_max_norm")
class MinMaxNorm(Constraint):
    """``MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0)``: move each weight vector's
    norm n towards [min_value, max_value]: ``w * (rate clip(n, min, max) + (1 - rate) n) / (eps + n)``
    (rate 1: a strict projection)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        where = "MinMaxNorm"
        self.min_value = check_float(min_value, "min_value", where, low=0.0)
        self.max_value = check_float(max_value, "max_value", where, low=0.0)
        if self.max_value < self.min_value:
            raise ValueError(f"{where}: `max_value` must be >= `min_value` ({min_value!r}), "
                             f"got {max_value!r}.")
        self.rate = check_float(rate, "rate", where, low=0.0, high=1.0)
        self.axis = _check_axis(axis, where)

    def __call__(self, w):
        w = np.asarray(w)
        n = _norms(w, self.axis)
        desired = self.rate * np.clip(n, self.min_value, self.max_value) + (1.0 - self.rate) * n
        return w * (desired / (config.epsilon() + n))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


@CONSTRAINTS.register("non_neg")
class NonNeg(Constraint):
    """``NonNeg()``: ``max(w, 0)``, the weights stay non-negative."""

    def __call__(self, w):
        return np.maximum(np.asarray(w), 0)


@CONSTRAINTS.register("unit_norm")
class UnitNorm(Constraint):
    """``UnitNorm(axis=0)``: each weight vector scaled to norm 1: ``w / (eps + n)``."""

    def __init__(self, axis=0):
        self.axis = _check_axis(axis, "UnitNorm")

    def __call__(self, w):
        w = np.asarray(w)
        return w / (config.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


# Keras's lower-case spellings are the classes themselves: max_norm(3) == MaxNorm(3).
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm


def get(identifier, argname: str = "constraint"):
    """Resolve a name (``"max_norm"``, ``"non_neg"``, ... with Keras's defaults), a config dict, a
    Constraint (or its class) or a callable ``w -> w``; None -> None."""
    if identifier is None:
        return None
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    obj = CONSTRAINTS.get(identifier, argname)
    if not callable(obj):
        raise TypeError(f"`{argname}` must be a constraint name ({', '.join(CONSTRAINTS.names())}), "
                        f"config dict, Constraint or callable, got {type(identifier).__name__} "
                        f"{identifier!r}.")
    return obj


def serialize(constraint):
    """``{"class_name", "config"}`` (None -> None)."""
    if constraint is None:
        return None
    return CONSTRAINTS.serialize(constraint)
