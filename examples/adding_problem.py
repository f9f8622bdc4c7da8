"""SimpleRNN vs LSTM vs GRU on the adding problem: vanishing gradients, seen and measured.

The task (Hochreiter & Schmidhuber 1997) has exactly the notes' input shape (200 time steps,
2 features): the target is the sum of the two values whose marker is 1, one in each half of
the sequence. Predicting the mean (1) gives MSE 1/6 ~= 0.167; a model only beats it if the
gradient carries information across up to 200 steps. A SimpleRNN's gradient vanishes through
time and it stays near the baseline; the LSTM's cell state and the GRU's update gate keep a
path open and they learn the task.

    python examples/adding_problem.py                     # full run (T=200; slow on 2 cores)
    python examples/adding_problem.py --samples 2000 --epochs 3 --timesteps 50   # quick look

Prints each model's test MSE against the 0.167 baseline and writes to --out:
learning_curves.png, gradient_norms.png (per-layer norm per epoch), time_profile.png
(||dL/dx_t|| across the 200 steps at the end of training) and results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from deepgrad import config, layers
from deepgrad.callbacks import GradientNorms
from deepgrad.datasets import adding_problem
from deepgrad.layers.core import Dense
from deepgrad.models import Sequential
from deepgrad.optimizers import Adam

BASELINE = 1.0 / 6.0   # Var(U1 + U2) = 2/12: the MSE of always predicting 1


def build(kind, units, timesteps, lr, clipnorm):
    rnn = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}[kind]
    model = Sequential([rnn(units, input_shape=(timesteps, 2)), Dense(1)])
    model.compile(optimizer=Adam(learning_rate=lr, clipnorm=clipnorm), loss="mse")
    return model


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--samples", type=int, default=10_000, help="training sequences")
    p.add_argument("--test", type=int, default=1_000, help="test sequences")
    p.add_argument("--timesteps", type=int, default=200)
    p.add_argument("--units", type=int, default=32)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--clipnorm", type=float, default=1.0, help="per-variable gradient clipping")
    p.add_argument("--models", default="SimpleRNN,LSTM,GRU")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/adding_problem")
    a = p.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    config.seed_rng(a.seed)
    x, y = adding_problem(a.samples, a.timesteps, seed=a.seed)
    xt, yt = adding_problem(a.test, a.timesteps, seed=a.seed + 1)
    print(f"adding problem: {a.samples} train / {a.test} test sequences of shape "
          f"({a.timesteps}, 2); baseline MSE (predict 1) = {BASELINE:.3f}, "
          f"measured on the test set {np.mean((yt - 1) ** 2):.3f}")
    results = {}
    for kind in a.models.split(","):
        model = build(kind, a.units, a.timesteps, a.lr, a.clipnorm)
        norms = GradientNorms()
        t0 = time.perf_counter()
        hist = model.fit(x, y, batch_size=a.batch_size, epochs=a.epochs, callbacks=[norms],
                         validation_data=(xt, yt), verbose=2)
        wall = time.perf_counter() - t0
        mse = float(np.ravel(model.evaluate(xt, yt, verbose=0))[0])
        rnn_name = model.layers[0].name
        results[kind] = {"test_mse": mse, "wall_s": wall, "history": hist.history,
                         "time_profile": norms.time_profile[rnn_name].tolist()}
        verdict = ("learned" if mse < 0.05 else "partly" if mse < 0.9 * BASELINE
                   else "no better than the baseline")
        print(f"{kind:>9}({a.units}): test MSE {mse:.4f} vs baseline {BASELINE:.3f} "
              f"({verdict}); {wall:.0f} s for {a.epochs} epochs")
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"args": vars(a), "baseline": BASELINE, "results": results}, f, indent=1)
    plot(results, a.out)
    print(f"plots and results.json in {a.out}")
    return results


def plot(results, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from deepgrad.plotting import plot_gradient_norms, plot_time_profile

    fig, ax = plt.subplots(figsize=(6, 4))
    for kind, r in results.items():
        ax.plot(np.arange(1, len(r["history"]["loss"]) + 1), r["history"]["val_loss"], label=kind)
    ax.axhline(BASELINE, color="k", ls="--", label="baseline 1/6")
    ax.set(xlabel="epoch", ylabel="test MSE", yscale="log", title="Adding problem")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "learning_curves.png"), dpi=120)
    fig, ax = plt.subplots(figsize=(6, 4))
    for kind, r in results.items():
        h = {k.replace("grad_norm_", f"grad_norm_{kind}:"): v for k, v in r["history"].items()
             if k.startswith("grad_norm_")}
        plot_gradient_norms(h, ax=ax, title="Gradient norm per layer (epoch mean)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "gradient_norms.png"), dpi=120)
    fig, ax = plt.subplots(figsize=(6, 4))
    plot_time_profile({k: r["time_profile"] for k, r in results.items()}, ax=ax)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "time_profile.png"), dpi=120)
    plt.close("all")


if __name__ == "__main__":
    main()
