"""``CSVLogger``: one CSV row per epoch (Keras semantics), written crash-safely."""

from __future__ import annotations

import csv
import io
import os

import numpy as np

from .._validation import check_bool
from ..io import atomic_write
from .base import Callback


class CSVLogger(Callback):
    """Stream the epoch logs to a CSV file.

    Args:
        filename: the CSV file.
        separator: the field separator (default ``","``).
        append: keep the file's rows and add to them (the header is written only if the file
            was empty or missing); ``False`` (default) starts a new file at ``fit``.

    Format (Keras's): a header ``epoch,<the log keys, sorted>``, then one row per epoch with
    the 0-based epoch number; lines end with ``\\r\\n`` (the csv module's excel dialect); a key
    missing from an epoch's logs is written as ``NA``. When the first epoch's logs have no
    ``val_*`` key (``validation_freq > 1``, or no validation) the header also gets
    ``val_<key>`` for each key, after the sorted keys, as Keras 3 does.

    Crash safety: each epoch the whole file (previous content plus the new row) is rewritten
    with an atomic replace, so an interruption leaves the last complete file, never a torn row.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        where = "CSVLogger"
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError(f"{where}: `filename` must be a str or os.PathLike, got {type(filename).__name__}.")
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"{where}: `separator` must be a one-character str, got {separator!r}.")
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = check_bool(append, "append", where)
        self.keys = None
        self._content = b""

    def on_train_begin(self, logs=None):
        self.keys = None
        self._content = b""
        if self.append and os.path.exists(self.filename):
            with open(self.filename, "rb") as f:
                self._content = f.read()
        else:
            self._write()  # a new, empty file, as Keras opens it with mode "w"

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        out = io.StringIO()
        writer = csv.writer(out, delimiter=self.sep)
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                # Keras: an epoch without validation (validation_freq > 1, or none at all)
                # still gets the val_* columns, written as NA until a validated epoch fills them
                self.keys += [f"val_{k}" for k in self.keys]
            if not self._content:
                writer.writerow(["epoch"] + self.keys)
        if self.model is not None and self.model.stop_training:
            logs = {k: logs.get(k, "NA") for k in self.keys}
        writer.writerow([epoch] + [_value(logs.get(k, "NA")) for k in self.keys])
        self._content += out.getvalue().encode("utf-8")
        self._write()

    def _write(self):
        folder = os.path.dirname(self.filename)
        if folder:
            os.makedirs(folder, exist_ok=True)
        atomic_write(self.filename, self._content)


def _value(v):
    if isinstance(v, str):
        return v
    a = np.asarray(v)
    if a.ndim == 0:
        return a.item()
    return f"[{', '.join(str(x) for x in a.ravel().tolist())}]"
