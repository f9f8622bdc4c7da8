"""Regression losses beyond MSE/MAE/Huber (Keras 3 formulas), each with its gradient.

With e = y_pred - y_true over the last axis of size k, eps = ``deepgrad.config.epsilon()``:

    MeanAbsolutePercentageError:   l = 100 mean_j |e_j| / max(|y_true_j|, eps)
                                   dl/dy_pred_j = 100 sign(e_j) / (k max(|y_true_j|, eps))
    MeanSquaredLogarithmicError:   a_j = log(max(y_pred_j, eps) + 1) - log(max(y_true_j, eps) + 1)
                                   l = mean_j a_j^2;
                                   dl/dy_pred_j = 2 a_j / (k (y_pred_j + 1)) if y_pred_j > eps, else 0
    LogCosh:                       l = mean_j log cosh(e_j), evaluated as e + softplus(-2e) - log 2
                                   dl/dy_pred_j = tanh(e_j) / k
    CosineSimilarity(axis=-1):     l = -sum_j t_j u_j with t = y_true / max(|y_true|, eps),
                                   u = y_pred / max(|y_pred|, eps) (Euclidean norms along axis);
                                   dl/dy_pred = -(t - (t . u) u) / |y_pred|  (-t / eps when |y_pred| <= eps)
"""

from __future__ import annotations

import math

import numpy as np

from .. import config
from .._validation import check_int
from ..activations import softplus_
from .core import LOSSES, Loss


@LOSSES.register("mape")
class MeanAbsolutePercentageError(Loss):
    """100 mean_j |y_true - y_pred| / max(|y_true|, eps) (see the module docstring)."""

    def _losses(self, y_true, y_pred, want_grad):
        e = np.subtract(y_pred, y_true)
        k = e.shape[-1]
        scale = np.maximum(np.abs(y_true), config.epsilon())
        losses = 100.0 * np.mean(np.abs(e) / scale, axis=-1)
        if not want_grad:
            return losses, None
        return losses, (100.0 / k) * np.sign(e) / scale


@LOSSES.register("msle")
class MeanSquaredLogarithmicError(Loss):
    """mean_j (log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2 (see the module docstring)."""

    def _losses(self, y_true, y_pred, want_grad):
        eps = config.epsilon()
        p1 = np.maximum(y_pred, eps) + 1.0
        a = np.log(p1) - np.log(np.maximum(y_true, eps) + 1.0)
        k = a.shape[-1]
        losses = np.mean(a * a, axis=-1)
        if not want_grad:
            return losses, None
        return losses, (2.0 / k) * a / p1 * (y_pred > eps)


@LOSSES.register()
class LogCosh(Loss):
    """mean_j log(cosh(y_pred - y_true)); gradient tanh(e) / k (see the module docstring)."""

    def _losses(self, y_true, y_pred, want_grad):
        e = np.subtract(y_pred, y_true)
        k = e.shape[-1]
        losses = np.mean(e + softplus_(-2.0 * e) - math.log(2.0), axis=-1)
        if not want_grad:
            return losses, None
        return losses, np.tanh(e) / k


@LOSSES.register()
class CosineSimilarity(Loss):
    """``CosineSimilarity(axis=-1)``: minus the cosine of the angle between y_true and y_pred along
    ``axis`` (-1 when they point the same way, as Keras's loss; see the module docstring)."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name=None):
        super().__init__(name, reduction)
        self.axis = check_int(axis, "axis", "CosineSimilarity")

    def _losses(self, y_true, y_pred, want_grad):
        eps = config.epsilon()
        t = y_true / np.maximum(np.linalg.norm(y_true, axis=-1, keepdims=True), eps)
        r = np.linalg.norm(y_pred, axis=-1, keepdims=True)
        u = y_pred / np.maximum(r, eps)
        cos = np.sum(t * u, axis=-1, keepdims=True)
        losses = -cos[..., 0]
        if not want_grad:
            return losses, None
        big = r > eps   # on the flat part (|y_pred| <= eps) u = y_pred / eps is linear
        g = np.where(big, -(t - cos * u) / np.where(big, r, 1.0), -t / eps)
        return losses, g

    def get_config(self):
        return {"axis": self.axis, **super().get_config()}
