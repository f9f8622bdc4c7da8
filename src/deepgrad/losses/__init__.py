"""Losses with value and gradient (Keras 3 names, defaults and reduction).

- :mod:`.core`: the :class:`Loss` base (reduction, sample weights, the fused logits form) and
  the notes' losses: MeanSquaredError, MeanAbsoluteError, Huber, the cross-entropies.
- :mod:`.regression`: MeanAbsolutePercentageError, MeanSquaredLogarithmicError, LogCosh,
  CosineSimilarity.  :mod:`.probabilistic`: KLDivergence, Poisson.
  :mod:`.hinge`: Hinge, SquaredHinge, CategoricalHinge.
- :mod:`.functions`: Keras's loss functions (``mean_squared_error(y_true, y_pred)`` -> per-sample values).

``compile(loss=...)`` takes a name, a config dict, a Loss, a Loss class or one of Keras's loss
functions (trained with its Loss class). A plain Python function cannot be trained with: deepgrad
computes gradients by hand-written backward passes, not by automatic differentiation, so a loss
needs its gradient; write a :class:`Loss` subclass with ``_losses`` (see :class:`Loss`).
"""

from __future__ import annotations

from .core import (LOSSES, REDUCTIONS, BinaryCrossentropy, CategoricalCrossentropy, Huber, Loss,
                   MeanAbsoluteError, MeanSquaredError, SparseCategoricalCrossentropy)
from .functions import (BCE, KLD, MAE, MAPE, MSE, MSLE, bce, binary_crossentropy,
                        categorical_crossentropy, categorical_hinge, cosine_similarity, hinge, huber,
                        kl_divergence, kld, log_cosh, mae, mape, mean_absolute_error,
                        mean_absolute_percentage_error, mean_squared_error,
                        mean_squared_logarithmic_error, mse, msle, poisson,
                        sparse_categorical_crossentropy, squared_hinge)
from .hinge import CategoricalHinge, Hinge, SquaredHinge
from .probabilistic import KLDivergence, Poisson
from .regression import (CosineSimilarity, LogCosh, MeanAbsolutePercentageError,
                         MeanSquaredLogarithmicError)

_HOW_TO = (
    "deepgrad trains with hand-written backward passes, not automatic differentiation, so a "
    "loss must supply its gradient. Subclass deepgrad.losses.Loss and define "
    "_losses(self, y_true, y_pred, want_grad) returning (per-sample losses, their gradient "
    "with respect to y_pred, or None when not want_grad); see help(deepgrad.losses.Loss).")


def get(identifier, argname: str = "loss") -> Loss:
    """Resolve a loss name (``"mse"``, ``"categorical_crossentropy"``, ...), a config dict, a Loss,
    a Loss class, or a Keras loss function (``losses.mean_squared_error``) -> its Loss class."""
    cls = getattr(identifier, "loss_class", None)
    if callable(identifier) and cls is not None:
        return cls(name=identifier.__name__)
    if isinstance(identifier, Loss) and type(identifier)._losses is Loss._losses:
        raise TypeError(f"`{argname}`: {type(identifier).__name__} defines no gradient (Keras's "
                        f"`call` alone is not enough). {_HOW_TO}")
    if callable(identifier) and not isinstance(identifier, (Loss, type)):
        name = getattr(identifier, "__name__", type(identifier).__name__)
        raise TypeError(f"`{argname}`: the function {name!r} gives loss values but no gradient. "
                        f"{_HOW_TO}")
    return LOSSES.get_instance(identifier, argname, Loss, "Loss (an object with value and gradient)")


def serialize(loss):
    """``{"class_name", "config"}`` for a Loss."""
    return LOSSES.serialize(loss)
