"""Argument checks shared by every public entry point.

Each check raises before any state changes, with a message naming the argument, what was
expected and what came, e.g. ``Dense: `units` must be an int >= 1, got 0.``
"""

from __future__ import annotations

import math
import numbers


def _where(where: str) -> str:
    return f"{where}: " if where else ""


def check_int(value, name: str, where: str = "", minimum: int | None = None, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{_where(where)}`{name}` must be an int, got {type(value).__name__} {value!r}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{_where(where)}`{name}` must be an int >= {minimum}, got {value!r}.")
    return int(value)


def check_float(value, name: str, where: str = "", low=None, high=None,
                low_inclusive=True, high_inclusive=True, allow_none=False):
    """Check a finite real number in the interval given by ``low``/``high`` (None = unbounded)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_where(where)}`{name}` must be a float, got {type(value).__name__} {value!r}.")
    v = float(value)
    lo_ok = low is None or (v >= low if low_inclusive else v > low)
    hi_ok = high is None or (v <= high if high_inclusive else v < high)
    if not math.isfinite(v) or not (lo_ok and hi_ok):
        lb = "-inf" if low is None else f"{'[' if low_inclusive else '('}{low}"
        hb = "inf" if high is None else f"{high}{']' if high_inclusive else ')'}"
        lb = lb if low is not None else "(-inf"
        hb = hb if high is not None else "inf)"
        raise ValueError(f"{_where(where)}`{name}` must be a finite float in {lb}, {hb}, got {value!r}.")
    return v


def check_bool(value, name: str, where: str = ""):
    if not isinstance(value, (bool,)) and not (hasattr(value, "dtype") and value.dtype == bool):
        raise TypeError(f"{_where(where)}`{name}` must be a bool, got {type(value).__name__} {value!r}.")
    return bool(value)


def check_choice(value, name: str, choices, where: str = ""):
    if value not in choices:
        raise ValueError(f"{_where(where)}`{name}` must be one of {list(choices)}, got {value!r}.")
    return value
