"""Weight regularizers (Keras names and defaults): the notes' weight decay.

The notes regularize the cost as J~(theta) = J(theta) + lambda ||theta||_2^2: that is ``L2(l2=lambda)``
attached to a layer's weights (``kernel_regularizer=L2(1e-4)``). A regularizer ``r`` gives the
penalty ``r(w)`` that the model adds to the loss and its gradient ``r.grad(w)`` that the model adds
to the weight's gradient after the backward pass.

    L1(l1=0.01):            l1 * sum|w|                 grad  l1 * sign(w)
    L2(l2=0.01):            l2 * sum w^2                grad  2 l2 w
    L1L2(l1=0.0, l2=0.0):   l1 * sum|w| + l2 * sum w^2  grad  l1 sign(w) + 2 l2 w

(sign(0) = 0, the subgradient PyTorch uses for |w|.) Note that Keras's L2 has no 1/2 factor,
and that this coupled penalty differs from the decoupled ``weight_decay`` of Keras optimizers.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_float
from .registry import Configurable, Registry

REGULARIZERS = Registry("regularizer")


class Regularizer(Configurable):
    """Base class: ``__call__(w) -> float`` penalty and ``grad(w) -> array`` of w's shape."""

    def __call__(self, w) -> float:
        raise NotImplementedError

    def grad(self, w):
        raise NotImplementedError


@REGULARIZERS.register("l1l2")
class L1L2(Regularizer):
    """l1 * sum|w| + l2 * sum w^2 (defaults 0.0, 0.0); gradient l1 sign(w) + 2 l2 w.

    Names: ``"l1l2"`` (Keras 3's, its snake case of the class name) and ``"l1_l2"``."""

    def __init__(self, l1=0.0, l2=0.0):
        where = type(self).__name__
        self.l1 = check_float(l1, "l1", where, low=0.0)
        self.l2 = check_float(l2, "l2", where, low=0.0)

    def __call__(self, w) -> float:
        w = np.asarray(w)
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.sum(np.abs(w)))
        if self.l2:
            penalty += self.l2 * float(np.vdot(w, w))
        return penalty

    def grad(self, w):
        w = np.asarray(w)
        g = np.multiply(w, 2.0 * self.l2)
        if self.l1:
            g += self.l1 * np.sign(w)
        return g

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@REGULARIZERS.register()
class L1(L1L2):
    """l1 * sum|w| (default l1 = 0.01); gradient l1 sign(w)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


@REGULARIZERS.register()
class L2(L1L2):
    """l2 * sum w^2 (default l2 = 0.01): the notes' weight decay lambda ||theta||^2; gradient 2 l2 w."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def get(identifier, argname: str = "regularizer"):
    """Resolve ``"l1"``, ``"l2"``, ``"l1l2"``/``"l1_l2"`` (Keras defaults), a config dict or a
    Regularizer; None -> None."""
    if identifier is None:
        return None
    return REGULARIZERS.get_instance(identifier, argname, Regularizer, "Regularizer")


def serialize(regularizer):
    """``{"class_name", "config"}`` (None -> None)."""
    return REGULARIZERS.serialize(regularizer)
