"""Keras 3 optimizers as thin presets over :mod:`.transforms`.

Every class also takes the base arguments (``weight_decay``, ``clipnorm``, ``clipvalue``,
``global_clipnorm``, ``name``, and the legacy ``lr=``/``decay=``); see
:class:`~deepgrad.optimizers.base.Optimizer`. In the equations ``g`` is the gradient (after
clipping), ``w`` the variable, ``lr`` the learning rate at the current step and ``t`` the
1-based step (``iterations + 1``). Every slot starts at 0 except Adagrad's accumulator.
The moving averages are written as in the notes, ``m <- beta_1 * m + (1 - beta_1) * g``;
Keras writes ``m <- m + (g - m) * (1 - beta_1)``, the same number up to the last bit. The
optimizer's state (``get_state``) holds exactly these quantities, named as here; every
per-variable slot (``m``, ``v``, ``velocity``, ...) and ``g`` have the variable's shape, the
slots its dtype too. Every class also takes Keras 3's ``use_ema``, ``ema_momentum``,
``ema_overwrite_frequency`` and ``gradient_accumulation_steps`` (see the base class).

Batch gradient descent, stochastic gradient descent and mini-batch gradient descent are the
same optimizer: only the ``batch_size`` given to ``fit`` differs (``len(x)``: batch GD, ``1``:
SGD, anything between: mini-batch).
"""

from __future__ import annotations

from deepgrad._validation import check_bool, check_float

from . import schedules
from . import transforms as T
from .base import Optimizer


def _unit(value, name, where):
    """A float in [0, 1) (momentum, rho, betas)."""
    return check_float(value, name, where, low=0.0, high=1.0, high_inclusive=False)


def _positive(value, name, where):
    return check_float(value, name, where, low=0.0, low_inclusive=False)


class SGD(Optimizer):
    """Gradient descent with (Nesterov) momentum, Keras's form (the learning rate sits inside the buffer).

    ::

        v <- momentum * v - (1 - dampening) * lr * g        (v_0 = 0)
        w <- w + v                                          (nesterov=False)
        w <- w + momentum * v - (1 - dampening) * lr * g    (nesterov=True, with the new v)

    With ``momentum=0``: ``w <- w - lr * g`` (``dampening`` only acts with momentum, as in
    ``torch.optim.SGD``). Defaults: ``learning_rate=0.01, momentum=0.0,
    nesterov=False, dampening=0.0``. ``momentum`` may be a schedule of the step (e.g.
    ``schedules.SutskeverMomentum``).

    The notes' spellings: 000 is this rule (``mu`` = momentum); 003's ``v <- gamma v + lr g;
    w <- w - v`` is the same with ``v`` negated; 002/004's moving average
    ``v <- beta v + (1 - beta) g; w <- w - lr v`` is ``dampening=beta`` (``momentum=beta``):
    with ``V = -lr v`` it reads ``V <- beta V - (1 - beta) lr g; w <- w + V``, i.e. classical
    momentum with the rate scaled by ``1 - beta`` (exactly, at a constant rate). Unlike
    ``torch.optim.SGD(dampening=...)``, whose buffer starts at the first gradient undamped,
    the velocity starts at 0 as in the notes.

    Nesterov: the notes (003) take the gradient at the look-ahead point,
    ``w_la = w - gamma v; v <- gamma v + lr grad(w_la); w <- w - v``. Keras (and torch) track
    the look-ahead point itself: with ``u = w - gamma v`` (and ``V = -v``) the loop becomes
    ``V <- gamma V - lr grad(u); u <- u + gamma V - lr grad(u)``, the rule above with
    ``w`` standing for the look-ahead point. Both produce the same sequence of gradients and
    iterates (shifted by ``gamma v``), and coincide at the end when ``v -> 0``.
    """

    _default_learning_rate = 0.01

    def __init__(self, learning_rate=None, momentum=0.0, nesterov=False, dampening=0.0, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if callable(momentum):
            self.momentum = momentum
        else:
            self.momentum = _unit(momentum, "momentum", "SGD")
        self.nesterov = check_bool(nesterov, "nesterov", "SGD")
        self.dampening = _unit(dampening, "dampening", "SGD")

    def _algorithm(self, learning_rate):
        return T.scale_by_momentum(learning_rate, self.momentum, self.nesterov, self.dampening)

    def _check_step(self, step):
        super()._check_step(step)
        if callable(self.momentum):
            value = float(self.momentum(step // self._k))  # the steps taken (the transform's count)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"SGD: the `momentum` schedule returned {value!r} at step {step}; "
                                 "expected a float in [0, 1).")

    def _hyper_config(self):
        momentum = self.momentum
        if callable(momentum):
            momentum = schedules.serialize(momentum)
        return {"momentum": momentum, "nesterov": self.nesterov, "dampening": self.dampening}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("momentum"), dict):
            config["momentum"] = schedules.deserialize(config["momentum"])
        return super().from_config(config)


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011), Keras's form (epsilon inside the root)::

        a <- a + g^2                       (a_0 = initial_accumulator_value)
        w <- w - lr * g / sqrt(a + epsilon)

    Defaults: ``learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7``.
    """

    def __init__(self, learning_rate=None, initial_accumulator_value=0.1, epsilon=1e-7, name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = check_float(initial_accumulator_value, "initial_accumulator_value",
                                                     "Adagrad", low=0.0)
        self.epsilon = _positive(epsilon, "epsilon", "Adagrad")

    def _algorithm(self, learning_rate):
        return T.scale_by_adagrad(self.initial_accumulator_value, self.epsilon, learning_rate)

    def _hyper_config(self):
        return {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """RMSprop (Hinton 2012), Keras's form (epsilon inside the root, the rate inside the momentum)::

        v <- rho * v + (1 - rho) * g^2
        centered:  gbar <- rho * gbar + (1 - rho) * g;  D = v - gbar^2 + epsilon
        else:      D = v + epsilon
        delta = lr * g / sqrt(D)
        momentum > 0:  M <- momentum * M + delta;  w <- w - M
        else:          w <- w - delta

    Defaults: ``learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False``.
    """

    def __init__(self, learning_rate=None, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = _unit(rho, "rho", "RMSprop")
        self.momentum = _unit(momentum, "momentum", "RMSprop")
        self.epsilon = _positive(epsilon, "epsilon", "RMSprop")
        self.centered = check_bool(centered, "centered", "RMSprop")

    def _algorithm(self, learning_rate):
        return T.scale_by_rms(learning_rate, self.rho, self.momentum, self.epsilon, self.centered)

    def _hyper_config(self):
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), Keras's form::

        m <- beta_1 * m + (1 - beta_1) * g
        v <- beta_2 * v + (1 - beta_2) * g^2
        vhat <- max(vhat, v)              (amsgrad; vhat replaces v below)
        alpha_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        w <- w - alpha_t * m / (sqrt(v) + epsilon)

    Epsilon is added to the *uncorrected* root: this equals the textbook/torch form
    ``w - lr * mhat / (sqrt(vhat) + eps_t)`` with ``eps_t = epsilon / sqrt(1 - beta_2^t)``
    (``transforms.scale_by_adam(epsilon_placement="textbook")`` gives the textbook one).
    Defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False``.
    """

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        where = type(self).__name__
        self.beta_1 = _unit(beta_1, "beta_1", where)
        self.beta_2 = _unit(beta_2, "beta_2", where)
        self.epsilon = _positive(epsilon, "epsilon", where)
        self.amsgrad = check_bool(amsgrad, "amsgrad", where)

    def _algorithm(self, learning_rate):
        return T.scale_by_adam(self.beta_1, self.beta_2, self.epsilon, self.amsgrad, learning_rate)

    def _hyper_config(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), Keras's form::

        w <- w - lr * weight_decay * w      (then the Adam step above)

    ``AdamW(weight_decay=wd)`` equals ``Adam(weight_decay=wd)``; only the default differs.
    Defaults: ``learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
    epsilon=1e-7, amsgrad=False`` (torch: weight_decay 0.01, eps 1e-8).
    """

    def __init__(self, learning_rate=None, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adamw", **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: `weight_decay` must be a float >= 0, got None.")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, name=name, weight_decay=weight_decay, **kwargs)


class Nadam(Optimizer):
    """Nadam (Dozat 2016), Keras's form::

        u_t = beta_1 * (1 - 0.5 * 0.96^t);  u_{t+1} = beta_1 * (1 - 0.5 * 0.96^(t+1))
        P_t = P_{t-1} * u_t                 (P_0 = 1)
        m <- beta_1 * m + (1 - beta_1) * g;  v <- beta_2 * v + (1 - beta_2) * g^2
        mhat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)
        vhat = v / (1 - beta_2^t)
        w <- w - lr * mhat / (sqrt(vhat) + epsilon)

    Defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7``
    (= ``torch.optim.NAdam(momentum_decay=1.0)``).
    """

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _unit(beta_1, "beta_1", "Nadam")
        self.beta_2 = _unit(beta_2, "beta_2", "Nadam")
        self.epsilon = _positive(epsilon, "epsilon", "Nadam")

    def _algorithm(self, learning_rate):
        return T.scale_by_nadam(self.beta_1, self.beta_2, self.epsilon, learning_rate)

    def _hyper_config(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adamax(Optimizer):
    """Adamax (Kingma & Ba 2015, infinity norm), Keras's form::

        m <- beta_1 * m + (1 - beta_1) * g
        u <- max(beta_2 * u, |g|)
        w <- w - lr * m / ((1 - beta_1^t) * (u + epsilon))

    Defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7``.
    """

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _unit(beta_1, "beta_1", "Adamax")
        self.beta_2 = _unit(beta_2, "beta_2", "Adamax")
        self.epsilon = _positive(epsilon, "epsilon", "Adamax")

    def _algorithm(self, learning_rate):
        return T.scale_by_adamax(self.beta_1, self.beta_2, self.epsilon, learning_rate)

    def _hyper_config(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012); Keras and torch agree::

        E_g <- rho * E_g + (1 - rho) * g^2
        delta = sqrt(E_d + epsilon) / sqrt(E_g + epsilon) * g
        E_d <- rho * E_d + (1 - rho) * delta^2
        w <- w - lr * delta

    Defaults: ``learning_rate=0.001, rho=0.95, epsilon=1e-7`` (torch: lr 1.0, rho 0.9, eps 1e-6).
    """

    def __init__(self, learning_rate=None, rho=0.95, epsilon=1e-7, name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = _unit(rho, "rho", "Adadelta")
        self.epsilon = _positive(epsilon, "epsilon", "Adadelta")

    def _algorithm(self, learning_rate):
        return T.scale_by_adadelta(self.rho, self.epsilon, learning_rate)

    def _hyper_config(self):
        return {"rho": self.rho, "epsilon": self.epsilon}


class Lion(Optimizer):
    """Lion (Chen et al. 2023, "symbolic discovery"), Keras 3's form::

        c = beta_1 * m + (1 - beta_1) * g
        w <- w - lr * sign(c)
        m <- beta_2 * m + (1 - beta_2) * g

    Every coordinate moves by exactly ``lr`` (or 0): use a learning rate 3-10x smaller than
    Adam's. Defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.99`` (``beta_1`` in (0, 1],
    as Keras: at 0 Lion is signSGD).
    """

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.99, name="lion", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = check_float(beta_1, "beta_1", "Lion", low=0.0, low_inclusive=False, high=1.0)
        self.beta_2 = _unit(beta_2, "beta_2", "Lion")

    def _algorithm(self, learning_rate):
        return T.scale_by_lion(self.beta_1, self.beta_2, learning_rate)

    def _hyper_config(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2}


class Lamb(Optimizer):
    """Lamb (You et al. 2019, layer-wise adaptive Adam), Keras 3's form (norms per variable)::

        m <- beta_1 * m + (1 - beta_1) * g
        v <- beta_2 * v + (1 - beta_2) * g^2
        r = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)
        ratio = ||w|| / ||r||          (1 if either norm is 0)
        w <- w - ratio * lr * r

    Defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7``. With
    ``weight_decay`` Keras reads ``||w||`` after the decay, deepgrad before it.
    """

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="lamb", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _unit(beta_1, "beta_1", "Lamb")
        self.beta_2 = _unit(beta_2, "beta_2", "Lamb")
        self.epsilon = _positive(epsilon, "epsilon", "Lamb")

    def _algorithm(self, learning_rate):
        return T.scale_by_lamb(self.beta_1, self.beta_2, self.epsilon, learning_rate)

    def _hyper_config(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Ftrl(Optimizer):
    """FTRL-Proximal (McMahan et al. 2013), Keras 3's form (``p = learning_rate_power``,
    ``l1``/``l2`` the regularization strengths)::

        l2 = l2_regularization_strength + beta / (2 * lr)
        g2 = g + 2 * l2_shrinkage_regularization_strength * w
        n_new = n + g^2                     (n_0 = initial_accumulator_value)
        z <- z + g2 - (n_new^(-p) - n^(-p)) / lr * w
        quadratic = n_new^(-p) / lr + 2 * l2
        w <- (clip(z, -l1, l1) - z) / quadratic
        n <- n_new

    Defaults: ``learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
    l1_regularization_strength=0.0, l2_regularization_strength=0.0,
    l2_shrinkage_regularization_strength=0.0, beta=0.0``. The learning rate must be > 0 at
    every step (the rule divides by it).
    """

    def __init__(self, learning_rate=None, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, name="ftrl", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        w = "Ftrl"
        self.learning_rate_power = check_float(learning_rate_power, "learning_rate_power", w, high=0.0)
        self.initial_accumulator_value = check_float(initial_accumulator_value, "initial_accumulator_value", w,
                                                     low=0.0)
        self.l1_regularization_strength = check_float(l1_regularization_strength, "l1_regularization_strength",
                                                      w, low=0.0)
        self.l2_regularization_strength = check_float(l2_regularization_strength, "l2_regularization_strength",
                                                      w, low=0.0)
        self.l2_shrinkage_regularization_strength = check_float(
            l2_shrinkage_regularization_strength, "l2_shrinkage_regularization_strength", w, low=0.0)
        self.beta = check_float(beta, "beta", w, low=0.0)

    def _algorithm(self, learning_rate):
        return T.scale_by_ftrl(learning_rate, self.learning_rate_power, self.initial_accumulator_value,
                               self.l1_regularization_strength, self.l2_regularization_strength,
                               self.l2_shrinkage_regularization_strength, self.beta)

    def _check_step(self, step):
        super()._check_step(step)
        if self._lr_at(step) == 0:
            raise ValueError(f"Ftrl: the `learning_rate` is 0 at step {step}; Ftrl divides by it (use > 0).")

    def _hyper_config(self):
        return {k: getattr(self, k) for k in (
            "learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
            "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta")}


class TransformOptimizer(Optimizer):
    """Wrap any transformation (e.g. your own ``chain(...)``) in the optimizer API.

    The transformation's updates are added to the parameters, so it must end with the
    ``-learning_rate`` scaling (e.g. ``transforms.scale_by_learning_rate(0.1)``). The
    optimizer's own ``learning_rate`` is unused unless passed to the pieces as
    ``opt._lr_at``; clipping and weight decay arguments are added around it as usual.
    """

    def __init__(self, transform, **kwargs):
        if not (hasattr(transform, "init") and hasattr(transform, "update")):
            raise TypeError(f"TransformOptimizer: `transform` must have init/update, got {type(transform).__name__}.")
        self.transform = transform
        super().__init__(**kwargs)

    def _algorithm(self, learning_rate):
        return self.transform

    def get_config(self):
        raise TypeError("TransformOptimizer.get_config: a user-defined transformation is not serializable.")
