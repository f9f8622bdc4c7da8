"""Activation functions, each with its derivative written beside it.

Every activation is an :class:`Activation` object with

* ``forward(x, out=None) -> y``: elementwise (softmax: along ``axis``). ``out`` may be a
  preallocated array of ``x``'s shape and dtype, or ``x`` itself (in-place evaluation).
* ``backward(dy, x, y) -> dx``: given dL/dy, the input ``x`` and the output ``y``, return
  dL/dx. **``backward`` may overwrite ``dy`` in place and return it**: pass a buffer you own.
* ``needs_input``: False when the derivative is a function of ``y`` alone (sigmoid, tanh,
  relu, softmax, elu, ...). Then callers may pass ``x=None`` and need not keep ``x``.
* ``name`` (the registry name) and ``get_config()`` (constructor arguments).

Resolve identifiers with :func:`get` (a name, ``None`` for linear, a config dict, an
``Activation``, or a plain callable, which can run forward but has no derivative) and turn
them back into names or dicts with :func:`serialize`. Module-level instances such as
``deepgrad.activations.relu`` are callables on arrays, as in Keras.

All functions are numerically stable in float32 and float64: no overflow for inputs of any
size (sigmoid(+-1e3), softplus(1e4)), no warnings. Defaults follow Keras 3.
"""

from __future__ import annotations

import math

import numpy as np

from . import config
from ._validation import check_bool, check_float, check_int
from .registry import Registry

ACTIVATIONS = Registry("activation")

_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# ---------------------------------------------------------------------------- helpers
def _as_float(x):
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(config.floatx())


def _target(x, out):
    """``out`` holding a copy of ``x`` (no copy when ``out is x``); a new array when ``out`` is None."""
    if out is None:
        return x.copy()
    if out is not x:
        np.copyto(out, x)
    return out


def sigmoid_(x, out=None):
    """sigma(x) = 1 / (1 + exp(-x)), evaluated as exp(min(x,0)) / (1 + exp(-|x|)) (no overflow)."""
    x = _as_float(x)
    pos = x >= 0
    e = np.abs(x, out=out)
    np.negative(e, out=e)
    np.exp(e, out=e)                 # e = exp(-|x|) in (0, 1]
    denom = e + 1.0
    np.copyto(e, 1.0, where=pos)     # numerator: 1 for x >= 0, exp(x) for x < 0
    return np.divide(e, denom, out=e)


def softplus_(x, out=None):
    """zeta(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)) (no overflow)."""
    x = _as_float(x)
    t = np.abs(x)
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    y = np.maximum(x, 0, out=out)
    y += t
    return y


def _erfc_cf(u):
    """erfc(u) for u >= 2: exp(-u^2)/sqrt(pi) / (u + (1/2)/(u + 1/(u + (3/2)/(u + ...)))).

    The continued fraction is evaluated bottom-up with 40 levels (relative error < 1e-13).
    """
    f = u.copy()
    for k in range(40, 0, -1):
        f = u + (0.5 * k) / f
    return np.exp(-u * u) / (math.sqrt(math.pi) * f)


def _erf_series(u):
    """erf(u) for |u| < 2: (2/sqrt(pi)) exp(-u^2) sum_n u (2u^2)^n / (2n+1)!!.

    All terms have the sign of u, so there is no cancellation; 50 terms give an absolute
    error below 2e-15 on |u| < 2.
    """
    u2 = u * u
    term = u.copy()
    total = u.copy()
    for n in range(1, 50):
        term *= (2.0 * u2) / (2 * n + 1)
        total += term
    return (2.0 / math.sqrt(math.pi)) * np.exp(-u2) * total


def erfc(u):
    """The complementary error function in float64 (NumPy has none; SciPy is not a dependency).

    |u| < 2: ``1 - erf(u)`` from the positive series; u >= 2: continued fraction;
    u <= -2: ``2 - erfc(-u)``. Matches ``torch.special.erfc`` to ~1e-15 absolute and keeps
    full relative accuracy in the right tail.
    """
    u = np.asarray(u, dtype=np.float64)
    out = np.empty_like(u)
    small = np.abs(u) < 2.0
    out[small] = 1.0 - _erf_series(u[small])
    right = u >= 2.0
    out[right] = _erfc_cf(u[right])
    left = u <= -2.0
    out[left] = 2.0 - _erfc_cf(-u[left])
    return out


def erf(u):
    """The error function in float64: the series for |u| < 2, ``sign(u) (1 - erfc(|u|))`` beyond."""
    u = np.asarray(u, dtype=np.float64)
    out = np.empty_like(u)
    small = np.abs(u) < 2.0
    out[small] = _erf_series(u[small])
    big = ~small
    out[big] = np.sign(u[big]) * (1.0 - _erfc_cf(np.abs(u[big])))
    return out


# ---------------------------------------------------------------------------- base
class Activation:
    """Base class. Subclasses set ``name``, ``needs_input`` and write ``forward``/``backward``."""

    name = "activation"
    needs_input = True

    def forward(self, x, out=None):
        raise NotImplementedError

    def backward(self, dy, x, y):
        raise NotImplementedError

    def __call__(self, x, **kwargs):
        """Keras's function form; keyword arguments configure a one-off copy, as Keras's
        functions take them: ``relu(x, negative_slope=0.1, max_value=6.0)``."""
        if kwargs:
            return type(self)(**{**self.get_config(), **kwargs}).forward(x)
        return self.forward(x)

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __eq__(self, other):
        return (isinstance(other, Activation) and self.name == other.name
                and self.get_config() == other.get_config())

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.get_config().items()))))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@ACTIVATIONS.register()
class Linear(Activation):
    """linear(x) = x;  d/dx = 1."""

    name = "linear"
    needs_input = False

    def forward(self, x, out=None):
        x = _as_float(x)
        return x if out is None else _target(x, out)

    def backward(self, dy, x, y):
        return dy


@ACTIVATIONS.register()
class Sigmoid(Activation):
    """sigma(x) = 1 / (1 + exp(-x));  d/dx = y (1 - y)."""

    name = "sigmoid"
    needs_input = False

    def forward(self, x, out=None):
        return sigmoid_(x, out)

    def backward(self, dy, x, y):
        dy *= y
        dy *= 1.0 - y
        return dy


@ACTIVATIONS.register()
class Tanh(Activation):
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x);  d/dx = 1 - y^2."""

    name = "tanh"
    needs_input = False

    def forward(self, x, out=None):
        return np.tanh(_as_float(x), out=out)

    def backward(self, dy, x, y):
        d = np.square(y)
        np.subtract(1.0, d, out=d)
        dy *= d
        return dy


@ACTIVATIONS.register()
class Relu(Activation):
    """Keras ``relu(x, negative_slope=0.0, max_value=None, threshold=0.0)``.

    y = min(x, max_value)                  for x > threshold
    y = negative_slope * (x - threshold)   for x <= threshold
    d/dx = 1 on threshold < x < max_value, negative_slope below the threshold, 0 at or above
    max_value (PyTorch's convention at the kinks: relu'(0) = 0, relu6'(6) = 0).
    The derivative is read from y (no input kept) unless threshold != 0 or max_value == 0.
    """

    name = "relu"

    def __init__(self, negative_slope=0.0, max_value=None, threshold=0.0):
        where = "relu"
        self.negative_slope = check_float(negative_slope, "negative_slope", where, low=0.0)
        self.max_value = check_float(max_value, "max_value", where, low=0.0, allow_none=True)
        self.threshold = check_float(threshold, "threshold", where)
        self.needs_input = self.threshold != 0.0 or self.max_value == 0.0
        self._plain = self.negative_slope == 0.0 and self.threshold == 0.0

    def forward(self, x, out=None):
        x = _as_float(x)
        if self._plain:
            y = np.maximum(x, 0, out=out)
        else:
            below = x <= self.threshold
            y = _target(x, out)
            np.subtract(y, self.threshold, out=y, where=below)
            np.multiply(y, self.negative_slope, out=y, where=below)
        if self.max_value is not None:
            np.minimum(y, self.max_value, out=y)
        return y

    def backward(self, dy, x, y):
        z = x if self.needs_input else y   # with threshold 0: x > 0 <=> y > 0, x >= max <=> y >= max
        if self._plain:
            np.multiply(dy, z > 0, out=dy)
        else:
            np.multiply(dy, self.negative_slope, out=dy, where=z <= self.threshold)
        if self.max_value is not None:
            np.multiply(dy, z < self.max_value, out=dy)
        return dy

    def get_config(self):
        return {"negative_slope": self.negative_slope, "max_value": self.max_value,
                "threshold": self.threshold}


@ACTIVATIONS.register()
class LeakyRelu(Activation):
    """leaky_relu(x) = x for x > 0, negative_slope * x otherwise (Keras function default 0.2).

    This is the notes' g(z, alpha) = max(0, z) + alpha min(0, z) with alpha = negative_slope.
    d/dx = 1 for x > 0, negative_slope for x <= 0 (PyTorch's choice at 0). Read from y when
    negative_slope >= 0 (then y > 0 <=> x > 0).
    """

    name = "leaky_relu"

    def __init__(self, negative_slope=0.2):
        self.negative_slope = check_float(negative_slope, "negative_slope", self.name)
        self.needs_input = self.negative_slope < 0

    def forward(self, x, out=None):
        x = _as_float(x)
        neg = x <= 0
        y = _target(x, out)
        return np.multiply(y, self.negative_slope, out=y, where=neg)

    def backward(self, dy, x, y):
        z = x if self.needs_input else y
        return np.multiply(dy, self.negative_slope, out=dy, where=z <= 0)

    def get_config(self):
        return {"negative_slope": self.negative_slope}


@ACTIVATIONS.register("absolute_value_rectification")
class Abs(LeakyRelu):
    """Absolute value rectification (notes): g(z) = max(0, z) + alpha min(0, z) with alpha = -1, i.e. |z|.

    d/dz = 1 for z > 0, -1 for z <= 0 (the leaky-relu convention at 0). Needs the input.
    """

    name = "abs"

    def __init__(self):
        super().__init__(negative_slope=-1.0)

    def get_config(self):
        return {}


@ACTIVATIONS.register()
class Elu(Activation):
    """elu(x) = x for x > 0, alpha (exp(x) - 1) otherwise (alpha = 1.0).

    d/dx = 1 for x > 0, alpha exp(x) = y + alpha otherwise (read from y when alpha >= 0).
    """

    name = "elu"

    def __init__(self, alpha=1.0):
        self.alpha = check_float(alpha, "alpha", self.name)
        self.needs_input = self.alpha < 0

    def forward(self, x, out=None):
        x = _as_float(x)
        neg = x <= 0
        y = _target(x, out)
        np.expm1(y, out=y, where=neg)        # exp only where x <= 0: no overflow
        return np.multiply(y, self.alpha, out=y, where=neg)

    def backward(self, dy, x, y):
        if self.needs_input:
            neg = x <= 0
            d = np.exp(np.minimum(x, 0))
            d *= self.alpha
        else:
            neg = y <= 0
            d = y + self.alpha
        return np.multiply(dy, d, out=dy, where=neg)

    def get_config(self):
        return {"alpha": self.alpha}


@ACTIVATIONS.register()
class Selu(Activation):
    """selu(x) = scale * elu(x, alpha), alpha = 1.6732632423543772, scale = 1.0507009873554805.

    d/dx = scale for x > 0, scale alpha exp(x) = y + scale alpha otherwise.
    """

    name = "selu"
    needs_input = False

    def forward(self, x, out=None):
        x = _as_float(x)
        neg = x <= 0
        y = _target(x, out)
        np.expm1(y, out=y, where=neg)
        np.multiply(y, _SELU_ALPHA, out=y, where=neg)
        y *= _SELU_SCALE
        return y

    def backward(self, dy, x, y):
        neg = y <= 0
        np.multiply(dy, y + _SELU_SCALE * _SELU_ALPHA, out=dy, where=neg)
        np.multiply(dy, _SELU_SCALE, out=dy, where=~neg)
        return dy


@ACTIVATIONS.register("silu")
class Swish(Activation):
    """swish(x) = x sigma(beta x) (notes; beta fixed here, learned in ``layers.Swish``). silu = swish with beta = 1.

    d/dx    = s + beta x s (1 - s) = s (1 + beta x (1 - s)),   s = sigma(beta x)
    d/dbeta = x^2 s (1 - s)                                     (see :meth:`beta_gradient`)
    """

    name = "swish"

    def __init__(self, beta=1.0):
        self.beta = check_float(beta, "beta", self.name)

    def forward(self, x, out=None):
        x = _as_float(x)
        s = sigmoid_(x * self.beta)
        return np.multiply(x, s, out=out)

    def backward(self, dy, x, y):
        s = sigmoid_(x * self.beta)
        d = np.subtract(1.0, s)
        d *= x
        d *= self.beta
        d += 1.0
        d *= s
        dy *= d
        return dy

    def beta_gradient(self, dy, x):
        """dL/dbeta = sum(dy * x^2 s (1 - s)) summed over all elements."""
        s = sigmoid_(x * self.beta)
        d = np.subtract(1.0, s)
        d *= s
        d *= x
        d *= x
        return np.vdot(dy, d)

    def get_config(self):
        return {"beta": self.beta}


@ACTIVATIONS.register()
class Mish(Activation):
    """mish(x) = x tanh(softplus(x));  d/dx = t + x (1 - t^2) sigma(x),  t = tanh(softplus(x))."""

    name = "mish"

    def forward(self, x, out=None):
        x = _as_float(x)
        t = np.tanh(softplus_(x))
        return np.multiply(x, t, out=out)

    def backward(self, dy, x, y):
        t = np.tanh(softplus_(x))
        d = np.square(t)
        np.subtract(1.0, d, out=d)
        d *= x
        d *= sigmoid_(x)
        d += t
        dy *= d
        return dy


@ACTIVATIONS.register()
class Gelu(Activation):
    """gelu(x) = x Phi(x), Phi the standard normal CDF (notes; Keras ``approximate=False``).

    exact:  Phi(x) = erfc(-x / sqrt 2) / 2;      d/dx = Phi(x) + x phi(x),  phi(x) = exp(-x^2/2)/sqrt(2 pi)
    tanh (``approximate=True``, name "gelu_tanh"):
            y = x (1 + t) / 2,  t = tanh(sqrt(2/pi) (x + 0.044715 x^3))
            d/dx = (1 + t)/2 + x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2
    The exact form is evaluated in float64 with deepgrad's own :func:`erfc`.
    """

    def __init__(self, approximate=False):
        self.approximate = check_bool(approximate, "approximate", "gelu")
        self.name = "gelu_tanh" if self.approximate else "gelu"

    def _tanh_inner(self, x):
        u = np.square(x)
        u *= _GELU_CUBIC
        u += 1.0
        u *= x
        u *= _SQRT_2_OVER_PI
        return np.tanh(u, out=u)

    def forward(self, x, out=None):
        x = _as_float(x)
        if self.approximate:
            t = self._tanh_inner(x)
            t += 1.0
            t *= 0.5
        else:
            t = (0.5 * erfc(x * (-1.0 / _SQRT2))).astype(x.dtype, copy=False)
        return np.multiply(x, t, out=out)

    def backward(self, dy, x, y):
        if self.approximate:
            t = self._tanh_inner(x)
            d = np.square(t)
            np.subtract(1.0, d, out=d)
            d *= x
            d *= (1.0 + 3.0 * _GELU_CUBIC * np.square(x)) * (0.5 * _SQRT_2_OVER_PI)
            t += 1.0
            t *= 0.5
            d += t
        else:
            x64 = np.asarray(x, dtype=np.float64)
            d = 0.5 * erfc(x64 * (-1.0 / _SQRT2))
            d += x64 * np.exp(-0.5 * x64 * x64) * _INV_SQRT_2PI
        dy *= d
        return dy

    def get_config(self):
        return {"approximate": self.approximate}


@ACTIVATIONS.register()
class GeluTanh(Gelu):
    """``gelu_tanh`` = ``Gelu(approximate=True)`` (PyTorch's ``approximate='tanh'``)."""

    def __init__(self, approximate=True):
        if approximate is not True:
            raise ValueError(f"gelu_tanh: `approximate` must be True, got {approximate!r}.")
        super().__init__(approximate=True)


@ACTIVATIONS.register()
class Softplus(Activation):
    """softplus(x) = log(1 + exp(x));  d/dx = sigma(x) = 1 - exp(-y) (read from y, via expm1)."""

    name = "softplus"
    needs_input = False

    def forward(self, x, out=None):
        return softplus_(x, out)

    def backward(self, dy, x, y):
        d = np.negative(y)
        np.expm1(d, out=d)
        np.negative(d, out=d)
        dy *= d
        return dy


@ACTIVATIONS.register()
class Softsign(Activation):
    """softsign(x) = x / (1 + |x|);  d/dx = 1 / (1 + |x|)^2 = (1 - |y|)^2."""

    name = "softsign"
    needs_input = False

    def forward(self, x, out=None):
        x = _as_float(x)
        d = np.abs(x)
        d += 1.0
        return np.divide(x, d, out=out)

    def backward(self, dy, x, y):
        d = np.abs(y)
        np.subtract(1.0, d, out=d)
        np.square(d, out=d)
        dy *= d
        return dy


@ACTIVATIONS.register()
class HardSigmoid(Activation):
    """Keras 3 hard_sigmoid(x) = relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1) (Keras 2 used 0.2x + 0.5).

    d/dx = 1/6 on -3 < x < 3 (i.e. 0 < y < 1), 0 elsewhere.
    """

    name = "hard_sigmoid"
    needs_input = False

    def forward(self, x, out=None):
        x = _as_float(x)
        y = np.add(x, 3.0, out=out)
        np.clip(y, 0.0, 6.0, out=y)
        y /= 6.0
        return y

    def backward(self, dy, x, y):
        inside = (y > 0) & (y < 1)
        np.multiply(dy, inside, out=dy)
        dy /= 6.0
        return dy


@ACTIVATIONS.register()
class Exponential(Activation):
    """exponential(x) = exp(x);  d/dx = y. Overflows to inf (silently) for x > ~88 (float32) / ~709 (float64)."""

    name = "exponential"
    needs_input = False

    def forward(self, x, out=None):
        with np.errstate(over="ignore"):
            return np.exp(_as_float(x), out=out)

    def backward(self, dy, x, y):
        dy *= y
        return dy


@ACTIVATIONS.register()
class Softmax(Activation):
    """softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x) along ``axis`` (default -1).

    Jacobian-vector product: dx = y * (dy - sum(dy * y, axis)).
    """

    name = "softmax"
    needs_input = False

    def __init__(self, axis=-1):
        self.axis = _check_axes(axis, self.name)

    def forward(self, x, out=None):
        x = _as_float(x)
        y = np.subtract(x, x.max(axis=self.axis, keepdims=True), out=out)
        np.exp(y, out=y)
        y /= y.sum(axis=self.axis, keepdims=True)
        return y

    def backward(self, dy, x, y):
        if dy.ndim == 2 and self.axis in (-1, 1):
            s = np.einsum("ij,ij->i", dy, y)[:, None]
        else:
            s = np.sum(dy * y, axis=self.axis, keepdims=True)
        dy -= s
        dy *= y
        return dy

    def get_config(self):
        return {"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}


def _check_axes(axis, where):
    """An int, or a tuple/list of ints (kept as a tuple): softmax over several axes (Keras)."""
    if isinstance(axis, (tuple, list)):
        if not axis:
            raise ValueError(f"{where}: `axis` must be an int or a non-empty tuple of ints, got {axis!r}.")
        return tuple(check_int(a, "axis", where) for a in axis)
    return check_int(axis, "axis", where)


class CallableActivation(Activation):
    """A plain Python callable used as an activation: forward works, backward cannot."""

    def __init__(self, fn):
        self.fn = fn
        self.name = getattr(fn, "__name__", type(fn).__name__)

    def forward(self, x, out=None):
        y = np.asarray(self.fn(_as_float(x)))
        if out is None:
            return y
        np.copyto(out, y)
        return out

    def backward(self, dy, x, y):
        raise TypeError(
            f"Activation {self.name!r} is a plain callable without an analytic derivative, so "
            "deepgrad cannot backpropagate through it. Use a registered name "
            f"({', '.join(ACTIVATIONS.names())}) or subclass deepgrad.activations.Activation "
            "and write forward() and backward()."
        )

    def __eq__(self, other):
        return isinstance(other, CallableActivation) and other.fn is self.fn

    def __hash__(self):
        return hash(self.fn)


# ---------------------------------------------------------------------------- resolution
def get(identifier, argname: str = "activation") -> Activation:
    """Resolve ``identifier`` to an :class:`Activation`.

    ``None`` -> linear; a name (``"relu"``, ``"gelu_tanh"``, ``"silu"``, ...) -> that activation
    with Keras's defaults; ``{"class_name": ..., "config": {...}}`` -> built from config; an
    ``Activation`` -> itself; an ``Activation`` subclass -> an instance; any other callable ->
    wrapped (forward only). Unknown names raise ValueError listing the valid ones.
    """
    if identifier is None:
        return Linear()
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Activation):
        return identifier()
    if isinstance(identifier, (str, dict)):
        return ACTIVATIONS.get(identifier, argname)
    if callable(identifier):
        return CallableActivation(identifier)
    raise TypeError(
        f"`{argname}` must be an activation name, config dict, Activation or callable, "
        f"got {type(identifier).__name__} {identifier!r}."
    )


def serialize(activation):
    """The registry name when it reproduces ``activation`` exactly, else ``{"class_name", "config"}``."""
    act = get(activation)
    if isinstance(act, CallableActivation):
        raise ValueError(f"Cannot serialize the plain callable activation {act.name!r}.")
    try:
        if get(act.name) == act:
            return act.name
    except ValueError:
        pass
    return {"class_name": type(act).__name__, "config": act.get_config()}


# Keras-style module attributes: ``deepgrad.activations.relu(x)`` works on arrays.
linear = Linear()
sigmoid = Sigmoid()
tanh = Tanh()
relu = Relu()
leaky_relu = LeakyRelu()
elu = Elu()
selu = Selu()
swish = Swish()
silu = swish
mish = Mish()
gelu = Gelu()
softplus = Softplus()
softsign = Softsign()
hard_sigmoid = HardSigmoid()
exponential = Exponential()
softmax = Softmax()


# ---------------------------------------------------------------------------- Keras 3 additions
@ACTIVATIONS.register()
class Relu6(Relu):
    """relu6(x) = min(max(x, 0), 6);  d/dx = 1 on 0 < x < 6, else 0."""

    name = "relu6"

    def __init__(self):
        super().__init__(max_value=6.0)

    def get_config(self):
        return {}


@ACTIVATIONS.register()
class Celu(Activation):
    """celu(x) = x for x >= 0, alpha (exp(x / alpha) - 1) otherwise (alpha = 1.0, > 0).

    d/dx = 1 for x >= 0, exp(x / alpha) = y / alpha + 1 otherwise (read from y).
    """

    name = "celu"
    needs_input = False

    def __init__(self, alpha=1.0):
        self.alpha = check_float(alpha, "alpha", self.name, low=0.0, low_inclusive=False)

    def forward(self, x, out=None):
        x = _as_float(x)
        neg = x < 0
        y = _target(x, out)
        np.divide(y, self.alpha, out=y, where=neg)
        np.expm1(y, out=y, where=neg)        # exp only where x < 0: no overflow
        return np.multiply(y, self.alpha, out=y, where=neg)

    def backward(self, dy, x, y):
        neg = y < 0
        return np.multiply(dy, y / self.alpha + 1.0, out=dy, where=neg)

    def get_config(self):
        return {"alpha": self.alpha}


@ACTIVATIONS.register("hard_swish")
class HardSilu(Activation):
    """hard_silu(x) = x hard_sigmoid(x) = x relu6(x + 3) / 6 (alias hard_swish).

    d/dx = hard_sigmoid(x) + x / 6 on -3 < x < 3: 0 for x <= -3, 1 for x >= 3, (2x + 3) / 6 between.
    """

    name = "hard_silu"

    def forward(self, x, out=None):
        x = _as_float(x)
        h = np.clip(x / 6.0 + 0.5, 0.0, 1.0)
        return np.multiply(x, h, out=out)

    def backward(self, dy, x, y):
        d = np.where(x <= -3.0, 0.0, np.where(x >= 3.0, 1.0, (2.0 * x + 3.0) / 6.0))
        dy *= d
        return dy


@ACTIVATIONS.register()
class LogSigmoid(Activation):
    """log_sigmoid(x) = log(1 / (1 + exp(-x))) = -softplus(-x) (no overflow);  d/dx = sigma(-x)."""

    name = "log_sigmoid"

    def forward(self, x, out=None):
        y = softplus_(np.negative(_as_float(x)), out)
        return np.negative(y, out=y)

    def backward(self, dy, x, y):
        dy *= sigmoid_(np.negative(x))
        return dy


@ACTIVATIONS.register()
class LogSoftmax(Activation):
    """log_softmax(x) = x - log(sum exp(x)) along ``axis`` (default -1; a tuple of axes allowed),
    evaluated as (x - max) - log(sum exp(x - max)).

    Jacobian-vector product: dx = dy - softmax(x) * sum(dy, axis), softmax(x) = exp(y).
    """

    name = "log_softmax"
    needs_input = False

    def __init__(self, axis=-1):
        self.axis = _check_axes(axis, self.name)

    def forward(self, x, out=None):
        x = _as_float(x)
        y = np.subtract(x, x.max(axis=self.axis, keepdims=True), out=out)
        y -= np.log(np.exp(y).sum(axis=self.axis, keepdims=True))
        return y

    def backward(self, dy, x, y):
        s = np.sum(dy, axis=self.axis, keepdims=True)
        dy -= np.exp(y) * s
        return dy

    def get_config(self):
        return {"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}


@ACTIVATIONS.register()
class Glu(Activation):
    """glu(x, axis=-1): split x in halves a, b along ``axis``; glu = a * sigma(b). The output has
    half of x's size along ``axis`` (so it is a function, not an activation for Dense).

    Backward: da = dy sigma(b),  db = dy a sigma(b) (1 - sigma(b)).
    """

    name = "glu"
    changes_shape = True

    def __init__(self, axis=-1):
        self.axis = check_int(axis, "axis", self.name)

    def _halves(self, x):
        if x.shape[self.axis] % 2:
            raise ValueError(f"glu: the size of `axis` {self.axis} must be even, got shape {x.shape}.")
        return np.split(x, 2, axis=self.axis)

    def forward(self, x, out=None):
        a, b = self._halves(_as_float(x))
        return np.multiply(a, sigmoid_(b), out=out)

    def backward(self, dy, x, y):
        a, b = self._halves(x)
        s = sigmoid_(b)
        return np.concatenate([dy * s, dy * a * s * (1.0 - s)], axis=self.axis)

    def get_config(self):
        return {"axis": self.axis}


relu6 = Relu6()
celu = Celu()
hard_silu = hard_swish = HardSilu()
log_sigmoid = LogSigmoid()
log_softmax = LogSoftmax()
glu = Glu()
