"""AdaGrad, RMSProp and Adam on the notes' sparse data (80% of x = 0).

    python examples/lab_adaptive.py [--out runs/lab_examples]

GD, momentum and NAG first move along b only (w's feature is sparse); AdaGrad gives w a
larger effective rate; RMSProp does not let the rate decay away; Adam adds momentum.
The notes' AdaGrad starts its sum of squares at 0: the lab's ``adagrad`` preset passes
``initial_accumulator_value=0.0`` (Keras's default is 0.1).
"""

import argparse

from deepgrad.lab import notes, plots, runs

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="runs/lab_examples")
args = parser.parse_args()

for name, (dw, db) in notes.sparse_movement(10).items():
    print(f"{name:<9} after 10 steps: |dw| = {dw:.3f}, |db| = {db:.3f}")
first = runs.run_many("sparse", {"sgd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.1}, 200)
print(plots.save_contour("sparse", first, f"{args.out}/sparse_adagrad.png",
                         title="Sparse data: GD/momentum/NAG move along b first, AdaGrad moves w too"))
second = runs.run_many("sparse", {"adagrad": 0.1, "rmsprop": 0.1, "adam": 0.1}, 200)
for t in first + second:
    print(f"{t.label:<9} {t.summary()}")
print(plots.save_contour("sparse", second, f"{args.out}/sparse_rmsprop_adam.png",
                         title="Sparse data: AdaGrad vs RMSProp vs Adam (eta = 0.1)"))
print(plots.save_loss_curves(second, f"{args.out}/sparse_rmsprop_adam_loss.png", problem="sparse"))
