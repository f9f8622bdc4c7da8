"""The backend seam: ``axpby`` (BLAS when exact, NumPy otherwise) and ``all_finite`` (BLAS's
``?asum`` where it runs in the calling thread, a dot otherwise).

The contract is NumPy's rounding: ``axpby(a, x, b, y)`` must leave in ``y`` exactly what
NumPy's ``a * x + b * y`` gives (two rounded products and one rounded sum), whether BLAS ran
or not and wherever the arrays start, so that an optimizer step never depends on how its
buffer is laid out or split between threads.
"""

import subprocess
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

from deepgrad import _blas as B

SIZES = [1, 2, 7, 8, 9, 31, 33, 1000, 4099, 100_003]


@pytest.fixture(params=["blas", "numpy"])
def path(request, monkeypatch):
    """Run a test with NumPy's BLAS bound (as imported) and with the NumPy fallback."""
    if request.param == "numpy":
        monkeypatch.setattr(B, "_FUNCS", {})
    elif not B._FUNCS:
        pytest.skip("no BLAS ?axpby found for this NumPy (the NumPy path is tested alone)")
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("a, b", [(-0.0123, 1.0), (0.37, 0.9), (-1.5, 0.0), (2.0, -0.5)])
def test_axpby_is_numpys_formula_bit_for_bit(path, dtype, a, b):
    rng = np.random.default_rng(7)
    for n in SIZES:
        for offset in (0, 1, 3):  # arrays that start off the vector alignment
            x = rng.standard_normal(n + offset).astype(dtype)[offset:]
            y = rng.standard_normal(n + offset).astype(dtype)[offset:]
            expected = dtype(a) * x + dtype(b) * y
            B.axpby(a, x, b, y)
            np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpby_splits_of_a_buffer_give_the_whole_buffers_result(path, dtype):
    # the invariant the optimizer's flat buffer and its per-thread slices rely on
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(10_007).astype(dtype), rng.standard_normal(10_007).astype(dtype)
    whole = y.copy()
    B.axpby(-0.01, x, 0.9, whole)
    for cut in (1, 5, 16, 17, 4096, 5003):
        parts = y.copy()
        B.axpby(-0.01, x[:cut], 0.9, parts[:cut])
        B.axpby(-0.01, x[cut:], 0.9, parts[cut:])
        np.testing.assert_array_equal(parts, whole)


def test_axpby_takes_numpy_for_what_blas_cannot_do(path):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 8))
    # strided operands
    y = rng.standard_normal((8, 6)).T
    expected = 0.5 * x + 2.0 * y
    B.axpby(0.5, x, 2.0, y)
    np.testing.assert_array_equal(y, expected)
    # x and y the same array
    z = x.copy()
    B.axpby(0.5, z, 2.0, z)
    np.testing.assert_array_equal(z, 0.5 * x + 2.0 * x)
    # float16 (no BLAS routine) and mixed dtypes
    h = x.astype(np.float16)
    hy = h.copy()
    B.axpby(1.0, h, 1.0, hy)
    np.testing.assert_array_equal(hy, h + h)
    y32 = x.astype(np.float32)
    B.axpby(1.0, x, 1.0, y32)
    np.testing.assert_array_equal(y32, (x.astype(np.float32) + x).astype(np.float32))


def test_axpby_into_a_read_only_array_raises_and_leaves_it(path):
    x, y = np.ones(50), np.arange(50.0)
    B.axpby(1.0, x, 1.0, y)  # bound (and cached) while writeable
    y.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        B.axpby(1.0, x, 1.0, y)
    np.testing.assert_array_equal(y, np.arange(50.0) + 1.0)


def test_the_bound_call_cache_keeps_no_array_alive_and_stays_bounded():
    if not B._FUNCS:
        pytest.skip("no BLAS: nothing is cached")
    x, y = np.ones(64), np.zeros(64)
    B.axpby(1.0, x, 1.0, y)
    rx, ry = weakref.ref(x), weakref.ref(y)
    del x, y
    assert rx() is None and ry() is None
    keep = []
    for _ in range(B._MAX_PLANS + 10):
        x, y = np.ones(4), np.zeros(4)
        keep.append((x, y))
        B.axpby(2.0, x, 1.0, y)
        assert len(B._PLANS) <= B._MAX_PLANS
    assert all((y == 2.0).all() for _, y in keep)


def test_a_new_array_in_place_of_a_freed_one_is_bound_afresh():
    # the cache is keyed by id(); a reused id with another array must not reuse the old call
    for n in (10, 20, 10, 30):
        x, y = np.full(n, 2.0), np.ones(n)
        B.axpby(3.0, x, 1.0, y)
        np.testing.assert_array_equal(y, np.full(n, 7.0))


def test_no_blas_environment_variable_turns_blas_off():
    code = "from deepgrad import _blas as B; print(B.blas_info(), len(B._FUNCS), len(B._ASUM))"
    out = subprocess.run([sys.executable, "-c", code], env={"DEEPGRAD_NO_BLAS": "1", "PATH": ""},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["None", "0", "0"]


@pytest.fixture(params=["asum", "dot"])
def check(request, monkeypatch):
    """Run a finiteness test with the sum read by BLAS's ``?asum`` (as where BLAS runs one thread)
    and by the dot ``x . x`` (as where OpenBLAS would split ``?asum`` between its threads)."""
    if request.param == "dot":
        monkeypatch.setattr(B, "_ASUM", {})
    elif not B._ASUM:
        pytest.skip("no BLAS ?asum found for this NumPy (the dot path is tested alone)")
    else:
        monkeypatch.setattr(B, "_BLAS_THREADS", lambda: 1)
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_finite_finds_every_nan_and_inf(check, dtype):
    for n in (1, 9, 1031, 100_003):
        assert B.all_finite(np.ones(n, dtype))
        for bad in (np.nan, np.inf, -np.inf):
            for i in {0, n // 2, n - 1}:
                x = np.ones(n, dtype)
                x[i] = bad
                assert not B.all_finite(x)
                assert not B.all_finite(x[::-1])  # strided view


def test_all_finite_with_sums_that_overflow_is_still_exact(check):
    # ten values of 3e38: both |x| summed and x**2 overflow float32 (max about 3.4e38), so the
    # exact elementwise test decides
    big = np.full(10, 3e38, np.float32)
    with np.errstate(over="ignore"):
        assert not np.isfinite(B.sum_of_squares(big)) and not np.isfinite(big.sum())
    assert B.all_finite(big)
    big[3] = np.inf
    assert not B.all_finite(big)


def test_all_finite_reads_with_asum_only_where_blas_cannot_split_it(monkeypatch):
    if not B._ASUM:
        pytest.skip("no BLAS ?asum found for this NumPy")
    calls = []
    monkeypatch.setattr(B, "_ASUM", {dt: (lambda f: lambda *a: calls.append(a[0]) or f(*a))(f)
                                     for dt, f in B._ASUM.items()})
    small, large = np.ones(B.ASUM_UNTHREADED_MAX, np.float32), np.ones(B.ASUM_UNTHREADED_MAX + 1, np.float32)
    for threads, expected in ((2, [small.size]), (1, [small.size, large.size])):
        calls.clear()
        monkeypatch.setattr(B, "_BLAS_THREADS", lambda: threads)
        assert B.all_finite(small) and B.all_finite(large)
        assert calls == expected


def test_sum_of_squares_of_contiguous_and_strided_arrays():
    x = np.arange(12.0).reshape(3, 4)
    assert B.sum_of_squares(x) == sum(v * v for v in range(12))  # 506
    assert B.sum_of_squares(x.T) == 506.0
    assert B.sum_of_squares(x[:, 1]) == 1 + 25 + 81


def test_axpby_allocates_nothing_after_its_first_call(path):
    # the BLAS path writes in place; the NumPy path reuses one work array per shape and thread
    x, y = np.ones(100_000, np.float32), np.zeros(100_000, np.float32)
    B.axpby(0.5, x, 0.9, y)
    tracemalloc.start()
    try:
        for _ in range(5):
            B.axpby(0.5, x, 0.9, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000  # a temporary would be 400,000 bytes


def test_every_optimizer_step_is_bit_identical_with_and_without_blas(monkeypatch):
    # The optimizers' one-pass steps (SGD family, every moving average, the final w += k * d)
    # go through axpby: with NumPy's BLAS bound and with the NumPy formula the trajectories of
    # every optimizer on a model-like flat float32 buffer are the same bits.
    if not B._FUNCS:
        pytest.skip("no BLAS ?axpby found for this NumPy")
    from deepgrad import optimizers as O
    makers = [lambda: O.SGD(0.05), lambda: O.SGD(0.05, momentum=0.9, nesterov=True), O.Adagrad,
              lambda: O.RMSprop(centered=True, momentum=0.5), O.Adam, lambda: O.AdamW(amsgrad=True), O.Nadam,
              O.Adamax, O.Adadelta, O.Lion, O.Lamb, O.Ftrl]
    results = {}
    for path in ("blas", "numpy"):
        if path == "numpy":
            monkeypatch.setattr(B, "_FUNCS", {})
        for i, make in enumerate(makers):
            rng = np.random.default_rng(i)
            pbuf = rng.standard_normal(5000).astype(np.float32)
            gbuf = np.zeros(5000, np.float32)
            params, grads = [pbuf[:4000].reshape(40, 100), pbuf[4000:]], [gbuf[:4000].reshape(40, 100), gbuf[4000:]]
            opt = make()
            opt.use_flat_buffers(pbuf, gbuf)
            for _ in range(5):
                gbuf[...] = rng.standard_normal(5000)
                opt.apply_gradients(zip(grads, params))
            results[path, i] = pbuf.copy()
    for i in range(len(makers)):
        np.testing.assert_array_equal(results["blas", i], results["numpy", i])
