"""Gradient descent on the notes' error surface: fast on steep parts, slow on gentle ones.

    python examples/lab_gradient_descent.py [--out runs/lab_examples]

The notes' settings: eta = 1, from w = b = -2, then from a different start (the notes:
"irrespective of where we start from, once we hit a gentle slope progress slows down").
"""

import argparse

from deepgrad import optimizers
from deepgrad.lab import plots, runs

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="runs/lab_examples")
args = parser.parse_args()

paths = [runs.run("sigmoid", optimizers.SGD(learning_rate=1.0), 1000, start, label=f"GD from {start}")
         for start in [(-2.0, -2.0), (-4.0, 4.0)]]
for t in paths:
    print(f"{t.label}: {t.summary()}")
print(plots.save_contour("sigmoid", paths, f"{args.out}/gd_contour.png",
                         title="Gradient descent (eta = 1) on the sigmoid neuron, two starts"))
print(plots.save_loss_curves(paths, f"{args.out}/gd_loss.png", problem="sigmoid"))
