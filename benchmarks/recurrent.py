"""Recurrent training speed: deepgrad vs PyTorch, same data, same run, 1 and 2 threads.

Models (input (200, 2) adding-problem sequences -> recurrent layer -> Dense(1), MSE, Adam,
batch 32): the notes' LSTM(16), LSTM(128), GRU(64), SimpleRNN(32); PyTorch's nn.LSTM /
nn.GRU / nn.RNN (batch_first) + nn.Linear. After a short warm-up epoch, ``--repeats`` epochs
of each library are timed, alternating deepgrad and PyTorch so that both see the same
machine conditions; the best (minimum) epoch of each, in wall and in CPU seconds, and the
ratio deepgrad / PyTorch are printed and written to benchmarks/results/recurrent.json (with
every epoch's times).

    python benchmarks/recurrent.py                  # 10,000 sequences (minutes on 2 cores)
    python benchmarks/recurrent.py --samples 2000   # faster; the count is in the output
    python benchmarks/recurrent.py --loop reference  # the readable steps instead of the
                                                     # fused loops (what the fused loops save)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from deepgrad import config
from deepgrad.datasets import adding_problem
from deepgrad.layers import GRU, LSTM, RNN, SimpleRNN
from deepgrad.layers.core import Dense
from deepgrad.models import Sequential
from deepgrad.optimizers import Adam

MODELS = [("LSTM", 16), ("LSTM", 128), ("GRU", 64), ("SimpleRNN", 32)]
TARGETS = {"LSTM(16)": 1.5, "GRU(64)": 1.0, "SimpleRNN(32)": 1.0}
OURS = {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": SimpleRNN}
THEIRS = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}


def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def deepgrad_epoch(kind, units, x, y, batch):
    """A warmed-up model and a function that trains it one epoch."""
    model = Sequential([OURS[kind](units, input_shape=x.shape[1:]), Dense(1)])
    model.compile(optimizer=Adam(), loss="mse")
    model.fit(x[:batch * 4], y[:batch * 4], batch_size=batch, epochs=1, verbose=0)   # warm-up
    return lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0)


class _TorchNet(torch.nn.Module):
    def __init__(self, kind, units, features):
        super().__init__()
        self.rnn = THEIRS[kind](features, units, batch_first=True)
        self.out = torch.nn.Linear(units, 1)

    def forward(self, x):
        return self.out(self.rnn(x)[0][:, -1])


def torch_epoch(kind, units, x, y, batch):
    """A warmed-up PyTorch model and a function that trains it one epoch."""
    net = _TorchNet(kind, units, x.shape[-1])
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    lossf = torch.nn.MSELoss()

    def epoch(n):
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            opt.zero_grad()
            loss = lossf(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    epoch(batch * 4)                                                            # warm-up
    return lambda: epoch(len(x))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--samples", type=int, default=10_000)
    p.add_argument("--timesteps", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeats", type=int, default=3,
                   help="timed epochs per library, alternating; the best one is reported")
    p.add_argument("--models", default=",".join(f"{k}({u})" for k, u in MODELS))
    p.add_argument("--loop", choices=("fused", "reference"), default="fused",
                   help="deepgrad's time loop: the fused loops (default) or the reference "
                        "steps of layers/recurrent_steps.py (RNN.fused_loop = False)")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results",
                                                 "recurrent.json"))
    a = p.parse_args(argv)
    config.set_floatx("float32")
    RNN.fused_loop = a.loop == "fused"
    x, y = adding_problem(a.samples, a.timesteps, seed=0)
    wanted = a.models.split(",")
    rows = []
    print(f"{a.samples} sequences of shape ({a.timesteps}, 2), batch {a.batch_size}, Adam; "
          f"best of {a.repeats} alternating epochs each (seconds per epoch); {a.loop} loop")
    print("wall = elapsed seconds; cpu = process CPU seconds (all threads), less sensitive to "
          "other jobs on a shared machine")
    print(f"{'model':<15}{'threads':>8}{'deepgrad':>10}{'pytorch':>9}{'ratio':>7}"
          f"{'cpu dg':>9}{'cpu pt':>9}{'ratio':>7}{'target':>8}")
    for kind, units in MODELS:
        name = f"{kind}({units})"
        if name not in wanted:
            continue
        for n in (int(t) for t in a.threads.split(",")):
            torch.set_num_threads(n)
            with threadpool_limits(limits=n):
                ours_fn = deepgrad_epoch(kind, units, x, y, a.batch_size)
                theirs_fn = torch_epoch(kind, units, x, y, a.batch_size)
                runs = [(_timed(ours_fn), _timed(theirs_fn)) for _ in range(a.repeats)]
            ours = tuple(min(r[0][i] for r in runs) for i in (0, 1))
            theirs = tuple(min(r[1][i] for r in runs) for i in (0, 1))
            ratio, cratio = ours[0] / theirs[0], ours[1] / theirs[1]
            target = TARGETS.get(name)
            rows.append({"model": name, "threads": n, "deepgrad_s": round(ours[0], 3),
                         "pytorch_s": round(theirs[0], 3), "ratio": round(ratio, 3),
                         "deepgrad_cpu_s": round(ours[1], 3), "pytorch_cpu_s": round(theirs[1], 3),
                         "cpu_ratio": round(cratio, 3), "target_ratio": target,
                         "deepgrad_epochs_s": [round(r[0][0], 3) for r in runs],
                         "pytorch_epochs_s": [round(r[1][0], 3) for r in runs]})
            print(f"{name:<15}{n:>8}{ours[0]:>10.2f}{theirs[0]:>9.2f}{ratio:>7.2f}"
                  f"{ours[1]:>9.2f}{theirs[1]:>9.2f}{cratio:>7.2f}"
                  f"{'' if target is None else f'{target:>8.1f}'}", flush=True)
    result = {"samples": a.samples, "timesteps": a.timesteps, "batch_size": a.batch_size,
              "repeats": a.repeats, "loop": a.loop,
              "numpy": np.__version__, "torch": torch.__version__,
              "machine": f"{platform.machine()} {os.cpu_count()} cpus",
              "load_average_at_end": list(os.getloadavg()), "rows": rows}
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"written {a.out}")


if __name__ == "__main__":
    main()
