"""Windowing a time series into supervised samples (batch, timesteps, features)."""

from __future__ import annotations

import numpy as np

from .._validation import check_int


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, start_index=None, end_index=None):
    """Keras's ``timeseries_dataset_from_array`` windowing, returned as arrays.

    Window i starts at ``s_i = start_index + i * sequence_stride`` and holds
    ``data[s_i], data[s_i + sampling_rate], ..., data[s_i + (sequence_length - 1) * sampling_rate]``;
    its target is ``targets[s_i]`` (Keras's convention: to predict ``horizon`` steps after the
    window's last step, pass ``targets=data[sequence_length - 1 + horizon:]``, or use
    :func:`sliding_windows`). Windows run while their last step is before ``end_index``
    (default ``len(data)``) and, when targets are given, while ``targets[s_i]`` exists.

    Args:
        data: array (time, features) or (time,) (treated as one feature).
        targets: array indexed like ``data`` (or None: only the windows are returned).
        sequence_length, sequence_stride, sampling_rate: ints >= 1.
        start_index, end_index: optional ints bounding the part of ``data`` used.

    Returns:
        ``(x, y)`` with x of shape (samples, sequence_length, features), or x alone when
        ``targets`` is None. Unlike Keras no batching or shuffling is done here: ``fit`` does it.
    """
    w = "timeseries_dataset_from_array"
    data = np.asarray(data)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2:
        raise ValueError(f"{w}: `data` must be 1-D or 2-D (time, features), got shape {data.shape}.")
    L = check_int(sequence_length, "sequence_length", w, minimum=1)
    stride = check_int(sequence_stride, "sequence_stride", w, minimum=1)
    rate = check_int(sampling_rate, "sampling_rate", w, minimum=1)
    start = check_int(start_index, "start_index", w, minimum=0, allow_none=True) or 0
    end = check_int(end_index, "end_index", w, minimum=1, allow_none=True)
    end = len(data) if end is None else min(end, len(data))
    span = (L - 1) * rate + 1
    n = (end - start - span) // stride + 1
    if targets is not None:
        targets = np.asarray(targets)
        n = min(n, (len(targets) - 1 - start) // stride + 1)
    if n < 1:
        raise ValueError(f"{w}: no complete window of `sequence_length`={L} (sampling_rate "
                         f"{rate}) fits in data[{start}:{end}] of length {end - start}.")
    starts = start + stride * np.arange(n)
    idx = starts[:, None] + rate * np.arange(L)[None, :]
    x = data[idx]
    return x if targets is None else (x, targets[starts])


def sliding_windows(series, timesteps, horizon=1):
    """Windows of ``timesteps`` consecutive values and the value ``horizon`` steps after each.

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
    return timeseries_dataset_from_array(series, series[timesteps - 1 + horizon:], timesteps)
