"""Normalization layers: BatchNormalization and LayerNormalization (Keras 3 defaults)."""

from __future__ import annotations

import numpy as np

from .. import constraints, initializers
from .._validation import check_bool, check_float, check_int
from .base import Layer


def _norm_backward(grad, xhat, inv_std, gamma, axes):
    """dL/dx of y = gamma * xhat + beta, xhat = (x - mean) / sqrt(var + eps), with mean and
    (biased) var taken over ``axes``; n = number of entries averaged:
        dx = inv_std / n * (n * g - sum(g) - xhat * sum(g * xhat)),  g = dL/dy * gamma.
    """
    g = grad * gamma if gamma is not None else grad
    n = np.prod([grad.shape[a] for a in axes])
    s1 = g.sum(axis=axes, keepdims=True)
    s2 = (g * xhat).sum(axis=axes, keepdims=True)
    return (inv_std / n) * (n * g - s1 - xhat * s2)


class _Normalization(Layer):
    """What both normalizations share: ``axis``, ``epsilon``, ``center`` (beta), ``scale`` (gamma),
    and gamma/beta of shape (features,). Subclasses differ in the axes they average over and in
    keeping moving statistics; ``inits`` maps each ``*_initializer`` argument to its value
    (a name, config dict, Initializer or callable), resolved and checked here."""

    supports_masking = True  # per-position math: a (batch, timesteps) mask passes through (Keras)

    def __init__(self, axis, epsilon, center, scale, inits, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        w = type(self).__name__
        # Keras's beta_constraint/gamma_constraint, applied after each optimizer step
        self.beta_constraint = constraints.get(beta_constraint, "beta_constraint")
        self.gamma_constraint = constraints.get(gamma_constraint, "gamma_constraint")
        self.axis = check_int(axis, "axis", w)
        self.epsilon = check_float(epsilon, "epsilon", w, 0.0, None, low_inclusive=False)
        self.center = check_bool(center, "center", w)
        self.scale = check_bool(scale, "scale", w)
        self._inits = {k: _initializer(v, k, w) for k, v in inits.items()}
        super().__init__(**kwargs)
        self._cache = None

    def _build_affine(self, input_shape):
        """Resolve ``axis`` and create gamma and beta; returns the weights' shape (features,)."""
        ax = self.axis if self.axis >= 0 else len(input_shape) + self.axis
        if not 0 < ax < len(input_shape):
            raise ValueError(f"{type(self).__name__} '{self.name}': `axis` {self.axis} is out of "
                             f"range for input shape {tuple(input_shape)}.")
        self._ax = ax
        c = (input_shape[ax],)
        self.gamma = self.add_weight("gamma", c, self._inits["gamma_initializer"],
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", c, self._inits["beta_initializer"],
                                    constraint=self.beta_constraint) if self.center else None
        return c

    def get_config(self):
        cfg = super().get_config()
        cfg.update(axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale)
        cfg.update({k: initializers.serialize(v) for k, v in self._inits.items()})
        cfg.update(beta_constraint=constraints.serialize(self.beta_constraint),
                   gamma_constraint=constraints.serialize(self.gamma_constraint))
        return cfg


def _initializer(identifier, argname, where):
    """``initializers.get`` for the argument ``argname``, refusing None (no default to fall back on)."""
    init = initializers.get(identifier, argname)
    if init is None:
        raise TypeError(f"{where}: `{argname}` must be an initializer name, config dict or "
                        f"callable, got None.")
    return init


class BatchNormalization(_Normalization):
    """Batch normalization (Ioffe & Szegedy 2015) over the last axis, as Keras.

    Training (``training=True`` and the layer trainable): with the batch mean μ_B and the
    biased variance σ²_B over all axes but ``axis``,
        y = gamma * (x - μ_B) / sqrt(σ²_B + epsilon) + beta,
        moving_mean <- momentum * moving_mean + (1 - momentum) * μ_B   (same for the variance,
        with the biased σ²_B).
    Inference (or ``trainable=False``, as Keras): the moving statistics replace μ_B, σ²_B.

    Args: axis=-1, momentum=0.99, epsilon=1e-3, center=True (beta), scale=True (gamma),
        beta_initializer="zeros", gamma_initializer="ones",
        moving_mean_initializer="zeros", moving_variance_initializer="ones",
        beta_constraint=None, gamma_constraint=None (applied after each optimizer step).
    Weights (Keras order): gamma, beta (trainable), moving_mean, moving_variance
    (non-trainable), each of shape (features,): 4 * features params, half non-trainable.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", **kwargs):
        self.momentum = check_float(momentum, "momentum", "BatchNormalization", 0.0, 1.0)
        super().__init__(axis, epsilon, center, scale,
                         dict(beta_initializer=beta_initializer,
                              gamma_initializer=gamma_initializer,
                              moving_mean_initializer=moving_mean_initializer,
                              moving_variance_initializer=moving_variance_initializer), **kwargs)

    def build(self, input_shape):
        c = self._build_affine(input_shape)
        self.moving_mean = self.add_weight("moving_mean", c,
                                           self._inits["moving_mean_initializer"], trainable=False)
        self.moving_variance = self.add_weight("moving_variance", c,
                                               self._inits["moving_variance_initializer"],
                                               trainable=False)
        super().build(input_shape)

    def _bshape(self, ndim):
        s = [1] * ndim
        s[self._ax] = -1
        return s

    def forward(self, x, training=False):
        if x.ndim != len(self.input_shape) or x.shape[self._ax] != self.input_shape[self._ax]:
            raise ValueError(f"BatchNormalization '{self.name}': `inputs` must have shape "
                             f"{self.input_shape}, got {x.shape}.")
        bs = self._bshape(x.ndim)
        axes = tuple(a for a in range(x.ndim) if a != self._ax)
        gamma = self.gamma.value.reshape(bs) if self.scale else None
        beta = self.beta.value.reshape(bs) if self.center else None
        batch_mode = training and self.trainable
        if batch_mode:
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True)
            m = self.momentum
            mm, mv = self.moving_mean.value, self.moving_variance.value
            mm *= m
            mm += (1 - m) * mean.reshape(-1)
            mv *= m
            mv += (1 - m) * var.reshape(-1)
        else:
            mean = self.moving_mean.value.reshape(bs)
            var = self.moving_variance.value.reshape(bs)
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        xhat = (x - mean) * inv_std
        y = xhat * gamma if gamma is not None else xhat.copy()
        if beta is not None:
            y += beta
        self._cache = (xhat, inv_std, gamma, axes, batch_mode) if training else None
        return y.astype(x.dtype, copy=False)

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"BatchNormalization '{self.name}': backward() needs a "
                               f"forward(x, training=True) first.")
        xhat, inv_std, gamma, axes, batch_mode = self._cache
        if self.scale:
            np.sum(grad * xhat, axis=axes, out=self.gamma.grad)
        if self.center:
            np.sum(grad, axis=axes, out=self.beta.grad)
        if batch_mode:
            return _norm_backward(grad, xhat, inv_std, gamma, axes).astype(grad.dtype, copy=False)
        g = grad * gamma if gamma is not None else grad
        return (g * inv_std).astype(grad.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum}


class LayerNormalization(_Normalization):
    """Layer normalization (Ba et al. 2016): each sample normalized over the last axis.

        y = gamma * (x - mean) / sqrt(var + epsilon) + beta, mean and biased var over ``axis``
        of each sample, the same in training and inference (no moving statistics).

    Args: axis=-1, epsilon=1e-3 (Keras 3), center=True, scale=True,
        beta_initializer="zeros", gamma_initializer="ones", beta_constraint=None,
        gamma_constraint=None.
    Weights: gamma, beta of shape (features,).
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", **kwargs):
        super().__init__(axis, epsilon, center, scale,
                         dict(beta_initializer=beta_initializer,
                              gamma_initializer=gamma_initializer), **kwargs)

    def build(self, input_shape):
        self._build_affine(input_shape)
        super().build(input_shape)

    def forward(self, x, training=False):
        if x.ndim != len(self.input_shape) or x.shape[self._ax] != self.input_shape[self._ax]:
            raise ValueError(f"LayerNormalization '{self.name}': `inputs` must have shape "
                             f"{self.input_shape}, got {x.shape}.")
        bs = [1] * x.ndim
        bs[self._ax] = -1
        mean = x.mean(axis=self._ax, keepdims=True)
        var = x.var(axis=self._ax, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        xhat = (x - mean) * inv_std
        gamma = self.gamma.value.reshape(bs) if self.scale else None
        y = xhat * gamma if gamma is not None else xhat.copy()
        if self.center:
            y += self.beta.value.reshape(bs)
        self._cache = (xhat, inv_std, gamma) if training else None
        return y.astype(x.dtype, copy=False)

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"LayerNormalization '{self.name}': backward() needs a "
                               f"forward(x, training=True) first.")
        xhat, inv_std, gamma = self._cache
        other = tuple(a for a in range(grad.ndim) if a != self._ax)
        if self.scale:
            np.sum(grad * xhat, axis=other, out=self.gamma.grad)
        if self.center:
            np.sum(grad, axis=other, out=self.beta.grad)
        dx = _norm_backward(grad, xhat, inv_std, gamma, (self._ax,))
        return dx.astype(grad.dtype, copy=False)

