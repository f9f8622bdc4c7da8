"""Benchmark: the notes' MLP (784-512-512-10, relu, Dropout 0.2, softmax, batch 128), deepgrad vs PyTorch.

Both libraries train the same network on the same 60,000 x 784 float32 inputs in the same
process, at 1 and 2 threads (NumPy's BLAS via threadpoolctl and deepgrad's optimizer threads;
torch.set_num_threads):
seconds per epoch for SGD(0.01) and Adam(1e-3), the ratio deepgrad / PyTorch, the time of
``predict`` on 10,000 samples (PyTorch: ``inference_mode``), and the resident memory after
each deepgrad epoch (it must stay flat).

    .venv/bin/python benchmarks/mlp.py [--epochs 3] [--threads 1,2] [--out benchmarks/results/mlp.json]

Prints a Markdown table and writes JSON. The two libraries alternate epoch by epoch, so that
a busy spell of this shared machine slows both; timings are medians over epochs after the
first (the first epoch includes warm-up). "ratio" is the ratio of the two medians, "epoch by
epoch" the median of the ratios of the epochs run side by side (the steadier figure when the
machine's speed drifts).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import deepgrad
from deepgrad import layers, models, optimizers


#: Pause before timing the other library: idle OpenBLAS / OpenMP worker threads spin for a while
#: after their last call and would otherwise steal the cores from the library being timed.
SETTLE_S = 0.3


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """The process's resident memory now (Linux; the peak elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    except (OSError, StopIteration):
        return peak_rss_mib()


def make_data(n=60_000, seed=0):
    """Fashion-MNIST-like inputs: the embedded subset tiled to n rows, scaled to [0, 1]."""
    (x, y), _ = deepgrad.datasets.fashion_mnist.load_data(subset=True)
    reps = -(-n // len(x))
    x = np.tile(x.reshape(len(x), -1), (reps, 1))[:n].astype(np.float32) / 255.0
    y = np.tile(y, reps)[:n]
    return x, np.eye(10, dtype=np.float32)[y], y


def deepgrad_mlp():
    model = models.Sequential()
    model.add(layers.Dense(512, activation="relu", input_shape=(784,)))
    model.add(layers.Dropout(0.2))
    model.add(layers.Dense(512, activation="relu"))
    model.add(layers.Dropout(0.2))
    model.add(layers.Dense(10, activation="softmax"))
    return model


def torch_mlp():
    return torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(512, 10),
    )


def deepgrad_trainer(x, y, opt_name):
    """The deepgrad model and a function that trains it for one epoch."""
    deepgrad.utils.set_random_seed(0)
    model = deepgrad_mlp()
    opt = optimizers.SGD(0.01) if opt_name == "sgd" else optimizers.Adam()
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])

    def epoch():
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)

    return model, epoch


def torch_trainer(x, labels, opt_name):
    """The PyTorch model and a function that trains it for one epoch (the same loop as fit)."""
    torch.manual_seed(0)
    net = torch_mlp()
    opt = torch.optim.SGD(net.parameters(), lr=0.01) if opt_name == "sgd" else torch.optim.Adam(net.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))
    n = len(xt)

    def epoch():
        net.train()
        perm = torch.randperm(n)
        correct = 0
        for i in range(0, n, 128):
            idx = perm[i:i + 128]
            xb, yb = xt[idx], yt[idx]
            opt.zero_grad(set_to_none=True)
            out = net(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            correct += int((out.argmax(1) == yb).sum())  # the accuracy metric deepgrad also computes

    return net, epoch


def time_epochs(dg_epoch, pt_epoch, epochs):
    """Alternate the libraries epoch by epoch (so that a busy spell of the machine hits both),
    pausing before each; returns both lists of epoch times and the resident memory after each
    deepgrad epoch (the process holds both libraries, so it is flat only if deepgrad is)."""
    t_dg, t_pt, rss = [], [], []
    for _ in range(epochs):
        for f, times in ((dg_epoch, t_dg), (pt_epoch, t_pt)):
            time.sleep(SETTLE_S)
            t = time.perf_counter()
            f()
            times.append(time.perf_counter() - t)
            if f is dg_epoch:
                rss.append(rss_mib())
    return t_dg, t_pt, rss


def time_predict(model, net, x, repeats=7):
    """Median time to predict 10,000 samples (batch 128), the two libraries interleaved run by
    run, with a pause before each so that neither runs beside the other's spinning threads."""
    xs = x[:10_000]
    xt = torch.from_numpy(xs)
    net.eval()

    def dg():
        model.predict(xs, batch_size=128, verbose=0)

    def pt():
        with torch.inference_mode():
            for i in range(0, len(xt), 128):
                torch.softmax(net(xt[i:i + 128]), dim=1)

    times = {dg: [], pt: []}
    for f in (dg, pt):
        f()  # warm-up
    for _ in range(repeats):
        for f in (dg, pt):
            time.sleep(SETTLE_S)
            t = time.perf_counter()
            f()
            times[f].append(time.perf_counter() - t)
    return statistics.median(times[dg]), statistics.median(times[pt])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--samples", type=int, default=60_000)
    ap.add_argument("--out", default="benchmarks/results/mlp.json")
    args = ap.parse_args(argv)
    x, y, labels = make_data(args.samples)
    rows = []
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        optimizers.set_num_threads(threads)  # deepgrad's elementwise optimizer step, like torch's intra-op threads
        with threadpool_limits(limits=threads):
            for opt_name in ("sgd", "adam"):
                model, dg_epoch = deepgrad_trainer(x, y, opt_name)
                net, pt_epoch = torch_trainer(x, labels, opt_name)
                t_dg, t_pt, rss_dg = time_epochs(dg_epoch, pt_epoch, args.epochs)
                dg = statistics.median(t_dg[1:] or t_dg)
                pt = statistics.median(t_pt[1:] or t_pt)
                paired = statistics.median([a / b for a, b in zip(t_dg, t_pt)][1:] or [dg / pt])
                row = {"threads": threads, "optimizer": opt_name, "deepgrad_s_per_epoch": dg,
                       "torch_s_per_epoch": pt, "ratio": dg / pt, "ratio_paired": paired,
                       "deepgrad_epoch_times": t_dg,
                       "torch_epoch_times": t_pt, "rss_mib_after_each_deepgrad_epoch": rss_dg}
                if opt_name == "sgd":
                    p_dg, p_pt = time_predict(model, net, x)
                    row.update(predict_deepgrad_s=p_dg, predict_torch_s=p_pt, predict_ratio=p_dg / p_pt)
                rows.append(row)
                print(f"threads={threads} {opt_name}: deepgrad {dg:.3f} s/epoch, torch {pt:.3f} s/epoch, "
                      f"ratio {dg / pt:.2f} (epoch by epoch: {paired:.2f})", flush=True)
    print()
    print(f"Notes' MLP, {args.samples} samples, batch 128, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, numpy {np.__version__}, torch {torch.__version__}")
    print("| threads | optimizer | deepgrad s/epoch | PyTorch s/epoch | ratio | ratio epoch by epoch "
          "| predict 10k: deepgrad / PyTorch |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        pred = (f"{r['predict_deepgrad_s'] * 1e3:.0f} ms / {r['predict_torch_s'] * 1e3:.0f} ms "
                f"({r['predict_ratio']:.2f}x)") if "predict_ratio" in r else ""
        print(f"| {r['threads']} | {r['optimizer']} | {r['deepgrad_s_per_epoch']:.3f} | "
              f"{r['torch_s_per_epoch']:.3f} | {r['ratio']:.2f} | {r['ratio_paired']:.2f} | {pred} |")
    rss = [v for r in rows for v in r["rss_mib_after_each_deepgrad_epoch"]]
    print(f"resident memory after each deepgrad epoch (MiB): {', '.join(f'{v:.0f}' for v in rss)}")
    print(f"peak resident memory of the process (MiB): {peak_rss_mib():.0f}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"machine": {"processor": platform.processor(), "cores": os.cpu_count(),
                               "numpy": np.__version__, "torch": torch.__version__},
                   "samples": args.samples, "epochs": args.epochs, "rows": rows}, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
