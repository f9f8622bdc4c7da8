"""The second notes (004): f = x^2 + xy + y^2 with big and small learning rates, and one
gradient-descent step of linear regression on (1, 1), (2, 3).

    python examples/lab_bowl_linreg.py [--out runs/lab_examples]
"""

import argparse

from deepgrad.lab import notes, plots, runs

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="runs/lab_examples")
args = parser.parse_args()

paths = [runs.run("bowl", "sgd", 30, label=f"alpha={lr:g}", learning_rate=lr) for lr in (0.6, 0.1, 0.01)]
for t in paths:
    print(f"{t.label:<11} {t.summary()}")
print(plots.save_contour("bowl", paths, f"{args.out}/bowl_learning_rates.png",
                         title="x^2 + xy + y^2: a big rate bounces, a small one crawls"))

r = notes.linreg_first_step(0.01)
print(f"gradient at (0, 0): {r['grad']}  (notes: (-8, -14))")
print(f"after one step:     {tuple(round(v, 4) for v in r['point'])}  (notes: (0.08, 0.14))")
print(f"SSE: {r['sse_before']:g} -> {r['sse_after']:.4f}  (notes print 4.2948: they add "
      f"0.6084 + 3.6864, but (3 - 0.08 - 0.28)^2 = 6.9696, so 0.6084 + 6.9696 = 7.578)")
t = runs.run("linreg", "sgd", 500, learning_rate=0.05)
print(f"500 steps of GD (lr 0.05): (b0, b1) = ({t.points[-1, 0]:.4f}, {t.points[-1, 1]:.4f}), SSE {t.final_loss:.2e}"
      " (exact fit: b0 = -1, b1 = 2)")
print(plots.save_contour("linreg", [t], f"{args.out}/linreg_contour.png",
                         title="Linear regression on (1,1), (2,3): gradient descent on the SSE"))
