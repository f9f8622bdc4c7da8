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
"""

from __future__ import annotations

import numpy as np

from ._validation import check_float
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

    def update_state(self, y_true, y_pred, sample_weight=None):
        v = np.asarray(self.values(np.asarray(y_true), np.asarray(y_pred)), dtype=np.float64)
        if sample_weight is None:
            self._total += float(v.sum())
            self._count += v.size
            return
        w = np.asarray(sample_weight, dtype=np.float64)
        if w.shape != v.shape:
            if w.size != v.shape[0]:
                raise ValueError(
                    f"{type(self).__name__}: `sample_weight` must have shape ({v.shape[0]},), got {w.shape}."
                )
            w = np.broadcast_to(w.reshape((v.shape[0],) + (1,) * (v.ndim - 1)), v.shape)
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


class Accuracy(Metric):
    """``"accuracy"``/``"acc"`` before the data is seen: resolves on the first ``update_state``."""

    def __init__(self, name="accuracy"):
        self._resolved = None
        super().__init__(name)

    def values(self, y_true, y_pred):
        if self._resolved is None:
            self._resolved = _accuracy_class(y_true, y_pred)(name=self.name)
        return self._resolved.values(y_true, y_pred)


def get(identifier, y_true=None, y_pred=None, argname: str = "metrics") -> Metric:
    """Resolve a metric name, config dict or Metric.

    ``"accuracy"``/``"acc"`` become binary, sparse categorical or categorical accuracy from the
    shapes of ``y_true``/``y_pred`` (Keras's rule, see the module docstring); without them the
    choice is made on the first ``update_state``. A string keeps its spelling as the metric's name.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str) and identifier in ("accuracy", "acc"):
        if y_true is None or y_pred is None:
            return Accuracy(name=identifier)
        return _accuracy_class(y_true, y_pred)(name=identifier)
    if isinstance(identifier, str):
        return METRICS.lookup(identifier, argname)(name=identifier)
    if isinstance(identifier, dict):
        return METRICS.get(identifier, argname)
    raise TypeError(
        f"`{argname}` entries must be metric names ({', '.join(['accuracy', 'acc'] + METRICS.names())}), "
        f"config dicts or Metric objects, got {type(identifier).__name__} {identifier!r}."
    )


def serialize(metric):
    """``{"class_name", "config"}`` for a Metric."""
    return METRICS.serialize(metric)
