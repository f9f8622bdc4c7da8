"""``keras.preprocessing.sequence.pad_sequences`` (the same function as ``deepgrad.utils.pad_sequences``)."""

from ..utils.sequence import pad_sequences

__all__ = ["pad_sequences"]
