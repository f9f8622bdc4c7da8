"""Regenerate every lab picture in docs/images/ from the commands listed in docs/lab.md
("Pictures" table; tests/lab/test_lab_docs.py checks that the two lists agree).

    python scripts/lab_figures.py                      (run by `make figures`: all of them)
    python scripts/lab_figures.py illcond saddle       (only the pictures named so)

Each command runs in-process through ``deepgrad.cli.main``; only the PNGs (and the GIF) are
kept in docs/images/, the SVG twins are removed.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: (the command as docs/lab.md shows it, the pictures it makes that are kept)
FIGURES = [
    ("deepgrad lab --problem sigmoid --steps 200 --out docs/images/sigmoid.png",
     ["sigmoid.png"]),
    ("deepgrad lab --problem sigmoid --optimizers sgd,momentum,nesterov --lr 1 --steps 100 "
     "--out docs/images/sigmoid_momentum_nag.png", ["sigmoid_momentum_nag.png"]),
    ("deepgrad lab --problem rosenbrock --steps 500 --out docs/images/rosenbrock.png "
     "--surface3d", ["rosenbrock.png", "rosenbrock_loss.png", "rosenbrock_3d.png"]),
    ("deepgrad lab --problem illcond --optimizers sgd,momentum,nesterov,adagrad,rmsprop,adam "
     "--lr 0.03 --optimizers-lr adagrad=0.5,rmsprop=0.05,adam=0.1 --steps 200 "
     "--out docs/images/illcond.png --gif", ["illcond.png", "illcond_loss.png", "illcond.gif"]),
    ("deepgrad lab --problem illcond --lesson learning-rate --steps 50 "
     "--out docs/images/learning_rate.png", ["learning_rate.png", "learning_rate_loss.png"]),
    ("deepgrad lab --problem sparse --lesson batch --steps 100 --out docs/images/batch_sizes.png",
     ["batch_sizes.png", "batch_sizes_loss.png"]),
    ("deepgrad lab --problem beale --steps 300 --out docs/images/beale.png --surface3d",
     ["beale.png", "beale_3d.png"]),
    ("deepgrad lab --problem saddle --steps 100 --out docs/images/saddle.png --surface3d",
     ["saddle.png", "saddle_3d.png"]),
    ("deepgrad lab --problem bowl --optimizers sgd,momentum,adam --steps 100 --sweep-lr "
     "--out docs/images/bowl.png", ["bowl.png", "bowl_sweep.png"]),
    ("deepgrad compare --optimizers sgd,momentum,nesterov,adagrad,rmsprop,adam --epochs 4 "
     "--train-samples 3000 --val-samples 1000 --out runs/compare_docs",
     ["compare_curves.png"]),
]


def main(only=()) -> int:
    """Run every command of :data:`FIGURES`, or those whose kept pictures' names start with
    one of ``only``."""
    from deepgrad.cli import main as cli
    import os
    os.chdir(ROOT)
    (ROOT / "docs" / "images").mkdir(parents=True, exist_ok=True)
    for command, keep in FIGURES:
        if only and not any(name.startswith(tuple(only)) for name in keep):
            continue
        print("$", command, flush=True)
        code = cli(shlex.split(command)[1:])
        if code != 0:
            print(f"failed with status {code}", file=sys.stderr)
            return code
        if command.startswith("deepgrad compare"):
            shutil.copyfile(ROOT / "runs/compare_docs/curves.png",
                            ROOT / "docs/images/compare_curves.png")
            continue
        out = Path(shlex.split(command)[shlex.split(command).index("--out") + 1])
        stem = out.with_suffix("")
        for made in ROOT.glob(f"{stem}*"):
            if made.name not in keep and made.suffix in (".svg", ".png", ".gif"):
                made.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
