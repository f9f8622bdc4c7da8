"""``TerminateOnNaN``: stop training when the loss becomes NaN or Inf, optionally undoing the damage."""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_bool
from .base import Callback


class TerminateOnNaN(Callback):
    """Stop ``fit`` at the first batch whose loss is NaN or Inf.

    Prints Keras's message ``Batch {b}: Invalid loss, terminating training`` followed by
    `` (epoch {e}, loss {value})`` (``b`` 0-based within the epoch, ``e`` 1-based as in the
    progress bar) and records ``stopped_epoch`` and ``stopped_batch`` (both 0-based).

    Args:
        raise_error: raise ``RuntimeError`` instead of stopping, with Keras's message
            ``NaN or Inf loss encountered at batch {b}. Loss value: {loss}. Terminating
            training immediately.`` (nothing printed).
        restore_weights: when the loss goes bad, put back the weights (and optimizer state)
            that produced the last finite batch loss: those in place at the start of the
            previous batch. The loss of batch ``b`` is computed with the weights left by step
            ``b - 1``; a non-finite loss means that step already went wrong, so the weights
            before it are the last ones known to be good. (At the first batch of a ``fit``
            nothing older exists and the weights from its start are restored.) Costs two
            weight copies per batch, so it is off by default.
    """

    def __init__(self, raise_error=False, restore_weights=False):
        super().__init__()
        self.raise_error = check_bool(raise_error, "raise_error", "TerminateOnNaN")
        self.restore_weights = check_bool(restore_weights, "restore_weights", "TerminateOnNaN")
        self.stopped_epoch = None
        self.stopped_batch = None
        self._epoch = 0
        self._snapshots = [None, None]  # [before the previous batch, before this batch]

    def on_train_begin(self, logs=None):
        self.stopped_epoch = self.stopped_batch = None
        self._snapshots = [None, None]

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.restore_weights:
            older, newer = self._snapshots
            self._snapshots = [newer, self._snapshot(reuse=older)]

    def _snapshot(self, reuse=None):
        weights = [w.value for w in self.model.weights]
        if reuse is not None and len(reuse[0]) == len(weights):
            for dst, src in zip(reuse[0], weights):
                np.copyto(dst, src)
            arrays = reuse[0]
        else:
            arrays = [w.copy() for w in weights]
        opt = self.model.optimizer
        return arrays, (opt.get_state() if opt is not None else None)

    def _restore(self):
        snap = self._snapshots[0] or self._snapshots[1]
        if snap is None:
            return
        arrays, opt_state = snap
        for w, a in zip(self.model.weights, arrays):
            w.value[...] = a
        opt = self.model.optimizer
        if opt_state is not None and set(opt_state) == set(opt.get_state()):
            opt.set_state(opt_state)
        elif opt_state is not None:  # the optimizer was built by the bad step: keep its slots, rewind the count
            opt.iterations = int(opt_state["iterations"])

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(np.asarray(loss))
        if math.isfinite(loss):
            return
        self.stopped_epoch, self.stopped_batch = self._epoch, batch
        if self.restore_weights:
            self._restore()
        if self.raise_error:  # Keras's message; it raises at once, without printing
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                               f"{loss}. Terminating training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training (epoch {self._epoch + 1}, loss {loss})")
        self.model.stop_training = True
