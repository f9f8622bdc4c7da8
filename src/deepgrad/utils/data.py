"""Label encoding: :func:`to_categorical` (Keras's one-hot encoder)."""

from __future__ import annotations

import numpy as np

from .._validation import check_int

__all__ = ["to_categorical"]

_WHERE = "to_categorical"


def to_categorical(y, num_classes=None, dtype="float32") -> np.ndarray:
    """One-hot encode integer class labels, as ``keras.utils.to_categorical``.

    ``out[..., k] = 1 if y[...] == k else 0`` for ``k = 0 .. num_classes - 1``.

    Args:
        y: integer labels of any shape, e.g. (N,) or (N, 1); a trailing axis of size 1 is
            dropped (Keras does the same), so (N,) and (N, 1) both give (N, num_classes).
            Floats are accepted when they hold whole numbers.
        num_classes: number of classes; default ``max(y) + 1``.
        dtype: dtype of the result, default ``"float32"``.

    Returns:
        An array of shape ``y.shape (+ trailing 1 removed) + (num_classes,)`` in ``dtype``.

    Raises:
        TypeError: ``y`` is not numeric, ``num_classes`` is not an int, ``dtype`` is not numeric.
        ValueError: negative, non-integer or non-finite labels, a label ``>= num_classes``,
            ``num_classes < 1``, or an empty ``y`` without ``num_classes``.

    Example: ``to_categorical([0, 2, 1])`` ->
    ``[[1, 0, 0], [0, 0, 1], [0, 1, 0]]`` (float32).
    """
    num_classes = check_int(num_classes, "num_classes", _WHERE, minimum=1, allow_none=True)
    try:
        out_dtype = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"{_WHERE}: `dtype` must be a NumPy dtype name, got {dtype!r}.") from e
    if out_dtype.kind not in "biuf":
        raise TypeError(f"{_WHERE}: `dtype` must be a numeric dtype, got {out_dtype}.")
    try:
        arr = np.asarray(y)
    except ValueError as e:
        raise ValueError(f"{_WHERE}: `y` must be a rectangular array of integer labels ({e}).") from e
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{_WHERE}: `y` must hold integer class labels, got dtype {arr.dtype}.")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            raise ValueError(
                f"{_WHERE}: `y` must hold integer class labels, got non-integer value {arr[bad].flat[0].item()!r}."
            )
    if arr.size and arr.min() < 0:  # range checks on the given values, before any int64 cast wraps
        raise ValueError(f"{_WHERE}: `y` labels must be >= 0, got {arr.min().item()!r}.")
    if arr.size and num_classes is not None and arr.max() >= num_classes:
        raise ValueError(
            f"{_WHERE}: `y` labels must be < num_classes={num_classes}, got {arr.max().item()!r} "
            f"(num_classes must be at least max(y) + 1 = {int(arr.max().item()) + 1}).")
    if arr.size and arr.max() >= np.iinfo(np.int64).max:
        raise ValueError(f"{_WHERE}: `y` labels must be class indices, got {arr.max().item()!r}.")
    labels = arr.astype(np.int64).reshape(-1)
    if num_classes is None:
        if labels.size == 0:
            raise ValueError(f"{_WHERE}: `y` is empty; pass `num_classes` to encode an empty array.")
        num_classes = int(labels.max()) + 1
    shape = arr.shape[:-1] if arr.ndim > 1 and arr.shape[-1] == 1 else arr.shape
    out = np.zeros((labels.size, num_classes), dtype=out_dtype)
    out[np.arange(labels.size), labels] = 1
    return out.reshape(shape + (num_classes,))
