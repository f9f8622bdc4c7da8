"""Learning-rate tips of the notes: a rate of 10 takes big jumps; sweep 1e-4..1 then refine.

On the notes' sigmoid neuron the jumps of eta = 10 still land: it reaches the tolerance in 20
steps where eta = 1 has not in 100 (the contour shows the jumps across the steep parts).

    python examples/lab_learning_rate.py [--out runs/lab_examples] [--jobs 2]
"""

import argparse

from deepgrad.lab import plots, runs, sweep

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="runs/lab_examples")
parser.add_argument("--jobs", type=int, default=1)
args = parser.parse_args()

paths = [runs.run("sigmoid", "sgd", 100, learning_rate=lr) for lr in (1.0, 10.0)]
paths[1].label = "sgd eta=10"
for t in paths:
    print(f"eta={t.learning_rate:g}: {t.summary()}")
print(plots.save_contour("sigmoid", paths, f"{args.out}/lr10_contour.png",
                         title="eta = 10: big jumps on the steep parts of the surface"))
pts = sweep.lr_sweep("bowl", ["sgd", "momentum", "adam"], steps=50, jobs=args.jobs)
print(sweep.sweep_table(pts))
print(sweep.save_sweep(pts, f"{args.out}/lr_sweep.png", problem="bowl", steps=50))
