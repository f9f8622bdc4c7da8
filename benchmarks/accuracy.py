"""The 87% check: the notes' MLP on the full Fashion-MNIST, 5 epochs of SGD(0.05, momentum 0.9).

Trains the notes' network (784-512-512-10, relu, Dropout 0.2, softmax, categorical
cross-entropy, batch 128, data scaled to [0, 1]) once per seed with deepgrad, exactly as
``examples/notes_mlp.py --full --only momentum --epochs 5 --seed S`` does, and the same
network in PyTorch (Glorot-uniform kernels, zero biases, ``torch.optim.SGD(lr=0.05,
momentum=0.9)``, whose momentum equals Keras's at a constant rate), and reports the test
accuracy after each epoch.

    .venv/bin/python benchmarks/accuracy.py [--seeds 0-9] [--epochs 5] [--no-torch]

Needs the full Fashion-MNIST (see docs/datasets.md). Prints a table (final test accuracy per
seed, mean and spread) and writes ``benchmarks/results/accuracy.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import notes_mlp  # noqa: E402  (the example itself, so this measures what the README shows)

import deepgrad  # noqa: E402


def deepgrad_run(data, seed, epochs):
    deepgrad.utils.set_random_seed(seed)
    _, history = notes_mlp.run("momentum", *data, nepochs=epochs, verbose=0)
    return [float(a) for a in history.history["val_accuracy"]]


def torch_run(data, seed, epochs):
    import torch

    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in data)
    labels, test_labels = y_train.argmax(1), y_test.argmax(1)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(512, 10))
    for m in net:
        if isinstance(m, torch.nn.Linear):  # Keras's defaults
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    accuracies = []
    for _ in range(epochs):
        net.train()
        perm = torch.randperm(len(x_train))
        for i in range(0, len(perm), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss_fn(net(x_train[idx]), labels[idx]).backward()
            opt.step()
        net.eval()
        with torch.inference_mode():
            accuracies.append(float((net(x_test).argmax(1) == test_labels).float().mean()))
    return accuracies


def _seeds(text):
    a, _, b = text.partition("-")
    return list(range(int(a), int(b) + 1)) if b else [int(a)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-9", help="a seed or a range, e.g. 0-9")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "accuracy.json"))
    args = ap.parse_args(argv)
    data = notes_mlp.load_notes_data(full=True)
    runs = {"deepgrad": {}, "torch": {}}
    for seed in _seeds(args.seeds):
        runs["deepgrad"][seed] = deepgrad_run(data, seed, args.epochs)
        if not args.no_torch:
            runs["torch"][seed] = torch_run(data, seed, args.epochs)
        line = "  ".join(f"{lib} {acc[seed][-1]:.4f}" for lib, acc in runs.items() if seed in acc)
        print(f"seed {seed}: {line}", flush=True)
    print(f"\nFinal test accuracy after {args.epochs} epochs, SGD(0.05, momentum 0.9), batch 128:")
    print("| library | seeds | mean | standard deviation | min | max | seeds >= 87% |")
    print("|---|---|---|---|---|---|---|")
    summary = {}
    for lib, acc in runs.items():
        if not acc:
            continue
        final = [a[-1] for a in acc.values()]
        summary[lib] = {"mean": statistics.mean(final), "min": min(final), "max": max(final),
                        "at_least_87": sum(f >= 0.87 for f in final), "seeds": len(final),
                        "stdev": statistics.stdev(final) if len(final) > 1 else 0.0}
        s = summary[lib]
        print(f"| {lib} | {s['seeds']} | {s['mean']:.4f} | {s['stdev']:.4f} | {s['min']:.4f} | "
              f"{s['max']:.4f} | {s['at_least_87']} |")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"epochs": args.epochs, "numpy": np.__version__, "val_accuracy_per_epoch": runs,
                   "summary": summary}, f, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
