"""MNIST handwritten digits, read from the four standard IDX files; also the file search shared
with :mod:`deepgrad.datasets.fashion_mnist` (same format, same file names).

Nothing is ever downloaded. ``load_data(path=None)`` looks, in this order, in

1. ``path`` if given (then ONLY there),
2. ``$DEEPGRAD_DATA/mnist``, then ``$DEEPGRAD_DATA``,
3. ``~/.deepgrad/datasets/mnist``,

for ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
``t10k-labels-idx1-ubyte`` (each gzipped with a ``.gz`` suffix, or raw). The first directory
holding all four wins; otherwise :class:`DatasetNotFoundError` lists every place it looked.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .idx import read_idx

__all__ = ["load_data", "DatasetNotFoundError", "IDX_FILES", "candidate_dirs", "find_dataset", "load_idx_directory"]

#: Keras's names for the four arrays -> the standard IDX file stems.
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10
ENV_VAR = "DEEPGRAD_DATA"


class DatasetNotFoundError(FileNotFoundError):
    """No directory holding the four IDX files was found. ``searched``: the directories tried."""

    def __init__(self, message: str, searched: list[Path]):
        super().__init__(message)
        self.searched = searched


def _idx_file(directory: Path, stem: str) -> Path | None:
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.is_file():
            return candidate
    return None


def _missing(directory: Path) -> list[str]:
    return [stem for stem in IDX_FILES.values() if _idx_file(directory, stem) is None]


def candidate_dirs(name: str, path=None, system_dirs=()) -> list[Path]:
    """The directories searched for dataset ``name``, in order (see the module docstring)."""
    if path is not None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"load_data: `path` must be a str or os.PathLike, got {type(path).__name__} {path!r}.")
        return [Path(path).expanduser()]
    dirs = []
    env = os.environ.get(ENV_VAR, "")
    if env:
        root = Path(env).expanduser()
        dirs += [root / name, root]
    dirs.append(Path.home() / ".deepgrad" / "datasets" / name)
    dirs += [Path(d) for d in system_dirs]
    return dirs


def find_dataset(name: str, path=None, system_dirs=(), hints=()) -> Path:
    """Return the first candidate directory holding all four IDX files, or raise
    :class:`DatasetNotFoundError` listing every directory tried and why, followed by ``hints``."""
    dirs = candidate_dirs(name, path, system_dirs)
    report = [] if path is not None or os.environ.get(ENV_VAR) else [f"  ${ENV_VAR}  (not set)"]
    for d in dirs:
        if not d.is_dir():
            report.append(f"  {d}  (no such directory)")
            continue
        missing = _missing(d)
        if not missing:
            return d
        report.append(f"  {d}  (missing {', '.join(missing)})")
    files = ", ".join(f"{s}.gz" for s in IDX_FILES.values())
    message = "\n".join(
        [f"{name}: the dataset's IDX files were not found. Looked in:", *report,
         "deepgrad never downloads data. To get the files:",
         f"  - put the four IDX files ({files}; raw files without .gz also work) in "
         f"${ENV_VAR}/{name}, ${ENV_VAR} or ~/.deepgrad/datasets/{name}, or pass load_data(path=DIR)",
         *[f"  - {h}" for h in hints]]
    )
    raise DatasetNotFoundError(message, dirs)


def load_idx_directory(directory) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Read the four IDX files in ``directory`` as ``((x_train, y_train), (x_test, y_test))``.

    Checks what Keras's loaders guarantee: uint8 images of shape (N, 28, 28), uint8 labels of
    shape (N,) with values in 0..9, and as many labels as images; ``ValueError`` naming the file
    otherwise.
    """
    directory = Path(directory)
    arrays, files = {}, {}
    for key, stem in IDX_FILES.items():
        f = _idx_file(directory, stem)
        if f is None:
            raise DatasetNotFoundError(f"IDX file {stem}[.gz] not found in {directory}.", [directory])
        files[key], arrays[key] = f, read_idx(f)
        if arrays[key].dtype != np.uint8:
            raise ValueError(f"IDX file {str(f)!r}: expected uint8 data, got {arrays[key].dtype}.")
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        fx, fy = str(files[f"x_{split}"]), str(files[f"y_{split}"])
        if x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
            raise ValueError(f"IDX file {fx!r}: expected images of shape (N, 28, 28), got {x.shape}.")
        if y.ndim != 1 or y.shape[0] != x.shape[0]:
            raise ValueError(f"IDX file {fy!r}: expected labels of shape ({x.shape[0]},) to match {fx!r}, "
                             f"got {y.shape}.")
        if y.size and y.max() >= NUM_CLASSES:
            raise ValueError(f"IDX file {fy!r}: labels must be in 0..{NUM_CLASSES - 1}, found {int(y.max())}.")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_data(path=None):
    """Load MNIST as Keras does: ``((x_train, y_train), (x_test, y_test))``.

    ``x_*``: uint8 arrays of shape (60000, 28, 28) and (10000, 28, 28), pixel values 0-255;
    ``y_*``: uint8 arrays of shape (60000,) and (10000,), digits 0-9.

    ``path``: a directory holding the four IDX files; when None the directories of the module
    docstring are searched. Unlike Keras, ``path`` is a directory of IDX files (not an ``.npz``)
    and nothing is downloaded: :class:`DatasetNotFoundError` (a ``FileNotFoundError``) says
    where it looked and how to provide the files.
    """
    return load_idx_directory(find_dataset("mnist", path))
