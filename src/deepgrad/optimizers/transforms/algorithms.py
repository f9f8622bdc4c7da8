"""The algorithms of the notes and of Keras 3, one transformation each, in the notes' units.

Each ``update``/``direction`` reads as its docstring: one formula per line, the formula in the
comment beside it. A moving average ``m <- beta * m + (1 - beta) * g`` is one call
``axpby(1 - beta, g, beta, m)`` (:func:`deepgrad._blas.axpby`: ``y <- a * x + b * y`` in
place, one pass, rounded as NumPy's ``a * x + b * y``); everything else is NumPy ufuncs
writing into the state's arrays or the ``_out``/``_tmp`` buffers (no allocation per step).
Without a ``learning_rate`` a ``scale_by_*`` gives its direction (the update at ``lr = 1``
with the opposite sign), so ``chain(scale_by_adam(), scale_by_learning_rate(lr))`` is
``Adam(lr)`` at a constant rate.
"""

from __future__ import annotations

import math

import numpy as np

from deepgrad._blas import axpby

from .core import GradientTransformation, ScaledDirection, empty_like_all, lr_or_one, value_at, zeros_like_all

__all__ = ["scale_by_momentum", "scale_by_adagrad", "scale_by_rms", "scale_by_adam", "scale_by_nadam",
           "scale_by_adamax", "scale_by_adadelta"]


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
    slots = {"velocity": "real"}

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
            state["_out"] = empty_like_all(params)
        if self._has_slot:
            state["velocity"] = zeros_like_all(params)
        return state

    def _scalars(self, state):
        """``(-(1 - dampening) * lr, mu)`` for this step (``-lr`` without momentum); advances the step count."""
        t = state["count"]
        state["count"] = t + 1
        return -value_at(self.learning_rate, t) * self._damp, value_at(self.momentum, t)

    def update(self, updates, state, params):
        a, mu = self._scalars(state)
        if not self._has_slot:
            for g, o in zip(updates, state["_out"]):
                np.multiply(g, a, out=o)
            return state["_out"], state
        for g, v in zip(updates, state["velocity"]):
            axpby(a, g, mu, v)                  # v <- mu * v - (1 - dampening) * lr * g
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
            axpby(a, g, mu, v)                  # v <- mu * v - (1 - dampening) * lr * g
            if self.nesterov:
                axpby(mu, v, 1.0, p)
                axpby(a, g, 1.0, p)             # w = w + mu*v - lr*g
            else:
                p += v                          # w = w + v
        return state


class scale_by_adagrad(ScaledDirection):
    """Keras Adagrad (epsilon inside the root)::

        a <- a + g^2                       (a_0 = initial_accumulator_value, Keras 0.1)
        w <- w - lr * g / sqrt(a + epsilon)

    State: ``accumulator`` (``a``, >= 0), one per variable.
    """

    name = "adagrad"
    elementwise = True
    slots = {"accumulator": ">= 0"}

    def __init__(self, initial_accumulator_value=0.1, epsilon=1e-7, learning_rate=None):
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "accumulator": [np.full_like(p, self.initial_accumulator_value) for p in params],
                "_out": empty_like_all(params)}

    def direction(self, updates, state, params):
        lr = lr_or_one(self.learning_rate, state["count"])
        for g, a, o in zip(updates, state["accumulator"], state["_out"]):
            np.multiply(g, g, out=o)
            a += o                              # a <- a + g^2
            np.add(a, self.epsilon, out=o)
            np.sqrt(o, out=o)
            np.divide(g, o, out=o)              # g / sqrt(a + epsilon)
        state["count"] += 1
        return state["_out"], -lr if self.learning_rate is not None else 1.0  # w <- w - lr * (...)


class scale_by_rms(ScaledDirection):
    """Keras RMSprop (epsilon inside the root, the learning rate inside the momentum)::

        v <- rho * v + (1 - rho) * g^2
        centered:  gbar <- rho * gbar + (1 - rho) * g;  D = v - gbar^2 + epsilon
        else:      D = v + epsilon
        delta = lr * g / sqrt(D)
        momentum > 0:  M <- momentum * M + delta;  w <- w - M
        else:          w <- w - delta

    State, one per variable: ``velocity`` (``v``, >= 0), ``average_gradient`` (``gbar``,
    centered only; ``v - gbar^2 >= 0``), ``M`` (momentum > 0 only). Without
    ``learning_rate`` the output is the direction ``+M`` or ``+delta`` with ``lr = 1``.
    """

    name = "rmsprop"
    elementwise = True
    slots = {"velocity": ">= 0", "average_gradient": "real", "M": "real"}

    def __init__(self, learning_rate=None, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
        self.learning_rate = learning_rate
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def init(self, params):
        state = {"count": 0, "velocity": zeros_like_all(params), "_out": empty_like_all(params)}
        if self.centered:
            state["average_gradient"] = zeros_like_all(params)
        if self.momentum > 0:
            state["M"] = zeros_like_all(params)
        return state

    def legacy_slots(self):
        sign = 1.0 if self.learning_rate is None else -1.0  # the old slot held the update -M
        return {"v_sum": ("velocity", 1.0 - self.rho), "gbar_sum": ("average_gradient", 1.0 - self.rho),
                "momentum": ("M", sign)}

    def check_slots(self, slots):
        v, gbar = slots.get("velocity"), slots.get("average_gradient")
        if v is not None and gbar is not None:
            # v >= gbar^2 holds exactly (Cauchy-Schwarz on the two moving averages); allow rounding
            if np.any(v - gbar * gbar < -8 * np.finfo(np.result_type(v, 1.0)).eps * np.abs(v)):
                return "the centered variance `velocity - average_gradient^2` must be >= 0"
        return None

    def direction(self, updates, state, params):
        rho, eps = self.rho, self.epsilon
        lr = lr_or_one(self.learning_rate, state["count"])
        n = len(updates)
        gbars, Ms = state.get("average_gradient", [None] * n), state.get("M", [None] * n)
        for g, v, gbar, M, o in zip(updates, state["velocity"], gbars, Ms, state["_out"]):
            np.multiply(g, g, out=o)
            axpby(1.0 - rho, o, rho, v)         # v <- rho * v + (1 - rho) * g^2
            if gbar is not None:
                axpby(1.0 - rho, g, rho, gbar)  # gbar <- rho * gbar + (1 - rho) * g
                np.multiply(gbar, gbar, out=o)
                np.subtract(v, o, out=o)
                o += eps                        # D = v - gbar^2 + epsilon
            else:
                np.add(v, eps, out=o)           # D = v + epsilon
            np.sqrt(o, out=o)
            np.divide(g, o, out=o)              # g / sqrt(D)   (delta = lr * g / sqrt(D))
            if M is not None:
                axpby(lr, o, self.momentum, M)  # M <- momentum * M + delta
        state["count"] += 1
        sign = 1.0 if self.learning_rate is None else -1.0
        if Ms[0] is not None:
            return state["M"], sign             # w <- w - M
        return state["_out"], sign * lr         # w <- w - delta


class scale_by_adam(ScaledDirection):
    """Adam, Keras's form by default (``t`` the 1-based step)::

        m <- beta_1 * m + (1 - beta_1) * g
        v <- beta_2 * v + (1 - beta_2) * g^2
        vhat <- max(vhat, v)              (amsgrad; vhat replaces v below)
        alpha_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        w <- w - alpha_t * m / (sqrt(v) + epsilon)

    ``epsilon_placement="textbook"`` (Kingma & Ba, ``torch.optim.Adam``, the notes 002) puts
    epsilon on the bias-corrected root instead::

        w <- w - lr * (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)

    State, one per variable: ``m`` (first moment), ``v`` (second moment, >= 0), ``vhat``
    (amsgrad only, >= 0). Without ``learning_rate`` the output is the direction (``lr = 1``,
    ``+``).
    """

    name = "adam"
    elementwise = True
    slots = {"m": "real", "v": ">= 0", "vhat": ">= 0"}

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
        state = {"count": 0, "m": zeros_like_all(params), "v": zeros_like_all(params),
                 "_out": empty_like_all(params)}
        if self.amsgrad:
            state["vhat"] = zeros_like_all(params)
        return state

    def legacy_slots(self):
        return {"m_sum": ("m", 1.0 - self.beta_1), "v_sum": ("v", 1.0 - self.beta_2),
                "vmax_sum": ("vhat", 1.0 - self.beta_2)}

    def direction(self, updates, state, params):
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        lr = lr_or_one(self.learning_rate, state["count"])
        t = state["count"] + 1
        vhats = state.get("vhat", [None] * len(updates))
        for g, m, v, vhat, o in zip(updates, state["m"], state["v"], vhats, state["_out"]):
            axpby(1.0 - b1, g, b1, m)           # m <- beta_1 * m + (1 - beta_1) * g
            np.multiply(g, g, out=o)
            axpby(1.0 - b2, o, b2, v)           # v <- beta_2 * v + (1 - beta_2) * g^2
            if vhat is not None:
                np.maximum(vhat, v, out=vhat)   # vhat <- max(vhat, v)
                v = vhat
            if self.epsilon_placement == "keras":
                np.sqrt(v, out=o)
            else:
                np.divide(v, 1.0 - b2 ** t, out=o)
                np.sqrt(o, out=o)               # sqrt(v / (1 - beta_2^t))
            o += eps
            np.divide(m, o, out=o)              # m / (sqrt(...) + epsilon)
        state["count"] = t
        sign = 1.0 if self.learning_rate is None else -1.0
        if self.epsilon_placement == "keras":
            # alpha_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
            alpha_t = lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
            return state["_out"], sign * alpha_t  # w <- w - alpha_t * m / (sqrt(v) + epsilon)
        return state["_out"], sign * lr / (1.0 - b1 ** t)  # w <- w - lr * (m / (1 - beta_1^t)) / (...)


class scale_by_nadam(ScaledDirection):
    """Keras Nadam (Dozat 2016, with Keras's momentum cache; ``t`` the 1-based step)::

        u_t = beta_1 * (1 - 0.5 * 0.96^t);  u_{t+1} = beta_1 * (1 - 0.5 * 0.96^(t+1))
        P_t = P_{t-1} * u_t                 (P_0 = 1)
        m <- beta_1 * m + (1 - beta_1) * g;  v <- beta_2 * v + (1 - beta_2) * g^2
        mhat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)
        vhat = v / (1 - beta_2^t)
        w <- w - lr * mhat / (sqrt(vhat) + epsilon)

    State: ``m``, ``v`` (>= 0) per variable and the scalar ``u_product`` (``P_t``, in (0, 1]).
    """

    name = "nadam"
    elementwise = True
    slots = {"m": "real", "v": ">= 0"}
    scalars = {"u_product": "(0, 1]"}

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-7, learning_rate=None):
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "u_product": 1.0, "m": zeros_like_all(params), "v": zeros_like_all(params),
                "_out": empty_like_all(params), "_tmp": empty_like_all(params)}

    def legacy_slots(self):
        return {"m_sum": ("m", 1.0 - self.beta_1), "v_sum": ("v", 1.0 - self.beta_2)}

    def direction(self, updates, state, params):
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        lr = lr_or_one(self.learning_rate, state["count"])
        t = state["count"] + 1
        u_t = b1 * (1.0 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        P_t = state["u_product"] * u_t          # P_t = P_{t-1} * u_t
        for g, m, v, o, tmp in zip(updates, state["m"], state["v"], state["_out"], state["_tmp"]):
            axpby(1.0 - b1, g, b1, m)           # m <- beta_1 * m + (1 - beta_1) * g
            np.multiply(g, g, out=tmp)
            axpby(1.0 - b2, tmp, b2, v)         # v <- beta_2 * v + (1 - beta_2) * g^2
            np.multiply(m, u_t1 / (1.0 - P_t * u_t1), out=o)
            # mhat = u_{t+1} m / (1 - P_t u_{t+1}) + (1 - u_t) g / (1 - P_t)
            axpby((1.0 - u_t) / (1.0 - P_t), g, 1.0, o)
            np.divide(v, 1.0 - b2 ** t, out=tmp)  # vhat = v / (1 - beta_2^t)
            np.sqrt(tmp, out=tmp)
            tmp += eps
            o /= tmp                            # mhat / (sqrt(vhat) + epsilon)
        state["u_product"] = P_t
        state["count"] = t
        return state["_out"], -lr if self.learning_rate is not None else 1.0  # w <- w - lr * (...)


class scale_by_adamax(ScaledDirection):
    """Keras Adamax (Kingma & Ba 2015, the infinity norm; ``t`` the 1-based step)::

        m <- beta_1 * m + (1 - beta_1) * g
        u <- max(beta_2 * u, |g|)
        w <- w - lr * m / ((1 - beta_1^t) * (u + epsilon))

    State, one per variable: ``m`` and ``norm`` (``u``, >= 0).
    """

    name = "adamax"
    elementwise = True
    slots = {"m": "real", "norm": ">= 0"}

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-7, learning_rate=None):
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "m": zeros_like_all(params), "norm": zeros_like_all(params),
                "_out": empty_like_all(params)}

    def legacy_slots(self):
        return {"m_sum": ("m", 1.0 - self.beta_1)}

    def direction(self, updates, state, params):
        b1, b2 = self.beta_1, self.beta_2
        lr = lr_or_one(self.learning_rate, state["count"])
        t = state["count"] + 1
        for g, m, u, o in zip(updates, state["m"], state["norm"], state["_out"]):
            axpby(1.0 - b1, g, b1, m)           # m <- beta_1 * m + (1 - beta_1) * g
            np.abs(g, out=o)
            u *= b2
            np.maximum(u, o, out=u)             # u <- max(beta_2 * u, |g|)
            np.add(u, self.epsilon, out=o)
            np.divide(m, o, out=o)              # m / (u + epsilon)
        state["count"] = t
        sign = 1.0 if self.learning_rate is None else -1.0
        return state["_out"], sign * lr / (1.0 - b1 ** t)  # w <- w - lr / (1 - beta_1^t) * (...)


class scale_by_adadelta(ScaledDirection):
    """Adadelta (Zeiler 2012; Keras = torch)::

        E_g <- rho * E_g + (1 - rho) * g^2
        delta = sqrt(E_d + epsilon) / sqrt(E_g + epsilon) * g
        E_d <- rho * E_d + (1 - rho) * delta^2
        w <- w - lr * delta

    State, one per variable: ``E_g`` and ``E_d`` (both >= 0).
    """

    name = "adadelta"
    elementwise = True
    slots = {"E_g": ">= 0", "E_d": ">= 0"}

    def __init__(self, rho=0.95, epsilon=1e-7, learning_rate=None):
        self.rho, self.epsilon = rho, epsilon
        self.learning_rate = learning_rate

    def init(self, params):
        return {"count": 0, "E_g": zeros_like_all(params), "E_d": zeros_like_all(params),
                "_out": empty_like_all(params), "_tmp": empty_like_all(params)}

    def legacy_slots(self):
        return {"E_g_sum": ("E_g", 1.0 - self.rho), "E_d_sum": ("E_d", 1.0 - self.rho)}

    def direction(self, updates, state, params):
        rho, eps = self.rho, self.epsilon
        lr = lr_or_one(self.learning_rate, state["count"])
        for g, eg, ed, o, tmp in zip(updates, state["E_g"], state["E_d"], state["_out"], state["_tmp"]):
            np.multiply(g, g, out=tmp)
            axpby(1.0 - rho, tmp, rho, eg)      # E_g <- rho * E_g + (1 - rho) * g^2
            np.add(ed, eps, out=o)
            np.add(eg, eps, out=tmp)
            o /= tmp
            np.sqrt(o, out=o)
            o *= g                              # delta = sqrt(E_d + epsilon) / sqrt(E_g + epsilon) * g
            np.multiply(o, o, out=tmp)
            axpby(1.0 - rho, tmp, rho, ed)      # E_d <- rho * E_d + (1 - rho) * delta^2
        state["count"] += 1
        return state["_out"], -lr if self.learning_rate is not None else 1.0  # w <- w - lr * delta
