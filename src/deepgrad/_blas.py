"""The array seam: the array module, and the two whole-buffer operations an optimizer step needs.

``xp`` is the array module (NumPy; CuPy mirrors its API). An optimizer step over a model's
flat parameter buffer is memory-bound, and NumPy lacks two operations it needs in one pass:

- :func:`axpby`: ``y <- a * x + b * y`` in place. In NumPy it is two or three passes and a
  temporary; the SGD family's whole step is made of it.
- :func:`all_finite`: whether an array holds no NaN or Inf, in one read. ``np.isfinite(x).all()``
  writes a boolean array first; here a sum is taken whose finiteness proves every element
  finite; only if it is NaN or overflows does the exact elementwise test run. The sum is
  BLAS's ``?asum`` (``sum |x|``, the fastest read) when it runs in the calling thread, else the
  dot ``x . x``: OpenBLAS splits ``?asum`` between its threads above 100,000 elements, and its
  threads then spin for about 0.1 s, which halved the speed of an optimizer step split between
  Python threads on 2 cores.

:func:`axpby` runs the Level-1 BLAS routine ``?axpby`` of NumPy's own BLAS (the OpenBLAS inside
the NumPy wheel, which already runs every ``matmul``: the same library and threads), bound
through ``ctypes``. It is used only where it is exact, which is checked when this module is
imported: it must give NumPy's ``a * x + b * y`` (two rounded products, one rounded sum) bit
for bit, wherever an element sits in the array. So results never depend on whether BLAS ran,
on how a buffer is split or where an array starts. (``?axpy`` is not used: OpenBLAS fuses the
multiply-add in the vector body but not in the tail, so an element's rounding depends on
its position.) ``?asum`` is bound beside it, after checking that one NaN or Inf in the body
or the tail makes its sum non-finite. The ``?axpby`` call needs C-contiguous float32 or float64
arrays of one dtype and shape,
``y`` writeable and not overlapping ``x``; anything else, ``DEEPGRAD_NO_BLAS=1``, or no BLAS
found, runs the NumPy formula (with a work array reused per shape, so it allocates nothing
after its first call either). ``blas_info()`` says what is in use. A CuPy backend would map
both functions to cuBLAS or elementwise kernels and ``xp`` to ``cupy``.
"""

from __future__ import annotations

import ctypes
import glob
import math
import os
import threading
import weakref

import numpy as np

#: The array module (NumPy).
xp = np

# (symbol prefix, symbol suffix, C integer type, thread-count getter) of the BLAS builds we
# know how to call: NumPy >= 2 wheels (scipy-openblas64, ILP64), their 32-bit-integer twin,
# and plain CBLAS.
_FLAVOURS = (("scipy_cblas_", "64_", ctypes.c_int64, "scipy_openblas_get_num_threads64_"),
             ("scipy_cblas_", "", ctypes.c_int32, "scipy_openblas_get_num_threads"),
             ("cblas_", "64_", ctypes.c_int64, "openblas_get_num_threads64_"),
             ("cblas_", "", ctypes.c_int32, "openblas_get_num_threads"))
#: OpenBLAS's x86-64 ``?asum`` runs in the calling thread up to this many elements.
ASUM_UNTHREADED_MAX = 100_000
_REALS = (("s", ctypes.c_float, np.dtype(np.float32)), ("d", ctypes.c_double, np.dtype(np.float64)))


def _candidate_libraries():
    """The BLAS shared libraries bundled with the installed NumPy wheel (Linux, macOS, Windows)."""
    root = os.path.dirname(np.__file__)
    folders = [root + ".libs", os.path.join(root, ".dylibs"), os.path.join(os.path.dirname(root), "numpy.libs")]
    found = []
    for folder in folders:
        for pattern in ("*openblas*.so*", "*openblas*.dylib", "*openblas*.dll"):
            found += sorted(glob.glob(os.path.join(folder, pattern)))
    return list(dict.fromkeys(found))


def _bind(lib, prefix, suffix, cint):
    """``({dtype: ?axpby}, {dtype: ?asum})`` for float32 and float64, or None when a symbol is missing."""
    axpbys, asums = {}, {}
    for letter, real, dt in _REALS:
        try:
            f = getattr(lib, f"{prefix}{letter}axpby{suffix}")
            s = getattr(lib, f"{prefix}{letter}asum{suffix}")
        except AttributeError:
            return None
        f.restype = None
        f.argtypes = [cint, real, ctypes.c_void_p, cint, real, ctypes.c_void_p, cint]
        s.restype = real
        s.argtypes = [cint, ctypes.c_void_p, cint]
        axpbys[dt], asums[dt] = f, s
    return axpbys, asums


def _thread_getter(lib, name):
    """BLAS's ``get_num_threads``, or a stand-in that says "several" (so ``?asum`` is used
    only where it cannot be threaded)."""
    try:
        f = getattr(lib, name)
    except AttributeError:
        return lambda: 2
    f.restype, f.argtypes = ctypes.c_int, []
    return f


def _exact(axpbys, asums):
    """The import-time check, on vectors long enough to use the vector body and the scalar
    tail: ``?axpby`` gives NumPy's ``a * x + b * y`` bit for bit, and ``?asum`` is not finite
    when any one element is NaN or Inf."""
    rng = np.random.default_rng(0)
    for dt, f in axpbys.items():
        for n in (1, 7, 37, 1031):
            x, y = rng.standard_normal(n).astype(dt), rng.standard_normal(n).astype(dt)
            for a, b in ((-0.0123, 1.0), (0.37, 0.9)):
                out = y.copy()
                f(n, a, x.ctypes.data, 1, b, out.ctypes.data, 1)
                if not np.array_equal(out, dt.type(a) * x + dt.type(b) * y):
                    return False
            for i in {0, n // 2, n - 1}:
                keep = x[i]
                for bad in (np.nan, np.inf, -np.inf):
                    x[i] = bad
                    if math.isfinite(asums[dt](n, x.ctypes.data, 1)):
                        return False
                x[i] = keep
    return True


def _load():
    """Find NumPy's BLAS and bind the routines: ``(axpbys, asums, get_num_threads, source)``,
    with empty dicts and None when there is none to use."""
    if os.environ.get("DEEPGRAD_NO_BLAS", "") not in ("", "0"):
        return {}, {}, None, None
    for path in _candidate_libraries():
        try:
            lib = ctypes.CDLL(path)  # the library NumPy already loaded: the same handle and threads
        except OSError:
            continue
        for prefix, suffix, cint, threads in _FLAVOURS:
            funcs = _bind(lib, prefix, suffix, cint)
            if funcs is not None and _exact(*funcs):
                return (*funcs, _thread_getter(lib, threads),
                        f"{os.path.basename(path)} ({prefix}?axpby{suffix}, {prefix}?asum{suffix})")
    return {}, {}, None, None


_FUNCS, _ASUM, _BLAS_THREADS, _SOURCE = _load()
_PLANS: dict = {}
_MAX_PLANS = 256


def blas_info() -> str | None:
    """The BLAS library and routines in use, or None (NumPy only)."""
    return _SOURCE


def _plan(x, y):
    """``call(a, b)`` running BLAS's ``?axpby`` on this pair of arrays, or None (use NumPy).

    Checking the arrays and reading their addresses costs several times the call itself on
    small arrays, so the bound call is cached per pair. The cache holds weak references (it
    never keeps an array alive) and is emptied when it grows past ``_MAX_PLANS`` entries.
    """
    key = (id(x), id(y))
    plan = _PLANS.get(key)
    if (plan is not None and plan[0]() is x and plan[1]() is y and plan[2] == (x.shape, y.shape)
            and y.flags.writeable):
        return plan[3]
    f = _FUNCS.get(y.dtype)
    if (f is None or x.dtype != y.dtype or x.shape != y.shape or not x.flags.c_contiguous
            or not y.flags.c_contiguous or not y.flags.writeable or np.may_share_memory(x, y)):
        return None
    n, xa, ya = y.size, x.ctypes.data, y.ctypes.data

    def call(a, b):
        f(n, a, xa, 1, b, ya, 1)

    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[key] = (weakref.ref(x), weakref.ref(y), (x.shape, y.shape), call)
    return call


def axpby(a: float, x: np.ndarray, b: float, y: np.ndarray) -> None:
    """``y <- a * x + b * y`` in place, in one pass (``x`` and ``y`` of the same shape).

    Rounded as NumPy's ``a * x + b * y``: with ``b = 1`` it is exactly ``y += a * x``.
    """
    call = _plan(x, y) if _FUNCS else None
    if call is not None:
        call(a, b)
        return
    ax = np.multiply(x, a, out=_scratch(np.broadcast_shapes(x.shape, y.shape), np.result_type(x, y, a)))
    if b != 1.0:  # after a * x: x may be y itself
        y *= b
    y += ax


def _scratch(shape, dtype):
    """A work array for the NumPy path, reused per thread, shape and dtype, so that an
    optimizer step allocates nothing without BLAS either (at most ``_MAX_PLANS`` are kept)."""
    key = (threading.get_ident(), shape, dtype)
    out = _SCRATCH.get(key)
    if out is None:
        if len(_SCRATCH) >= _MAX_PLANS:
            _SCRATCH.clear()
        out = _SCRATCH[key] = np.empty(shape, dtype)
    return out


_SCRATCH: dict = {}


def sum_of_squares(x: np.ndarray) -> float:
    """``sum(x**2)`` as a Python float, with no temporary for a contiguous array (BLAS dot)."""
    if x.flags.c_contiguous:
        r = x.reshape(-1)
        return float(np.dot(r, r))
    return float(np.vdot(x, x))


def all_finite(x: np.ndarray) -> bool:
    """Whether ``x`` holds no NaN and no Inf, in one read of ``x`` (unless its sum overflows):
    ``sum |x|`` by BLAS's ``?asum`` where it runs in the calling thread, else ``x . x``."""
    asum = _ASUM.get(x.dtype) if x.flags.c_contiguous else None
    if asum is not None and (x.size <= ASUM_UNTHREADED_MAX or _BLAS_THREADS() == 1):
        total = asum(x.size, x.ctypes.data, 1)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            total = sum_of_squares(x)
    return math.isfinite(total) or bool(np.isfinite(x).all())
