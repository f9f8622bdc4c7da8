"""The elementwise activations, each with its derivative written beside it (Keras 3's
defaults)."""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_bool, check_float
from ._erf import erfc
from .base import ACTIVATIONS, Activation, _as_float, _target, sigmoid_, softplus_

_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


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
