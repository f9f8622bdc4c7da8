"""Before/after: the same workloads timed on two versions of deepgrad, in one run.

Each version runs in its own child process (``PYTHONPATH=<version>/src``; the "before" tree is
a temporary ``git worktree`` of ``--before``), and the two alternate round by round so that a
busy spell of this shared machine slows both. Each child times, at ``--threads`` BLAS threads:

- the notes' MLP (784-512-512-10, relu, Dropout 0.2, softmax, batch 128) for one epoch of
  ``--samples`` rows with SGD(0.01) and with Adam(1e-3), and ``predict`` on 10,000 rows;
- the recurrent benchmark's networks ((200, 2) sequences -> LSTM(16) / GRU(64) /
  SimpleRNN(32) -> Dense(1), MSE, Adam, batch 32) for one epoch of ``--sequences`` rows;
- one Adam step on the MLP's 669,706 parameters (the optimizer alone).

The figure per workload is the median over rounds of each child's best-of-``--repeats``
time; "after / before" is the ratio of the two medians (1.10 would be 10% slower). Beside it,
"best / best" is the ratio of the fastest time of each version over all rounds (what ``timeit``
recommends: other load on a shared machine only ever adds time), the steadier of the two here.

    .venv/bin/python benchmarks/before_after.py [--before 06f5291] [--rounds 3] [--threads 1]

Prints a Markdown table and writes benchmarks/results/before_after.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The last commit before the readable-engine work (issue 12): optimizers with rescaled moments,
#: LSTM gates in [o, i, f, c] order, the fused loss switched on by compile.
BEFORE = "06f5291"
WORKLOADS = ["MLP SGD epoch", "MLP Adam epoch", "MLP predict 10k", "LSTM(16) epoch", "GRU(64) epoch",
             "SimpleRNN(32) epoch", "Adam step 669,706 params"]


def _best(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def child(args):
    """Time every workload with the deepgrad on sys.path; print one JSON line."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from deepgrad import layers, optimizers
    from deepgrad.models import Sequential

    rng = np.random.default_rng(0)
    results = {}
    with threadpool_limits(args.threads):
        x = rng.random((args.samples, 784), dtype=np.float32)
        y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, args.samples)]
        for name, opt in (("MLP SGD epoch", lambda: optimizers.SGD(0.01)),
                          ("MLP Adam epoch", lambda: optimizers.Adam(1e-3))):
            model = Sequential([layers.Dense(512, activation="relu", input_shape=(784,)), layers.Dropout(0.2),
                                layers.Dense(512, activation="relu"), layers.Dropout(0.2),
                                layers.Dense(10, activation="softmax")])
            model.compile(optimizer=opt(), loss="categorical_crossentropy")
            model.fit(x, y, batch_size=128, epochs=1, verbose=0)  # warm-up: buffers, BLAS threads
            results[name] = _best(lambda: model.fit(x, y, batch_size=128, epochs=1, verbose=0), args.repeats)
        xp = rng.random((10_000, 784), dtype=np.float32)
        results["MLP predict 10k"] = _best(lambda: model.predict(xp, batch_size=128, verbose=0), args.repeats)

        xs = rng.random((args.sequences, 200, 2), dtype=np.float32)
        ys = rng.random((args.sequences, 1), dtype=np.float32)
        for kind, units in (("LSTM", 16), ("GRU", 64), ("SimpleRNN", 32)):
            model = Sequential([getattr(layers, kind)(units, input_shape=(200, 2)), layers.Dense(1)])
            model.compile(optimizer=optimizers.Adam(1e-3), loss="mse")
            model.fit(xs[:64], ys[:64], batch_size=32, epochs=1, verbose=0)
            results[f"{kind}({units}) epoch"] = _best(
                lambda: model.fit(xs, ys, batch_size=32, epochs=1, verbose=0), args.repeats)

        n = 669_706  # the MLP's parameters: 784*512 + 512 + 512*512 + 512 + 512*10 + 10
        w, g = np.zeros(n, dtype=np.float32), rng.standard_normal(n).astype(np.float32)
        opt = optimizers.Adam(1e-3)
        opt.build([w])
        opt.apply_gradients([(g, w)])

        def steps():
            for _ in range(50):
                opt.apply_gradients([(g, w)])
        results["Adam step 669,706 params"] = _best(steps, args.repeats) / 50
    print(json.dumps(results))


def _run_child(src, args):
    env = dict(os.environ, PYTHONPATH=src)
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--threads", str(args.threads),
           "--samples", str(args.samples), "--sequences", str(args.sequences), "--repeats", str(args.repeats)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", default=BEFORE, help="git revision of the 'before' version")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=2, help="timed repetitions per workload per child")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--samples", type=int, default=12_000, help="MLP training rows per epoch")
    p.add_argument("--sequences", type=int, default=1_000, help="recurrent training sequences per epoch")
    p.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "before_after.json"))
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args)
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "before")
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "-q", tree, args.before], check=True)
        try:
            runs = {"before": [], "after": []}
            for r in range(args.rounds):
                for label, src in (("before", os.path.join(tree, "src")), ("after", os.path.join(ROOT, "src"))):
                    runs[label].append(_run_child(src, args))
                    print(f"round {r + 1}/{args.rounds} {label} done", file=sys.stderr)
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", tree], check=False)
    med = {label: {w: statistics.median(run[w] for run in rs) for w in WORKLOADS} for label, rs in runs.items()}
    best = {label: {w: min(run[w] for run in rs) for w in WORKLOADS} for label, rs in runs.items()}
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    print(f"\nbefore = {args.before}, after = {head} (working tree); {args.threads} BLAS thread(s), "
          f"{args.rounds} rounds alternating, best of {args.repeats} per round, median over rounds; "
          f"MLP {args.samples} rows, recurrent {args.sequences} sequences\n")
    print("| workload | before (s) | after (s) | after / before | best / best |")
    print("|---|---|---|---|---|")
    for w in WORKLOADS:
        b, a = med["before"][w], med["after"][w]
        print(f"| {w} | {b:.4g} | {a:.4g} | {a / b:.2f} | {best['after'][w] / best['before'][w]:.2f} |")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"before": args.before, "after": head, "threads": args.threads, "rounds": args.rounds,
                   "repeats": args.repeats, "samples": args.samples, "sequences": args.sequences,
                   "machine": platform.platform(), "cpus": os.cpu_count(), "median": med, "best": best,
                   "runs": runs}, f, indent=1)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
