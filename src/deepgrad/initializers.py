"""Weight initializers with Keras 3's names, defaults and formulas.

An initializer is called as ``init(shape, dtype=None) -> ndarray`` (dtype defaults to
``deepgrad.config.floatx()``). Random ones draw from ``deepgrad.config.rng()``, so
``deepgrad.utils.set_random_seed`` makes them reproducible; with ``seed=`` an initializer owns a
generator seeded once and returns the same values on every call (as in Keras 3).

Fans follow Keras (kernel shape ``(in, out)``): 1-D ``fan_in = fan_out = shape[0]``; 2-D
``(fan_in, fan_out) = shape``; N-D ``fan_in = shape[-2] * prod(shape[:-2])``,
``fan_out = shape[-1] * prod(shape[:-2])``.

Keras's normal initializers are **truncated** at two standard deviations (values beyond are
re-drawn); the variance-scaling ones divide the standard deviation by 0.87962566103423978 (the
std of a standard normal truncated to [-2, 2]) so that the final std is the intended one.
PyTorch's ``xavier_normal_``/``kaiming_normal_`` are untruncated; the aliases here follow Keras.

The notes' tip of a small positive bias (0.1) for ReLU units is ``bias_initializer=Constant(0.1)``.
"""

from __future__ import annotations

import math

import numpy as np

from . import config
from ._validation import check_choice, check_float, check_int
from .registry import Configurable, Registry

INITIALIZERS = Registry("initializer")

#: Standard deviation of a standard normal truncated to [-2, 2].
_TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape):
    """Keras's ``(fan_in, fan_out)`` for a weight of ``shape``."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer(Configurable):
    """Base class: ``__call__(shape, dtype=None)`` and ``get_config()``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError


def _dtype(dtype):
    dt = np.dtype(dtype or config.floatx())
    if not np.issubdtype(dt, np.floating):
        raise ValueError(f"initializer: `dtype` must be a float type, got {dt.name}.")
    return dt


def _shape(shape):
    try:
        shape = tuple(int(check_int(d, "shape", "initializer", minimum=0)) for d in shape)
    except TypeError:
        raise TypeError(f"initializer: `shape` must be a tuple of ints, got {shape!r}.") from None
    return shape


class RandomInitializer(Initializer):
    """An initializer drawing random numbers; ``seed=None`` uses the global generator."""

    def __init__(self, seed=None):
        self.seed = check_int(seed, "seed", type(self).__name__, minimum=0, allow_none=True)

    def _rng(self) -> np.random.Generator:
        if self.seed is None:
            return config.rng()
        return np.random.Generator(np.random.PCG64(self.seed))

    def get_config(self):
        return {"seed": self.seed}


def _truncated_standard_normal(rng, shape):
    """Standard normal draws restricted to [-2, 2] by re-drawing the ones outside."""
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return z


@INITIALIZERS.register("zero")
class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(_shape(shape), dtype=_dtype(dtype))


@INITIALIZERS.register("one")
class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(_shape(shape), dtype=_dtype(dtype))


@INITIALIZERS.register()
class Constant(Initializer):
    """Every entry equal to ``value`` (default 0.0). E.g. ``Constant(0.1)`` for ReLU biases (notes)."""

    def __init__(self, value=0.0):
        self.value = check_float(value, "value", "Constant")

    def __call__(self, shape, dtype=None):
        return np.full(_shape(shape), self.value, dtype=_dtype(dtype))

    def get_config(self):
        return {"value": self.value}


@INITIALIZERS.register("normal")  # Keras's short name (RandomNormal with its defaults)
class RandomNormal(RandomInitializer):
    """N(mean, stddev^2), defaults mean=0.0, stddev=0.05 (untruncated)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean = check_float(mean, "mean", "RandomNormal")
        self.stddev = check_float(stddev, "stddev", "RandomNormal", low=0.0)

    def __call__(self, shape, dtype=None):
        z = self._rng().standard_normal(_shape(shape))
        return (self.mean + self.stddev * z).astype(_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


@INITIALIZERS.register("uniform")  # Keras's short name (Embedding's default initializer)
class RandomUniform(RandomInitializer):
    """U[minval, maxval), defaults -0.05, 0.05."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval = check_float(minval, "minval", "RandomUniform")
        self.maxval = check_float(maxval, "maxval", "RandomUniform", low=self.minval)

    def __call__(self, shape, dtype=None):
        u = self._rng().uniform(self.minval, self.maxval, _shape(shape))
        return u.astype(_dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


@INITIALIZERS.register()
class TruncatedNormal(RandomInitializer):
    """N(mean, stddev^2) with draws beyond mean +- 2 stddev re-drawn (defaults 0.0, 0.05).

    As in Keras the std is not rescaled: the final std is 0.8796 * stddev.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean = check_float(mean, "mean", "TruncatedNormal")
        self.stddev = check_float(stddev, "stddev", "TruncatedNormal", low=0.0)

    def __call__(self, shape, dtype=None):
        z = _truncated_standard_normal(self._rng(), _shape(shape))
        return (self.mean + self.stddev * z).astype(_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


@INITIALIZERS.register()
class VarianceScaling(RandomInitializer):
    """Keras ``VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal")``.

    n = fan_in, fan_out or (fan_in + fan_out)/2 by ``mode``; s = scale / max(1, n);
    "truncated_normal": N(0, s) truncated at +-2 sigma0, sigma0 = sqrt(s)/0.8796 (final std sqrt(s));
    "untruncated_normal" (alias "normal"): N(0, s); "uniform": U[-sqrt(3 s), sqrt(3 s)].
    """

    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        where = type(self).__name__
        self.scale = check_float(scale, "scale", where, low=0.0, low_inclusive=False)
        self.mode = check_choice(mode, "mode", ("fan_in", "fan_out", "fan_avg"), where)
        if distribution == "normal":
            distribution = "truncated_normal"
        self.distribution = check_choice(distribution, "distribution", self._DISTRIBUTIONS, where)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        s = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            w = _truncated_standard_normal(rng, shape) * (math.sqrt(s) / _TRUNCATED_STD)
        elif self.distribution == "untruncated_normal":
            w = rng.standard_normal(shape) * math.sqrt(s)
        else:
            limit = math.sqrt(3.0 * s)
            w = rng.uniform(-limit, limit, shape)
        return w.astype(_dtype(dtype))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset: only ``seed`` is configurable."""

    _PRESET: tuple = ()

    def __init__(self, seed=None):
        super().__init__(*self._PRESET, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


@INITIALIZERS.register("xavier_uniform")
class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: U[-limit, limit], limit = sqrt(6 / (fan_in + fan_out)). Keras Dense default.

    Same as PyTorch's ``xavier_uniform_``. Not the notes' "Xavier" formula: see :class:`FanInUniform`.
    """

    _PRESET = (1.0, "fan_avg", "uniform")


@INITIALIZERS.register("xavier_normal")
class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal, truncated as Keras: final std sqrt(2 / (fan_in + fan_out)).

    PyTorch's ``xavier_normal_`` has the same std but is not truncated.
    """

    _PRESET = (1.0, "fan_avg", "truncated_normal")


@INITIALIZERS.register("kaiming_uniform")
class HeUniform(_FixedVarianceScaling):
    """He (Kaiming) uniform: U[-limit, limit], limit = sqrt(6 / fan_in) (= PyTorch ``kaiming_uniform_()``)."""

    _PRESET = (2.0, "fan_in", "uniform")


@INITIALIZERS.register("kaiming_normal")
class HeNormal(_FixedVarianceScaling):
    """He (Kaiming) normal, truncated as Keras: final std sqrt(2 / fan_in), |w| <= 2 sqrt(2/fan_in)/0.8796.

    The notes write w ~ N[0, 2/sqrt(n)]: that is a slip. He et al. (2015) set the **variance**
    to 2/n, i.e. std sqrt(2/n) (for n = 784: std 0.0505, not 2/sqrt(784) = 0.0714).
    PyTorch's ``kaiming_normal_`` has the same std but is not truncated.
    """

    _PRESET = (2.0, "fan_in", "truncated_normal")


@INITIALIZERS.register()
class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: U[-limit, limit], limit = sqrt(3 / fan_in)."""

    _PRESET = (1.0, "fan_in", "uniform")


@INITIALIZERS.register()
class LecunNormal(_FixedVarianceScaling):
    """LeCun normal, truncated as Keras: final std sqrt(1 / fan_in)."""

    _PRESET = (1.0, "fan_in", "truncated_normal")


@INITIALIZERS.register()
class FanInUniform(RandomInitializer):
    """The notes' "Xavier" initialization: U[-1/sqrt(n), 1/sqrt(n)], n = fan_in.

    This is **not** Glorot's formula (Glorot and Bengio 2010 use sqrt(6/(fan_in + fan_out)),
    available as ``glorot_uniform``/``xavier_uniform``). It is PyTorch's default for ``nn.Linear``
    weights and biases (``kaiming_uniform_(a=sqrt(5))``, bound 1/sqrt(fan_in)). Its variance is
    1/(3 n). For a bias vector pass ``fan_in`` explicitly (PyTorch uses the layer's fan-in).
    """

    def __init__(self, fan_in=None, seed=None):
        super().__init__(seed)
        self.fan_in = check_int(fan_in, "fan_in", "FanInUniform", minimum=1, allow_none=True)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        n = self.fan_in or compute_fans(shape)[0]
        limit = 1.0 / math.sqrt(max(1, n))
        return self._rng().uniform(-limit, limit, shape).astype(_dtype(dtype))

    def get_config(self):
        return {"fan_in": self.fan_in, **super().get_config()}


@INITIALIZERS.register()
class Orthogonal(RandomInitializer):
    """Orthogonal matrix times ``gain`` (default 1.0), as Keras.

    The weight is viewed as (prod(shape[:-1]), shape[-1]); a standard normal matrix of shape
    (max, min) is QR-factorized, Q's columns get the signs of diag(R) (a uniform draw from
    the orthogonal group), and Q is transposed when rows < cols. Needs at least 2 dimensions.
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = check_float(gain, "gain", "Orthogonal")

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: `shape` must have at least 2 dimensions, got {shape}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


@INITIALIZERS.register()
class Identity(Initializer):
    """``gain`` (default 1.0) times the identity matrix (2-D shapes only; rectangular allowed)."""

    def __init__(self, gain=1.0):
        self.gain = check_float(gain, "gain", "Identity")

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity: `shape` must be 2-D, got {shape}.")
        return (self.gain * np.eye(*shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


def get(identifier, argname: str = "initializer"):
    """Resolve a name (``"glorot_uniform"``, ``"he_normal"``, ``"xavier_uniform"``...), a config dict,
    an :class:`Initializer` or a callable ``(shape, dtype) -> array``. ``None`` -> None (as Keras)."""
    if identifier is None:
        return None
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    obj = INITIALIZERS.get(identifier, argname)
    if not callable(obj):
        raise TypeError(f"`{argname}` must be an initializer name, config dict or callable, got {identifier!r}.")
    return obj


def serialize(initializer):
    """``{"class_name", "config"}`` for an :class:`Initializer`."""
    return INITIALIZERS.serialize(initializer)
