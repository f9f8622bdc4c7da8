"""Windowing a time series into supervised samples (batch, timesteps, features)."""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_bool, check_int


class TimeseriesDataset:
    """The iterable ``timeseries_dataset_from_array`` returns: each pass yields the batches
    ``(x, y)`` (or ``x`` alone without targets) in the same order; ``len()`` is the number of
    batches. ``x`` has shape (batch, sequence_length, *data.shape[1:]).
    """

    def __init__(self, data, targets, starts, offsets, batch_size):
        self._data, self._targets = data, targets
        self._starts, self._offsets = starts, offsets
        self.batch_size = batch_size

    def __len__(self):
        if self.batch_size is None:
            return len(self._starts)
        return math.ceil(len(self._starts) / self.batch_size)

    def _item(self, starts):
        x = self._data[starts[..., None] + self._offsets]
        return x if self._targets is None else (x, self._targets[starts])

    def __iter__(self):
        if self.batch_size is None:   # single samples, as Keras without batching
            for s in self._starts:
                yield self._item(np.asarray(s))
            return
        for i in range(0, len(self._starts), self.batch_size):
            yield self._item(self._starts[i:i + self.batch_size])

    def __repr__(self):
        return f"<TimeseriesDataset windows={len(self._starts)} batch_size={self.batch_size}>"


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Sliding windows over a time series, in batches (Keras 3's signature and semantics).

    With s = ``start_index`` (default 0) and e = ``end_index`` (default ``len(data)``), window i
    starts at ``p_i = s + i * sequence_stride`` and holds ``data[p_i], data[p_i + sampling_rate],
    ..., data[p_i + (sequence_length - 1) * sampling_rate]``; its target is ``targets[p_i]``
    (Keras's convention: to predict the value ``h`` steps after a window's last step, pass
    ``targets=data[sequence_length - 1 + h:]``). Windows use only ``data[s:e]``; there are
    ``ceil(n / sequence_stride)`` of them with ``n = e - s - (sequence_length - 1) * sampling_rate``
    (at most ``len(targets)`` when targets are given).

    Args:
        data: array (time, ...); a 1-D series gives windows of shape (batch, sequence_length),
            as Keras (reshape it to (time, 1) for a recurrent layer).
        targets: array indexed like ``data``, or None (then only ``x`` batches are yielded).
        sequence_length: steps per window; sequence_stride, sampling_rate: ints >= 1, below
            ``len(data)``.
        batch_size: windows per batch (default 128); None yields single windows.
        shuffle, seed: shuffle the window order once, with ``np.random.RandomState(seed)`` as
            Keras (Keras's tf.data path shuffles again within a buffer; deepgrad does not, so
            with ``shuffle=True`` batches contain the same windows as Keras's first permutation).
        start_index, end_index: bounds of the part of ``data`` used; ``end_index`` must be
            below ``len(data)``, as Keras checks.

    Returns:
        a :class:`TimeseriesDataset`: iterate it for ``(x, y)`` batches, or give it to ``fit``.
    """
    w = "timeseries_dataset_from_array"
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError(f"{w}: `data` must be an array with a time axis, got a scalar.")
    n_data = len(data)
    L = check_int(sequence_length, "sequence_length", w, minimum=1)
    stride = check_int(sequence_stride, "sequence_stride", w, minimum=1)
    rate = check_int(sampling_rate, "sampling_rate", w, minimum=1)
    if rate >= n_data:
        raise ValueError(f"{w}: `sampling_rate` must be lower than the length of the data "
                         f"({n_data}), got {rate}.")
    if stride >= n_data:
        raise ValueError(f"{w}: `sequence_stride` must be lower than the length of the data "
                         f"({n_data}), got {stride}.")
    batch_size = check_int(batch_size, "batch_size", w, minimum=1, allow_none=True)
    shuffle = check_bool(shuffle, "shuffle", w)
    seed = check_int(seed, "seed", w, minimum=0, allow_none=True)
    start = check_int(start_index, "start_index", w, minimum=0, allow_none=True)
    if start is not None and start >= n_data:
        raise ValueError(f"{w}: `start_index` must be lower than the length of the data "
                         f"({n_data}), got {start}.")
    end = check_int(end_index, "end_index", w, minimum=1, allow_none=True)
    if end is not None:
        if start and end <= start:
            raise ValueError(f"{w}: `end_index` must be higher than `start_index` ({start}), "
                             f"got {end}.")
        if end >= n_data:
            raise ValueError(f"{w}: `end_index` must be lower than the length of the data "
                             f"({n_data}), got {end}.")
    if targets is not None:
        targets = np.asarray(targets)
        if targets.ndim == 0:
            raise ValueError(f"{w}: `targets` must be an array indexed like `data`, got a scalar.")
    start = start or 0
    end = n_data if end is None else end
    n = end - start - (L - 1) * rate
    if targets is not None:
        n = min(n, len(targets) - start)
    if n < 1:
        raise ValueError(f"{w}: no complete window of `sequence_length`={L} (sampling_rate "
                         f"{rate}) fits in data[{start}:{end}] of length {end - start}"
                         + (f" with {len(targets)} targets." if targets is not None else "."))
    starts = start + np.arange(0, n, stride)
    if shuffle:
        rs = np.random.RandomState(np.random.randint(1_000_000) if seed is None else seed)
        rs.shuffle(starts)
    return TimeseriesDataset(data, targets, starts, rate * np.arange(L), batch_size)


def sliding_windows(series, timesteps, horizon=1):
    """Windows of ``timesteps`` consecutive values and the value ``horizon`` steps after each,
    as two arrays (all windows at once).

    ``x[i] = series[i : i + timesteps]`` and ``y[i] = series[i + timesteps - 1 + horizon]``.
    A 1-D series gives x of shape (samples, timesteps, 1) and y of shape (samples, 1).
    """
    w = "sliding_windows"
    series = np.asarray(series)
    if series.ndim == 1:
        series = series[:, None]
    timesteps = check_int(timesteps, "timesteps", w, minimum=1)
    horizon = check_int(horizon, "horizon", w, minimum=1)
    if len(series) < timesteps + horizon:
        raise ValueError(f"{w}: the series has {len(series)} steps; `timesteps`={timesteps} "
                         f"plus `horizon`={horizon} need at least {timesteps + horizon}.")
    n = len(series) - timesteps - horizon + 1
    idx = np.arange(n)[:, None] + np.arange(timesteps)[None, :]
    return series[idx], series[timesteps - 1 + horizon:][:n]
