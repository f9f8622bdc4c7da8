"""``keras.backend``'s public names that Keras 3 code uses: ``clear_session``, ``floatx``,
``set_floatx``, ``epsilon``, ``set_epsilon``, ``image_data_format``, ``get_uid``, ``backend``.

(The engine's internal array/BLAS seam is :mod:`deepgrad._blas`.)
"""

from __future__ import annotations

import gc
import itertools
from collections import defaultdict

from ._validation import check_bool
from .config import epsilon, floatx, set_epsilon, set_floatx  # noqa: F401  (Keras's names)

_IMAGE_DATA_FORMAT = "channels_last"
_UIDS: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))


def backend() -> str:
    """The name of the array backend: ``"numpy"``."""
    return "numpy"


def clear_session(free_memory=True) -> None:
    """Reset the global state Keras resets that deepgrad has: the automatic-name counters
    (the next ``Dense`` is named ``dense`` again; models too) and :func:`get_uid`'s counters;
    with ``free_memory`` (default True) also run Python's garbage collector.

    The random generator is not touched: Keras's initializers keep their stream across
    ``clear_session`` too (re-seed with ``deepgrad.utils.set_random_seed``).
    """
    check_bool(free_memory, "free_memory", "clear_session")
    from .layers.base import _NAME_COUNTERS  # lazily: keeps ``import deepgrad.backend`` light

    _NAME_COUNTERS.clear()
    _UIDS.clear()
    if free_memory:
        gc.collect()


def get_uid(prefix="") -> int:
    """1, 2, 3, ... per ``prefix`` (Keras's counter for unique names)."""
    if not isinstance(prefix, str):
        raise TypeError(f"get_uid: `prefix` must be a str, got {type(prefix).__name__}.")
    return next(_UIDS[prefix])


def image_data_format() -> str:
    """``"channels_last"`` (deepgrad has no convolution layers; kept for Keras code that asks)."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format) -> None:
    """Set what :func:`image_data_format` returns: ``"channels_last"`` or ``"channels_first"``."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"set_image_data_format: `data_format` must be 'channels_last' or "
                         f"'channels_first', got {data_format!r}.")
    _IMAGE_DATA_FORMAT = data_format


__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
           "set_epsilon", "set_floatx", "set_image_data_format"]
