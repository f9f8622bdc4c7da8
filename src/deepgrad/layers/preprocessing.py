"""``Normalization``: feature-wise standardization with statistics from ``adapt`` (Keras 3)."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import config
from .._validation import check_bool
from .base import Layer


def _check_axes(axis):
    """None -> () (one mean over everything); an int -> (int,); a list/tuple of ints -> tuple."""
    if axis is None:
        return ()
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        return (int(axis),)
    if isinstance(axis, (list, tuple)) and all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis):
        return tuple(int(a) for a in axis)
    raise TypeError(f"Normalization: `axis` must be None, an int or a tuple of ints, got {axis!r}.")


class Normalization(Layer):
    """Standardize features: ``y = (x - mean) / max(sqrt(variance), eps)``, as Keras.

    Args (Keras 3's):
        axis: the axis (int, tuple, or None) that keeps separate statistics (default -1: one
            mean and variance per feature); the others are averaged over. None: one scalar
            mean and variance.
        mean, variance: give the statistics directly (both or neither; scalars broadcast),
            instead of :meth:`adapt`.
        invert: apply the inverse ``y = mean + x * max(sqrt(variance), eps)`` (to undo a
            normalization, e.g. of targets).

    ``eps = deepgrad.config.epsilon()`` (1e-7) floors the standard deviation as Keras does (a
    constant feature then maps to 0, not NaN); it is not added to the variance.

    :meth:`adapt(data)` computes the mean and the **population** variance (divided by n, like
    ``np.var``) over all axes but ``axis``, from an array or an iterable of batches (merged
    with the parallel-variance formula, so the result equals the one over the concatenation).
    The statistics are non-trainable weights ``mean``, ``variance``, ``count`` (Keras's order;
    ``count`` stays 0 as in Keras) when adapted, none when given as arguments.

    Backward: ``dx = dy / max(sqrt(variance), eps)`` (``dy * max(...)`` with ``invert``).
    """

    supports_masking = True

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        self.axis = _check_axes(axis)
        self.invert = check_bool(invert, "invert", "Normalization")
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: give both `mean` and `variance` or neither, got "
                             f"mean={mean!r} and variance={variance!r}.")
        if mean is not None:
            m, v = np.asarray(mean, dtype=np.float64), np.asarray(variance, dtype=np.float64)
            if m.shape != v.shape:
                raise ValueError(f"Normalization: `mean` and `variance` must have the same shape, "
                                 f"got {m.shape} and {v.shape}.")
            if m.ndim > len(self.axis):
                raise ValueError(f"Normalization: `mean` may have at most {len(self.axis)} axes "
                                 f"(one per entry of `axis`={self.axis}), got shape {m.shape}.")
            if not (np.all(np.isfinite(m)) and np.all(np.isfinite(v))) or np.any(v < 0):
                raise ValueError("Normalization: `mean` must be finite and `variance` finite "
                                 "and >= 0.")
        self.input_mean = mean
        self.input_variance = variance
        super().__init__(**kwargs)
        self._mean = self._variance = None   # broadcastable arrays once built

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Normalization '{self.name}': `axis` {self.axis} is out of range for "
                             f"inputs with {ndim} axes.")
        keep = tuple(sorted(a % ndim for a in self.axis))
        if 0 in keep and input_shape[0] is None:
            raise ValueError(f"Normalization '{self.name}': the kept axes must have a known size, "
                             f"got `axis`={self.axis} for input shape {tuple(input_shape)}.")
        self._keep = keep
        self._bshape = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        stats_shape = tuple(input_shape[d] for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", stats_shape, "zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", stats_shape, "ones", trainable=False)
            self.count = self.add_weight("count", (), "zeros", trainable=False)
        else:
            self._mean, self._variance = (self._broadcast(a) for a in
                                          (self.input_mean, self.input_variance))
        super().build(input_shape)

    def _broadcast(self, a):
        """A given mean/variance (its axes align with the last kept axes) in broadcast shape."""
        a = np.asarray(a, dtype=self.dtype)
        shape = [1] * len(self._bshape)
        for i in range(1, a.ndim + 1):
            shape[self._keep[-i]] = a.shape[-i]
        return np.broadcast_to(a.reshape(shape), self._bshape).copy()

    def _statistics(self):
        if self.input_mean is not None:
            return self._mean, self._variance
        return (self.adapt_mean.value.reshape(self._bshape),
                self.adapt_variance.value.reshape(self._bshape))

    def adapt(self, data):
        """Set ``mean`` and ``variance`` (population) from ``data``: an array, or an iterable of
        array batches (a list, a generator, a dataset of ``x`` or ``(x, y)`` batches)."""
        where = f"Normalization '{self.name}'.adapt"
        if self.input_mean is not None:
            raise ValueError(f"{where}: the layer was given `mean` and `variance`; adapt needs "
                             f"a layer built without them.")
        if isinstance(data, np.ndarray) or not hasattr(data, "__iter__"):
            batches = [_as_batch(data, where)]
        else:
            batches = (_as_batch(b, where) for b in data)
        total_mean = total_var = None
        total = 0
        for batch in batches:
            if not self.built:
                if self._input_shape_arg is not None:  # Normalization(input_shape=...) as Keras
                    self.build((None,) + tuple(self._input_shape_arg))
                else:
                    nd = batch.ndim
                    keeps_batch = any(a % nd == 0 for a in self.axis)
                    self.build(batch.shape if keeps_batch else (None,) + batch.shape[1:])
            if self._keep and (batch.ndim != len(self._bshape) or any(
                    batch.shape[d] != self._bshape[d] for d in self._keep)):
                raise ValueError(f"{where}: `data` batches must have shape compatible with "
                                 f"{tuple(self.input_shape)} (kept axes {self._keep}), got "
                                 f"{batch.shape}.")
            reduce = tuple(d for d in range(batch.ndim) if d not in self._keep)
            n = math.prod(batch.shape[d] for d in reduce) if reduce else 1
            mean = batch.mean(axis=reduce)
            var = batch.var(axis=reduce)
            if total_mean is None:
                total_mean, total_var, total = mean, var, n
                continue
            # merge two groups (Chan et al.): weights n_a/(n_a+n_b), n_b/(n_a+n_b)
            total += n
            wb = n / total
            wa = 1.0 - wb
            new_mean = total_mean * wa + mean * wb
            total_var = ((total_var + (total_mean - new_mean) ** 2) * wa
                         + (var + (mean - new_mean) ** 2) * wb)
            total_mean = new_mean
        if total_mean is None:
            raise ValueError(f"{where}: `data` holds no batch.")
        self.adapt_mean.value[...] = total_mean
        self.adapt_variance.value[...] = total_var

    def _scale(self):
        return np.maximum(np.sqrt(self._statistics()[1]), config.epsilon())

    def forward(self, x, training=False):
        mean = self._statistics()[0]
        if self.invert:
            return (mean + x * self._scale()).astype(x.dtype, copy=False)
        return ((x - mean) / self._scale()).astype(x.dtype, copy=False)

    def backward(self, grad):
        if not self.compute_input_grad:
            return None
        return grad * self._scale() if self.invert else grad / self._scale()

    def get_config(self):
        cfg = super().get_config()
        cfg.update(axis=list(self.axis), invert=self.invert,
                   mean=None if self.input_mean is None else np.asarray(self.input_mean).tolist(),
                   variance=None if self.input_variance is None
                   else np.asarray(self.input_variance).tolist())
        return cfg


def _as_batch(b, where):
    """One batch of ``adapt``'s data: an array (``x`` of an ``(x, y)`` pair) of finite numbers."""
    if isinstance(b, tuple):
        b = b[0]
    arr = np.asarray(b)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{where}: `data` must be numeric arrays, got {type(b).__name__}.")
    if arr.ndim == 0:
        raise ValueError(f"{where}: `data` must have a batch axis, got a scalar.")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}: `data` contains NaN or Inf.")
    return arr
