"""Losses with value and gradient (Keras 3 names, defaults and reduction).

A :class:`Loss` maps ``(y_true, y_pred)`` of shape ``(N, ..., k)`` to per-sample losses
``l_i`` of shape ``(N, ...)`` (:meth:`Loss.call`: mean over the last axis for MSE/MAE/BCE/Huber,
sum over classes for cross-entropy), and reduces them as Keras's ``"sum_over_batch_size"``:

    L = sum_i w_i l_i / E,    E = number of per-sample entries (N for 2-D outputs),

with sample weights ``w`` (default 1; a scalar weighs every sample). Note: divided by E, **not**
by sum(w) (PyTorch's weighted cross-entropy divides by sum(w)). A 1-D ``y_pred`` of shape (N,)
counts as (N, 1). Keras's other ``reduction=`` values: ``"sum"`` (L = sum_i w_i l_i),
``"mean"`` (= sum_over_batch_size), ``"mean_with_sample_weight"`` (divided by sum_i w_i) and
``"none"``/None (``__call__`` returns the weighted per-sample array w_i l_i; no gradient).
A loss that ignores some entries (``SparseCategoricalCrossentropy(ignore_class=)``, or a
``mask=`` of the per-sample shape given to ``__call__``/``grad``/``value_and_grad``: a model
output's mask) gives them weight 0 and, for the mean reductions, scales the others by
E / (number kept), as Keras.

``__call__`` returns L, :meth:`Loss.grad` returns dL/dy_pred, :meth:`Loss.value_and_grad` both in
one pass (the training hot path).

Fusion with the output activation: cross-entropy losses have ``fused_activation`` ("softmax" or
"sigmoid") and :meth:`Loss.with_logits`. When the last layer applies that activation and the
loss takes probabilities, the model may feed the logits z to ``loss.with_logits()`` instead:
its value is an exact log-sum-exp (finite for logits of any size) and its gradient is
``(softmax(z) - y) / N`` (``(sigmoid(z) - y) / (N k)`` for binary cross-entropy).

Probabilities (``from_logits=False``) follow Keras on the JAX/NumPy/PyTorch backends:
categorical losses renormalize ``p <- p / sum(p)``; probabilities are clipped to
``[eps, 1 - eps]``, eps = ``deepgrad.config.epsilon()`` = 1e-7, before the logarithm (a clipped
entry gets zero gradient).
"""

from __future__ import annotations

import numpy as np

from .. import config
from .._validation import check_bool, check_float, check_int
from ..activations import sigmoid_
from ..registry import Configurable, Registry, snake_case

LOSSES = Registry("loss")


REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


class Loss(Configurable):
    """Base class. Subclasses implement ``_losses(y_true, y_pred, want_grad) -> (l, G)`` with
    ``l`` the per-sample losses and ``G`` = dl_i/dy_pred (unreduced; None unless ``want_grad``),
    for a ``y_pred`` whose reduced axis (``axis``, default the last) has been moved last.

    A custom loss: subclass ``Loss`` and write ``_losses`` (its value and its gradient by hand:
    deepgrad has no automatic differentiation). Example, a mean fourth-power error::

        class MeanQuarticError(deepgrad.losses.Loss):
            def _losses(self, y_true, y_pred, want_grad):
                d = y_pred - y_true
                k = d.shape[-1]
                return (d ** 4).mean(axis=-1), (4 * d ** 3 / k if want_grad else None)
    """

    fused_activation = None
    from_logits = False
    reduction = "sum_over_batch_size"
    #: the axis ``_losses`` reduces over (moved last before it runs); only some losses take it
    axis = -1

    def __init__(self, name=None, reduction="sum_over_batch_size"):
        where = type(self).__name__
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{where}: `name` must be a str, got {type(name).__name__}.")
        if reduction not in REDUCTIONS:
            raise ValueError(f"{where}: `reduction` must be one of {list(REDUCTIONS)}, got {reduction!r}.")
        self.name = name or snake_case(type(self).__name__)
        self.reduction = reduction

    # ------------------------------------------------------------------ public API
    def __call__(self, y_true, y_pred, sample_weight=None, mask=None):
        """The reduced loss (a Python float), e.g. L = sum_i w_i l_i / E; with
        ``reduction="none"`` the array of weighted per-sample losses w_i l_i.

        ``mask``: optional boolean array of the per-sample losses' shape (e.g. (batch,
        timesteps), a model output's mask): masked entries add nothing and the mean is over
        the kept ones, as Keras does with a masked output."""
        return self._evaluate(y_true, y_pred, sample_weight, want_grad=False, mask=mask)[0]

    def call(self, y_true, y_pred):
        """Per-sample losses l_i, shape ``y_pred.shape[:-1]`` (``(N,)`` for 1-D y_pred)."""
        yt, yp, _ = self._prepare(y_true, y_pred)
        yt, yp = self._axis_last(yt), self._axis_last(yp)
        losses = self._losses(yt, yp, want_grad=False)[0]
        mask = self._mask(yt)
        return losses if mask is None else np.where(mask, losses, 0.0)

    def grad(self, y_true, y_pred, sample_weight=None, mask=None):
        """dL/dy_pred of the reduced loss, same shape as ``y_pred``."""
        return self._evaluate(y_true, y_pred, sample_weight, want_grad=True, mask=mask)[1]

    def value_and_grad(self, y_true, y_pred, sample_weight=None, mask=None):
        """``(L, dL/dy_pred)`` in one pass."""
        return self._evaluate(y_true, y_pred, sample_weight, want_grad=True, mask=mask)

    def with_logits(self):
        """An equivalent loss taking logits (``from_logits=True``); only cross-entropies have one."""
        if self.fused_activation is None:
            raise TypeError(f"{type(self).__name__} has no logits form (it is not a cross-entropy).")
        return type(self).from_config({**self.get_config(), "from_logits": True})

    def fuses_with(self, activation) -> bool:
        """True when ``activation`` (an Activation) followed by this loss can be replaced by
        ``self.with_logits()`` on the activation's input: the names match, this loss takes
        probabilities, and a softmax acts on the last axis."""
        if self.fused_activation is None or self.from_logits or self.axis != -1:
            return False
        if getattr(activation, "name", None) != self.fused_activation:
            return False
        return getattr(activation, "axis", -1) == -1

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    # ------------------------------------------------------------------ machinery
    def _losses(self, y_true, y_pred, want_grad):
        raise NotImplementedError(
            f"{type(self).__name__} must define _losses(y_true, y_pred, want_grad) returning the "
            f"per-sample losses and their gradient (see deepgrad.losses.Loss).")

    def _mask(self, y_true):
        """Per-sample entries to keep (bool array of the losses' shape), or None: all."""
        return None

    def _axis_last(self, a):
        """``a`` with this loss's ``axis`` moved last (no copy when it is already last)."""
        if self.axis in (-1, a.ndim - 1):
            return a
        if not -a.ndim <= self.axis < a.ndim:
            raise ValueError(f"{type(self).__name__}: `axis`={self.axis} is out of range for "
                             f"y_pred of shape {a.shape}.")
        return np.moveaxis(a, self.axis, -1)

    def _prepare(self, y_true, y_pred):
        """Validate and align shapes; returns (y_true, y_pred, was_1d)."""
        where = type(self).__name__
        y_pred = _float_array(y_pred, "y_pred", where)
        if y_pred.ndim == 0:
            raise ValueError(f"{where}: `y_pred` must have a batch axis, got a scalar.")
        flat = y_pred.ndim == 1
        if flat:
            y_pred = y_pred[:, None]
        return self._prepare_labels(y_true, y_pred, where, flat), y_pred, flat

    def _prepare_labels(self, y_true, y_pred, where, flat):
        y_true = _float_array(y_true, "y_true", where, dtype=y_pred.dtype)
        if flat and y_true.shape == y_pred.shape[:1]:
            y_true = y_true[:, None]
        elif y_true.shape != y_pred.shape:
            if y_true.shape == y_pred.shape[:-1] and y_pred.shape[-1] == 1:
                y_true = y_true[..., None]
            else:
                raise ValueError(
                    f"{where}: `y_true` must have the shape of y_pred {y_pred.shape}, "
                    f"got {y_true.shape}."
                )
        return y_true

    def _evaluate(self, y_true, y_pred, sample_weight, want_grad, mask=None):
        reduction = self.reduction
        if want_grad and reduction in ("none", None):
            raise ValueError(f"{type(self).__name__}: `reduction`={reduction!r} gives per-sample "
                             f"values, not a scalar to differentiate; use 'sum_over_batch_size' "
                             f"or 'sum' to train.")
        yt, yp, flat = self._prepare(y_true, y_pred)
        yt, yp = self._axis_last(yt), self._axis_last(yp)
        losses, g = self._losses(yt, yp, want_grad)
        count = losses.size
        own = self._mask(yt)
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != losses.shape:
                raise ValueError(f"{type(self).__name__}: `mask` must have the per-sample losses' "
                                 f"shape {losses.shape}, got {mask.shape}.")
            mask = mask if own is None else mask & own
        else:
            mask = own
        w = None if sample_weight is None else _sample_weight(sample_weight, losses.shape,
                                                              type(self).__name__)
        # Keras's mean_with_sample_weight divides by the sum of the weights as given (a scalar
        # weight counts once), or of the masked weights
        w_sum = None if w is None else float(np.sum(np.asarray(sample_weight, dtype=np.float64)))
        if mask is not None:  # Keras's apply_mask: kept entries weigh E / kept for the means
            kept = int(mask.sum())
            scale = count / kept if kept and reduction in ("sum_over_batch_size", "mean") else 1.0
            m = mask * scale
            w = m if w is None else w * m
            w_sum = float(w.sum())
        if reduction in ("none", None):
            return (losses if w is None else losses * w), None
        if reduction == "sum":
            divisor = 1.0
        elif reduction == "mean_with_sample_weight" and w is not None:
            divisor = w_sum or 1.0  # Keras divides with divide_no_nan
        else:
            divisor = count
        if w is None:
            value = float(losses.sum()) / divisor
            if want_grad:
                g *= 1.0 / divisor
        else:
            value = float(np.vdot(w, losses)) / divisor
            if want_grad:
                g *= (w / divisor).astype(g.dtype, copy=False)[..., None]
        if want_grad:
            if self.axis not in (-1, g.ndim - 1):
                g = np.moveaxis(g, -1, self.axis)
            if flat:
                g = g[:, 0]
        return value, g


def _float_array(a, argname, where, dtype=None):
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{where}: `{argname}` must be a numeric array, got {type(a).__name__} ({e}).") from None
    kind = arr.dtype.kind
    if kind not in "fiub":
        raise TypeError(f"{where}: `{argname}` must be a numeric array, got dtype {arr.dtype}.")
    if dtype is None:
        dtype = arr.dtype if kind == "f" else config.floatx()
    return arr.astype(dtype, copy=False)


def _sample_weight(sample_weight, shape, where):
    w = _float_array(sample_weight, "sample_weight", where, dtype=np.float64)
    if w.ndim == 0:  # a scalar weighs every sample (Keras)
        w = np.broadcast_to(w, shape)
    if w.shape != shape:
        if w.ndim >= 1 and w.shape[0] == shape[0] and w.size in (shape[0], int(np.prod(shape))):
            w = w.reshape((shape[0],) + (1,) * (len(shape) - 1)) if w.size == shape[0] else w.reshape(shape)
            w = np.broadcast_to(w, shape)
        else:
            raise ValueError(
                f"{where}: `sample_weight` must have shape ({shape[0]},) or {shape}, got {w.shape}."
            )
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{where}: `sample_weight` must hold finite numbers.")
    return w


def _clip_inside(p):
    """Clip probabilities to [eps, 1 - eps]; returns (clipped, mask of unclipped entries)."""
    eps = config.epsilon()
    inside = (p > eps) & (p < 1.0 - eps)
    return np.clip(p, eps, 1.0 - eps), inside


# ---------------------------------------------------------------------------- regression
@LOSSES.register("mse")
class MeanSquaredError(Loss):
    """l_i = mean_j (y_pred_ij - y_true_ij)^2;   dl_i/dy_pred_ij = 2 (y_pred_ij - y_true_ij) / k.

    (The notes' MSE sums over the M outputs instead of averaging: Keras and PyTorch average.)
    """

    def _losses(self, y_true, y_pred, want_grad):
        d = np.subtract(y_pred, y_true)
        k = d.shape[-1]
        losses = np.einsum("...j,...j->...", d, d) / k
        if want_grad:
            d *= 2.0 / k
        return losses, (d if want_grad else None)


@LOSSES.register("mae")
class MeanAbsoluteError(Loss):
    """l_i = mean_j |y_pred_ij - y_true_ij|;   dl_i/dy_pred_ij = sign(y_pred_ij - y_true_ij) / k.

    The notes' "Mean Absolute Error" formula, (1/m) sum_i (sum_j (y^_j - y_j)^2)^(1/2), is a slip:
    that is the mean Euclidean norm of the error. This is the real MAE (Keras, PyTorch L1Loss);
    sign(0) = 0 as in PyTorch.
    """

    def _losses(self, y_true, y_pred, want_grad):
        d = np.subtract(y_pred, y_true)
        k = d.shape[-1]
        losses = np.abs(d).mean(axis=-1)
        if want_grad:
            np.sign(d, out=d)
            d *= 1.0 / k
        return losses, (d if want_grad else None)


@LOSSES.register()
class Huber(Loss):
    """Huber(delta=1.0): per element 0.5 e^2 if |e| <= delta else delta (|e| - 0.5 delta), e = y_pred - y_true,
    averaged over the last axis;  dl_i/dy_pred_ij = clip(e_ij, -delta, delta) / k. (= PyTorch HuberLoss.)"""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name=None):
        super().__init__(name, reduction)
        self.delta = check_float(delta, "delta", "Huber", low=0.0, low_inclusive=False)

    def _losses(self, y_true, y_pred, want_grad):
        e = np.subtract(y_pred, y_true)
        k = e.shape[-1]
        a = np.abs(e)
        quad = np.minimum(a, self.delta)        # |e| on the quadratic part, delta beyond
        # 0.5 q^2 + delta (|e| - q): equals 0.5 e^2 inside and delta (|e| - delta/2) outside
        per = 0.5 * quad * quad + self.delta * (a - quad)
        losses = per.mean(axis=-1)
        if want_grad:
            np.clip(e, -self.delta, self.delta, out=e)
            e *= 1.0 / k
        return losses, (e if want_grad else None)

    def get_config(self):
        return {"delta": self.delta, **super().get_config()}


# ---------------------------------------------------------------------------- cross-entropy
def _log_softmax_ce(y_true, z, want_grad):
    """Cross-entropy from logits along the last axis, soft labels allowed.

    l = sum_j y_j (lse(z) - z_j) = s log(sum_j exp(z_j - m)) - sum_j y_j (z_j - m),
    m = max_j z_j, s = sum_j y_j;   dl/dz = s softmax(z) - y  (= p - y for one-hot y).
    """
    m = z.max(axis=-1, keepdims=True)
    g = np.subtract(z, m)
    t = np.einsum("...j,...j->...", y_true, g)
    np.exp(g, out=g)
    se = g.sum(axis=-1, keepdims=True)
    s = y_true.sum(axis=-1)
    losses = s * np.log(se[..., 0]) - t
    if not want_grad:
        return losses, None
    g /= se
    g *= s[..., None]
    g -= y_true
    return losses, g


def _prob_ce(y_true, p, want_grad):
    """Keras's cross-entropy from probabilities: q = p / S (S = sum p), c = clip(q, eps, 1-eps),
    l = -sum_j y_j log c_j.  With g_j = -y_j / c_j on unclipped entries (0 on clipped ones):
    dl/dp_k = (g_k - sum_j g_j q_j) / S."""
    total = np.sum(p, axis=-1, keepdims=True)
    q = p / total
    c, inside = _clip_inside(q)
    losses = -np.einsum("...j,...j->...", y_true, np.log(c))
    if not want_grad:
        return losses, None
    g = np.divide(y_true, c)
    np.negative(g, out=g)
    g *= inside
    g -= np.einsum("...j,...j->...", g, q)[..., None]
    g /= total
    return losses, g


class _CrossEntropy(Loss):
    """The arguments the two dense cross-entropies share: ``from_logits``, ``label_smoothing``."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name=None):
        super().__init__(name, reduction)
        self.axis = check_int(axis, "axis", type(self).__name__)
        self.from_logits = check_bool(from_logits, "from_logits", type(self).__name__)
        self.label_smoothing = check_float(label_smoothing, "label_smoothing", type(self).__name__,
                                           low=0.0, high=1.0)

    def get_config(self):
        return {"from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis,
                **super().get_config()}


class _ClassScores(Loss):
    """Losses over class scores on the last axis; subclasses check the labels (``_prepare_labels``)."""

    def _prepare(self, y_true, y_pred):
        where = type(self).__name__
        y_pred = _float_array(y_pred, "y_pred", where)
        if y_pred.ndim < 2:
            raise ValueError(f"{where}: `y_pred` must be (N, ..., C) class scores, got shape {y_pred.shape}.")
        return self._prepare_labels(y_true, y_pred, where, False), y_pred, False


@LOSSES.register()
class CategoricalCrossentropy(_ClassScores, _CrossEntropy):
    """CategoricalCrossentropy(from_logits=False, label_smoothing=0.0): l_i = -sum_c y_ic log p_ic.

    y_true one-hot (or soft) of y_pred's shape (N, ..., C). Label smoothing: y <- y (1 - ls) + ls / C.
    from_logits: p = softmax(z), evaluated as a log-sum-exp; gradient s softmax(z) - y (s = sum_c y_c,
    1 for one-hot labels). Probabilities: see the module docstring (renormalize, clip to 1e-7).
    """

    fused_activation = "softmax"

    def _prepare_labels(self, y_true, y_pred, where, flat):
        y_true = _float_array(y_true, "y_true", where, dtype=y_pred.dtype)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{where}: `y_true` must be one-hot with the shape of y_pred {y_pred.shape} "
                f"({y_pred.shape[-1]} classes), got shape {y_true.shape}"
                + (f" (one-hot width {y_true.shape[-1]} != {y_pred.shape[-1]} classes)."
                   if y_true.shape[:-1] == y_pred.shape[:-1] else ".")
            )
        if self.label_smoothing:
            y_true = y_true * (1.0 - self.label_smoothing) + self.label_smoothing / y_pred.shape[-1]
        return y_true

    def _losses(self, y_true, y_pred, want_grad):
        if self.from_logits:
            return _log_softmax_ce(y_true, y_pred, want_grad)
        return _prob_ce(y_true, y_pred, want_grad)


@LOSSES.register()
class SparseCategoricalCrossentropy(_ClassScores):
    """SparseCategoricalCrossentropy(from_logits=False, ignore_class=None): l_i = -log p_{i, y_i}.

    ``ignore_class``: entries labelled with it (e.g. padding, -1 or 255) add no loss and no
    gradient; the mean is over the other entries (Keras's masked reduction).

    y_true holds integer class indices in [0, C), shape (N, ...) or (N, ..., 1); float arrays of
    whole numbers are accepted. Same value and gradient as CategoricalCrossentropy on one-hot labels
    (from logits: softmax(z) - onehot(y)).
    """

    fused_activation = "softmax"

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name=None):
        super().__init__(name, reduction)
        self.from_logits = check_bool(from_logits, "from_logits", type(self).__name__)
        self.ignore_class = check_int(ignore_class, "ignore_class", type(self).__name__,
                                      allow_none=True)

    def _prepare_labels(self, y_true, y_pred, where, flat):
        y = np.asarray(y_true)
        if y.shape == y_pred.shape[:-1] + (1,):
            y = y[..., 0]
        if y.shape != y_pred.shape[:-1]:
            raise ValueError(
                f"{where}: `y_true` must hold class indices of shape {y_pred.shape[:-1]} "
                f"(or {y_pred.shape[:-1] + (1,)}), got shape {y.shape}."
            )
        n_classes = y_pred.shape[-1]
        if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
            raise TypeError(f"{where}: `y_true` must hold integer class indices, got dtype {y.dtype}.")
        if np.issubdtype(y.dtype, np.floating):
            if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
                raise ValueError(f"{where}: `y_true` must hold integer class indices, got non-integer values.")
        checked = y if self.ignore_class is None else y[y != self.ignore_class]
        if checked.size and (checked.min() < 0 or checked.max() >= n_classes):
            raise ValueError(
                f"{where}: `y_true` must hold class indices in [0, {n_classes}), "
                f"got values in [{checked.min()}, {checked.max()}]."
            )
        return y.astype(np.intp, copy=False)

    def _mask(self, labels):
        """With ``ignore_class``: the entries whose label is not it (the others weigh 0)."""
        return None if self.ignore_class is None else labels != self.ignore_class

    def _losses(self, labels, y_pred, want_grad):
        if self.ignore_class is not None:  # any valid index: these entries get weight 0
            labels = np.where(labels == self.ignore_class, 0, labels)
        if not self.from_logits:
            onehot = np.zeros_like(y_pred)
            np.put_along_axis(onehot, labels[..., None], 1.0, axis=-1)
            return _prob_ce(onehot, y_pred, want_grad)
        m = y_pred.max(axis=-1, keepdims=True)
        g = np.subtract(y_pred, m)
        picked = np.take_along_axis(g, labels[..., None], axis=-1)[..., 0]
        np.exp(g, out=g)
        se = g.sum(axis=-1, keepdims=True)
        losses = np.log(se[..., 0]) - picked
        if not want_grad:
            return losses, None
        g /= se
        flat = g.reshape(-1, g.shape[-1])
        flat[np.arange(flat.shape[0]), labels.ravel()] -= 1.0
        return losses, g

    def get_config(self):
        return {"from_logits": self.from_logits, "ignore_class": self.ignore_class,
                **super().get_config()}


@LOSSES.register()
class BinaryCrossentropy(_CrossEntropy):
    """BinaryCrossentropy(from_logits=False, label_smoothing=0.0), averaged over the last axis:

    probabilities: c = clip(p, eps, 1-eps), l = mean_j -(y log c + (1-y) log(1-c)),
                   dl/dp = (-y/c + (1-y)/(1-c)) / k on unclipped entries;
    logits:        l = mean_j max(z,0) - z y + log(1 + exp(-|z|)),  dl/dz = (sigmoid(z) - y) / k.
    Label smoothing: y <- y (1 - ls) + ls / 2.
    """

    fused_activation = "sigmoid"

    def _prepare_labels(self, y_true, y_pred, where, flat):
        y_true = super()._prepare_labels(y_true, y_pred, where, flat)
        if self.label_smoothing:
            y_true = y_true * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return y_true

    def _losses(self, y_true, y_pred, want_grad):
        k = y_pred.shape[-1]
        if self.from_logits:
            z = y_pred
            per = np.abs(z)
            np.negative(per, out=per)
            np.exp(per, out=per)
            np.log1p(per, out=per)
            per += np.maximum(z, 0)
            per -= z * y_true
            losses = per.mean(axis=-1)
            if not want_grad:
                return losses, None
            g = sigmoid_(z)
            g -= y_true
        else:
            c, inside = _clip_inside(y_pred)
            one_minus = 1.0 - c
            losses = -(y_true * np.log(c) + (1.0 - y_true) * np.log(one_minus)).mean(axis=-1)
            if not want_grad:
                return losses, None
            g = (1.0 - y_true) / one_minus - y_true / c
            g *= inside
        g *= 1.0 / k
        return losses, g


def get(identifier, argname: str = "loss") -> Loss:
    """Resolve a loss name (``"mse"``, ``"categorical_crossentropy"``, ...), a config dict or a Loss."""
    return LOSSES.get_instance(identifier, argname, Loss, "Loss (an object with value and gradient)")


def serialize(loss):
    """``{"class_name", "config"}`` for a Loss."""
    return LOSSES.serialize(loss)
