"""Learning-rate (and momentum) schedules: ``step -> value``, Keras 3 semantics.

``step`` is the optimizer's ``iterations`` (0-based, one per **batch**): the first update uses
``schedule(0)``. Every schedule is a plain callable with ``get_config``/``from_config`` and
serializes to JSON through :func:`serialize`/:func:`deserialize` (or
``deepgrad.optimizers.serialize``). An optimizer's ``learning_rate`` accepts a float, one of
these, or any callable ``step -> float``.

The notes' decays map as follows (004: ``lr = lr0 / (1 + decay * batch)`` is
``InverseTimeDecay(lr0, decay_steps=1, decay_rate=decay)``, which Keras 2's ``decay=``
argument means; 003's ``eta0 * exp(-k t)`` is ``ExponentialDecay(eta0, 1, exp(-k))``; the
step decay "halve every 5 epochs" is ``ExponentialDecay(lr0, 5 * steps_per_epoch, 0.5,
staircase=True)`` or the ``LearningRateScheduler`` callback).

Every schedule returns a finite real float >= 0 at every step: a growing schedule
(``ExponentialDecay`` with ``decay_rate > 1``, ``CosineDecayRestarts`` with ``m_mul > 1``)
**saturates** at the largest finite float (``sys.float_info.max``) instead of overflowing, and
``PolynomialDecay(cycle=True)`` clamps ``1 - step / T`` at 0 where rounding makes the cycle
end ``T`` fall just below ``step`` (a negative base to a fractional power is not real).
Keras computes these in float32 and returns ``inf`` or ``nan`` there.
"""

from __future__ import annotations

import math
import sys

from deepgrad._validation import check_bool, check_float, check_int
from deepgrad.registry import Registry

SCHEDULES = Registry("learning rate schedule")

__all__ = [
    "LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay",
    "PolynomialDecay", "CosineDecay", "CosineDecayRestarts", "SutskeverMomentum",
    "serialize", "deserialize", "get",
]


class LearningRateSchedule:
    """Base class: ``__call__(step) -> float`` plus ``get_config``/``from_config``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        SCHEDULES.register()(cls)

    def __call__(self, step) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


_MAX = sys.float_info.max


def _scaled_pow(scale, base, exponent):
    """``scale * base ** exponent`` (``scale, base >= 0``), at most the largest finite float
    (``** `` of floats raises OverflowError; a product beyond the range is ``inf``)."""
    if scale == 0.0:
        return 0.0
    try:
        return min(scale * base ** exponent, _MAX)
    except OverflowError:
        return _MAX


def _lr(value, name, where):
    return check_float(value, name, where, low=0.0)


class _RatioDecay(LearningRateSchedule):
    """Shared by the two decays of ``step / decay_steps`` (floored when ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        w = type(self).__name__
        self.initial_learning_rate = _lr(initial_learning_rate, "initial_learning_rate", w)
        self.decay_steps = check_float(decay_steps, "decay_steps", w, low=0.0, low_inclusive=False)
        self.decay_rate = check_float(decay_rate, "decay_rate", w, low=0.0)
        self.staircase = check_bool(staircase, "staircase", w)
        self.name = name or w

    def _ratio(self, step):
        p = step / self.decay_steps  # inf for a tiny decay_steps (1e-300): floor would raise OverflowError
        return math.floor(p) if self.staircase and math.isfinite(p) else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RatioDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; with ``staircase`` the
    exponent is ``floor(step / decay_steps)``. A growing rate (``decay_rate > 1``) saturates at
    ``sys.float_info.max``."""

    def __call__(self, step):
        return _scaled_pow(self.initial_learning_rate, self.decay_rate, self._ratio(step))


class InverseTimeDecay(_RatioDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (the notes' 1/t decay);
    with ``staircase`` the ratio is ``floor(step / decay_steps)``."""

    def __call__(self, step):
        if self.decay_rate == 0.0:  # no decay (and 0 * an infinite ratio would be NaN)
            return self.initial_learning_rate
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._ratio(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        w = "PiecewiseConstantDecay"
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"{w}: `values` must have len(boundaries) + 1 = {len(boundaries) + 1} "
                             f"entries, got {len(values)}.")
        self.boundaries = [check_float(b, "boundaries", w) for b in boundaries]
        if any(b1 <= b0 for b0, b1 in zip(self.boundaries, self.boundaries[1:])):
            raise ValueError(f"{w}: `boundaries` must be increasing, got {boundaries!r}.")
        self.values = [_lr(v, "values", w) for v in values]
        self.name = name

    def __call__(self, step):
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return v
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(lr0 - end) * (1 - min(step, T) / T) ** power + end`` with ``T = decay_steps``;
    with ``cycle``, ``T <- T * ceil(step / T)`` (``T`` itself at step 0) and no clamp of the
    step; ``1 - step / T`` is clamped at 0 (rounding can put ``T`` just below ``step``)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        w = "PolynomialDecay"
        self.initial_learning_rate = _lr(initial_learning_rate, "initial_learning_rate", w)
        self.decay_steps = check_float(decay_steps, "decay_steps", w, low=0.0, low_inclusive=False)
        self.end_learning_rate = _lr(end_learning_rate, "end_learning_rate", w)
        self.power = check_float(power, "power", w, low=0.0)
        self.cycle = check_bool(cycle, "cycle", w)
        self.name = name

    def __call__(self, step):
        T = self.decay_steps
        if self.cycle:
            T = T * (1.0 if step == 0 else math.ceil(step / T))
        else:
            step = min(step, T)
        lr0, end = self.initial_learning_rate, self.end_learning_rate
        return (lr0 - end) * max(0.0, 1.0 - step / T) ** self.power + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power,
                "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay with optional linear warmup (Loshchilov & Hutter 2017; Keras 3).

    Without warmup: ``lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, T) / T)) + alpha)``
    (``alpha`` is relative to ``lr0``; the rate stays at ``alpha * lr0`` after ``T``).
    With ``warmup_target``: for ``step < W = warmup_steps`` the rate goes linearly
    ``lr0 + (warmup_target - lr0) * step / W``, then the cosine above runs from
    ``warmup_target`` over ``min(step - W, T)``.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        w = "CosineDecay"
        self.initial_learning_rate = _lr(initial_learning_rate, "initial_learning_rate", w)
        self.decay_steps = check_float(decay_steps, "decay_steps", w, low=0.0, low_inclusive=False)
        self.alpha = check_float(alpha, "alpha", w, low=0.0, high=1.0)
        self.warmup_target = _lr(warmup_target, "warmup_target", w) if warmup_target is not None else None
        self.warmup_steps = check_float(warmup_steps, "warmup_steps", w, low=0.0)
        self.name = name

    def _decay(self, step, lr_from):
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return lr_from * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        W = self.warmup_steps
        step = min(step, self.decay_steps + W)
        if step < W:
            return (self.warmup_target - self.initial_learning_rate) * (step / W) + self.initial_learning_rate
        return self._decay(step - W, self.warmup_target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR warm restarts (the notes' cyclical rates; Loshchilov & Hutter 2017, Keras 3).

    ``f = step / first_decay_steps``; with ``t_mul == 1``: ``i = floor(f)``, ``f -= i``;
    else ``i = floor(log(1 - f (1 - t_mul)) / log(t_mul))``,
    ``f = (f - (1 - t_mul^i) / (1 - t_mul)) / t_mul^i``; the rate is
    ``lr0 * ((1 - alpha) * 0.5 * m_mul^i * (1 + cos(pi f)) + alpha)``; with ``m_mul > 1`` it
    saturates at ``sys.float_info.max``.

    Period ``i`` lasts ``first_decay_steps * t_mul^i`` steps. With ``0 < t_mul < 1`` the periods
    shrink and all of them fit in ``first_decay_steps / (1 - t_mul)`` steps: the formula holds
    before that step and calling the schedule at or after it raises ValueError naming
    ``t_mul`` (Keras's formula takes the log of a number <= 0 there and returns NaN).
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        w = "CosineDecayRestarts"
        self.initial_learning_rate = _lr(initial_learning_rate, "initial_learning_rate", w)
        self.first_decay_steps = check_float(first_decay_steps, "first_decay_steps", w, low=0.0,
                                             low_inclusive=False)
        self.t_mul = check_float(t_mul, "t_mul", w, low=0.0, low_inclusive=False)
        self.m_mul = check_float(m_mul, "m_mul", w, low=0.0)
        self.alpha = check_float(alpha, "alpha", w, low=0.0, high=1.0)
        self.name = name

    def __call__(self, step):
        f = step / self.first_decay_steps
        t_mul = self.t_mul
        if t_mul == 1.0:
            i = math.floor(f)
            f -= i
        else:
            x = 1.0 - f * (1.0 - t_mul)
            if x <= 0.0:
                raise ValueError(
                    f"CosineDecayRestarts: with `t_mul`={t_mul!r} < 1 every restart fits in "
                    f"first_decay_steps / (1 - t_mul) = {self.first_decay_steps / (1.0 - t_mul)!r} steps; "
                    f"got step {step!r}. Use t_mul >= 1 to train longer.")
            i = math.floor(math.log(x) / math.log(t_mul))
            f = (f - (1.0 - t_mul ** i) / (1.0 - t_mul)) / t_mul ** i
        lr0, alpha = self.initial_learning_rate, self.alpha
        cosine = _scaled_pow(0.5 * (1.0 + math.cos(math.pi * f)) * (1.0 - alpha) * lr0, self.m_mul, i)
        return min(cosine + alpha * lr0, _MAX)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


class SutskeverMomentum(LearningRateSchedule):
    """Momentum schedule of Sutskever et al. (2013), the notes 003:

    ``mu_t = min(1 - 2 ** (-1 - log2(floor(t / steps_per_stage) + 1)), max_momentum)``
    = ``min(1 - 1 / (2 (floor(t / 250) + 1)), mu_max)``: 0.5, 0.75, 0.833, ... every 250 steps.
    Pass it as ``SGD(momentum=SutskeverMomentum(0.99))``.
    """

    def __init__(self, max_momentum=0.99, steps_per_stage=250):
        w = "SutskeverMomentum"
        self.max_momentum = check_float(max_momentum, "max_momentum", w, low=0.0, high=1.0,
                                        high_inclusive=False)
        self.steps_per_stage = check_int(steps_per_stage, "steps_per_stage", w, minimum=1)

    def __call__(self, step):
        k = math.floor(step / self.steps_per_stage)
        return min(1.0 - 2.0 ** (-1.0 - math.log2(k + 1)), self.max_momentum)

    def get_config(self):
        return {"max_momentum": self.max_momentum, "steps_per_stage": self.steps_per_stage}


def serialize(schedule) -> dict:
    """``{"class_name": ..., "config": ...}`` (JSON-serializable)."""
    if not isinstance(schedule, LearningRateSchedule):
        raise TypeError(f"serialize: `schedule` must be a LearningRateSchedule, got {type(schedule).__name__}.")
    return SCHEDULES.serialize(schedule)


def deserialize(config) -> LearningRateSchedule:
    """Inverse of :func:`serialize` (only registered schedule classes can be produced)."""
    if not isinstance(config, dict):
        raise TypeError(f"deserialize: `config` must be a dict, got {type(config).__name__}.")
    return SCHEDULES.get(config, "config")


def get(identifier):
    """A schedule from a schedule object or a ``{"class_name", "config"}`` dict."""
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    return deserialize(identifier)
