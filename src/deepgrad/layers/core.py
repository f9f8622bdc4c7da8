"""Core layers: Input, Dense, Dropout, Flatten, Reshape.

Shapes follow Keras: the batch axis comes first and is ``None`` in ``input_shape``/
``output_shape``; ``Dense`` acts on the last axis of N-D input.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import activations, config
from .._validation import check_bool, check_float, check_int
from .base import Layer, _as_shape


class InputLayer(Layer):
    """The input placeholder of a Sequential model: identity, no weights.

    ``Input(shape=(784,))`` (Keras 3 spelling) declares the shape of one sample;
    ``Input(shape, batch_size=32)`` also fixes the batch size (int >= 1, default None: any),
    which then comes first in every layer's ``input_shape`` (a ``stateful`` recurrent layer
    needs it).
    """

    def __init__(self, shape=None, batch_size=None, name=None, **kwargs):
        if shape is None and "input_shape" not in kwargs:
            raise ValueError("Input: `shape` is required (shape of one sample, e.g. (784,)), got None.")
        shape = _as_shape(shape if shape is not None else kwargs.pop("input_shape"), "shape", "Input")
        super().__init__(name=name, input_shape=shape, batch_size=batch_size, **kwargs)
        self.shape = shape
        self.batch_size = self._batch_size_arg

    def forward(self, x, training=False):
        return x

    def backward(self, grad):
        return grad

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("input_shape", None)
        cfg["shape"] = list(self.shape)
        return cfg


def Input(shape=None, batch_size=None, name=None, dtype=None):
    """Keras's ``Input(shape, batch_size)``: returns an :class:`InputLayer` to put first in a
    ``Sequential``."""
    return InputLayer(shape=shape, batch_size=batch_size, name=name, dtype=dtype)


class Dense(Layer):
    """Fully connected layer: ``y = activation(x @ kernel + bias)`` on the last axis of ``x``.

    Args:
        units: output size (int >= 1).
        activation: name, Activation or None (linear).
        use_bias: add ``bias`` (default True).
        kernel_initializer: default ``"glorot_uniform"``, U(±sqrt(6 / (fan_in + fan_out))).
        bias_initializer: default ``"zeros"`` (the notes' tip for ReLU units is
            ``initializers.Constant(0.1)``).
        kernel_regularizer, bias_regularizer: e.g. ``regularizers.L2(1e-4)`` (weight decay).
        kernel_constraint, bias_constraint: e.g. ``constraints.MaxNorm(3)``, applied after each
            optimizer step (see :mod:`deepgrad.constraints`).

    Weights (Keras order): ``kernel`` (input_dim, units), ``bias`` (units,).
    Shapes: input (batch, ..., input_dim) -> output (batch, ..., units).

    Backward, with z = x @ K + b and dz = dL/dz = activation'(z) * dL/dy:
        dK = x^T @ dz,  db = sum over rows of dz,  dx = dz @ K^T.
    """

    supports_masking = True  # on (batch, timesteps, features) input a mask passes through (Keras)

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units < 1:
            raise ValueError(f"Dense: `units` must be a positive int, got {type(units).__name__} "
                             f"{units!r}.")  # a ValueError for any bad value, as Keras 3
        self.units = int(units)
        self.use_bias = check_bool(use_bias, "use_bias", "Dense")
        self.activation = activations.get(activation, "activation")
        if getattr(self.activation, "changes_shape", False):
            raise ValueError(f"Dense: `activation` {self.activation.name!r} changes the output's "
                             f"size, which Dense does not support; apply it as a function.")
        from .. import constraints, initializers, regularizers  # validate before any state exists

        self.kernel_initializer = initializers.get(kernel_initializer, "kernel_initializer")
        self.bias_initializer = initializers.get(bias_initializer, "bias_initializer")
        self.kernel_regularizer = regularizers.get(kernel_regularizer, "kernel_regularizer")
        self.bias_regularizer = regularizers.get(bias_regularizer, "bias_regularizer")
        self.kernel_constraint = constraints.get(kernel_constraint, "kernel_constraint")
        self.bias_constraint = constraints.get(bias_constraint, "bias_constraint")
        super().__init__(**kwargs)
        #: When the model fuses this layer's activation into the loss (softmax + cross-entropy),
        #: forward returns the logits z and backward receives dL/dz directly.
        self.emit_logits = False
        self._x = self._z = self._y = None

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(f"Dense '{self.name}': input must have a defined last axis, got shape {input_shape}.")
        in_dim = input_shape[-1]
        self.kernel = self.add_weight("kernel", (in_dim, self.units), self.kernel_initializer,
                                      self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = (self.add_weight("bias", (self.units,), self.bias_initializer, self.bias_regularizer,
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, training=False):
        if x.shape[-1] != self.kernel.value.shape[0]:
            raise ValueError(
                f"Dense '{self.name}': input last axis must be {self.kernel.value.shape[0]}, got shape {x.shape}."
            )
        lead = x.shape[:-1]
        x2 = x.reshape(-1, x.shape[-1])
        kernel = self.kernel.value
        reuse = training or self.reuse_buffers
        out = self._buffer("z", (x2.shape[0], self.units), kernel.dtype) if reuse else None
        z = np.matmul(x2, kernel, out=out)
        if self.bias is not None:
            z += self.bias.value
        act = self.activation
        if self.emit_logits or act.name == "linear":
            y = z
        elif act.needs_input:
            y = act.forward(z)
        else:
            y = act.forward(z, out=z)  # in place: the derivative only needs y
        if training:
            self._x, self._z, self._y = x2, (z if act.needs_input else None), y
        return y.reshape(lead + (self.units,))

    def backward(self, grad):
        dz = grad.reshape(-1, self.units)
        act = self.activation
        if not (self.emit_logits or act.name == "linear"):
            dz = act.backward(dz, self._z, self._y)
        if self.trainable:
            np.matmul(self._x.T, dz, out=self.kernel.grad)
            if self.bias is not None:
                np.sum(dz, axis=0, out=self.bias.grad)
        x_shape = self._x.shape
        self._x = self._z = self._y = None
        if not self.compute_input_grad:
            return None
        kernel = self.kernel.value
        dx = np.matmul(dz, kernel.T, out=self._buffer("dx", x_shape, kernel.dtype))
        return dx.reshape(grad.shape[:-1] + (x_shape[-1],))

    def get_config(self):
        from .. import constraints, initializers, regularizers

        cfg = super().get_config()
        cfg.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            kernel_constraint=constraints.serialize(self.kernel_constraint),
            bias_constraint=constraints.serialize(self.bias_constraint),
        )
        return cfg


class Dropout(Layer):
    """Inverted dropout: in training, ``y = x * mask / (1 - rate)`` with ``mask ~ Bernoulli(1 - rate)``
    (drawn from 32 random bits per unit);
    at inference ``y = x`` (no scaling: the training-time scaling already keeps E[y] = x).

    Args:
        rate: fraction of units dropped, in [0, 1).
        noise_shape: optional shape of the mask (a tuple or list of ints >= 1 or None, one
            entry per input axis, batch first), broadcast against the input as Keras: None
            entries take the input's size, the others must be 1 (shared mask) or the
            input's size; checked at build time and at each call.
        seed: optional int; the mask stream then comes from its own generator instead of
            the global one (``deepgrad.config.rng()``).

    Backward: ``dx = dy * mask / (1 - rate)`` with the same mask.
    """

    supports_masking = True  # a (batch, timesteps) mask passes through (Keras)

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        self.rate = check_float(rate, "rate", "Dropout", low=0.0, high=1.0, high_inclusive=False)
        self.noise_shape = _noise_shape(noise_shape)
        self.seed = check_int(seed, "seed", "Dropout", minimum=0, allow_none=True)
        super().__init__(**kwargs)
        self._rng = None if seed is None else np.random.Generator(np.random.PCG64(seed))
        self._threshold = np.uint32(min(round(self.rate * 2.0 ** 32), 2 ** 32 - 1))
        self._mask = None

    @property
    def generator(self):
        """The generator drawing this layer's masks (its own when ``seed`` was given)."""
        return self._rng if self._rng is not None else config.rng()

    def _mask_shape(self, shape):
        """The mask's shape for inputs of ``shape`` (None sizes, as in a build shape, pass)."""
        if self.noise_shape is None:
            return shape
        ns = self.noise_shape
        if len(ns) != len(shape) or any(n is not None and s is not None and n not in (1, s)
                                        for n, s in zip(ns, shape)):
            raise ValueError(
                f"Dropout '{self.name}': `noise_shape` {list(ns)} cannot broadcast against the "
                f"input shape {tuple(shape)}: it needs one entry per input axis, each None, 1 "
                f"or the input's size.")
        return tuple(s if n is None else n for s, n in zip(shape, ns))

    def build(self, input_shape):
        self._mask_shape(tuple(input_shape))
        super().build(input_shape)

    def forward(self, x, training=False):
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        shape = self._mask_shape(x.shape)
        n = math.prod(shape)
        # 32 random bits per unit, kept when >= rate * 2^32: P(keep) = 1 - rate to within 2^-33,
        # at half the cost of drawing float uniforms.
        bits = self.generator.bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n].reshape(shape)
        kept = np.greater_equal(bits, self._threshold, out=self._buffer("kept", shape, bool))
        dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        self._mask = np.multiply(kept, dtype.type(1.0 / (1.0 - self.rate)), out=self._buffer("mask", shape, dtype))
        return np.multiply(x, self._mask, out=self._buffer("y", x.shape, np.result_type(x, self._mask)))

    def backward(self, grad):
        if self._mask is None:
            return grad
        return np.multiply(grad, self._mask, out=grad)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(rate=self.rate, noise_shape=None if self.noise_shape is None else list(self.noise_shape),
                   seed=self.seed)
        return cfg


def _noise_shape(noise_shape):
    """Check Dropout's ``noise_shape``: None, or a tuple/list of ints >= 1 and None entries."""
    if noise_shape is None:
        return None
    if not isinstance(noise_shape, (tuple, list)) or not all(
            d is None or isinstance(d, (int, np.integer)) and not isinstance(d, bool)
            for d in noise_shape):
        raise ValueError(f"Dropout: `noise_shape` must be None or a tuple of ints and None "
                         f"entries, got {noise_shape!r}.")  # ValueError as Keras 3
    if any(d is not None and d < 1 for d in noise_shape):
        raise ValueError(f"Dropout: `noise_shape` entries must be None or ints >= 1, "
                         f"got {noise_shape!r}.")
    return tuple(None if d is None else int(d) for d in noise_shape)


class Flatten(Layer):
    """Flatten every axis but the batch axis: (batch, d1, d2, ...) -> (batch, d1*d2*...)."""

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], n)

    def forward(self, x, training=False):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        return grad.reshape(self._shape)


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (one entry may be -1), as Keras.

    When the input has an unknown (None) sample axis, the -1 entry of the output shape is
    None too and is worked out from each batch at run time.
    """

    def __init__(self, target_shape, **kwargs):
        if not isinstance(target_shape, (tuple, list)) or not all(
                isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in target_shape):
            raise TypeError(f"Reshape: `target_shape` must be a tuple of ints, got {target_shape!r}.")
        target = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in target) > 1 or any(d == 0 or d < -1 for d in target):
            raise ValueError(f"Reshape: `target_shape` must have positive sizes and at most one -1, "
                             f"got {target_shape!r}.")
        self.target_shape = target
        super().__init__(**kwargs)

    def compute_output_shape(self, input_shape):
        if any(d is None for d in input_shape[1:]):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        n = math.prod(input_shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if n % known:
                raise ValueError(f"Reshape '{self.name}': cannot reshape samples of shape "
                                 f"{tuple(input_shape[1:])} to `target_shape` {self.target_shape}.")
            shape = tuple(n // known if d == -1 else d for d in self.target_shape)
        else:
            shape = self.target_shape
        if math.prod(shape) != n:
            raise ValueError(
                f"Reshape '{self.name}': `target_shape` {self.target_shape} has {math.prod(shape)} entries, "
                f"the input {input_shape[1:]} has {n}."
            )
        return (input_shape[0],) + shape

    def forward(self, x, training=False):
        try:
            y = x.reshape((x.shape[0],) + self.target_shape)
        except ValueError:
            raise ValueError(f"Reshape '{self.name}': cannot reshape samples of shape {x.shape[1:]} "
                             f"to `target_shape` {self.target_shape}.") from None
        self._shape = x.shape
        return y

    def backward(self, grad):
        return grad.reshape(self._shape)

    def get_config(self):
        cfg = super().get_config()
        cfg["target_shape"] = list(self.target_shape)
        return cfg
