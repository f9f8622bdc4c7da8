"""Keras's progress display for ``fit``, ``evaluate`` and ``predict`` (added automatically when
``verbose`` is 1 or 2; ``evaluate`` and ``predict`` draw one bar of their batches, without the
"Epoch" header, as Keras 3 does).

verbose=1, per epoch (redrawn in place on a terminal; one final line otherwise)::

    Epoch 1/35
    469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.7710 - loss: 0.6532 - val_accuracy: 0.8452 - val_loss: 0.4286

verbose=2, one line per epoch (after the same header)::

    Epoch 1/35
    469/469 - 3s - 6ms/step - accuracy: 0.7710 - loss: 0.6532 - val_accuracy: 0.8452 - val_loss: 0.4286

"Epoch i/N" is printed for verbose 1 and 2, only when N > 1, as Keras's ``ProgbarLogger``.
Values print as ``.4f`` when above 1e-3 and ``.4e`` otherwise, the bound on |v| for verbose=1
and on v itself for verbose=2 (so negative values print as ``-5.0000e-01`` there), as Keras's
``Progbar``.
"""

from __future__ import annotations

import sys
import time

from .base import Callback

_BAR_WIDTH = 20


def format_value(v: float, signed: bool = False) -> str:
    """Keras: ``.4f`` when |v| > 1e-3 (``signed``: when v > 1e-3, its verbose=2 rule), else ``.4e``."""
    return f"{v:.4f}" if (v if signed else abs(v)) > 1e-3 else f"{v:.4e}"


def format_time_per_step(seconds: float) -> str:
    """Keras: whole seconds at >= 1 s (and for 0), else whole ms, else whole us per step."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class ProgbarLogger(Callback):
    """Prints training progress like Keras 3's progress bar."""

    def __init__(self, verbose=1, stream=None, min_interval=0.05):
        super().__init__()
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.min_interval = min_interval
        self._dynamic = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._in_fit = False

    def on_train_begin(self, logs=None):
        self._in_fit = True  # fit's validation calls the test hooks: they draw nothing then

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs", 1)
        if epochs > 1 and self.verbose:
            self.stream.write(f"Epoch {epoch + 1}/{epochs}\n")
        self._begin()

    def _begin(self):
        self._steps_done = 0
        self._start = self._last_draw = time.perf_counter()
        self._width = 0

    def _line(self, step, logs, final):
        total = self.params.get("steps") or step  # unknown (an iterable without len): the steps so far
        elapsed = time.perf_counter() - self._start
        per_step = format_time_per_step(elapsed / max(step, 1))
        metrics = "".join(f" - {k}: {format_value(v, signed=self.verbose == 2)}"
                          for k, v in sorted((logs or {}).items()) if isinstance(v, (int, float)))
        if self.verbose == 2:
            return f"{step}/{total} - {elapsed:.0f}s - {per_step}{metrics}"
        filled = int(_BAR_WIDTH * step / total) if total else _BAR_WIDTH
        bar = "━" * filled + " " * (_BAR_WIDTH - filled) if not self._dynamic else (
            "\x1b[32m" + "━" * filled + "\x1b[0m" + "\x1b[37m" + "━" * (_BAR_WIDTH - filled) + "\x1b[0m")
        when = f"{elapsed:.0f}s" if final else f"{elapsed / max(step, 1) * (total - step):.0f}s"
        return f"{step:>{len(str(total))}}/{total} {bar} {when} {per_step}{metrics}"

    def on_train_batch_end(self, batch, logs=None):
        self._draw(batch, logs)

    def _draw(self, batch, logs):
        self._steps_done = batch + 1
        if self.verbose != 1 or not self._dynamic:
            return
        now = time.perf_counter()
        if now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        line = self._line(batch + 1, logs, final=False)
        self.stream.write("\r" + line + " " * max(0, self._width - len(line)))
        self._width = len(line)
        self.stream.flush()

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def _finish(self, logs):
        steps = self.params.get("steps") or self._steps_done
        line = self._line(steps, logs, final=True)
        prefix = "\r" if self._dynamic and self.verbose == 1 else ""
        self.stream.write(prefix + line + " " * max(0, self._width - len(line)) + "\n")
        self.stream.flush()

    # evaluate and predict draw one bar each (Keras 3), outside fit only
    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._begin()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._draw(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._begin()

    def on_predict_batch_end(self, batch, logs=None):
        self._draw(batch, None)

    def on_predict_end(self, logs=None):
        self._finish(None)
