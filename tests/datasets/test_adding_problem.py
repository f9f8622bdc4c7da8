"""The adding problem generator: shapes, markers, targets, the 1/6 baseline, seeding."""

import numpy as np
import pytest

from deepgrad import config
from deepgrad.datasets import adding_problem


def test_shapes_match_the_notes_input_shape():
    x, y = adding_problem(50, seed=0)
    assert x.shape == (50, 200, 2) and y.shape == (50, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32


def test_two_markers_one_per_half_and_target_is_their_sum():
    x, y = adding_problem(100, timesteps=30, seed=1, dtype="float64")
    m = x[:, :, 1]
    assert set(np.unique(m)) == {0.0, 1.0}
    assert (m.sum(1) == 2).all()
    assert (m[:, :15].sum(1) == 1).all() and (m[:, 15:].sum(1) == 1).all()
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * m).sum(1), atol=1e-12)
    assert ((x[:, :, 0] >= 0) & (x[:, :, 0] < 1)).all()


def test_predicting_one_gives_mse_about_one_sixth():
    # the sum of two U(0,1) has mean 1 and variance 2/12 = 0.1667
    _, y = adding_problem(200_000, timesteps=4, seed=2, dtype="float64")
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 3e-3


def test_seed_reproducible_and_global_rng_used_without_seed():
    a = adding_problem(5, timesteps=10, seed=3)
    b = adding_problem(5, timesteps=10, seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    config.seed_rng(11)
    c = adding_problem(5, timesteps=10)
    config.seed_rng(11)
    d = adding_problem(5, timesteps=10)
    np.testing.assert_array_equal(c[0], d[0])


@pytest.mark.parametrize("kw,exc,word", [
    ({"n": 0}, ValueError, "n"), ({"n": 3, "timesteps": 1}, ValueError, "timesteps"),
    ({"n": 3, "seed": -1}, ValueError, "seed"), ({"n": 2.0}, TypeError, "n")])
def test_bad_arguments(kw, exc, word):
    with pytest.raises(exc, match=word):
        adding_problem(**kw)


@pytest.mark.parametrize("dtype,exc", [("int32", ValueError), ("bool", ValueError),
                                       ("complex64", ValueError), ("foo", TypeError),
                                       (3, TypeError)])
def test_adding_problem_dtype_must_be_float(dtype, exc):
    with pytest.raises(exc, match="`dtype`"):
        adding_problem(3, timesteps=4, seed=0, dtype=dtype)


def test_adding_problem_float_dtypes():
    x, y = adding_problem(3, timesteps=4, seed=0, dtype="float64")
    assert x.dtype == y.dtype == np.float64
    x16, _ = adding_problem(3, timesteps=4, seed=0, dtype=np.float16)
    np.testing.assert_allclose(x16, x, atol=1e-3)            # same draws, coarser type
