"""Keras 2's ``keras.preprocessing`` names that Keras 3 still exports (``sequence.pad_sequences``)."""

from . import sequence
