"""Regenerate the notes' pictures into docs/images/ (run by `make figures`).

    python scripts/notes_figures.py [--out docs/images] [--dpi 100]

Each picture is one function of deepgrad.plotting (the same as `deepgrad figure NAME`):
    notes_activations.png      plot_activations()            deck 001
    notes_schedules.png        plot_schedules()              decks 001, 004
    notes_ewma.png             plot_ewma()                   deck 002
    notes_gradient_norms.png   plot_deep_gradient_norms()    deck 000 (trains 6 small MLPs)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:          # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

from deepgrad import plotting

PICTURES = {
    "notes_activations.png": plotting.plot_activations,
    "notes_schedules.png": plotting.plot_schedules,
    "notes_ewma.png": plotting.plot_ewma,
    "notes_gradient_norms.png": plotting.plot_deep_gradient_norms,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    parser.add_argument("--dpi", type=int, default=100)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in PICTURES.items():
        start = time.perf_counter()
        path = plotting.save(draw(), out / name, dpi=args.dpi)
        print(f"{path}  ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
