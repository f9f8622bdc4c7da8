"""Where ``fit``, ``evaluate`` and ``predict`` get their batches: arrays, or an iterable of batches.

Both kinds give the training loop the same thing, ``batches(order, start)``: pairs
``(index, (x, y, sample_weight))`` of checked arrays, so there is one loop (models/training.py).

- :class:`ArrayBatches`: rows of ``x``, ``y`` (and sample weights) sliced in batches of
  ``batch_size``, the last one partial; ``fit`` shuffles the rows each epoch with
  ``deepgrad.config.rng().permutation(n)`` (``new_order``).
- :class:`IterableBatches`: Keras 3's generators and datasets. ``x`` is a generator, an
  iterator, or any object with ``__iter__`` that is not array-like (a list or tuple is data,
  as in Keras), e.g. ``utils.timeseries_dataset_from_array(...)``; each element is a batch
  ``(x, y)`` or ``(x, y, sample_weight)`` (``predict`` takes ``x``, ``(x,)`` or ignores the
  targets, as Keras). Each batch gets the array path's checks. ``steps`` (``steps_per_epoch``,
  ``validation_steps``, ``steps``) as Keras 3: None is one full pass per epoch (a re-iterable
  object starts afresh each epoch; a one-shot generator gives its batches once); an int takes
  that many batches per epoch from one iterator kept across epochs. When the data runs out
  before, training stops with Keras's warning (:data:`RAN_OUT`) after the epoch in progress
  (an epoch that got no batch is not run). ``batch_size``, ``y``, ``sample_weight``,
  ``class_weight``, ``validation_split`` and a mid-epoch resume are refused with an iterable
  (the batches come made); ``shuffle`` does not apply.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import config

#: Keras 3's warning when the data ends before ``steps_per_epoch * epochs`` batches.
RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or generator "
           "can generate at least `steps_per_epoch * epochs` batches.")


def is_batch_iterable(x) -> bool:
    """Whether ``x`` is an iterable of batches rather than array data (Keras 3's rule: a list,
    a tuple, a dict or anything NumPy can take as an array is data)."""
    if x is None or isinstance(x, (np.ndarray, list, tuple, dict, str, bytes)) or hasattr(x, "__array__"):
        return False
    return hasattr(x, "__iter__") or hasattr(x, "__next__")


class ArrayBatches:
    """Batches of rows of arrays (already checked by the caller)."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle=False):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size, self.shuffle = batch_size, shuffle
        self.samples = x.shape[0]
        self.steps = max(1, math.ceil(self.samples / batch_size)) if self.samples else 0
        self.ran_out = False  # arrays never run out

    def new_order(self):
        """The epoch's shuffling permutation (drawn from ``config.rng()``), or None."""
        return config.rng().permutation(self.samples) if self.shuffle else None

    def batches(self, order=None, start=0):
        n, size, sw = self.samples, self.batch_size, self.sample_weight
        for b in range(start, self.steps):
            idx = slice(b * size, min(n, (b + 1) * size))
            if order is not None:
                idx = order[idx]
            yield b, (self.x[idx], self.y[idx], None if sw is None else sw[idx])


class IterableBatches:
    """Batches from an iterable; ``prepare(x, y, sw)`` checks and casts each one (the model's
    data checks) and returns ``(x, y, sw)``. ``for_predict``: the batches are inputs only."""

    def __init__(self, data, steps, prepare, where, argname="x", for_predict=False):
        self.data, self.prepare, self.where, self.argname = data, prepare, where, argname
        self.for_predict = for_predict
        self.one_shot = iter(data) is data  # a generator or iterator: its batches come once
        self.steps = steps if steps is not None else (
            len(data) if hasattr(data, "__len__") and not self.one_shot else None)
        self._fixed_steps = steps
        self._iterator = None  # kept across epochs when `steps` is given (Keras 3)
        self._pending = None   # a batch read ahead by first_batch()
        self.samples = None
        self.ran_out = False

    def new_order(self):
        return None

    def first_batch(self):
        """The first batch, checked, read ahead (fit needs it to build the model and its metrics
        before the first step); ``batches`` yields it first. None if there is none."""
        if self._pending is None:
            it = self._source()
            raw = next(it, None)
            if raw is None:
                return None
            self._pending = (it, self._unpack(raw, 0))
        return self._pending[1]

    def _source(self):
        if self._fixed_steps is None:
            return iter(self.data)
        if self._iterator is None:
            self._iterator = iter(self.data)
        return self._iterator

    def batches(self, order=None, start=0):
        if start:
            raise ValueError(f"{self.where}: an iterable of batches cannot resume in the middle of an epoch "
                             f"(batch {start}); back up at epoch ends (BackupAndRestore(save_freq='epoch')).")
        if self._pending is not None:
            it, first = self._pending
            self._pending = None
        else:
            it, first = self._source(), None
        limit = self._fixed_steps
        b = 0
        if first is not None:
            yield b, first
            b += 1
        while limit is None or b < limit:
            raw = next(it, None)
            if raw is None:
                if limit is not None or (b == 0 and self.one_shot):
                    self.ran_out = True
                    warnings.warn(RAN_OUT, UserWarning, stacklevel=4)
                return
            yield b, self._unpack(raw, b)
            b += 1

    def _unpack(self, batch, b):
        where = f"{self.where}: batch {b} of `{self.argname}`"
        if isinstance(batch, dict):
            raise ValueError(f"{where} is a dict: deepgrad models have one input and one output; "
                             f"give (x, y) or (x, y, sample_weight) tuples.")
        if isinstance(batch, (tuple, list)) and not isinstance(batch, np.ndarray):
            if not 1 <= len(batch) <= 3:
                raise ValueError(f"{where} must be (x,), (x, y) or (x, y, sample_weight), got a "
                                 f"{type(batch).__name__} of {len(batch)} elements.")
            parts = list(batch) + [None] * (3 - len(batch))
        else:
            parts = [batch, None, None]
        if self.for_predict:
            return self.prepare(parts[0], None, None)
        if parts[1] is None:
            raise ValueError(f"{where} has no targets: give (x, y) or (x, y, sample_weight) tuples.")
        return self.prepare(*parts)


def refuse_with_iterable(where, **given):
    """The arguments that make no sense with an iterable of batches, refused by name."""
    for name, value in given.items():
        if value:
            raise ValueError(f"{where}: `{name}` cannot be given when `x` is an iterable of batches "
                             f"(a generator or dataset yields (x, y[, sample_weight]) batches), got {value!r}.")
