"""``optimizer.learning_rate`` read as Keras 3 code reads it: a variable-like number."""

from __future__ import annotations

import numpy as np


class LearningRateValue(float):
    """The optimizer's current learning rate: a ``float`` (so ``float(lr)``, arithmetic,
    comparisons and formatting work as before) that also answers Keras 3's variable API:
    ``.numpy()``, ``.assign(value)`` (sets the optimizer's rate, as
    ``optimizer.learning_rate = value``; refused with TypeError when the rate is a schedule),
    ``.value``, ``.shape`` (``()``), ``.dtype``, ``.name``, ``.path``.

    A float cannot change: after ``lr.assign(0.1)`` read ``optimizer.learning_rate`` again for
    the new value (``lr`` itself still holds the old number; in Keras it is the one variable).
    """

    shape = ()
    dtype = "float64"
    name = "learning_rate"

    def __new__(cls, value, optimizer):
        obj = super().__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def numpy(self):
        return np.float64(self)

    @property
    def value(self):
        return float(self)

    @property
    def path(self):
        return f"{self._optimizer.name}/learning_rate"

    def assign(self, value):
        self._optimizer.learning_rate = float(value) if isinstance(value, (np.ndarray, np.generic)) else value
        return self._optimizer.learning_rate

    __repr__ = __str__ = float.__repr__  # prints as the number it is

    def __reduce__(self):  # pickles / copies as the plain float
        return (float, (float(self),))
