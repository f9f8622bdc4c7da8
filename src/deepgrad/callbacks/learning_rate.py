"""Learning-rate callbacks (Keras 3 semantics): per-epoch schedules and plateau reduction.

Both set ``model.optimizer.learning_rate`` (a float; an optimizer built with a schedule object
refuses, as in Keras) and write the rate of the epoch into the epoch logs as
``logs["learning_rate"]``, so it lands in ``History`` (which ``fit`` runs after the user's
callbacks).
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings

import numpy as np

from deepgrad._validation import check_choice, check_float, check_int

from .base import Callback

__all__ = ["LearningRateScheduler", "ReduceLROnPlateau"]


def _optimizer(callback):
    model = callback.model
    opt = getattr(model, "optimizer", None)
    if opt is None or not hasattr(opt, "learning_rate"):
        raise ValueError(f"{type(callback).__name__}: the model's optimizer must have a `learning_rate` "
                         f"attribute, got {opt!r}.")
    return opt


def _settable_optimizer(callback):
    """The model's optimizer, refused before training starts when its rate is a schedule (the
    callback would set a float into it; Keras raises TypeError only at the first change)."""
    opt = _optimizer(callback)
    schedule = getattr(opt, "learning_rate_schedule", None)
    if schedule is not None:
        raise TypeError(f"{type(callback).__name__}: the optimizer's `learning_rate` is a schedule "
                        f"({schedule!r}), which this callback cannot set; give the optimizer a float "
                        f"learning rate, or use the schedule alone.")
    return opt


def _takes_two_arguments(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from ``schedule``.

    ``schedule(epoch, lr) -> new_lr`` (``epoch`` 0-based, ``lr`` the current rate) or
    ``schedule(epoch) -> new_lr`` (chosen from the function's signature; Keras tries the first
    and falls back on a TypeError). The value must be a finite real number >= 0 (ValueError
    otherwise; Keras accepts only floats, ints are accepted here). ``verbose=1`` prints
    ``Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.``

    The notes' step decay, "halve the rate every 5 epochs"::

        LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch and epoch % 5 == 0 else lr)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: `schedule` must be callable, got {type(schedule).__name__}.")
        self.schedule = schedule
        self.verbose = check_int(verbose, "verbose", "LearningRateScheduler", minimum=0)
        self._two = _takes_two_arguments(schedule)

    def on_train_begin(self, logs=None):
        _settable_optimizer(self)

    def on_epoch_begin(self, epoch, logs=None):
        opt = _optimizer(self)
        lr = float(opt.learning_rate)
        value = self.schedule(epoch, lr) if self._two else self.schedule(epoch)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
                or not math.isfinite(float(value)) or value < 0:
            raise ValueError(f"LearningRateScheduler: the output of `schedule` must be a finite float >= 0, "
                             f"got {value!r} at epoch {epoch}.")
        opt.learning_rate = float(value)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(value)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(_optimizer(self).learning_rate)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving (Keras 3).

    At each epoch end (``current = logs[monitor]``; "min" mode shown, "max" mirrored):

    - the rate of the epoch goes into ``logs["learning_rate"]`` (before any cut);
    - in cooldown: ``cooldown_counter -= 1``, ``wait = 0``;
    - ``current < best - min_delta`` (absolute ``min_delta``): ``best = current``, ``wait = 0``;
    - otherwise, if not in cooldown: ``wait += 1``; when ``wait >= patience`` and
      ``lr > float32(min_lr)``: ``lr = max(lr * factor, min_lr)``,
      ``cooldown_counter = cooldown``, ``wait = 0``.

    So the rate is cut after ``patience`` epochs without improvement (torch's scheduler waits
    ``patience + 1``), and ``cooldown=1`` changes nothing (the counter is decremented before
    the test). ``mode="auto"`` is "max" when the monitor's name contains "acc", else "min".
    The notes' "halve the rate when the validation error rises" is
    ``ReduceLROnPlateau("val_loss", factor=0.5, patience=1)``.
    Defaults: ``monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
    min_delta=1e-4, cooldown=0, min_lr=0.0``.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        w = "ReduceLROnPlateau"
        if not isinstance(monitor, str):
            raise TypeError(f"{w}: `monitor` must be a str, got {type(monitor).__name__}.")
        self.monitor = monitor
        self.factor = check_float(factor, "factor", w, low=0.0, high=1.0, high_inclusive=False)
        self.patience = check_int(patience, "patience", w, minimum=0)
        self.verbose = check_int(verbose, "verbose", w, minimum=0)
        self.mode = check_choice(mode, "mode", ("auto", "min", "max"), w)
        self.min_delta = check_float(min_delta, "min_delta", w, low=0.0)
        self.cooldown = check_int(cooldown, "cooldown", w, minimum=0)
        self.min_lr = check_float(min_lr, "min_lr", w, low=0.0)
        self._reset()

    def _reset(self):
        self._maximize = self.mode == "max" or (self.mode == "auto" and "acc" in self.monitor)
        self.best = -np.inf if self._maximize else np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def _improved(self, current):
        if self._maximize:
            return current > self.best + self.min_delta
        return current < self.best - self.min_delta

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        _settable_optimizer(self)
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        opt = _optimizer(self)
        logs["learning_rate"] = float(opt.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"ReduceLROnPlateau: learning rate reduction is conditioned on metric "
                          f"`{self.monitor}`, which is not available. Available metrics: "
                          f"{','.join(sorted(logs))}.", RuntimeWarning, stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old = float(opt.learning_rate)
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    opt.learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
