"""Global configuration: the float policy and the random generator (the array seam is
:mod:`deepgrad._blas`, whose ``xp`` is re-exported here).

``xp`` names the array module (NumPy). The engine is written against NumPy's API only
(ufuncs with ``out=``, ``matmul``, reductions), the API CuPy mirrors; today the modules import
NumPy directly, and running on CuPy means routing their array calls through ``xp`` and moving
batches to the device in ``fit`` (not done yet). The optimizers' two whole-buffer operations
(``axpby``, ``all_finite``) already go through :mod:`deepgrad._blas`.

Float policy (Keras's ``floatx``): parameters, activations and gradients are created in
``floatx()``, float32 by default; ``set_floatx("float64")`` switches new weights and inputs
to float64 (gradient checks and parity tests use it).

Randomness: one NumPy ``Generator`` (PCG64) drives initializers, dropout masks and the
shuffling in ``fit``. ``deepgrad.utils.set_random_seed(seed)`` re-seeds it, after which two
runs of the same program are bit-for-bit identical. Its state is a plain dict of integers
(``rng().bit_generator.state``), so it can be saved in JSON and restored exactly.
"""

from __future__ import annotations

import numpy as np

from deepgrad._blas import xp  # the array module (see the module docstring)

_FLOATX = "float32"
_VALID_FLOATX = ("float16", "float32", "float64")
_EPSILON = 1e-7
_RNG = np.random.Generator(np.random.PCG64())


def floatx() -> str:
    """Return the default float type as a string, ``"float32"`` unless changed."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type: ``"float16"``, ``"float32"`` or ``"float64"``."""
    global _FLOATX
    name = np.dtype(value).name if isinstance(value, (type, np.dtype)) else value
    if name not in _VALID_FLOATX:
        raise ValueError(
            f"set_floatx: `value` must be one of {list(_VALID_FLOATX)}, got {value!r}."
        )
    _FLOATX = name


def dtype():
    """The default float type as an ``xp.dtype`` object."""
    return xp.dtype(_FLOATX)


def epsilon() -> float:
    """The fuzz factor Keras uses for probability clipping (``keras.config.epsilon()``), 1e-7."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by :func:`epsilon`."""
    global _EPSILON
    if not (isinstance(value, (int, float)) and 0 < value < 1):
        raise ValueError(f"set_epsilon: `value` must be a float in (0, 1), got {value!r}.")
    _EPSILON = float(value)


def rng() -> np.random.Generator:
    """The global random generator (re-seeded by ``deepgrad.utils.set_random_seed``)."""
    return _RNG


def seed_rng(seed: int) -> None:
    """Replace the global generator by a fresh PCG64 seeded with ``seed``."""
    global _RNG
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"set_random_seed: `seed` must be a non-negative int, got {seed!r}.")
    _RNG = np.random.Generator(np.random.PCG64(int(seed)))


def asarray(x, dtype=None):
    """Convert to an array of the backend in ``dtype`` (default ``floatx()``), without copying when possible."""
    return xp.asarray(x, dtype=dtype or _FLOATX)
