"""Activations that act along an axis: softmax, log_softmax, glu (derivatives beside them)."""

from __future__ import annotations

import numpy as np

from .._validation import check_int
from .base import ACTIVATIONS, Activation, _as_float, sigmoid_


@ACTIVATIONS.register()
class Softmax(Activation):
    """softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x) along ``axis`` (default -1).

    Jacobian-vector product: dx = y * (dy - sum(dy * y, axis)).
    """

    name = "softmax"
    needs_input = False

    def __init__(self, axis=-1):
        self.axis = _check_axes(axis, self.name)

    def forward(self, x, out=None):
        x = _as_float(x)
        y = np.subtract(x, x.max(axis=self.axis, keepdims=True), out=out)
        np.exp(y, out=y)
        y /= y.sum(axis=self.axis, keepdims=True)
        return y

    def backward(self, dy, x, y):
        if dy.ndim == 2 and self.axis in (-1, 1):
            s = np.einsum("ij,ij->i", dy, y)[:, None]
        else:
            s = np.sum(dy * y, axis=self.axis, keepdims=True)
        dy -= s
        dy *= y
        return dy

    def get_config(self):
        return {"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}


def _check_axes(axis, where):
    """An int, or a tuple/list of ints (kept as a tuple): softmax over several axes (Keras)."""
    if isinstance(axis, (tuple, list)):
        if not axis:
            raise ValueError(f"{where}: `axis` must be an int or a non-empty tuple of ints, got {axis!r}.")
        return tuple(check_int(a, "axis", where) for a in axis)
    return check_int(axis, "axis", where)


@ACTIVATIONS.register()
class LogSoftmax(Activation):
    """log_softmax(x) = x - log(sum exp(x)) along ``axis`` (default -1; a tuple of axes allowed),
    evaluated as (x - max) - log(sum exp(x - max)).

    Jacobian-vector product: dx = dy - softmax(x) * sum(dy, axis), softmax(x) = exp(y).
    """

    name = "log_softmax"
    needs_input = False

    def __init__(self, axis=-1):
        self.axis = _check_axes(axis, self.name)

    def forward(self, x, out=None):
        x = _as_float(x)
        y = np.subtract(x, x.max(axis=self.axis, keepdims=True), out=out)
        y -= np.log(np.exp(y).sum(axis=self.axis, keepdims=True))
        return y

    def backward(self, dy, x, y):
        s = np.sum(dy, axis=self.axis, keepdims=True)
        dy -= np.exp(y) * s
        return dy

    def get_config(self):
        return {"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}


@ACTIVATIONS.register()
class Glu(Activation):
    """glu(x, axis=-1): split x in halves a, b along ``axis``; glu = a * sigma(b). The output has
    half of x's size along ``axis`` (so it is a function, not an activation for Dense).

    Backward: da = dy sigma(b),  db = dy a sigma(b) (1 - sigma(b)).
    """

    name = "glu"
    changes_shape = True

    def __init__(self, axis=-1):
        self.axis = check_int(axis, "axis", self.name)

    def _halves(self, x):
        if x.shape[self.axis] % 2:
            raise ValueError(f"glu: the size of `axis` {self.axis} must be even, got shape {x.shape}.")
        return np.split(x, 2, axis=self.axis)

    def forward(self, x, out=None):
        a, b = self._halves(_as_float(x))
        return np.multiply(a, sigmoid_(b), out=out)

    def backward(self, dy, x, y):
        a, b = self._halves(x)
        s = sigmoid_(b)
        return np.concatenate([dy * s, dy * a * s * (1.0 - s)], axis=self.axis)

    def get_config(self):
        return {"axis": self.axis}
