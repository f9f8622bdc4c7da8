"""The Activation base class (forward and derivative side by side), the registry, the
numerically stable helpers, and the wrapper for plain callables."""

from __future__ import annotations

import numpy as np

from .. import config
from ..registry import Registry

ACTIVATIONS = Registry("activation")


# ---------------------------------------------------------------------------- helpers
def _as_float(x):
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(config.floatx())


def _target(x, out):
    """``out`` holding a copy of ``x`` (no copy when ``out is x``); a new array when ``out`` is None."""
    if out is None:
        return x.copy()
    if out is not x:
        np.copyto(out, x)
    return out


def sigmoid_(x, out=None):
    """sigma(x) = 1 / (1 + exp(-x)), evaluated as exp(min(x,0)) / (1 + exp(-|x|)) (no overflow)."""
    x = _as_float(x)
    pos = x >= 0
    e = np.abs(x, out=out)
    np.negative(e, out=e)
    np.exp(e, out=e)                 # e = exp(-|x|) in (0, 1]
    denom = e + 1.0
    np.copyto(e, 1.0, where=pos)     # numerator: 1 for x >= 0, exp(x) for x < 0
    return np.divide(e, denom, out=e)


def softplus_(x, out=None):
    """zeta(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)) (no overflow)."""
    x = _as_float(x)
    t = np.abs(x)
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    y = np.maximum(x, 0, out=out)
    y += t
    return y


# ---------------------------------------------------------------------------- base
class Activation:
    """Base class. Subclasses set ``name``, ``needs_input`` and write ``forward``/``backward``."""

    name = "activation"
    needs_input = True

    def forward(self, x, out=None):
        raise NotImplementedError

    def backward(self, dy, x, y):
        raise NotImplementedError

    def __call__(self, x, **kwargs):
        """Keras's function form; keyword arguments configure a one-off copy, as Keras's
        functions take them: ``relu(x, negative_slope=0.1, max_value=6.0)``."""
        if kwargs:
            return type(self)(**{**self.get_config(), **kwargs}).forward(x)
        return self.forward(x)

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __eq__(self, other):
        return (isinstance(other, Activation) and self.name == other.name
                and self.get_config() == other.get_config())

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.get_config().items()))))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class CallableActivation(Activation):
    """A plain Python callable used as an activation: forward works, backward cannot."""

    def __init__(self, fn):
        self.fn = fn
        self.name = getattr(fn, "__name__", type(fn).__name__)

    def forward(self, x, out=None):
        y = np.asarray(self.fn(_as_float(x)))
        if out is None:
            return y
        np.copyto(out, y)
        return out

    def backward(self, dy, x, y):
        raise TypeError(
            f"Activation {self.name!r} is a plain callable without an analytic derivative, so "
            "deepgrad cannot backpropagate through it. Use a registered name "
            f"({', '.join(ACTIVATIONS.names())}) or subclass deepgrad.activations.Activation "
            "and write forward() and backward()."
        )

    def __eq__(self, other):
        return isinstance(other, CallableActivation) and other.fn is self.fn

    def __hash__(self):
        return hash(self.fn)
