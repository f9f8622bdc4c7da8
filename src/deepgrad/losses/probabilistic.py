"""Losses between distributions or counts: ``KLDivergence``, ``Poisson`` (Keras 3 formulas).

With eps = ``deepgrad.config.epsilon()``:

    KLDivergence:  t = clip(y_true, eps, 1), p = clip(y_pred, eps, 1),
                   l = sum_j t_j log(t_j / p_j);   dl/dy_pred_j = -t_j / p_j where eps < y_pred_j < 1, else 0
    Poisson:       l = mean_j (y_pred_j - y_true_j log(y_pred_j + eps));
                   dl/dy_pred_j = (1 - y_true_j / (y_pred_j + eps)) / k
"""

from __future__ import annotations

import numpy as np

from .. import config
from .core import LOSSES, Loss


@LOSSES.register("kld", "kullback_leibler_divergence")
class KLDivergence(Loss):
    """Kullback-Leibler divergence sum_j t_j log(t_j / p_j) (see the module docstring)."""

    def _losses(self, y_true, y_pred, want_grad):
        eps = config.epsilon()
        t = np.clip(y_true, eps, 1.0)
        p = np.clip(y_pred, eps, 1.0)
        losses = np.sum(t * np.log(t / p), axis=-1)
        if not want_grad:
            return losses, None
        return losses, -(t / p) * ((y_pred > eps) & (y_pred < 1.0))


@LOSSES.register()
class Poisson(Loss):
    """mean_j (y_pred - y_true log(y_pred + eps)) (see the module docstring)."""

    def _losses(self, y_true, y_pred, want_grad):
        eps = config.epsilon()
        k = y_pred.shape[-1]
        losses = np.mean(y_pred - y_true * np.log(y_pred + eps), axis=-1)
        if not want_grad:
            return losses, None
        return losses, (1.0 - y_true / (y_pred + eps)) / k
