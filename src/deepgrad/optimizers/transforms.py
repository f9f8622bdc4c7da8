"""Composable gradient transformations (in the spirit of optax).

A transformation is an object with two methods::

    state = t.init(params)                              # params: list of arrays
    updates, state = t.update(updates, state, params)   # updates: list of arrays (the gradients)

``chain(t1, t2, ...)`` feeds the updates of one into the next. The optimizer presets
(:mod:`deepgrad.optimizers.optimizers`) are thin chains of these pieces, and
``deepgrad.optimizers.TransformOptimizer(chain(...))`` wraps any chain in the same
``apply_gradients`` API, which then applies ``param += update``.

Conventions (chosen for speed; they are what lets one step run with no allocation):

- ``update`` never writes into the arrays it receives. It writes its result into output
  buffers it allocated in ``init`` (state keys starting with ``_`` are such scratch buffers:
  they are not part of the saved state) and returns them, so the returned arrays are
  overwritten by the next call.
- State is a ``dict``: a value is either a list of arrays, one per parameter array ("slots",
  updated in place), or a Python scalar (e.g. the step ``count``). A transform may define
  ``derived() -> {name: (factor, slot)}``: slots shown in textbook units (``factor * slot``)
  by the optimizer's ``get_state``.
- The returned updates are *added* to the parameters: transformations that end a chain
  (``scale_by_*`` with a ``learning_rate``, :class:`scale_by_learning_rate`) produce
  ``-lr * direction``.
- ``learning_rate`` arguments accept a float or a callable ``step -> float``; transforms that
  need it count their own steps (state ``count``, the 0-based step of the next update). Inside
  an optimizer every ``count`` equals its ``iterations``: setting ``iterations`` (or
  ``set_state``) sets them all.
- Transforms flagged ``elementwise`` may be run by the optimizer on slices of the arrays
  (with state dicts holding views of the slots), one slice per thread.
- When the optimizer packs several variables into one flat array (its fast path), ``params``
  carries ``params.segments``: for each array, the ``(start, stop)`` range of each variable, or
  ``None`` when the array is one variable. Only per-variable operations (``clip_by_norm``,
  the weight-decay mask) look at it.
"""

from __future__ import annotations

import math

import numpy as np

from deepgrad._blas import axpby, sum_of_squares

__all__ = [
    "GradientTransformation", "chain", "clip", "clip_by_norm", "clip_by_global_norm",
    "add_decayed_weights", "scale_by_momentum", "scale_by_adagrad", "scale_by_rms",
    "scale_by_adam", "scale_by_nadam", "scale_by_adamax", "scale_by_adadelta",
    "scale_by_learning_rate", "ParamList", "ScaledDirection",
]


class ParamList(list):
    """A list of parameter arrays, with ``segments`` (per array: variable ranges or None)."""

    def __init__(self, arrays, segments=None):
        super().__init__(arrays)
        self.segments = list(segments) if segments is not None else [None] * len(self)


def _segments(params):
    return getattr(params, "segments", None) or [None] * len(params)


def _value(rate, step):
    """Evaluate a float-or-callable hyperparameter at ``step``."""
    return float(rate(step)) if callable(rate) else rate


def _empty(params):
    return [np.empty_like(p) for p in params]


def _zeros(params):
    return [np.zeros_like(p) for p in params]


def _accumulate(acc, decay, x):
    """``acc <- decay * acc + x`` in place, one pass (:func:`deepgrad._blas.axpby`).

    Moving averages ``a <- rho a + (1 - rho) x`` are kept as undamped sums
    ``a_sum = a / (1 - rho)`` updated this way; the constant ``1 - rho`` folds into the
    step's scalars, which saves the pass that would scale ``x``.
    """
    axpby(1.0, x, decay, acc)


class GradientTransformation:
    """Base class: ``init(params) -> state`` and ``update(updates, state, params) -> (updates, state)``.

    Subclasses set ``name`` (used in state names) and implement both methods; see the module
    docstring for the buffer conventions.
    """

    name = "transform"
    #: True when the update of each element depends only on that element (and scalars), so
    #: the optimizer may run it on slices of a flat buffer in parallel. Subclasses opt in.
    elementwise = False

    def init(self, params):
        raise NotImplementedError

    def update(self, updates, state, params):
        raise NotImplementedError

    def apply(self, updates, state, params):
        """``update``, then ``params += updates`` in place; returns the new state.

        The optimizer steps through this method. A transformation that ends a chain may
        override it to fuse its last operation with the addition (SGD's whole step is one
        ``w <- w - lr * g``, a single :func:`deepgrad._blas.axpby`); the result is
        ``update`` followed by the addition, bit for bit unless the override says otherwise.
        """
        updates, state = self.update(updates, state, params)
        for p, u in zip(params, updates):
            p += u
        return state


class chain(GradientTransformation):
    """Apply transformations in sequence; the state is a tuple of their states."""

    name = "chain"

    def __init__(self, *transforms):
        for t in transforms:
            if not (hasattr(t, "init") and hasattr(t, "update")):
                raise TypeError(f"chain: every argument must have init/update, got {type(t).__name__}.")
        self.transforms = tuple(transforms)
        self.elementwise = all(getattr(t, "elementwise", False) for t in transforms)

    def init(self, params):
        return tuple(t.init(params) for t in self.transforms)

    def update(self, updates, state, params):
        new_state = []
        for t, s in zip(self.transforms, state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)

    def apply(self, updates, state, params):
        """Every transformation's ``update`` but the last, whose ``apply`` adds to ``params``."""
        new_state = []
        for t, s in zip(self.transforms[:-1], state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        last = self.transforms[-1]  # a user's piece may have only init/update: the base's apply
        apply = last.apply if isinstance(last, GradientTransformation) else \
            lambda *args: GradientTransformation.apply(last, *args)
        new_state.append(apply(updates, state[-1], params))
        return tuple(new_state)


class ScaledDirection(GradientTransformation):
    """A transformation whose update is ``k * d``: a direction ``d``, written into its own
    ``_out`` buffers, times a scalar ``k`` of the step (``-lr`` and the algorithm's constants).

    Subclasses implement ``direction(updates, state, params) -> (d, k)``, which advances the
    state. ``update`` scales ``d`` in place; ``apply`` adds ``k * d`` to the parameters in one
    pass (``axpby``), rounded exactly as scaling and then adding.
    """

    def direction(self, updates, state, params):
        raise NotImplementedError

    def update(self, updates, state, params):
        d, k = self.direction(updates, state, params)
        if k != 1.0:
            for o in d:
                o *= k
        return d, state

    def apply(self, updates, state, params):
        d, k = self.direction(updates, state, params)
        for o, p in zip(d, params):
            axpby(k, o, 1.0, p)
        return state


# ----------------------------------------------------------------------------- clipping
class clip(GradientTransformation):
    """Keras ``clipvalue``: ``g <- clip(g, -max_delta, max_delta)`` elementwise."""

    name = "clip"
    elementwise = True

    def __init__(self, max_delta: float):
        self.max_delta = float(max_delta)

    def init(self, params):
        return {"_out": _empty(params)}

    def update(self, updates, state, params):
        c = self.max_delta
        for g, o in zip(updates, state["_out"]):
            np.clip(g, -c, c, out=o)
        return state["_out"], state


class _NormClip(GradientTransformation):
    """What the two norm clippings share: ``max_norm`` and one output buffer per array."""

    def __init__(self, max_norm: float):
        self.max_norm = float(max_norm)

    def init(self, params):
        return {"_out": _empty(params)}


class clip_by_norm(_NormClip):
    """Keras ``clipnorm``, per variable: ``g <- g * c / max(||g||_2, c)``."""

    name = "clip_by_norm"

    def update(self, updates, state, params):
        c = self.max_norm
        for g, o, segs in zip(updates, state["_out"], _segments(params)):
            if segs is None:
                n = math.sqrt(sum_of_squares(g))
                np.multiply(g, c / max(n, c), out=o)
            else:
                gf, of = g.reshape(-1), o.reshape(-1)
                for a, b in segs:
                    n = math.sqrt(sum_of_squares(gf[a:b]))
                    np.multiply(gf[a:b], c / max(n, c), out=of[a:b])
        return state["_out"], state


class clip_by_global_norm(_NormClip):
    """Keras ``global_clipnorm``: ``N = sqrt(sum_i ||g_i||^2)``; ``g <- g * c * min(1/N, 1/c)``."""

    name = "clip_by_global_norm"

    def update(self, updates, state, params):
        c = self.max_norm
        total = math.sqrt(sum(sum_of_squares(g) for g in updates))
        scale = c * min(1.0 / total, 1.0 / c) if total > 0 else 1.0
        for g, o in zip(updates, state["_out"]):
            np.multiply(g, scale, out=o)
        return state["_out"], state


# ----------------------------------------------------------------------------- weight decay
class add_decayed_weights(GradientTransformation):
    """Keras's decoupled weight decay as an update term: ``u <- u - lr * weight_decay * w``.

    Keras applies ``w <- w - w * weight_decay * lr`` to the variable before the update step;
    since no update step reads ``w``, adding the same term to the final update is the same
    step. ``mask(i) -> bool`` says whether variable ``i`` (in order) decays; default all.
    """

    name = "add_decayed_weights"

    def __init__(self, weight_decay: float, learning_rate=1.0, mask=None):
        self.weight_decay = weight_decay
        self.learning_rate = learning_rate
        self.mask = mask
        self.elementwise = mask is None

    def init(self, params):
        return {"count": 0, "_out": _empty(params)}

    def update(self, updates, state, params):
        k = -_value(self.learning_rate, state["count"]) * _value(self.weight_decay, state["count"])
        var = 0
        for u, p, o, segs in zip(updates, params, state["_out"], _segments(params)):
            # the whole array (``...``, which a 0-d array accepts) or each variable's range
            ranges = [...] if segs is None else [slice(a, b) for a, b in segs]
            of, uf, pf = (o, u, p) if segs is None else (o.reshape(-1), u.reshape(-1), p.reshape(-1))
            for r in ranges:
                if self.mask is None or self.mask(var):
                    np.multiply(pf[r], k, out=of[r])
                    of[r] += uf[r]
                else:
                    of[r] = uf[r]
                var += 1
        state["count"] += 1
        return state["_out"], state


# ----------------------------------------------------------------------------- learning rate
class scale_by_learning_rate(GradientTransformation):
    """``u <- -lr(step) * u`` (ends a chain: the result is added to the parameters)."""

    name = "scale_by_learning_rate"
    elementwise = True

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "_out": _empty(params)}

    def update(self, updates, state, params):
        lr = _value(self.learning_rate, state["count"])
        for u, o in zip(updates, state["_out"]):
            np.multiply(u, -lr, out=o)
        state["count"] += 1
        return state["_out"], state

    def apply(self, updates, state, params):
        lr = _value(self.learning_rate, state["count"])
        for u, p in zip(updates, params):
            axpby(-lr, u, 1.0, p)               # w = w - lr*u, one pass
        state["count"] += 1
        return state


def _lr_factor(learning_rate, count):
    """The factor that ends a chain: ``-lr(step)``, or ``1`` (direction only) without a rate."""
    return 1.0 if learning_rate is None else -_value(learning_rate, count)


# ----------------------------------------------------------------------------- algorithms
class scale_by_momentum(GradientTransformation):
    """Keras SGD momentum, learning rate inside the buffer, with optional dampening.

    ``v <- mu * v - (1 - dampening) * lr * g``; update ``v`` or, if ``nesterov``,
    ``mu * v - (1 - dampening) * lr * g`` (with the new ``v``). ``v_0 = 0``. With
    ``momentum == 0`` the update is ``-lr * g`` (dampening only acts with momentum, as in
    ``torch.optim.SGD``) and no slot is kept. ``momentum`` may be a
    float or a callable of the step (e.g. :class:`~deepgrad.optimizers.schedules.SutskeverMomentum`).

    :meth:`apply` (the optimizer's path when this ends the chain) adds to the parameters with
    the one-pass ``axpby`` of :mod:`deepgrad._blas`: plain SGD is one pass over memory,
    ``w <- w - lr * g``; momentum two, ``v <- mu * v - lr * g`` then ``w <- w + v``; Nesterov
    three (``w <- w + mu * v`` then ``w <- w - lr * g``, so its rounding differs from
    :meth:`update` followed by the addition in the last bit).
    """

    name = "momentum"
    elementwise = True

    def __init__(self, learning_rate, momentum=0.0, nesterov=False, dampening=0.0):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.dampening = dampening
        self._has_slot = callable(momentum) or momentum != 0
        self._damp = 1.0 - dampening if self._has_slot else 1.0

    def init(self, params):
        state = {"count": 0}
        if not self._has_slot or self.nesterov:
            state["_out"] = _empty(params)
        if self._has_slot:
            state["velocity"] = _zeros(params)
        return state

    def _scalars(self, state):
        """``(-(1 - dampening) * lr, mu)`` for this step (``-lr`` without momentum); advances the step count."""
        t = state["count"]
        state["count"] = t + 1
        return -_value(self.learning_rate, t) * self._damp, _value(self.momentum, t)

    def update(self, updates, state, params):
        a, mu = self._scalars(state)
        if not self._has_slot:
            for g, o in zip(updates, state["_out"]):
                np.multiply(g, a, out=o)
            return state["_out"], state
        for g, v in zip(updates, state["velocity"]):
            axpby(a, g, mu, v)                  # v = mu*v - lr*g
        if not self.nesterov:
            return state["velocity"], state     # the update is v itself (never written by others)
        for g, v, o in zip(updates, state["velocity"], state["_out"]):
            np.multiply(v, mu, out=o)
            axpby(a, g, 1.0, o)                 # mu*v_new - lr*g
        return state["_out"], state

    def apply(self, updates, state, params):
        a, mu = self._scalars(state)
        if not self._has_slot:
            for g, p in zip(updates, params):
                axpby(a, g, 1.0, p)             # w = w - lr*g
            return state
        for g, v, p in zip(updates, state["velocity"], params):
            axpby(a, g, mu, v)                  # v = mu*v - lr*g
            if self.nesterov:
                axpby(mu, v, 1.0, p)
                axpby(a, g, 1.0, p)             # w = w + mu*v - lr*g
            else:
                p += v                          # w = w + v
        return state


class scale_by_adagrad(ScaledDirection):
    """Keras Adagrad: ``a <- a + g^2``; ``u = -lr * g / sqrt(a + epsilon)`` (epsilon inside the root).

    ``a_0 = initial_accumulator_value`` (Keras 0.1). Without ``learning_rate`` the output is
    ``g / sqrt(a + epsilon)``.
    """

    name = "adagrad"
    elementwise = True

    def __init__(self, initial_accumulator_value=0.1, epsilon=1e-7, learning_rate=None):
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "accumulator": [np.full_like(p, self.initial_accumulator_value) for p in params],
                "_out": _empty(params)}

    def direction(self, updates, state, params):
        k = _lr_factor(self.learning_rate, state["count"])
        for g, a, o in zip(updates, state["accumulator"], state["_out"]):
            np.multiply(g, g, out=o)
            a += o                              # a = a + g^2
            np.add(a, self.epsilon, out=o)
            np.sqrt(o, out=o)
            np.divide(g, o, out=o)              # g / sqrt(a + eps)
        state["count"] += 1
        return state["_out"], k


class scale_by_rms(ScaledDirection):
    """Keras RMSprop.

    ``v <- rho*v + (1-rho)*g^2``; centered: ``gbar <- rho*gbar + (1-rho)*g``,
    ``D = v - gbar^2 + epsilon``, else ``D = v + epsilon``; ``delta = lr * g / sqrt(D)``
    (epsilon inside the root); with ``momentum > 0``: ``M <- momentum*M + delta``, update
    ``-M`` (the learning rate sits inside the buffer), else update ``-delta``.

    Without ``learning_rate`` the output is the direction, ``+M`` or ``+delta`` with
    ``lr = 1`` (as every ``scale_by_*``), so ``chain(scale_by_rms(...),
    scale_by_learning_rate(lr))`` is ``RMSprop(lr, ...)`` at a constant rate.

    Storage: ``v_sum = v / (1 - rho)`` and ``gbar_sum = gbar / (1 - rho)`` (updated as
    ``v_sum <- rho v_sum + g^2``, two in-place passes), and ``momentum`` holds the output
    itself (``-M`` with a learning rate, ``+M`` without), so no extra pass negates it.
    """

    name = "rmsprop"
    elementwise = True

    def __init__(self, learning_rate=None, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
        self.learning_rate = learning_rate
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def init(self, params):
        state = {"count": 0, "v_sum": _zeros(params), "_out": _empty(params)}
        if self.centered:
            state["gbar_sum"] = _zeros(params)
        if self.momentum > 0:
            state["momentum"] = _zeros(params)
        return state

    def derived(self):
        """Slots in textbook units: ``name -> (factor, stored slot)`` (``M`` is ``-momentum``)."""
        c = 1.0 - self.rho
        sign = 1.0 if self.learning_rate is None else -1.0
        return {"velocity": (c, "v_sum"), "average_gradient": (c, "gbar_sum"), "M": (sign, "momentum")}

    def direction(self, updates, state, params):
        t = state["count"]
        rho = self.rho
        c = 1.0 - rho                           # v = c * v_sum, gbar = c * gbar_sum
        eps = self.epsilon / c                  # D = c * (v_sum [- c gbar_sum^2] + eps / c)
        k = _lr_factor(self.learning_rate, t) / math.sqrt(c)  # -delta = k * g / sqrt(D / c)
        avg = state.get("gbar_sum", [None] * len(updates))
        mom = state.get("momentum", [None] * len(updates))
        outs = state["_out"]
        for g, v, gbar, mm, o in zip(updates, state["v_sum"], avg, mom, outs):
            np.multiply(g, g, out=o)
            _accumulate(v, rho, o)              # v_sum = rho v_sum + g^2
            if gbar is not None:
                _accumulate(gbar, rho, g)       # gbar_sum = rho gbar_sum + g
                np.multiply(gbar, gbar, out=o)
                o *= c
                np.subtract(v, o, out=o)
                o += eps
            else:
                np.add(v, eps, out=o)
            np.sqrt(o, out=o)
            np.divide(g, o, out=o)              # -delta = k * o (+delta without a rate)
            if mm is not None:
                axpby(k, o, self.momentum, mm)  # -M = momentum (-M) - delta (signs flip without a rate)
        state["count"] = t + 1
        if mom[0] is not None:
            return state["momentum"], 1.0
        return outs, k


class scale_by_adam(ScaledDirection):
    """Adam's scaling, Keras form by default.

    ``m <- m + (g - m)(1 - beta_1)``; ``v <- v + (g^2 - v)(1 - beta_2)``; amsgrad:
    ``vhat <- max(vhat, v)`` replaces ``v`` below. With ``t`` the 1-based step:

    - ``epsilon_placement="keras"``: ``u = -lr * sqrt(1 - beta_2^t)/(1 - beta_1^t) * m / (sqrt(v) + epsilon)``
      (epsilon added to the *uncorrected* root: torch's form with ``eps / sqrt(1 - beta_2^t)``);
    - ``"textbook"`` (Kingma & Ba, torch.optim, the notes 002):
      ``u = -lr * mhat / (sqrt(vhat) + epsilon)``, ``mhat = m/(1-beta_1^t)``, ``vhat = v/(1-beta_2^t)``.

    Without ``learning_rate`` the output is the direction (no ``-lr`` factor).

    Storage: the slots hold the undamped sums ``m_sum = m / (1 - beta_1)`` and
    ``v_sum = v / (1 - beta_2)`` (``vmax_sum`` for amsgrad), updated as
    ``m_sum <- beta_1 m_sum + g``: two in-place passes instead of three, and the constant
    factors fold into the step's scalars. The update is the same rule (to rounding).
    """

    name = "adam"
    elementwise = True

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, learning_rate=None,
                 epsilon_placement="keras"):
        if epsilon_placement not in ("keras", "textbook"):
            raise ValueError(f"scale_by_adam: `epsilon_placement` must be 'keras' or 'textbook', "
                             f"got {epsilon_placement!r}.")
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.amsgrad = amsgrad
        self.learning_rate = learning_rate
        self.epsilon_placement = epsilon_placement

    def init(self, params):
        state = {"count": 0, "m_sum": _zeros(params), "v_sum": _zeros(params), "_out": _empty(params)}
        if self.amsgrad:
            state["vmax_sum"] = _zeros(params)
        return state

    def derived(self):
        """Slots in textbook units: ``name -> (factor, stored slot)``."""
        return {"m": (1.0 - self.beta_1, "m_sum"), "v": (1.0 - self.beta_2, "v_sum"),
                "vhat": (1.0 - self.beta_2, "vmax_sum")}

    def scalars(self, t, lr_factor):
        """``(e, k)`` with update ``k * m_sum / (sqrt(v_sum) + e)`` at 1-based step ``t``."""
        b1, b2 = self.beta_1, self.beta_2
        c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        r = math.sqrt(1.0 - b2)                  # sqrt(v) = r * sqrt(v_sum)
        if self.epsilon_placement == "keras":    # alpha_t * m / (sqrt(v) + eps)
            return self.epsilon / r, lr_factor * math.sqrt(c2) / c1 * (1.0 - b1) / r
        s = math.sqrt(c2) / r                    # mhat / (sqrt(vhat) + eps)
        return self.epsilon * s, lr_factor * (1.0 - b1) / c1 * s

    def direction(self, updates, state, params):
        t0 = state["count"]
        e, k = self.scalars(t0 + 1, _lr_factor(self.learning_rate, t0))
        vmax = state.get("vmax_sum", [None] * len(updates))
        for g, m, v, vh, o in zip(updates, state["m_sum"], state["v_sum"], vmax, state["_out"]):
            _accumulate(m, self.beta_1, g)        # m_sum = beta_1 m_sum + g
            np.multiply(g, g, out=o)
            _accumulate(v, self.beta_2, o)        # v_sum = beta_2 v_sum + g^2
            if vh is not None:
                np.maximum(vh, v, out=vh)
                v = vh
            np.sqrt(v, out=o)
            o += e
            np.divide(m, o, out=o)
        state["count"] = t0 + 1
        return state["_out"], k


class scale_by_nadam(GradientTransformation):
    """Keras Nadam (Dozat 2016, with Keras's momentum cache).

    ``u_t = beta_1 (1 - 0.5 * 0.96^t)``, ``u_{t+1} = beta_1 (1 - 0.5 * 0.96^(t+1))``,
    ``P_t = P_{t-1} u_t`` (``P_0 = 1``, state ``u_product``); ``m``, ``v`` as Adam;
    ``mhat = u_{t+1} m / (1 - P_t u_{t+1}) + (1 - u_t) g / (1 - P_t)``;
    ``vhat = v / (1 - beta_2^t)``; ``u = -lr * mhat / (sqrt(vhat) + epsilon)``.
    The slots hold ``m_sum = m / (1 - beta_1)`` and ``v_sum = v / (1 - beta_2)`` (see Adam).
    """

    name = "nadam"
    elementwise = True

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-7, learning_rate=None):
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "u_product": 1.0, "m_sum": _zeros(params), "v_sum": _zeros(params),
                "_out": _empty(params), "_tmp": _empty(params)}

    def derived(self):
        """Slots in textbook units: ``name -> (factor, stored slot)``."""
        return {"m": (1.0 - self.beta_1, "m_sum"), "v": (1.0 - self.beta_2, "v_sum")}

    def update(self, updates, state, params):
        t0 = state["count"]
        t = t0 + 1
        b1, b2 = self.beta_1, self.beta_2
        k = _lr_factor(self.learning_rate, t0)
        u_t = b1 * (1.0 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        p_t = state["u_product"] * u_t
        p_t1 = p_t * u_t1
        r = math.sqrt((1.0 - b2) / (1.0 - b2 ** t))  # sqrt(vhat) = r * sqrt(v_sum)
        cm = k * u_t1 / (1.0 - p_t1) * (1.0 - b1) / r
        cg = k * (1.0 - u_t) / (1.0 - p_t) / r
        for g, m, v, o, tmp in zip(updates, state["m_sum"], state["v_sum"], state["_out"], state["_tmp"]):
            _accumulate(m, b1, g)
            np.multiply(g, g, out=tmp)
            _accumulate(v, b2, tmp)
            np.multiply(m, cm, out=o)
            axpby(cg, g, 1.0, o)                # -lr * mhat / r
            np.sqrt(v, out=tmp)
            tmp += self.epsilon / r             # (sqrt(vhat) + eps) / r
            o /= tmp
        state["u_product"] = p_t
        state["count"] = t
        return state["_out"], state


class scale_by_adamax(ScaledDirection):
    """Keras Adamax: ``m <- m + (g - m)(1 - beta_1)``; ``u <- max(beta_2 u, |g|)``;
    update ``-lr * m / ((1 - beta_1^t)(u + epsilon))``. The slot ``m_sum`` holds
    ``m / (1 - beta_1)`` (see Adam)."""

    name = "adamax"
    elementwise = True

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-7, learning_rate=None):
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "m_sum": _zeros(params), "norm": _zeros(params), "_out": _empty(params)}

    def derived(self):
        """Slots in textbook units: ``name -> (factor, stored slot)``."""
        return {"m": (1.0 - self.beta_1, "m_sum")}

    def direction(self, updates, state, params):
        t0 = state["count"]
        t = t0 + 1
        b1 = self.beta_1
        k = _lr_factor(self.learning_rate, t0) * (1.0 - b1) / (1.0 - b1 ** t)
        for g, m, u, o in zip(updates, state["m_sum"], state["norm"], state["_out"]):
            _accumulate(m, b1, g)
            np.abs(g, out=o)
            u *= self.beta_2
            np.maximum(u, o, out=u)             # u = max(beta_2*u, |g|)
            np.add(u, self.epsilon, out=o)
            np.divide(m, o, out=o)
        state["count"] = t
        return state["_out"], k


class scale_by_adadelta(ScaledDirection):
    """Adadelta (Zeiler 2012; Keras = torch): ``E_g <- rho E_g + (1-rho) g^2``;
    ``delta = sqrt(E_d + epsilon) / sqrt(E_g + epsilon) * g``; ``E_d <- rho E_d + (1-rho) delta^2``;
    update ``-lr * delta``.

    Storage: ``E_g_sum = E_g / (1 - rho)``, ``E_d_sum = E_d / (1 - rho)``; the ratio of roots
    is ``sqrt((E_d_sum + e) / (E_g_sum + e))`` with ``e = epsilon / (1 - rho)`` (one root).
    """

    name = "adadelta"
    elementwise = True

    def __init__(self, rho=0.95, epsilon=1e-7, learning_rate=None):
        self.rho, self.epsilon = rho, epsilon
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "E_g_sum": _zeros(params), "E_d_sum": _zeros(params),
                "_out": _empty(params), "_tmp": _empty(params)}

    def derived(self):
        """Slots in textbook units: ``name -> (factor, stored slot)``."""
        return {"E_g": (1.0 - self.rho, "E_g_sum"), "E_d": (1.0 - self.rho, "E_d_sum")}

    def direction(self, updates, state, params):
        t0 = state["count"]
        rho = self.rho
        eps = self.epsilon / (1.0 - rho)
        k = _lr_factor(self.learning_rate, t0)
        for g, eg, ed, o, tmp in zip(updates, state["E_g_sum"], state["E_d_sum"], state["_out"], state["_tmp"]):
            np.multiply(g, g, out=tmp)
            _accumulate(eg, rho, tmp)           # E_g_sum = rho E_g_sum + g^2
            np.add(ed, eps, out=o)
            np.add(eg, eps, out=tmp)
            o /= tmp
            np.sqrt(o, out=o)
            o *= g                              # delta
            np.multiply(o, o, out=tmp)
            _accumulate(ed, rho, tmp)           # E_d_sum = rho E_d_sum + delta^2
        state["count"] = t0 + 1
        return state["_out"], k
