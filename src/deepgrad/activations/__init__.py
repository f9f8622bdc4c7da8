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

# The classes and helpers live in base.py, elementwise.py and along_axis.py; all are
# importable from here as before (``deepgrad.activations.Relu``, ``activations.sigmoid_``).
from ._erf import erf, erfc  # noqa: F401
from .along_axis import Glu, LogSoftmax, Softmax  # noqa: F401
from .base import (  # noqa: F401
    ACTIVATIONS,
    Activation,
    CallableActivation,
    _as_float,
    _target,
    sigmoid_,
    softplus_,
)
from .elementwise import (  # noqa: F401
    Abs,
    Celu,
    Elu,
    Exponential,
    Gelu,
    GeluTanh,
    HardSigmoid,
    HardSilu,
    LeakyRelu,
    Linear,
    LogSigmoid,
    Mish,
    Relu,
    Relu6,
    Selu,
    Sigmoid,
    Softplus,
    Softsign,
    Swish,
    Tanh,
)


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
relu6 = Relu6()
celu = Celu()
hard_silu = hard_swish = HardSilu()
log_sigmoid = LogSigmoid()
log_softmax = LogSoftmax()
glu = Glu()
