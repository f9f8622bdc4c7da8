"""``ModelCheckpoint``: save the model (or its weights) during training (Keras semantics).

Every save is atomic (see :mod:`deepgrad.io`): an interrupted save leaves the previous file.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np

from .._validation import check_bool, check_float, check_int
from .base import Callback
from .early_stopping import check_monitor_args, monitor_direction


class ModelCheckpoint(Callback):
    """Save the model after every epoch (or every ``save_freq`` batches).

    Args:
        filepath: where to save; formatted with ``str.format(epoch=epoch + 1, **logs)``
            (``"ckpt-{epoch:02d}-{val_loss:.3f}.deepgrad"``), and ``batch=batch + 1`` when
            saving by batches. Must end in ``.deepgrad`` or ``.keras`` (a Keras 3 file, see
            :mod:`deepgrad.models.keras_file`), or ``.safetensors`` when ``save_weights_only``
            (Keras: ``.weights.h5``).
        monitor: the logged quantity compared by ``save_best_only`` (default ``"val_loss"``).
        verbose: 1 prints ``Epoch 1: val_loss improved from None to 0.17702, saving model to ...``.
        save_best_only: save only when ``monitor`` improves on the best value so far (the first
            value always counts as an improvement unless ``initial_value_threshold`` is given).
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: ``"auto"`` (accuracy-like names max, anything else min), ``"min"``, ``"max"``.
        save_freq: ``"epoch"`` or a number of batches.
        initial_value_threshold: the best value to beat at the start (``save_best_only``).
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        where = "ModelCheckpoint"
        self.save_weights_only = check_bool(save_weights_only, "save_weights_only", where)
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(f"{where}: `filepath` must be a str or os.PathLike, got {type(filepath).__name__}.")
        filepath = os.fspath(filepath)
        suffixes = (".safetensors",) if self.save_weights_only else (".deepgrad", ".keras")
        if not filepath.endswith(suffixes):
            raise ValueError(f"{where}: `filepath` must end in {' or '.join(map(repr, suffixes))} when "
                             f"save_weights_only={self.save_weights_only}, got {filepath!r}.")
        self.filepath = filepath
        self.monitor = monitor
        self.mode = check_monitor_args(monitor, mode, where)
        self.verbose = check_int(verbose, "verbose", where, minimum=0)
        self.save_best_only = check_bool(save_best_only, "save_best_only", where)
        if save_freq != "epoch":
            if isinstance(save_freq, str):
                raise ValueError(f"{where}: `save_freq` must be 'epoch' or an int >= 1, got {save_freq!r}.")
            check_int(save_freq, "save_freq", where, minimum=1)
        self.save_freq = save_freq
        self.best = check_float(initial_value_threshold, "initial_value_threshold", where, allow_none=True)
        self._direction = monitor_direction(monitor, self.mode, where, strict=False)
        self._batches_since_save = 0
        self._current_epoch = 0

    def _is_improvement(self, value):
        if self.best is None:
            return True
        return value < self.best if self._direction == "min" else value > self.best

    def _path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except (KeyError, IndexError, ValueError) as e:
            raise KeyError(f'ModelCheckpoint: failed to format `filepath` "{self.filepath}" with the logs '
                           f'{sorted(logs)}: {type(e).__name__}: {e}') from None

    def on_train_begin(self, logs=None):
        """Refuse, before the first step, what would only fail after an epoch: a ``{val_...}``
        field in ``filepath`` without validation data, or a folder that cannot be written."""
        where = "ModelCheckpoint"
        if "{val_" in self.filepath and self.params.get("do_validation") is False:
            raise ValueError(f"{where}: `filepath` {self.filepath!r} uses a validation metric, but fit "
                             f"got no validation_data or validation_split.")
        folder = os.path.dirname(os.path.abspath(self.filepath))
        if "{" not in folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)):
            raise ValueError(f"{where}: the folder of `filepath` {folder!r} does not exist or is not writable.")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _save(self, epoch, batch, logs):
        path = self._path(epoch, batch, logs)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"ModelCheckpoint: can save best model only with {self.monitor} available, "
                              f"skipping.", RuntimeWarning, stacklevel=3)
                return
            current = float(np.asarray(current))
            if math.isnan(current) or not self._is_improvement(current):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {_fmt(self.best)}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {_fmt(self.best)} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


def _fmt(value):
    return "None" if value is None else f"{value:.5f}"
