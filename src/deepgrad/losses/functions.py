"""Keras's loss functions: ``deepgrad.losses.mean_squared_error(y_true, y_pred)`` -> per-sample
losses, shape ``y_pred.shape[:-1]`` (``(batch,)`` for (batch, k) arrays; a 1-D y_pred is one
sample, so a scalar comes back, as in Keras).

Each function is the :meth:`Loss.call` of its Loss class, and ``compile(loss=<function>)`` uses
that class (which also knows the gradient; see :func:`deepgrad.losses.get`).
"""

from __future__ import annotations

import numpy as np

from .core import (BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError,
                   MeanSquaredError, SparseCategoricalCrossentropy)
from .hinge import CategoricalHinge, Hinge, SquaredHinge
from .probabilistic import KLDivergence, Poisson
from .regression import (CosineSimilarity, LogCosh, MeanAbsolutePercentageError,
                         MeanSquaredLogarithmicError)


def _per_sample(loss, y_true, y_pred):
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 1:   # one sample: reduce its only axis (Keras)
        return loss.call(np.asarray(y_true)[None], y_pred[None])[0]
    return loss.call(y_true, y_pred)


def _function(cls, name, doc, **defaults):
    """A Keras loss function of (y_true, y_pred, **keyword args of cls) backed by ``cls``."""

    def fn(y_true, y_pred, **kwargs):
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{name}() got unexpected keyword argument(s) {sorted(unknown)}.")
        return _per_sample(cls(**{**defaults, **kwargs}), y_true, y_pred)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{doc} Per-sample values (see {cls.__name__}); keyword args: {defaults or 'none'}."
    fn.loss_class = cls          # what compile(loss=fn) trains with
    return fn


mean_squared_error = _function(MeanSquaredError, "mean_squared_error", "mean_j (y_pred - y_true)^2.")
mean_absolute_error = _function(MeanAbsoluteError, "mean_absolute_error", "mean_j |y_pred - y_true|.")
mean_absolute_percentage_error = _function(MeanAbsolutePercentageError, "mean_absolute_percentage_error",
                                           "100 mean_j |y_true - y_pred| / max(|y_true|, eps).")
mean_squared_logarithmic_error = _function(MeanSquaredLogarithmicError, "mean_squared_logarithmic_error",
                                           "mean_j (log(y_pred + 1) - log(y_true + 1))^2.")
huber = _function(Huber, "huber", "Huber loss.", delta=1.0)
log_cosh = _function(LogCosh, "log_cosh", "mean_j log cosh(y_pred - y_true).")
hinge = _function(Hinge, "hinge", "mean_j max(1 - y_true y_pred, 0).")
squared_hinge = _function(SquaredHinge, "squared_hinge", "mean_j max(1 - y_true y_pred, 0)^2.")
categorical_hinge = _function(CategoricalHinge, "categorical_hinge", "max(neg - pos + 1, 0).")
kl_divergence = _function(KLDivergence, "kl_divergence", "sum_j y_true log(y_true / y_pred).")
poisson = _function(Poisson, "poisson", "mean_j (y_pred - y_true log(y_pred + eps)).")
cosine_similarity = _function(CosineSimilarity, "cosine_similarity",
                              "-cos(y_true, y_pred) along axis.", axis=-1)
categorical_crossentropy = _function(CategoricalCrossentropy, "categorical_crossentropy",
                                     "-sum_c y_c log p_c.", from_logits=False, label_smoothing=0.0,
                                     axis=-1)
sparse_categorical_crossentropy = _function(SparseCategoricalCrossentropy,
                                            "sparse_categorical_crossentropy", "-log p_label.",
                                            from_logits=False, ignore_class=None)
binary_crossentropy = _function(BinaryCrossentropy, "binary_crossentropy",
                                "mean_j -(y log p + (1 - y) log(1 - p)).", from_logits=False,
                                label_smoothing=0.0, axis=-1)

# Keras's short names
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy

FUNCTIONS = {f.__name__: f for f in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, hinge, squared_hinge, categorical_hinge,
    kl_divergence, poisson, cosine_similarity, categorical_crossentropy,
    sparse_categorical_crossentropy, binary_crossentropy)}
