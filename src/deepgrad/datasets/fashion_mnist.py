"""Fashion-MNIST (Zalando): 28x28 grey images of 10 kinds of clothing, in MNIST's IDX format.

Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker,
8 Bag, 9 Ankle boot (:data:`CLASS_NAMES`).

Nothing is ever downloaded. ``load_data()`` looks, in this order, in

1. ``path`` if given (then ONLY there),
2. ``$DEEPGRAD_DATA/fashion-mnist``, then ``$DEEPGRAD_DATA``,
3. ``~/.deepgrad/datasets/fashion-mnist``,
4. ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist`` package),

for the four standard IDX files (``train-images-idx3-ubyte.gz`` ... ``t10k-labels-idx1-ubyte.gz``,
or raw without ``.gz``). ``load_data(subset=True)`` instead returns the class-balanced subset
embedded in the package (``deepgrad/datasets/data``, MIT licence notice in ``data/LICENSE``).
"""

from __future__ import annotations

from pathlib import Path

from .._validation import check_bool
from .mnist import find_dataset, load_idx_directory

__all__ = ["load_data", "CLASS_NAMES", "SUBSET_DIR", "SYSTEM_DIRS"]

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
#: Where the embedded subset lives (four gzipped IDX files with the standard names).
SUBSET_DIR = Path(__file__).resolve().parent / "data"
#: System-wide locations searched last (Debian's dataset-fashion-mnist installs here).
SYSTEM_DIRS = ("/usr/share/datasets/fashion-mnist",)

_HINTS = (
    "on Debian/Ubuntu: apt-get install dataset-fashion-mnist (installs /usr/share/datasets/fashion-mnist)",
    "or, with no files at all, use the embedded subset: fashion_mnist.load_data(subset=True)",
)


def load_data(path=None, subset=False):
    """Load Fashion-MNIST as Keras does: ``((x_train, y_train), (x_test, y_test))``.

    Full set: ``x_train`` uint8 (60000, 28, 28), ``y_train`` uint8 (60000,), ``x_test`` uint8
    (10000, 28, 28), ``y_test`` uint8 (10000,); pixels 0-255, labels 0-9.

    ``path``: a directory holding the four IDX files (searched alone when given).
    ``subset``: when True, return the embedded class-balanced subset (same dtypes and layout,
    fewer rows; see ``docs/datasets.md``) and search nothing; ``path`` must then be None.

    Raises :class:`~deepgrad.datasets.mnist.DatasetNotFoundError` (a ``FileNotFoundError``)
    when the full set is not found, saying where it looked and how to get the files.
    """
    subset = check_bool(subset, "subset", "fashion_mnist.load_data")
    if subset:
        if path is not None:
            raise ValueError(
                f"fashion_mnist.load_data: `path` must be None when subset=True, got {path!r}."
            )
        return load_idx_directory(SUBSET_DIR)
    return load_idx_directory(find_dataset("fashion-mnist", path, SYSTEM_DIRS, _HINTS))
