"""Batch, stochastic and mini-batch gradient descent: the same optimizer, other batch sizes.

    python examples/lab_stochastic.py [--out runs/lab_examples]

On the notes' two points: full batch (2 points per step), stochastic (1 point per step) and,
on the 100-point sparse data, mini-batches of 10; then stochastic momentum and NAG.
"""

import argparse

from deepgrad.lab import plots, runs

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="runs/lab_examples")
args = parser.parse_args()

two = [runs.run("sigmoid", "sgd", 120, label="GD (batch 2)", learning_rate=1.0),
       runs.run("sigmoid", "sgd", 120, batch_size=1, label="SGD (batch 1)", learning_rate=1.0),
       runs.run("sigmoid", "momentum", 120, batch_size=1, label="momentum (batch 1)", learning_rate=1.0),
       runs.run("sigmoid", "nesterov", 120, batch_size=1, label="nesterov (batch 1)", learning_rate=1.0)]
# The loss is a sum over the batch, so a batch of b points gets rate 0.02 * 100 / b: every
# update then moves, on average, as far as one full-batch update.
many = [runs.run("sparse", "sgd", 100, batch_size=b, shuffle=True, seed=0,
                 label=f"batch {b}", learning_rate=0.02 * 100 / b)
        for b in (100, 10, 2)]
for t in two + many:
    print(f"{t.problem:<8} {t.label:<20} {t.summary()}")
print(plots.save_contour("sigmoid", two, f"{args.out}/stochastic_contour.png",
                         title="Full-batch vs stochastic (one point per step) updates"))
print(plots.save_loss_curves(many, f"{args.out}/minibatch_loss.png", problem="sparse",
                             title="Sparse data: the loss oscillates more as the batch shrinks"))
