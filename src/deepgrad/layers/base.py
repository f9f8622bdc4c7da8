"""The Layer contract: each layer owns its math.

``forward(x, training)`` computes the output and caches what ``backward`` needs;
``backward(grad)`` receives dL/d(output), writes dL/d(parameter) into each weight's ``grad``
array **in place** (``out=`` or ``grad[...] = ...``: the arrays may be views into one model-wide
buffer) and returns dL/d(input). ``backward`` may overwrite ``grad`` (the model passes arrays it
owns), and returns None when ``compute_input_grad`` is False (the model sets that on its first
trainable layer during training: nothing needs dL/dx there, and skipping it saves a matmul).

In training mode a layer may write its output into a buffer it reuses on the next call
(``Layer._buffer``): the output is valid until the layer's next ``forward``. In inference mode
it does so only while ``reuse_buffers`` is True, which the model sets during its ``predict``
and ``evaluate`` loops (they consume each output before the next batch); otherwise inference
returns fresh arrays. Weights are :class:`Weight` objects created by
:meth:`Layer.add_weight` in Keras's order (the order of ``get_weights()``).

Regularization penalties are not the layer's business at backward time: the model adds
``regularizer.grad(w)`` to each weight's gradient after the backward pass (one place).
"""

from __future__ import annotations

import inspect
import itertools
from collections import defaultdict

import numpy as np

from .. import config
from .._validation import check_int
from ..registry import Registry, snake_case

LAYERS = Registry("layer")

_NAME_COUNTERS: dict[str, itertools.count] = defaultdict(itertools.count)


def unique_name(base: str) -> str:
    """Keras naming: ``dense``, ``dense_1``, ``dense_2`` ... per base name, per process."""
    n = next(_NAME_COUNTERS[base])
    return base if n == 0 else f"{base}_{n}"



def _float_dtype(dtype, where):
    """The name of the float type ``dtype`` (default ``config.floatx()``); anything else is refused here, at
    construction, instead of when the first weight is made (issue 13 item 15: a loaded config with
    ``"dtype": "object"``)."""
    if dtype is None:
        return config.floatx()
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or not np.issubdtype(resolved, np.floating):
        raise TypeError(f"{where}: `dtype` must be a float type such as 'float32', got {dtype!r}.")
    return resolved.name

class Weight:
    """A parameter (or state) array with its gradient and metadata.

    ``value`` and ``grad`` are plain arrays. A model may replace them with views into its
    contiguous buffers; layers must therefore always reach them through the Weight and write
    gradients in place.
    """

    __slots__ = ("name", "value", "grad", "trainable", "regularizer", "constraint", "path")

    def __init__(self, name, value, trainable=True, regularizer=None, constraint=None, path=None):
        self.name = name
        #: Keras 3's variable path, ``"<layer name>/<weight name>"`` (e.g. ``"dense/kernel"``)
        self.path = path if path is not None else name
        self.value = value
        self.grad = np.zeros_like(value) if trainable else None
        self.trainable = trainable
        self.regularizer = regularizer
        #: applied as ``value[...] = constraint(value)`` after each optimizer step (Keras)
        self.constraint = constraint

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    def numpy(self) -> np.ndarray:
        """A copy of the value (Keras's ``variable.numpy()``)."""
        return self.value.copy()

    def __array__(self, dtype=None, copy=None):
        return np.array(self.value, dtype=dtype, copy=True if copy is None else copy)

    def assign(self, value):
        """Write ``value`` in place (the model's storage sees it); its shape must match."""
        arr = np.asarray(value, dtype=self.value.dtype)
        if arr.shape != self.value.shape:
            raise ValueError(f"Weight '{self.path}'.assign: `value` must have shape {self.value.shape}, "
                             f"got {arr.shape}.")
        self.value[...] = arr
        return self

    def __repr__(self):
        return f"<Weight {self.name} shape={self.value.shape} dtype={self.value.dtype} trainable={self.trainable}>"


class Layer:
    """Base class of all layers.

    Args:
        name: the layer's name (default: snake_case class name with a counter, as Keras).
        trainable: whether the optimizer updates this layer's weights.
        dtype: float type of the weights (default ``deepgrad.config.floatx()``).
        input_shape: shape of one sample (no batch axis), accepted on any layer as in Keras;
            a ``Sequential`` starting with such a layer is built at once.
        input_dim: Keras 2 spelling of ``input_shape=(input_dim,)``.
        batch_input_shape: Keras 2 spelling of ``input_shape`` with the batch size first,
            e.g. ``(32, 200, 2)``; ``batch_size``: the batch size alone (int >= 1). Either
            makes the batch size static: :meth:`build` then puts it first in ``input_shape``,
            and it flows to the following layers' shapes (what a ``stateful`` recurrent layer
            needs, as Keras).
    """

    #: False: ``backward`` may skip dL/d(input) and return None (set by the model, see module doc).
    compute_input_grad = True
    #: True: inference outputs may go into reused buffers too (set by the model, see module doc).
    reuse_buffers = False

    def __init_subclass__(cls, abstract=False, **kwargs):
        """Register the subclass in ``LAYERS`` (what configs and saved models can name), unless
        it is declared ``class X(Layer, abstract=True)`` or its name starts with ``_``."""
        super().__init_subclass__(**kwargs)
        if not abstract and not cls.__name__.startswith("_"):
            LAYERS.register()(cls)
        if "call" in cls.__dict__ and "forward" not in cls.__dict__:
            _route_forward_through_call(cls)

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None,
                 batch_input_shape=None, batch_size=None, **kwargs):
        where = type(self).__name__
        if getattr(type(self), "_forward_before_call", None) is Layer.forward and type(self).backward is Layer.backward:
            raise TypeError(
                f"{where} defines `call` but deepgrad has no automatic differentiation: a Layer "
                f"subclass computes in `forward(self, x, training=False)` (caching what the gradient "
                f"needs) and defines `backward(self, grad)` returning dL/d(input) (and filling each "
                f"weight's `grad`); or subclass a built-in layer and return `super().call(...)` "
                f"from `call` (e.g. the MC-dropout pattern).")
        if kwargs:
            raise TypeError(f"{where}: unexpected keyword argument(s) {sorted(kwargs)}.")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{where}: `name` must be a str, got {type(name).__name__}.")
        batch_size = check_int(batch_size, "batch_size", where, minimum=1, allow_none=True)
        if batch_input_shape is not None:
            batch_input_shape = _as_shape(batch_input_shape, "batch_input_shape", where)
            if len(batch_input_shape) < 2:
                raise ValueError(f"{where}: `batch_input_shape` must be (batch, *sample_shape), "
                                 f"got {batch_input_shape!r}.")
            first = batch_input_shape[0]
            if batch_size is not None and first is not None and first != batch_size:
                raise ValueError(f"{where}: `batch_size`={batch_size} contradicts "
                                 f"`batch_input_shape`={batch_input_shape}.")
            batch_size = batch_size if first is None else first
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        self.dtype = _float_dtype(dtype, where)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None and input_shape is None:
            input_shape = batch_input_shape[1:]
        if input_shape is not None:
            input_shape = _as_shape(input_shape, "input_shape", where)
        self._input_shape_arg = input_shape
        self._batch_size_arg = batch_size
        self._weights: list[Weight] = []
        self._buffers: dict = {}
        self.built = False
        self.input_shape = None   # (None, *sample_shape) once built
        self.output_shape = None

    # ---------------------------------------------------------------- building
    def add_weight(self, name, shape, initializer="zeros", regularizer=None, trainable=True,
                   constraint=None) -> Weight:
        """Create a weight of ``shape`` filled by ``initializer`` and register it (Keras order).

        ``constraint`` (see :mod:`deepgrad.constraints`) is applied after each optimizer step."""
        from .. import constraints, initializers, regularizers  # resolved lazily: no import cycle

        init = initializers.get(initializer)
        value = np.ascontiguousarray(init(tuple(shape), dtype=self.dtype))
        w = Weight(name, value, trainable=trainable, regularizer=regularizers.get(regularizer),
                   constraint=constraints.get(constraint), path=f"{self.name}/{name}")
        self._weights.append(w)
        return w

    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (batch axis first, may be None;
        the layer's own static batch size, if it was given one, replaces a None)."""
        self.input_shape = self._static_batch_shape(input_shape)
        self.output_shape = tuple(self.compute_output_shape(self.input_shape))
        self.built = True

    def _static_batch_shape(self, input_shape):
        """``input_shape`` with this layer's ``batch_size``/``batch_input_shape`` batch size
        first, if it has one (a different static batch size there raises)."""
        shape = tuple(input_shape)
        own = self._batch_size_arg
        if own is None or not shape:
            return shape
        if shape[0] is not None and shape[0] != own:
            raise ValueError(f"{type(self).__name__} '{self.name}': was given batch size {own} "
                             f"(`batch_size`/`batch_input_shape`) but is fed inputs of shape "
                             f"{shape}.")
        return (own,) + shape[1:]

    @property
    def fixed_batch_size(self):
        """The batch size every call must have, or None (any). Only a ``stateful`` recurrent
        layer built for a static batch size has one (its states are (batch, units) arrays)."""
        return None

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape`` (batch axis included). Default: unchanged."""
        return tuple(input_shape)

    # ---------------------------------------------------------------- masks (Keras 3)
    #: True: the layer keeps the time axis and passes an incoming mask on unchanged.
    supports_masking = False
    #: True: ``forward`` takes ``mask=`` (recurrent layers, Bidirectional); the model passes the
    #: mask of the previous layer's output to such a layer (Sequential.forward).
    accepts_mask = False

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output (boolean (batch, timesteps) array) or None.

        Default (Keras): a layer with ``supports_masking`` passes ``mask`` through unchanged;
        any other layer returns None (the mask stops here). Layers that make a mask
        (Embedding with ``mask_zero``, Masking) or change the time axis override this."""
        return mask if self.supports_masking else None

    def _buffer(self, key, shape, dtype):
        """A work array reused across training steps (reallocated when the shape changes)."""
        buf = self._buffers.get(key)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._buffers[key] = np.empty(shape, dtype=dtype)
        return buf

    def _maybe_build(self, x):
        if not self.built:
            self.build((None,) + tuple(x.shape[1:]))

    # ---------------------------------------------------------------- math
    def forward(self, x, training=False):
        """Compute the output for ``x``; cache what :meth:`backward` needs when ``training``."""
        raise NotImplementedError

    def backward(self, grad):
        """Given dL/d(output), fill each trainable weight's ``grad`` and return dL/d(input)."""
        raise NotImplementedError

    def call(self, inputs, training=None, **kwargs):
        """Keras's name for the computation: this layer's own ``forward`` (``training=None``
        is inference, as Keras outside ``fit``).

        A subclass may override ``call`` as in Keras; its ``forward`` then runs that ``call``
        (so ``fit``, ``predict`` and the models use it). deepgrad differentiates by hand, so a
        subclass's ``call`` without a ``backward`` of the subclass must return what the parent's
        ``call`` returned: the MC-dropout pattern ``return super().call(inputs, training=True)``,
        whose gradient is then the parent's ``backward``. Any other result raises TypeError
        when it runs (it would train with a wrong gradient), and a direct ``Layer`` subclass
        with ``call`` but neither ``forward`` nor ``backward`` is refused at construction."""
        forward = getattr(type(self), "_forward_before_call", None) or type(self).forward
        out = forward(self, inputs, training=bool(training), **kwargs)
        self._parent_call_output = out
        return out

    def _symbolic_call(self, x):
        """The functional API: on ``keras.Input(...)`` or a symbolic tensor, return the symbolic
        output (see models/functional.py); None for real arrays."""
        if isinstance(x, (Layer, list, tuple)) or hasattr(x, "input_layer"):
            from ..models import functional
            functional.check_layer_argument(self, x)
            if functional.is_symbolic(x):
                return functional.call_symbolic(self, x)
        return None

    def __call__(self, x, training=False):
        if (symbolic := self._symbolic_call(x)) is not None:
            return symbolic
        x = config.asarray(x, dtype=self.dtype)
        self._maybe_build(x)
        return self.forward(x, training=training)

    # ---------------------------------------------------------------- weights
    @property
    def weights(self) -> list[Weight]:
        return list(self._weights)

    @property
    def trainable_weights(self) -> list[Weight]:
        return [w for w in self._weights if w.trainable and self.trainable]

    @property
    def variables(self) -> list[Weight]:
        """Keras 3's name for ``weights``: objects with ``.numpy()``, ``.assign()``, ``.path``."""
        return self.weights

    @property
    def trainable_variables(self) -> list[Weight]:
        return self.trainable_weights

    @property
    def non_trainable_weights(self) -> list[Weight]:
        return [w for w in self._weights if not (w.trainable and self.trainable)]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weight arrays, in Keras order."""
        return [w.value.copy() for w in self._weights]

    def set_weights(self, weights) -> None:
        """Set the weights from a list of arrays (Keras order), checking count and shapes first."""
        where = f"{type(self).__name__} '{self.name}'.set_weights"
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"{where}: `weights` must be a list of arrays, got {type(weights).__name__}.")
        if len(weights) != len(self._weights):
            raise ValueError(
                f"{where}: `weights` must hold {len(self._weights)} arrays "
                f"({', '.join(w.name for w in self._weights) or 'none'}), got {len(weights)}."
            )
        arrays = []
        for w, a in zip(self._weights, weights):
            a = np.asarray(a)
            if a.shape != w.value.shape:
                raise ValueError(
                    f"{where}: weight '{w.name}' must have shape {w.value.shape}, got {a.shape}."
                )
            if not np.issubdtype(a.dtype, np.number) or not np.all(np.isfinite(a)):
                raise ValueError(f"{where}: weight '{w.name}' must hold finite numbers.")
            arrays.append(a)
        for w, a in zip(self._weights, arrays):
            w.value[...] = a

    def count_params(self) -> int:
        """Number of scalars in all weights (trainable and not)."""
        return int(sum(w.value.size for w in self._weights))

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict:
        """JSON-serializable constructor arguments (Keras's ``get_config``)."""
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._input_shape_arg is not None:
            cfg["input_shape"] = list(self._input_shape_arg)
        if self._batch_size_arg is not None:
            cfg["batch_size"] = self._batch_size_arg
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _route_forward_through_call(cls):
    """Make ``cls.forward`` run ``cls.call`` (a Keras-style subclass; see :meth:`Layer.call`)."""
    inherited = cls.forward
    cls._forward_before_call = getattr(inherited, "forward_before_call", inherited)
    needs_parent = "backward" not in cls.__dict__
    params = inspect.signature(cls.call).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())

    def forward(self, x, training=False, **kwargs):
        # as Keras, `training` (and `mask`) go to `call` only when its signature takes them
        kwargs = {k: v for k, v in dict(kwargs, training=training).items() if takes_any or k in params}
        self._parent_call_output = None
        out = self.call(x, **kwargs)
        if needs_parent and out is not self._parent_call_output:
            raise TypeError(
                f"{cls.__name__}.call returned something other than the parent layer's `call`: "
                f"deepgrad has no automatic differentiation, so the parent's backward would give a "
                f"wrong gradient. Return `super().call(inputs, training=...)` from `call`, or define "
                f"`backward(self, grad)` for what `call` computes.")
        return out

    forward.forward_before_call = cls._forward_before_call
    forward.__doc__ = f"Runs ``{cls.__name__}.call`` (Keras-style subclass; see Layer.call)."
    cls.forward = forward


def check_batch_split(layers, n, batch_size, where, argname="batch_size"):
    """Refuse, before any step, to feed ``n`` samples in batches of ``batch_size`` (the last one
    ``n % batch_size`` if not 0) to ``layers`` when one of them has a
    :attr:`Layer.fixed_batch_size` that some batch would not have (a stateful recurrent layer
    built for a static batch size, as Keras). Raises ValueError naming ``argname``."""
    sizes = ({batch_size} if n >= batch_size else set()) | ({n % batch_size} - {0})
    for layer in layers:
        fixed = layer.fixed_batch_size
        bad = sorted(s for s in sizes if s != fixed)
        if fixed is not None and bad:
            raise ValueError(
                f"{where}: layer '{layer.name}' is stateful with a static batch size of {fixed} "
                f"(its states are kept per sample position), but {n} samples in batches of "
                f"`{argname}`={batch_size} give a batch of {bad[0]}. Use `{argname}`={fixed} "
                f"and a number of samples that is a multiple of {fixed}.")


def _as_shape(shape, argname, where):
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{where}: `{argname}` must be a tuple of ints, got {shape!r}.") from None
    for d in shape:
        if d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1):
            raise ValueError(f"{where}: `{argname}` must be a tuple of positive ints, got {shape!r}.")
    return tuple(None if d is None else int(d) for d in shape)
