"""Initializers: Keras formulas checked by statistics with derived tolerances, bounds, determinism."""

import math

import numpy as np
import pytest

from deepgrad import config, initializers
from deepgrad.utils import set_random_seed

SHAPE = (500, 400)          # 200,000 draws
N = SHAPE[0] * SHAPE[1]
FAN_IN, FAN_OUT = SHAPE


def _check_moments(w, var, fourth):
    """Mean and variance within 6 standard errors: se(mean) = sqrt(var/N),
    se(sample variance) = sqrt((E[w^4] - var^2) / N)."""
    assert abs(w.mean()) < 6 * math.sqrt(var / N)
    assert abs(w.var() - var) < 6 * math.sqrt((fourth - var * var) / N)


def _uniform_moments(limit):
    return limit ** 2 / 3, limit ** 4 / 5                  # U(-l, l): E w^2 = l^2/3, E w^4 = l^4/5


def _normal_moments(std):
    return std ** 2, 3 * std ** 4                          # truncation only lowers E w^4


@pytest.mark.parametrize("name, limit", [
    ("glorot_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT))),
    ("xavier_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT))),
    ("he_uniform", math.sqrt(6 / FAN_IN)),
    ("kaiming_uniform", math.sqrt(6 / FAN_IN)),
    ("lecun_uniform", math.sqrt(3 / FAN_IN)),
    ("fan_in_uniform", 1 / math.sqrt(FAN_IN)),               # the notes' "Xavier"
    ("random_uniform", 0.05),
])
def test_uniform_family(name, limit):
    set_random_seed(0)
    w = initializers.get(name)(SHAPE)
    assert w.dtype == np.float32 and w.shape == SHAPE
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    _check_moments(w.astype(np.float64), *_uniform_moments(limit))


@pytest.mark.parametrize("name, std, truncated", [
    ("glorot_normal", math.sqrt(2 / (FAN_IN + FAN_OUT)), True),
    ("xavier_normal", math.sqrt(2 / (FAN_IN + FAN_OUT)), True),
    ("he_normal", math.sqrt(2 / FAN_IN), True),
    ("kaiming_normal", math.sqrt(2 / FAN_IN), True),
    ("lecun_normal", math.sqrt(1 / FAN_IN), True),
    ("random_normal", 0.05, False),
    ("truncated_normal", 0.05 * 0.87962566103423978, True),   # not rescaled: std shrinks by 0.8796
])
def test_normal_family(name, std, truncated):
    set_random_seed(1)
    w = initializers.get(name)(SHAPE).astype(np.float64)
    _check_moments(w, *_normal_moments(std))
    bound = 2 * std / 0.87962566103423978                   # +-2 sigma0, sigma0 = std / 0.8796
    if truncated:
        assert np.abs(w).max() <= bound * (1 + 1e-6)
        assert np.abs(w).max() > 0.99 * bound
    else:
        assert np.abs(w).max() > 1.1 * bound                # 200,000 normal draws pass 2.27 sigma


def test_he_normal_is_not_the_notes_slip():
    """Notes: N[0, 2/sqrt(n)]; the correct std is sqrt(2/n) (variance 2/n)."""
    n = 784
    set_random_seed(2)
    w = initializers.HeNormal()((n, 1000)).astype(np.float64)
    assert w.std() == pytest.approx(math.sqrt(2 / n), rel=0.02)
    assert abs(w.std() - 2 / math.sqrt(n)) > 0.01
    assert "2/n" in initializers.HeNormal.__doc__
    assert "not" in initializers.FanInUniform.__doc__ and "nn.Linear" in initializers.FanInUniform.__doc__


def test_variance_scaling_and_fans():
    assert initializers.compute_fans((3, 3, 16, 32)) == (3 * 3 * 16, 3 * 3 * 32)
    assert initializers.compute_fans((7,)) == (7, 7)
    assert initializers.compute_fans(()) == (1, 1)
    set_random_seed(3)
    vs = initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform")
    w = vs(SHAPE)
    assert np.abs(w).max() <= math.sqrt(3 * 2.0 / FAN_OUT)
    w = initializers.VarianceScaling(distribution="untruncated_normal")(SHAPE).astype(np.float64)
    _check_moments(w, *_normal_moments(math.sqrt(1 / FAN_IN)))
    with pytest.raises(ValueError, match="`mode`"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="`distribution`"):
        initializers.VarianceScaling(distribution="cauchy")


@pytest.mark.parametrize("shape", [(300, 200), (200, 300), (4, 5, 60)])
def test_orthogonal(shape):
    set_random_seed(4)
    w = initializers.Orthogonal(gain=2.0)(shape, dtype="float64")
    m = w.reshape(-1, shape[-1])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-12)
    with pytest.raises(ValueError, match="2 dimensions"):
        initializers.Orthogonal()((5,))


def test_constants_and_identity():
    assert np.all(initializers.get("zeros")((2, 3)) == 0)
    assert np.all(initializers.get("ones")((2, 3)) == 1)
    b = initializers.Constant(0.1)((512,))                  # the notes' ReLU bias tip
    assert b.dtype == np.float32 and np.all(b == np.float32(0.1))
    np.testing.assert_array_equal(initializers.Identity(gain=3.0)((2, 3)), [[3, 0, 0], [0, 3, 0]])
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()((2, 2, 2))


def test_dtype_policy():
    assert initializers.get("glorot_uniform")((3, 4), dtype="float64").dtype == np.float64
    old = config.floatx()
    config.set_floatx("float64")
    try:
        assert initializers.get("he_normal")((3, 4)).dtype == np.float64
    finally:
        config.set_floatx(old)
    with pytest.raises(ValueError, match="`dtype`"):
        initializers.get("ones")((2,), dtype="int32")


def test_determinism():
    init = initializers.get("glorot_normal")
    set_random_seed(42)
    a = init((30, 20))
    set_random_seed(42)
    b = init((30, 20))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, init((30, 20)))            # the stream moves on
    seeded = initializers.RandomNormal(seed=5)
    np.testing.assert_array_equal(seeded((4, 4)), seeded((4, 4)))   # Keras 3: same values each call


def test_get_and_serialize():
    assert isinstance(initializers.get("xavier_uniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("kaiming_normal"), initializers.HeNormal)
    assert initializers.get(None) is None
    init = initializers.RandomUniform(minval=-1.0, maxval=2.0, seed=3)
    again = initializers.get(initializers.serialize(init))
    assert again.get_config() == init.get_config()
    with pytest.raises(ValueError, match="Valid names:.*glorot_uniform"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="`maxval`"):
        initializers.RandomUniform(minval=1.0, maxval=0.0)
    with pytest.raises(TypeError, match="`shape`"):
        initializers.get("zeros")((2.5, 3))
