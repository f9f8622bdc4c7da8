"""Gradient checking by float64 central differences (public tool).

The analytic gradient ``a`` of a scalar L is compared with the numerical one

    n_i = (L(theta + eps e_i) - L(theta - eps e_i)) / (2 eps)          (every entry), or
    n_d = (L(theta + eps d) - L(theta - eps d)) / (2 eps)  vs  a . d   (random unit directions d),

the second (a random-projection check) for tensors with more than ``max_elements`` entries or
when ``directions`` is given. The result is the relative error

    |a - n| / max(|a| + |n|, tiny)

with |.| the Euclidean norm over all compared entries (or directions); below ~1e-7 means the
backward pass is right, above ~1e-4 that it is wrong. Layers and arrays must be float64
(``deepgrad.config.set_floatx("float64")`` before building them).

For a layer (or a chain of layers) the checked scalar is L = sum(r * output) with a fixed
random ``r`` (seeded by ``seed``), so backward receives dL/d(output) = r.

Stochastic layers (dropout): every forward is preceded by ``reseed()``, so all evaluations use
the same random draws. By default ``reseed`` restores the state that deepgrad's global generator
(``deepgrad.config.rng()``) had when the check started, which covers every layer that draws
from it. A layer with its own generator ``layer.rng`` needs its own reseed, e.g.

    state = layer.rng.bit_generator.state
    check_layer(layer, x, reseed=lambda: setattr(layer.rng.bit_generator, "state", state))

(any callable that puts the layer's randomness back to one fixed state works).

Kinks: central differences assume L is smooth within ``eps`` of the point. Where an entry sits
on a kink (relu, leaky_relu or abs at 0, relu6 at 6, a tie in max-pooling or a maximum), the
numeric slope is the mean of the two one-sided slopes (1/2 for relu at 0) while backward
returns one of them (deepgrad, like PyTorch, uses relu'(0) = 0), so the check reports a large
error although the backward pass is right. The usual trap: a freshly built
``Dense(n, activation="relu")`` has a zero bias, so an all-zero row of ``x`` gives
pre-activations of exactly 0 and ``check_layer`` reports errors from a few hundredths up to 1
(the smaller the batch, the larger) for the input and the bias. Check away from kinks: random
inputs with no all-zero rows (a random pre-activation within ``eps`` = 1e-6 of a kink is very
unlikely), or a nonzero bias, e.g.
``layer.build(x.shape); layer.bias.value[...] = 0.1``.

Arguments are checked first, before any forward pass: ``eps`` must be a finite float > 0,
``directions`` None or an int >= 1, ``seed`` an int >= 0 (``TypeError``/``ValueError`` naming
the argument).
"""

from __future__ import annotations

import copy

import numpy as np

from . import config
from ._validation import check_float, check_int

#: Tensors up to this many entries are checked entry by entry; larger ones along random directions.
MAX_ELEMENTS = 512
#: Number of random directions for large tensors when ``directions`` is None.
DEFAULT_DIRECTIONS = 8
_TINY = np.finfo(np.float64).tiny


def relative_error(analytic, numeric) -> float:
    """|a - n| / max(|a| + |n|, tiny), Euclidean norms over all entries."""
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    return float(np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), _TINY))


def _compare(loss, theta, analytic, eps, directions, rng):
    """Relative error between ``analytic`` and central differences of ``loss()`` w.r.t. the array
    ``theta``, which is perturbed in place and restored exactly."""
    original = theta.copy()
    analytic = np.asarray(analytic, dtype=np.float64).reshape(theta.shape)
    if directions is None and theta.size <= MAX_ELEMENTS:
        numeric = np.empty(theta.shape)
        for idx in np.ndindex(theta.shape):
            theta[idx] = original[idx] + eps
            plus = loss()
            theta[idx] = original[idx] - eps
            minus = loss()
            theta[idx] = original[idx]
            numeric[idx] = (plus - minus) / (2.0 * eps)
        return relative_error(analytic, numeric)
    k = DEFAULT_DIRECTIONS if directions is None else directions
    a_dir, n_dir = np.empty(k), np.empty(k)
    for j in range(k):
        d = rng.standard_normal(theta.shape)
        d /= np.linalg.norm(d)
        theta[...] = original + eps * d
        plus = loss()
        theta[...] = original - eps * d
        minus = loss()
        theta[...] = original
        n_dir[j] = (plus - minus) / (2.0 * eps)
        a_dir[j] = np.vdot(analytic, d)
    return relative_error(a_dir, n_dir)


def _check_args(eps, directions, seed, where):
    """Validate the shared numeric arguments; returns them as Python numbers."""
    return (check_float(eps, "eps", where, low=0.0, low_inclusive=False),
            check_int(directions, "directions", where, minimum=1, allow_none=True),
            check_int(seed, "seed", where, minimum=0))


def _as_float64(x, argname):
    x = np.array(x, dtype=np.float64, copy=True)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"gradcheck: `{argname}` must hold finite numbers.")
    return x


def check_function(f, grad_f, x, eps=1e-6, seed=0, directions=None) -> float:
    """Check ``grad_f`` against central differences of ``f`` at ``x``; returns the relative error.

    If ``f(x)`` is a scalar, ``grad_f(x)`` must return df/dx. Otherwise the checked scalar is
    L = sum(r * f(x)) with a fixed random ``r``, and ``grad_f(x, r)`` must return dL/dx (a
    vector-Jacobian product; it receives a copy of ``r`` it may overwrite). Either way the
    result must have as many entries as ``x`` (ValueError naming ``grad_f`` otherwise).
    """
    eps, directions, seed = _check_args(eps, directions, seed, "gradcheck.check_function")
    x = _as_float64(x, "x")
    rng = np.random.Generator(np.random.PCG64(seed))
    y0 = np.asarray(f(x.copy()))
    if y0.ndim == 0:
        analytic = grad_f(x.copy())
        loss = lambda: float(f(x.copy()))                          # noqa: E731
    else:
        r = rng.standard_normal(y0.shape)
        analytic = grad_f(x.copy(), r.copy())
        loss = lambda: float(np.vdot(r, f(x.copy())))              # noqa: E731
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.size != x.size:
        raise ValueError(f"gradcheck.check_function: `grad_f` must return the gradient with "
                         f"x's shape {x.shape} ({x.size} entries), got shape {analytic.shape}.")
    return _compare(loss, x, analytic, eps, directions, rng)


def _global_reseed():
    state = copy.deepcopy(config.rng().bit_generator.state)

    def reseed():
        config.rng().bit_generator.state = copy.deepcopy(state)

    return reseed


def _weight_keys(weights, prefix=""):
    keys, seen = [], {}
    for w in weights:
        key = prefix + w.name
        seen[key] = seen.get(key, -1) + 1
        keys.append(key if seen[key] == 0 else f"{key}_{seen[key]}")
    return keys


def check_layer(layer, x, training=True, seed=0, eps=1e-6, directions=None, reseed=None) -> dict:
    """Check ``layer.backward`` for the input and every trainable weight.

    Returns ``{"input": err, <weight name>: err, ...}`` (relative errors, see the module docstring).
    The layer must hold float64 weights; it is built from ``x`` if needed. ``reseed`` is called
    before every forward (default: restore deepgrad's global generator, see the module docstring).
    """
    _check_args(eps, directions, seed, "gradcheck.check_layer")
    return check_model([layer], x, None, None, training=training, seed=seed, eps=eps,
                       directions=directions, reseed=reseed, _prefix=False)


def check_model(model, x, y=None, loss=None, sample_weight=None, training=True, seed=0, eps=1e-6,
                directions=None, reseed=None, _prefix=True) -> dict:
    """Check the backward pass of a chain of layers (``model.layers`` or a list), optionally
    followed by a loss.

    With ``loss`` (a Loss or name) the checked scalar is ``loss(y, output, sample_weight)`` and
    backward starts from ``loss.grad``; without, it is sum(r * output), summed over the outputs
    when the last layer returns a list (``return_state=True``). Keys are ``"input"`` and
    ``"<layer name>/<weight name>"`` for every trainable weight.
    """
    eps, directions, seed = _check_args(eps, directions, seed, "gradcheck.check_model")
    layers = list(getattr(model, "layers", model))
    x = _as_float64(x, "x")
    for layer in layers:
        if np.dtype(layer.dtype) != np.float64:
            raise ValueError(
                f"gradcheck: layer '{layer.name}' has dtype {layer.dtype}; build it after "
                "deepgrad.config.set_floatx('float64')."
            )
    if loss is not None:
        from . import losses
        loss = losses.get(loss)
    h = x
    for layer in layers:  # build first: initial weights must not come from the reseeded stream
        h = layer(h, training=training)
    reseed = reseed or _global_reseed()
    rng = np.random.Generator(np.random.PCG64(seed))

    def forward():
        reseed()
        h = x
        for layer in layers:
            h = layer(h, training=training)
        return h

    out = forward()
    if loss is None:  # several outputs (e.g. return_state=True): one projection each
        outs = out if isinstance(out, list) else [out]
        rs = [rng.standard_normal(o.shape) for o in outs]
        grad = [r.copy() for r in rs] if isinstance(out, list) else rs[0].copy()

        def scalar():
            h = forward()
            return sum(float(np.vdot(r, o)) for r, o in zip(rs, h if isinstance(h, list) else [h]))
    else:
        grad = loss.grad(y, out, sample_weight)
        scalar = lambda: loss(y, forward(), sample_weight)                  # noqa: E731
    weights, keys = [], []
    for layer in layers:
        trainable = layer.trainable_weights
        for w in trainable:
            w.grad[...] = 0.0
        weights += trainable
        keys += _weight_keys(trainable, f"{layer.name}/" if _prefix else "")
    for layer in reversed(layers):
        grad = layer.backward(grad)
    analytic = {"input": np.array(grad, dtype=np.float64)}
    for key, w in zip(keys, weights):
        analytic[key] = np.array(w.grad, dtype=np.float64)
    result = {"input": _compare(scalar, x, analytic["input"], eps, directions, rng)}
    for key, w in zip(keys, weights):
        result[key] = _compare(scalar, w.value, analytic[key], eps, directions, rng)
    return result
