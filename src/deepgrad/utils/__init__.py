"""Utilities with Keras's names: seeding, label encoding, padding, sequence windowing."""

from ..config import seed_rng as _seed_rng
from .data import to_categorical
from .sequence import pad_sequences
from .timeseries import sliding_windows, timeseries_dataset_from_array


def set_random_seed(seed: int) -> None:
    """Seed deepgrad's global generator (initializers, dropout, shuffling).

    After ``set_random_seed(s)`` a program's run is bit-for-bit reproducible.
    Python's and NumPy's own global generators are not touched.
    """
    _seed_rng(seed)
