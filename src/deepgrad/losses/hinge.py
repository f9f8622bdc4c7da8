"""Hinge losses (Keras 3 formulas), for labels in {-1, 1} (labels in {0, 1} are converted to
{-1, 1} first, as Keras does when every label is 0 or 1):

    Hinge:             l = mean_j max(1 - y_j p_j, 0);       dl/dp_j = -y_j [1 - y_j p_j > 0] / k
    SquaredHinge:      l = mean_j max(1 - y_j p_j, 0)^2;     dl/dp_j = -2 y_j max(1 - y_j p_j, 0) / k
    CategoricalHinge:  (one-hot y) pos = sum_j y_j p_j, neg = max_j (1 - y_j) p_j,
                       l = max(neg - pos + 1, 0);
                       dl/dp_j = [l > 0] ((1 - y_j) [j = argmax_i (1 - y_i) p_i] - y_j)
"""

from __future__ import annotations

import numpy as np

from .core import LOSSES, Loss


def _pm_one(y_true):
    """Keras's convert_binary_labels_to_hinge: {0, 1} labels become {-1, 1}; others are kept."""
    if np.all((y_true == 0) | (y_true == 1)):
        return 2.0 * y_true - 1.0
    return y_true


@LOSSES.register()
class Hinge(Loss):
    """mean_j max(1 - y_true y_pred, 0) (see the module docstring)."""

    def _losses(self, y_true, y_pred, want_grad):
        y = _pm_one(y_true)
        margin = np.maximum(1.0 - y * y_pred, 0.0)
        k = margin.shape[-1]
        losses = margin.mean(axis=-1)
        if not want_grad:
            return losses, None
        return losses, -y * (margin > 0) / k


@LOSSES.register()
class SquaredHinge(Loss):
    """mean_j max(1 - y_true y_pred, 0)^2 (see the module docstring)."""

    def _losses(self, y_true, y_pred, want_grad):
        y = _pm_one(y_true)
        margin = np.maximum(1.0 - y * y_pred, 0.0)
        k = margin.shape[-1]
        losses = np.mean(margin * margin, axis=-1)
        if not want_grad:
            return losses, None
        return losses, -2.0 * y * margin / k


@LOSSES.register()
class CategoricalHinge(Loss):
    """max(max_j (1 - y_j) p_j - sum_j y_j p_j + 1, 0) for one-hot y (see the module docstring)."""

    def _losses(self, y_true, y_pred, want_grad):
        pos = np.sum(y_true * y_pred, axis=-1)
        others = (1.0 - y_true) * y_pred
        neg = others.max(axis=-1)
        losses = np.maximum(neg - pos + 1.0, 0.0)
        if not want_grad:
            return losses, None
        pick = np.zeros_like(y_pred)
        np.put_along_axis(pick, others.argmax(axis=-1)[..., None], 1.0, axis=-1)
        g = (pick * (1.0 - y_true) - y_true) * (losses > 0)[..., None]
        return losses, g
