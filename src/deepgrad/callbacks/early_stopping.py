"""``EarlyStopping``: stop training when a monitored quantity has stopped improving (Keras semantics)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._validation import check_bool, check_choice, check_float, check_int
from .base import Callback

_MAX_WORDS = ("acc", "auc", "precision", "recall", "fmeasure", "f1")


def monitor_direction(monitor: str, mode: str, where: str, strict: bool):
    """``"min"`` or ``"max"`` for ``monitor`` under ``mode`` ('auto' infers it from the name).

    ``auto``: names ending in ``loss`` (``loss``, ``val_loss``) or error metrics are minimized,
    accuracy-like names (``acc``, ``auc``, ``precision``, ``recall``) maximized. Anything else
    raises ``ValueError`` when ``strict`` (EarlyStopping), else is minimized (ModelCheckpoint).
    """
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if any(w in name for w in _MAX_WORDS):
        return "max"
    if name.endswith(("loss", "mse", "mae", "mape", "msle")) or "error" in name or not strict:
        return "min"
    raise ValueError(f"{where}: cannot tell whether `monitor`={monitor!r} should be minimized or "
                     f"maximized; pass `mode`='min' or `mode`='max'.")


def check_monitor_args(monitor, mode, where):
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"{where}: `monitor` must be a non-empty str (e.g. 'val_loss'), got {monitor!r}.")
    return check_choice(mode, "mode", ("auto", "min", "max"), where)


class EarlyStopping(Callback):
    """Stop ``fit`` when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: the logged quantity to watch (default ``"val_loss"``).
        min_delta: an improvement must beat the best value by more than ``|min_delta|``:
            ``current + |min_delta| < best`` (mode min) or ``current - |min_delta| > best`` (max).
        patience: epochs without improvement after which training stops (default 0).
        verbose: 1 prints ``Epoch N: early stopping`` (and the restore message).
        mode: ``"auto"`` (from the name: losses min, accuracies max), ``"min"`` or ``"max"``.
        baseline: a value the monitored quantity must beat; until it does, the patience
            counter keeps running even when the value improves on the best so far.
        restore_best_weights: at the end of training (stopped early or not), set the weights
            of the best epoch.
        start_from_epoch: epochs (0-based) before this one are ignored (warm-up).

    Each epoch (Keras's algorithm): ``wait += 1``; on an improvement the best value (and
    weights) are recorded and, if ``baseline`` is None or beaten, ``wait = 0``; otherwise
    training stops once ``wait >= patience`` and ``epoch > 0``. A constant loss stops after
    2 epochs with patience 0 and after 3 with patience 2. ``stopped_epoch`` and
    ``best_epoch`` (0-based) are kept. ``best`` starts at +Inf (mode min) or -Inf (max), and a
    NaN value counts as the worst possible value, so neither is ever an improvement.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        where = "EarlyStopping"
        self.monitor = monitor
        self.mode = check_monitor_args(monitor, mode, where)
        self.min_delta = abs(check_float(min_delta, "min_delta", where))
        self.patience = check_int(patience, "patience", where, minimum=0)
        self.verbose = check_int(verbose, "verbose", where, minimum=0)
        self.baseline = check_float(baseline, "baseline", where, allow_none=True)
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights", where)
        self.start_from_epoch = check_int(start_from_epoch, "start_from_epoch", where, minimum=0)
        self._direction = None if mode == "auto" else mode
        if mode == "auto":  # fail at construction for names that cannot be inferred
            self._direction = monitor_direction(monitor, mode, where, strict=True)
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value, reference):
        if self._direction == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        # as Keras: the best starts at the worst value, so an Inf or NaN first epoch is no improvement
        self.best = math.inf if self._direction == "min" else -math.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"EarlyStopping: the monitored metric {self.monitor!r} is not in the logs; "
                          f"available: {sorted(logs or {})}.", RuntimeWarning, stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        current = float(np.asarray(current))
        if math.isnan(current):
            current = math.inf if self._direction == "min" else -math.inf
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
