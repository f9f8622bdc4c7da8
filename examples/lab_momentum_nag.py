"""Momentum vs plain GD vs Nesterov on the sigmoid neuron (the notes' eta = 1, gamma = 0.9).

    python examples/lab_momentum_nag.py [--out runs/lab_examples] [--steps 100]

Prints each method's loss after --steps and the U-turns (sign changes of the steps) of
momentum and NAG; draws the contour map, the loss curves and the 3-D view.
"""

import argparse

from deepgrad.lab import notes, plots

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="runs/lab_examples")
parser.add_argument("--steps", type=int, default=100)
args = parser.parse_args()

paths = list(notes.momentum_vs_gd(args.steps).values())
for t in paths:
    print(f"{t.label:<9} loss after {args.steps} steps: {t.final_loss:.3g}")
print("U-turns in 300 steps:", notes.u_turns(300))
print(plots.save_contour("sigmoid", paths, f"{args.out}/momentum_nag_contour.png",
                         title="GD (black), momentum (vermillion), NAG (blue): eta = 1, gamma = 0.9"))
print(plots.save_loss_curves(paths, f"{args.out}/momentum_nag_loss.png", problem="sigmoid"))
print(plots.save_surface3d("sigmoid", paths, f"{args.out}/momentum_nag_3d.png"))
