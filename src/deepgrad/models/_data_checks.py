"""The argument checks of fit / evaluate / predict: data arrays (against the model's input and
output), callbacks, class weights, verbosity.

Each returns the checked value or raises ValueError/TypeError naming the argument, what was
expected and what came; none changes any state.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._blas import all_finite
from .._validation import check_int
from ..callbacks.base import Callback, CallbackList
from ..losses import SparseCategoricalCrossentropy


def as_numeric(a, name, where):
    """A rectangular numeric array, or a clear error."""
    if a is None:
        raise ValueError(f"{where}: `{name}` is required, got None.")
    try:
        arr = np.asarray(a)
    except ValueError:
        raise ValueError(f"{where}: `{name}` must be a rectangular numeric array (ragged rows?).") from None
    if arr.dtype == object:
        raise ValueError(f"{where}: `{name}` must be a rectangular numeric array, "
                         f"got ragged or mixed rows (dtype object).")
    if arr.dtype.kind == "c":  # NumPy would drop the imaginary part with only a warning
        raise TypeError(f"{where}: `{name}` must be real, got complex dtype {arr.dtype}.")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{where}: `{name}` must be numeric, got dtype {arr.dtype}.")
    return arr


def cast_in_range(arr, dtype, name, where, limit=None):
    """``arr`` in the model's float dtype, refusing values that would become +-inf in it or in
    the narrowest layer dtype ``limit`` (1e39 in float32, 70000 in float16, a large int64)."""
    cast_to = np.dtype(dtype)
    dtype = np.dtype(limit or dtype)
    if dtype.kind == "f" and arr.dtype != dtype and arr.size and arr.dtype.kind in "iuf":
        big = float(np.max(np.abs(arr.astype(np.float64, copy=False))))
        if big > float(np.finfo(dtype).max):
            raise ValueError(
                f"{where}: `{name}` holds {big:g}, beyond the model's dtype {dtype.name} "
                f"(largest finite value {float(np.finfo(dtype).max):g}); scale the data or use a wider dtype."
            )
    return arr.astype(cast_to, copy=False)


def finite_data(arr):
    """No NaN or Inf? Integers and booleans always are; floats take one read (a BLAS sum of
    squares, not a boolean array as large as the data: a tenth of the time on 60,000 images)."""
    if arr.dtype.kind == "f":
        return all_finite(arr)
    return arr.dtype.kind != "c" or bool(np.isfinite(arr).all())


def check_verbose(verbose, where):
    """``"auto"`` is 1; ``True``/``False`` are 1/0 (Python bools are ints, and Keras takes them)."""
    if isinstance(verbose, str) and verbose == "auto":
        return 1
    if isinstance(verbose, bool):
        return int(verbose)
    if verbose not in (0, 1, 2):
        raise ValueError(f"{where}: `verbose` must be 'auto', 0, 1 or 2, got {verbose!r}.")
    return verbose


def shape_matches(got, expected):
    """Whether a sample shape fits a model's, whose ``None`` axes take any length (Keras)."""
    return len(got) == len(expected) and all(e is None or e == g for g, e in zip(got, expected))


def callback_list(callbacks, model, verbose, steps):
    """The callbacks of an evaluate or predict call, with Keras's progress bar when ``verbose``."""
    if verbose:
        from ..callbacks.progbar import ProgbarLogger
        callbacks = callbacks + [ProgbarLogger(verbose)]
    return CallbackList(callbacks, model=model, params={"verbose": verbose, "steps": steps})


def check_rows(x, y, where, x_name="x", y_name="y"):
    """``x`` and ``y`` as numeric arrays with the same, non-zero number of rows."""
    x, y = as_numeric(x, x_name, where), as_numeric(y, y_name, where)
    if x.ndim == 0 or x.shape[0] == 0:
        raise ValueError(f"{where}: `{x_name}` must hold at least one sample, got shape {x.shape}.")
    if y.ndim == 0 or y.shape[0] != x.shape[0]:
        raise ValueError(f"{where}: `{y_name}` must have {x.shape[0]} rows (one per sample of {x_name}), "
                         f"got shape {y.shape}.")
    return x, y


def check_callbacks(callbacks, where):
    """A list of Callback instances (one Callback alone is taken as a list of one, as Keras)."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"{where}: `callbacks` must be a list of Callback instances, got {type(callbacks).__name__}.")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"{where}: `callbacks` must hold Callback instances, got {type(cb).__name__}.")
    return list(callbacks)


def check_class_weight(class_weight, where):
    """``{class index: weight}`` with int keys and finite non-negative weights, or None."""
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict):
        raise TypeError(f"{where}: `class_weight` must be a dict {{class index: weight}}, "
                        f"got {type(class_weight).__name__}.")
    checked = {}
    for cls, w in class_weight.items():
        if isinstance(cls, bool) or not isinstance(cls, numbers.Integral) or cls < 0:
            raise TypeError(f"{where}: `class_weight` keys must be class indices (ints >= 0), got {cls!r}.")
        if isinstance(w, bool) or not isinstance(w, numbers.Real) or not math.isfinite(w) or w < 0:
            raise ValueError(f"{where}: `class_weight`[{cls}] must be a finite number >= 0, got {w!r}.")
        checked[int(cls)] = float(w)
    return checked


def check_validation_freq(freq, where):
    """An int >= 1 (validate every ``freq`` epochs) or a list/tuple of 1-based epochs (Keras 3)."""
    if isinstance(freq, (list, tuple)):
        if not freq or any(isinstance(e, bool) or not isinstance(e, numbers.Integral) or e < 1 for e in freq):
            raise ValueError(f"{where}: `validation_freq` as a list must hold epoch numbers >= 1, got {freq!r}.")
        return tuple(int(e) for e in freq)
    return check_int(freq, "validation_freq", where, minimum=1)


def should_validate(epoch, freq):
    """Keras's ``_should_eval``: every ``freq``-th epoch, or the 1-based epochs listed."""
    return (epoch + 1) in freq if isinstance(freq, tuple) else (epoch + 1) % freq == 0


# ---------------------------------------------------------------------- the model's data
def prepare_x(model, x, name, where, like=None):
    """``x`` checked against ``model``'s input and cast to its dtype. ``like``: the sample shape
    ``x`` must have when the model is not built yet. Builds nothing (the caller builds once every
    argument of the call has passed)."""
    arr = as_numeric(x, name, where)
    if arr.ndim < 2:
        raise ValueError(f"{where}: `{name}` must have a batch axis and feature axes (ndim >= 2), "
                         f"got shape {arr.shape}.")
    expected = tuple(model.input_shape[1:]) if model.built else like
    if expected is not None and not shape_matches(arr.shape[1:], expected):
        raise ValueError(f"{where}: `{name}` must have samples of shape {tuple(expected)}, got {arr.shape[1:]} "
                         f"(full shape {arr.shape}).")
    if not finite_data(arr):
        raise ValueError(f"{where}: `{name}` contains NaN or Inf.")
    if not model.layers:
        return arr
    return cast_in_range(arr, model.layers[0].dtype, name, where, narrowest_dtype(model.layers))


def output_shape_for(model, x):
    """``model``'s output shape for inputs like ``x``, without building it (so a refused ``y``
    leaves an unbuilt model unbuilt and the random generator untouched)."""
    if model.built:
        return model.output_shape
    shape = (None,) + tuple(x.shape[1:])
    for layer in model.layers:
        shape = tuple(layer.compute_output_shape(shape))
    return shape


def narrowest_dtype(layers):
    """The float dtype with the smallest range among ``layers`` (the one data must fit)."""
    floats = [np.dtype(layer.dtype) for layer in layers if np.dtype(layer.dtype).kind == "f"]
    return min(floats, key=lambda d: np.finfo(d).max) if floats else None


def prepare_y(model, y, x, where, name="y"):
    """``y`` checked against ``model``'s output for ``x`` (one row per sample of ``x``): integer
    labels in range for a sparse loss, else the output's shape ((N,) taken for an (N, 1) output)."""
    n = x.shape[0]
    arr = as_numeric(y, name, where)
    if arr.ndim == 0 or arr.shape[0] != n:
        raise ValueError(f"{where}: `{name}` must have {n} rows (one per sample of x), got shape {arr.shape}.")
    if not finite_data(arr):
        raise ValueError(f"{where}: `{name}` contains NaN or Inf.")
    out_shape = output_shape_for(model, x)
    width = out_shape[-1] if out_shape else None
    if isinstance(model.loss, SparseCategoricalCrossentropy):
        if arr.ndim > len(out_shape) or (arr.ndim == len(out_shape) and arr.shape[-1] != 1):
            raise ValueError(f"{where}: `{name}` must hold integer class labels of shape (N,) for a sparse loss, "
                             f"got {arr.shape}.")
        ignore = getattr(model.loss, "ignore_class", None)  # its labels are skipped (Keras)
        lab = arr if ignore is None or not np.any(arr != ignore) else arr[arr != ignore]
        if np.any(arr != np.round(arr)) or lab.min() < 0 or lab.max() >= width:
            raise ValueError(f"{where}: `{name}` labels must be integers in [0, {width}), "
                             f"got values in [{lab.min()}, {lab.max()}].")
        return arr.astype(np.int64, copy=False)
    if (width == 1 and arr.ndim == len(out_shape) - 1
            and shape_matches(arr.shape[1:], out_shape[1:-1])):  # Keras: (N,) targets for an (N, 1) output
        arr = arr.reshape(arr.shape + (1,))
    if width is not None and not shape_matches(arr.shape[1:], out_shape[1:]):
        hint = " (one-hot encode it with deepgrad.utils.to_categorical)" if arr.ndim == 1 and width > 1 else ""
        raise ValueError(f"{where}: `{name}` must have shape (N, {', '.join(str(d) for d in out_shape[1:])}) "
                         f"to match the model output {out_shape}, got {arr.shape}{hint}.")
    return cast_in_range(arr, model.layers[0].dtype, name, where, narrowest_dtype(model.layers))


def prepare_sample_weight(model, sw, n, where, name="sample_weight"):
    """``n`` finite, non-negative weights in ``model``'s dtype, or None."""
    if sw is None:
        return None
    arr = as_numeric(sw, name, where)
    if arr.shape != (n,):
        raise ValueError(f"{where}: `{name}` must have shape ({n},), got {arr.shape}.")
    bad = ~np.isfinite(arr) | (arr < 0)
    if np.any(bad):
        raise ValueError(f"{where}: `{name}` must be finite and non-negative, got {float(arr[bad][0])!r} "
                         f"at index {int(np.argmax(bad))}.")
    return cast_in_range(arr, model.layers[0].dtype, name, where, narrowest_dtype(model.layers))


def class_weight_to_sample_weight(class_weight, y, dtype):
    """Each sample's weight from its class (Keras: classes missing from the dict weigh 1)."""
    labels = y.argmax(-1) if y.ndim > 1 and y.shape[-1] > 1 else np.round(y.reshape(len(y), -1)[:, 0]).astype(int)
    sw = np.ones(len(y), dtype=dtype)
    for cls, w in class_weight.items():
        sw[labels == cls] = w
    return sw
