"""The notes' error surface of the sigmoid neuron and the "guess work" table.

    python examples/lab_error_surface.py [--out runs/lab_examples]

Prints the notes' guesses (w, b, L) beside L computed here, and draws the surface (3-D) and
its contour map for w, b in [-6, 6] with the guesses as a path.
"""

import argparse

import numpy as np

from deepgrad.lab import notes, plots, runs

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="runs/lab_examples")
args = parser.parse_args()

print(f"{'w':>6} {'b':>6} {'L (notes)':>10} {'L (here)':>10}")
for w, b, l_notes, l_here in notes.guess_table():
    print(f"{w:6.2f} {b:6.2f} {l_notes:10.4f} {l_here:10.4f}")

guesses = np.array([(w, b) for w, b, _ in notes.NOTES_GUESSES])
losses = np.array([g[3] for g in notes.guess_table()])
path = runs.Trajectory("guess work", "sigmoid", guesses, losses, np.zeros(len(losses)),
                       None, False, None)
print(plots.save_surface3d("sigmoid", [path], f"{args.out}/error_surface_3d.png",
                           title="Error surface L(w, b) of the sigmoid neuron, with the notes' guesses"))
print(plots.save_contour("sigmoid", [path], f"{args.out}/error_surface_contour.png",
                         title="Contours of L(w, b): the notes' guesses walk to the minimum"))
