"""Make the Fashion-MNIST subset embedded in deepgrad (src/deepgrad/datasets/data/).

Draws, with a fixed seed, the same number of images from each of the 10 classes of the full
training and test sets, shuffles each split, and writes the four standard gzipped IDX files
(no timestamp in the gzip header, so reruns give byte-identical files). Source: the full set
installed by Debian's ``dataset-fashion-mnist`` package.

    python scripts/make_fashion_subset.py --train-per-class 500 --test-per-class 100

Prints the sizes; fails if the four files exceed --budget bytes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from deepgrad.datasets.idx import write_idx
from deepgrad.datasets.mnist import IDX_FILES, NUM_CLASSES, load_idx_directory

ROOT = Path(__file__).resolve().parents[1]


def balanced_sample(y: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``per_class`` rows of each class drawn without replacement, in shuffled order."""
    picks = [rng.choice(np.flatnonzero(y == c), size=per_class, replace=False) for c in range(NUM_CLASSES)]
    return rng.permutation(np.concatenate(picks))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default=str(ROOT / "src/deepgrad/datasets/data"))
    ap.add_argument("--train-per-class", type=int, default=500)
    ap.add_argument("--test-per-class", type=int, default=100)
    ap.add_argument("--seed", type=int, default=20170825)  # Fashion-MNIST's release date
    ap.add_argument("--budget", type=int, default=3_000_000)
    args = ap.parse_args()

    (x_train, y_train), (x_test, y_test) = load_idx_directory(args.source)
    rng = np.random.default_rng(args.seed)
    i_train = balanced_sample(y_train, args.train_per_class, rng)
    i_test = balanced_sample(y_test, args.test_per_class, rng)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"x_train": x_train[i_train], "y_train": y_train[i_train],
              "x_test": x_test[i_test], "y_test": y_test[i_test]}
    total = 0
    for key, stem in IDX_FILES.items():
        f = out / f"{stem}.gz"
        write_idx(f, arrays[key])
        total += f.stat().st_size
        print(f"{f.name:32s} {arrays[key].shape!s:16s} {f.stat().st_size:>10,d} bytes")
    print(f"total {total:,d} bytes (budget {args.budget:,d})")
    if total > args.budget:
        raise SystemExit(f"subset is {total:,d} bytes, over the budget of {args.budget:,d}")


if __name__ == "__main__":
    main()
