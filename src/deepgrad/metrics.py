"""Streaming metrics with Keras's names.

A :class:`Metric` accumulates ``update_state(y_true, y_pred, sample_weight=None)`` over batches
and reports ``result()``; ``reset_state()`` starts over. Each metric is a weighted mean of
per-sample values v_i (weights w_i, default 1):

    result = sum_batches sum_i w_i v_i / sum_batches sum_i w_i,

so the value after an epoch equals the value on all the data at once, whatever the batch sizes.

Per-sample values (Keras 3):
    binary_accuracy:             mean_j [ (y_pred_ij > threshold) == y_true_ij ]   (threshold 0.5)
    categorical_accuracy:        [ argmax y_true_i == argmax y_pred_i ]
    sparse_categorical_accuracy: [ y_true_i == argmax y_pred_i ]
    mean_squared_error / mse:    mean_j (y_pred_ij - y_true_ij)^2
    mean_absolute_error / mae:   mean_j |y_pred_ij - y_true_ij|

``"accuracy"``/``"acc"`` resolve as Keras's compile does (``keras/src/trainers/compile_utils.py``):
binary when y_pred's last dimension is 1; else sparse categorical when y_true has fewer
dimensions than y_pred, or its last dimension is 1 while y_pred's is > 1; else categorical.
The metric keeps the name the user wrote (``"acc"`` logs as ``acc``).

Keras 3's other metrics: :class:`Accuracy` (exact match ``y_true == y_pred``, not the string
``"accuracy"``), :class:`RootMeanSquaredError` (sqrt of the mean of all squared errors seen),
:class:`TopKCategoricalAccuracy` / :class:`SparseTopKCategoricalAccuracy` (k=5: the label's
score is at least the k-th largest; ties count as hits). Keras's metric functions
(``sparse_categorical_accuracy(y_true, y_pred)`` -> per-sample values, the loss functions too)
and your own functions of ``(y_true, y_pred)`` go into ``compile(metrics=[...])``: each is
averaged over the samples by :class:`MeanMetricWrapper`, named after the function.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_bool, check_float, check_int
from .losses.functions import (binary_crossentropy, categorical_crossentropy,  # noqa: F401
                               categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                               mean_absolute_error, mean_absolute_percentage_error,
                               mean_squared_error, mean_squared_logarithmic_error, poisson,
                               sparse_categorical_crossentropy, squared_hinge)
from .registry import Registry, snake_case

METRICS = Registry("metric")


class Metric:
    """Weighted streaming mean of the per-sample values given by :meth:`values`."""

    def __init__(self, name=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: `name` must be a str, got {type(name).__name__}.")
        self.name = name or snake_case(type(self).__name__)
        self.reset_state()

    def values(self, y_true, y_pred):
        """Per-sample values, shape (N, ...)."""
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None):
        """Add a batch. ``mask`` (optional, boolean, the per-sample values' shape, e.g. a model
        output's (batch, timesteps) mask) leaves the masked entries out, as Keras's metrics do
        with a masked output."""
        v = np.asarray(self.values(np.asarray(y_true), np.asarray(y_pred)), dtype=np.float64)
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != v.shape[:mask.ndim]:
                raise ValueError(f"{type(self).__name__}: `mask` must have the values' shape "
                                 f"{v.shape} (or its leading axes), got {mask.shape}.")
            mask = np.broadcast_to(mask.reshape(mask.shape + (1,) * (v.ndim - mask.ndim)), v.shape)
        if sample_weight is None and mask is None:
            self._total += float(v.sum())
            self._count += v.size
            return
        w = np.ones(v.shape) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if w.shape != v.shape:
            if w.size != v.shape[0]:
                raise ValueError(
                    f"{type(self).__name__}: `sample_weight` must have shape ({v.shape[0]},), got {w.shape}."
                )
            w = np.broadcast_to(w.reshape((v.shape[0],) + (1,) * (v.ndim - 1)), v.shape)
        if mask is not None:
            w = w * mask
        self._total += float(np.vdot(w, v))
        self._count += float(w.sum())

    def result(self) -> float:
        return self._total / self._count if self._count else 0.0

    def reset_state(self) -> None:
        self._total = 0.0
        self._count = 0.0

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} result={self.result():.4g}>"


def _labels(y_true, y_pred, where):
    """Sparse labels of shape y_pred.shape[:-1] from (N, ...) or (N, ..., 1)."""
    if y_true.shape == y_pred.shape[:-1] + (1,):
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"{where}: `y_true` must hold class indices of shape {y_pred.shape[:-1]}, got {y_true.shape}."
        )
    return y_true


def _same_shape(y_true, y_pred, where):
    if y_true.shape != y_pred.shape:
        if y_true.shape == y_pred.shape[:-1] and y_pred.shape[-1:] == (1,):
            return y_true[..., None]
        raise ValueError(f"{where}: `y_true` must have the shape of y_pred {y_pred.shape}, got {y_true.shape}.")
    return y_true


@METRICS.register()
class BinaryAccuracy(Metric):
    """Fraction of entries with (y_pred > threshold) == y_true (threshold 0.5), averaged over the last axis."""

    def __init__(self, name=None, threshold=0.5):
        super().__init__(name)
        self.threshold = check_float(threshold, "threshold", "BinaryAccuracy")

    def values(self, y_true, y_pred):
        y_true = _same_shape(y_true, y_pred, type(self).__name__)
        hits = (y_pred > self.threshold) == (y_true > 0.5)
        return hits.mean(axis=-1) if hits.ndim > 1 else hits

    def get_config(self):
        return {"name": self.name, "threshold": self.threshold}


@METRICS.register()
class CategoricalAccuracy(Metric):
    """Fraction of samples whose argmax(y_pred) equals argmax(y_true) (one-hot labels)."""

    def values(self, y_true, y_pred):
        y_true = _same_shape(y_true, y_pred, type(self).__name__)
        return np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)


@METRICS.register()
class SparseCategoricalAccuracy(Metric):
    """Fraction of samples whose argmax(y_pred) equals the integer label y_true."""

    def values(self, y_true, y_pred):
        labels = _labels(y_true, y_pred, type(self).__name__)
        return labels == np.argmax(y_pred, axis=-1)


@METRICS.register("mse")
class MeanSquaredError(Metric):
    """mean_j (y_pred - y_true)^2 per sample, averaged over samples."""

    def values(self, y_true, y_pred):
        y_true = _same_shape(y_true, y_pred, type(self).__name__)
        d = y_pred - y_true
        return np.mean(d * d, axis=-1) if d.ndim > 1 else d * d


@METRICS.register("mae")
class MeanAbsoluteError(Metric):
    """mean_j |y_pred - y_true| per sample, averaged over samples."""

    def values(self, y_true, y_pred):
        y_true = _same_shape(y_true, y_pred, type(self).__name__)
        d = np.abs(y_pred - y_true)
        return np.mean(d, axis=-1) if d.ndim > 1 else d


def _accuracy_class(y_true, y_pred):
    """Keras compile_utils' choice for "accuracy" from the label and prediction shapes."""
    yt, yp = np.shape(y_true), np.shape(y_pred)
    if yp[-1:] == (1,):
        return BinaryAccuracy
    if len(yt) < len(yp) or (yt[-1:] == (1,) and yp[-1] > 1):
        return SparseCategoricalAccuracy
    return CategoricalAccuracy


class AutoAccuracy(Metric):
    """The string ``"accuracy"``/``"acc"`` before the data is seen: becomes binary, sparse
    categorical or categorical accuracy on the first ``update_state`` (Keras's compile rule).
    Not :class:`Accuracy`, which is Keras's exact-match metric."""

    def __init__(self, name="accuracy"):
        self._resolved = None
        super().__init__(name)

    def values(self, y_true, y_pred):
        if self._resolved is None:
            self._resolved = _accuracy_class(y_true, y_pred)(name=self.name)
        return self._resolved.values(y_true, y_pred)


# ---------------------------------------------------------------------------- Keras 3 additions
def _squeeze_or_expand(y_true, y_pred):
    """Keras's squeeze_or_expand_to_same_rank: align ranks differing by a trailing axis of 1."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Exact match, elementwise: ``y_true == y_pred`` as floats (Keras's ``Accuracy``)."""
    y_true, y_pred = _squeeze_or_expand(np.asarray(y_true), np.asarray(y_pred))
    return (y_true == y_pred).astype(np.float64)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Elementwise ``y_true == (y_pred > threshold)`` as floats (Keras: not averaged here)."""
    y_true, y_pred = _squeeze_or_expand(np.asarray(y_true), np.asarray(y_pred))
    return (y_true == (y_pred > threshold)).astype(np.float64)


def categorical_accuracy(y_true, y_pred):
    """Per sample ``argmax y_true == argmax y_pred`` (one-hot labels)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """Per sample ``y_true == argmax y_pred`` (integer labels, shape (N,) or (N, 1))."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true == np.argmax(y_pred, axis=-1)).astype(np.float64)


def _in_top_k(labels, scores, k):
    """Whether each label's score is at least the k-th largest score of its row (ties count
    as in, as Keras's torch backend)."""
    scores = scores.reshape(-1, scores.shape[-1])
    labels = np.asarray(labels).reshape(-1).astype(np.intp)
    k = min(k, scores.shape[-1])
    kth = -np.partition(-scores, k - 1, axis=-1)[:, k - 1]
    return scores[np.arange(len(labels)), labels] >= kth


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Per sample: is ``argmax y_true`` among the ``k`` highest scores of ``y_pred``?"""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    hits = _in_top_k(np.argmax(y_true, axis=-1), y_pred, k)
    return hits.reshape(y_pred.shape[:-1]).astype(np.float64)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Per sample: is the integer label among the ``k`` highest scores of ``y_pred``? With
    ``from_sorted_ids``, ``y_pred`` holds class ids sorted by score and its first ``k`` are taken."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if from_sorted_ids:
        return np.any(y_pred[..., :k] == y_true[..., None], axis=-1).astype(np.float64)
    return _in_top_k(y_true, y_pred, k).reshape(y_pred.shape[:-1]).astype(np.float64)


class MeanMetricWrapper(Metric):
    """A function ``fn(y_true, y_pred, **kwargs)`` of per-sample (or per-entry) values, averaged
    over all samples seen (weighted by ``sample_weight``), as Keras's MeanMetricWrapper. The
    metric is named ``fn.__name__`` unless ``name`` is given. A scalar returned by ``fn`` counts
    as one value per batch."""

    def __init__(self, fn, name=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: `fn` must be a function of (y_true, y_pred), "
                            f"got {type(fn).__name__} {fn!r}.")
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name or getattr(fn, "__name__", type(fn).__name__))

    def values(self, y_true, y_pred):
        v = np.asarray(self._fn(y_true, y_pred, **self._fn_kwargs), dtype=np.float64)
        return v.reshape(1) if v.ndim == 0 else v

    def get_config(self):
        """Holds the function itself: enough for a copy, never written to a file (the class is
        not registered, so saving refuses it before writing)."""
        return {"fn": self._fn, "name": self.name, **self._fn_kwargs}


@METRICS.register()
class Accuracy(Metric):
    """Keras's ``Accuracy``: the fraction of entries where ``y_true == y_pred`` exactly (for
    class scores use ``"accuracy"`` in compile, which picks binary/categorical accuracy)."""

    def values(self, y_true, y_pred):
        return accuracy(y_true, y_pred)


@METRICS.register("rmse")
class RootMeanSquaredError(Metric):
    """sqrt(weighted mean over all entries of (y_pred - y_true)^2), as Keras (the root of the
    mean over everything seen, not a mean of per-batch roots)."""

    def values(self, y_true, y_pred):
        y_true = _same_shape(y_true, y_pred, type(self).__name__)
        return np.square(y_pred - y_true)

    def result(self) -> float:
        return float(np.sqrt(super().result()))


@METRICS.register()
class TopKCategoricalAccuracy(Metric):
    """``TopKCategoricalAccuracy(k=5)``: how often the one-hot label is among the k top scores."""

    def __init__(self, k=5, name=None):
        self.k = check_int(k, "k", "TopKCategoricalAccuracy", minimum=1)
        super().__init__(name)

    def values(self, y_true, y_pred):
        y_true = _same_shape(y_true, y_pred, type(self).__name__)
        return top_k_categorical_accuracy(y_true, y_pred, self.k)

    def get_config(self):
        return {"k": self.k, "name": self.name}


@METRICS.register()
class SparseTopKCategoricalAccuracy(Metric):
    """``SparseTopKCategoricalAccuracy(k=5, from_sorted_ids=False)``: how often the integer
    label is among the k top scores."""

    def __init__(self, k=5, name=None, from_sorted_ids=False):
        self.k = check_int(k, "k", "SparseTopKCategoricalAccuracy", minimum=1)
        self.from_sorted_ids = check_bool(from_sorted_ids, "from_sorted_ids",
                                          "SparseTopKCategoricalAccuracy")
        super().__init__(name)

    def values(self, y_true, y_pred):
        if not self.from_sorted_ids:
            _labels(y_true, y_pred, type(self).__name__)   # shape check
        return sparse_top_k_categorical_accuracy(y_true, y_pred, self.k, self.from_sorted_ids)

    def get_config(self):
        return {"k": self.k, "name": self.name, "from_sorted_ids": self.from_sorted_ids}


def get(identifier, y_true=None, y_pred=None, argname: str = "metrics") -> Metric:
    """Resolve a metric name, config dict, Metric, or function.

    ``"accuracy"``/``"acc"`` become binary, sparse categorical or categorical accuracy from the
    shapes of ``y_true``/``y_pred`` (Keras's rule, see the module docstring); without them the
    choice is made on the first ``update_state``. A string keeps its spelling as the metric's name.
    A function ``fn(y_true, y_pred)`` (Keras's metric and loss functions, or your own) is averaged
    over samples by :class:`MeanMetricWrapper`, named ``fn.__name__``.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str) and identifier in ("accuracy", "acc"):
        if y_true is None or y_pred is None:
            return AutoAccuracy(name=identifier)
        return _accuracy_class(y_true, y_pred)(name=identifier)
    if isinstance(identifier, str):
        return METRICS.lookup(identifier, argname)(name=identifier)
    if isinstance(identifier, dict):
        return METRICS.get(identifier, argname)
    if callable(identifier) and not isinstance(identifier, type):
        cls = _function_classes().get(identifier)
        if cls is not None:   # same values; a registered class also saves with the model
            return cls(name=identifier.__name__)
        return MeanMetricWrapper(identifier)
    raise TypeError(
        f"`{argname}` entries must be metric names ({', '.join(['accuracy', 'acc'] + METRICS.names())}), "
        f"config dicts, Metric objects or functions of (y_true, y_pred), got "
        f"{type(identifier).__name__} {identifier!r}."
    )


def _function_classes():
    """Keras's metric functions whose averaged values a registered Metric class gives."""
    return {binary_accuracy: BinaryAccuracy, categorical_accuracy: CategoricalAccuracy,
            sparse_categorical_accuracy: SparseCategoricalAccuracy,
            top_k_categorical_accuracy: TopKCategoricalAccuracy,
            sparse_top_k_categorical_accuracy: SparseTopKCategoricalAccuracy,
            mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError}


def serialize(metric):
    """``{"class_name", "config"}`` for a Metric."""
    return METRICS.serialize(metric)
