"""Activation layers with Keras's arguments and defaults: Activation, ReLU, LeakyReLU, PReLU, ELU,
Softmax, and the notes' Swish with an optionally learned beta.

Each layer applies an :mod:`deepgrad.activations` function; ``backward(grad)`` returns
dL/dx = f'(x) * grad computed in a new array (``grad`` is left untouched).

Fusion with the loss. Each layer exposes ``activation`` (the Activation object) and
``emit_logits`` (default False). When a model ends with a softmax (sigmoid) layer and trains with
categorical (binary) cross-entropy, it sets ``emit_logits = True`` and uses the loss's logits form:
``forward`` then returns its input unchanged and ``backward`` passes the gradient through
unchanged, so the softmax and the loss's log are never evaluated separately (exact, finite, and
the gradient is ``p - y``). ``Layer.__call__``/``predict`` paths that need probabilities must
leave ``emit_logits`` False.
"""

from __future__ import annotations

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .._validation import check_float, check_int
from .base import Layer


class _Elementwise:
    """Mixin (not a Layer, so not registered): the layer side of a :mod:`deepgrad.activations`
    object ``self.activation``. It keeps x (if the derivative needs it) and y in training and
    calls ``activation.forward``/``activation.backward``; the math itself (function and
    derivative side by side) is only in ``deepgrad.activations``, which the recurrent layers
    and ``Dense`` call too."""

    supports_masking = True  # elementwise: an incoming mask passes through (Keras)

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activation
        self.emit_logits = False
        self._x = None
        self._y = None

    def forward(self, x, training=False):
        if self.emit_logits:
            return x
        y = self.activation.forward(x)
        if training:
            self._x = x if self.activation.needs_input else None
            self._y = y
        return y

    def backward(self, grad):
        if self.emit_logits:
            return grad
        if self._y is None:
            raise RuntimeError(f"{type(self).__name__} '{self.name}': backward() before forward(x, training=True).")
        dx = np.array(grad, dtype=self._y.dtype, copy=True)
        return self.activation.backward(dx, self._x, self._y)


class Activation(_Elementwise, Layer):
    """Applies an activation function: ``Activation(activation)`` (a name, callable or Activation)."""

    def __init__(self, activation, **kwargs):
        super().__init__(activations.get(activation, "activation"), **kwargs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class ReLU(_Elementwise, Layer):
    """``ReLU(max_value=None, negative_slope=0.0, threshold=0.0)``:

    f(x) = min(x, max_value) for x > threshold, negative_slope (x - threshold) otherwise.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        act = activations.Relu(negative_slope=negative_slope, max_value=max_value, threshold=threshold)
        super().__init__(act, **kwargs)

    def get_config(self):
        a = self.activation
        return {**super().get_config(), "max_value": a.max_value,
                "negative_slope": a.negative_slope, "threshold": a.threshold}


class LeakyReLU(_Elementwise, Layer):
    """``LeakyReLU(negative_slope=0.3)``: f(x) = x for x > 0, negative_slope * x otherwise.

    The layer's default slope is 0.3 (Keras), the function ``leaky_relu``'s is 0.2, PyTorch's 0.01.
    As Keras's layer, ``negative_slope`` must be >= 0. Keras 2's spelling ``alpha=`` is accepted.
    """

    def __init__(self, negative_slope=0.3, alpha=None, **kwargs):
        argname = "negative_slope" if alpha is None else "alpha"
        slope = check_float(negative_slope if alpha is None else alpha, argname, "LeakyReLU",
                            low=0.0)
        super().__init__(activations.LeakyRelu(negative_slope=slope), **kwargs)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.activation.negative_slope}


class ELU(_Elementwise, Layer):
    """``ELU(alpha=1.0)``: f(x) = x for x > 0, alpha (exp(x) - 1) otherwise."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(activations.Elu(alpha=alpha), **kwargs)

    def get_config(self):
        return {**super().get_config(), "alpha": self.activation.alpha}


class Softmax(_Elementwise, Layer):
    """``Softmax(axis=-1)``: exp(x_i) / sum_j exp(x_j) along ``axis``."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(activations.Softmax(axis=axis), **kwargs)

    def get_config(self):
        return {**super().get_config(), "axis": self.activation.axis}


class PReLU(Layer):
    """Parametric ReLU with a learned slope (notes: g(z, alpha) = max(0, z) + alpha min(0, z)).

    ``PReLU(alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None)``.
    ``alpha_constraint`` (e.g. ``"non_neg"``) is applied after each optimizer step
    (:mod:`deepgrad.constraints`).
    One alpha per input entry: weight "alpha" of shape ``input_shape[1:]``, with size 1 along each
    axis in ``shared_axes`` (1-based, the batch axis being 0, as Keras). PyTorch's
    ``nn.PReLU(num_parameters=1, init=0.25)`` instead shares one alpha initialized at 0.25.

        y = x (x > 0),  alpha x (x <= 0)
        dL/dx = grad (x > 0),  alpha grad (x <= 0)
        dL/dalpha = sum over the batch and shared axes of grad * min(x, 0)
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        self.alpha_initializer = initializers.get(alpha_initializer, "alpha_initializer")
        self.alpha_regularizer = regularizers.get(alpha_regularizer, "alpha_regularizer")
        self.alpha_constraint = constraints.get(alpha_constraint, "alpha_constraint")
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = [shared_axes] if isinstance(shared_axes, int) else list(shared_axes)
            self.shared_axes = [check_int(a, "shared_axes", "PReLU", minimum=1) for a in axes]
        super().__init__(**kwargs)
        self.emit_logits = False
        self._x = None

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for a in self.shared_axes or ():
            if a > len(shape):
                raise ValueError(f"PReLU: `shared_axes` entry {a} is out of range for input shape "
                                 f"{tuple(input_shape)}.")
            shape[a - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"PReLU: unknown dimension in input shape {tuple(input_shape)}; share that axis.")
        self.alpha = self.add_weight("alpha", tuple(shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self._reduce_axes = tuple(i for i in range(len(input_shape))
                                  if i == 0 or shape[i - 1] == 1)
        super().build(input_shape)

    @property
    def activation(self):
        """PReLU is not fused with any loss; exposed for a uniform interface."""
        return None

    def forward(self, x, training=False):
        neg = np.minimum(x, 0)
        y = np.maximum(x, 0)
        y += neg * self.alpha.value
        if training:
            self._x = x
        return y

    def backward(self, grad):
        x = self._x
        if x is None:
            raise RuntimeError(f"PReLU '{self.name}': backward() before forward(x, training=True).")
        if self.alpha.trainable and self.trainable:
            ga = np.sum(grad * np.minimum(x, 0), axis=self._reduce_axes, keepdims=True)
            self.alpha.grad[...] = ga.reshape(self.alpha.grad.shape)
        return np.where(x > 0, grad, grad * self.alpha.value)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


class Swish(Layer):
    """The notes' swish g(z) = z sigma(beta z) with ``beta`` fixed or learned.

    ``Swish(beta=1.0, trainable_beta=False)``. With ``trainable_beta=True`` the layer has one weight
    "beta" of shape (1,) initialized to ``beta``; its gradient is sum(grad * x^2 s (1 - s)),
    s = sigma(beta x). With beta fixed it has no weights (= ``Activation("swish")``, silu for beta 1).
    """

    def __init__(self, beta=1.0, trainable_beta=False, **kwargs):
        super().__init__(**kwargs)
        self.beta_init = check_float(beta, "beta", "Swish")
        self.trainable_beta = bool(trainable_beta)
        self.activation = activations.Swish(self.beta_init)
        self.emit_logits = False
        self.beta = None
        self._x = None

    def build(self, input_shape):
        if self.trainable_beta:
            self.beta = self.add_weight("beta", (1,), initializer=initializers.Constant(self.beta_init))
        super().build(input_shape)

    def _current(self):
        if self.beta is not None:
            self.activation.beta = float(self.beta.value[0])
        return self.activation

    def forward(self, x, training=False):
        if self.emit_logits:
            return x
        y = self._current().forward(x)
        if training:
            self._x = x
        return y

    def backward(self, grad):
        if self.emit_logits:
            return grad
        if self._x is None:
            raise RuntimeError(f"Swish '{self.name}': backward() before forward(x, training=True).")
        act = self._current()
        if self.beta is not None and self.beta.trainable and self.trainable:
            self.beta.grad[0] = act.beta_gradient(grad, self._x)
        dx = np.array(grad, dtype=self._x.dtype, copy=True)
        return act.backward(dx, self._x, None)

    def get_config(self):
        return {**super().get_config(), "beta": self.beta_init, "trainable_beta": self.trainable_beta}
