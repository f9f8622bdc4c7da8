"""Time one optimizer step on the notes' MLP parameters (669,706 float32) against torch.optim.

deepgrad's parameters and gradients are views into one contiguous buffer each, handed to the
optimizer with ``use_flat_buffers`` (as a Sequential model does); torch's are the usual separate tensors, stepped with
``foreach=True``. Both run in the same process, interleaved, at 1 and 2 threads
(``deepgrad.optimizers.set_num_threads`` and ``threadpoolctl`` for deepgrad and NumPy's
BLAS, ``torch.set_num_threads`` for torch).

    .venv/bin/python benchmarks/optimizers.py [--steps 200] [--repeats 5]

Each repeat times ``--steps`` steps; deepgrad and torch repeats alternate. The last row,
"SGD vs checked torch", gives torch the finiteness check deepgrad makes before each step (a
non-finite gradient must leave the weights unchanged), for a like-for-like cost. Prints a table (the
best repeat's milliseconds per step and the ratio deepgrad/torch, below 1 meaning deepgrad is
faster; the ratio of medians beside it) and writes ``benchmarks/results/optimizers.json``
with the load average at the start, since a busy machine inflates every number.
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

from deepgrad import optimizers as O
from deepgrad.optimizers._threaded import SPLIT_TRIAL_BLOCK, SPLIT_TRIAL_START

SHAPES = [(784, 512), (512,), (512, 512), (512,), (512, 10), (10,)]

CASES = {
    "SGD": (lambda: O.SGD(0.01), lambda p: torch.optim.SGD(p, lr=0.01, foreach=True)),
    "SGD(momentum=0.9)": (lambda: O.SGD(0.01, momentum=0.9),
                          lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, foreach=True)),
    "SGD(nesterov)": (lambda: O.SGD(0.01, momentum=0.9, nesterov=True),
                      lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True, foreach=True)),
    "Adagrad": (lambda: O.Adagrad(), lambda p: torch.optim.Adagrad(p, lr=1e-3, foreach=True)),
    "RMSprop": (lambda: O.RMSprop(), lambda p: torch.optim.RMSprop(p, lr=1e-3, foreach=True)),
    "Adam": (lambda: O.Adam(), lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True)),
    "AdamW": (lambda: O.AdamW(), lambda p: torch.optim.AdamW(p, lr=1e-3, foreach=True)),
    "Nadam": (lambda: O.Nadam(), lambda p: torch.optim.NAdam(p, lr=1e-3, foreach=True)),
    "Adamax": (lambda: O.Adamax(), lambda p: torch.optim.Adamax(p, lr=1e-3, foreach=True)),
    "Adadelta": (lambda: O.Adadelta(), lambda p: torch.optim.Adadelta(p, lr=1e-3, foreach=True)),
    # like for like: torch.optim with the check deepgrad makes before every step
    "SGD vs checked torch": (lambda: O.SGD(0.01),
                             lambda p: _Checked(torch.optim.SGD(p, lr=0.01, foreach=True))),
}


class _Checked:
    """A torch optimizer that, as deepgrad's, skips the step when a gradient is not finite
    (the total norm, ``torch.nn.utils.get_total_norm``, is finite only if every gradient is)."""

    def __init__(self, opt):
        self.opt = opt
        self.grads = [p.grad for group in opt.param_groups for p in group["params"]]

    def step(self):
        if torch.isfinite(torch.nn.utils.get_total_norm(self.grads)):
            self.opt.step()


def _deepgrad_setup(rng):
    sizes = [int(np.prod(s)) for s in SHAPES]
    offsets = np.cumsum([0] + sizes)
    pbuf = rng.standard_normal(offsets[-1]).astype(np.float32)
    gbuf = (rng.standard_normal(offsets[-1]) * 1e-2).astype(np.float32)
    params = [pbuf[a:b].reshape(s) for a, b, s in zip(offsets[:-1], offsets[1:], SHAPES)]
    grads = [gbuf[a:b].reshape(s) for a, b, s in zip(offsets[:-1], offsets[1:], SHAPES)]
    return params, grads, pbuf, gbuf


def _torch_setup(params, grads):
    tp = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in params]
    for t, g in zip(tp, grads):
        t.grad = torch.from_numpy(g.copy())
    return tp


def _once(step, steps):
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps * 1e3


def _time_pair(a, b, steps, repeats):
    """Alternate the two (so that a busy machine slows both alike); ms per step, every repeat.

    Warm-up: torch first, then, after a pause that lets torch's threads stop spinning,
    deepgrad's first ``SPLIT_TRIAL_START + 4 * SPLIT_TRIAL_BLOCK + 2`` steps, in which its optimizer times the
    split between threads against the calling thread alone and keeps the faster.
    """
    for _ in range(3):
        b()
    time.sleep(0.3)
    for _ in range(SPLIT_TRIAL_START + 4 * SPLIT_TRIAL_BLOCK + 2):
        a()
    ta, tb = [], []
    for _ in range(repeats):
        ta.append(_once(a, steps))
        tb.append(_once(b, steps))
    return ta, tb


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} on {os.cpu_count()} CPUs")
    rng = np.random.default_rng(0)
    params, grads, pbuf, gbuf = _deepgrad_setup(rng)
    n = sum(p.size for p in params)
    rows = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        O.set_num_threads(threads)
        with threadpool_limits(limits=threads):
            for name, (make_dg, make_torch) in CASES.items():
                if args.only and name not in args.only:
                    continue
                opt = make_dg()
                opt.use_flat_buffers(pbuf, gbuf)
                pairs = list(zip(grads, params))
                tp = _torch_setup(params, grads)
                topt = make_torch(tp)
                ta, tb = _time_pair(lambda: opt.apply_gradients(pairs), topt.step, args.steps, args.repeats)
                dg, tt = min(ta), min(tb)
                med = float(np.median(ta)) / float(np.median(tb))
                rows.append({"optimizer": name, "threads": threads, "deepgrad_split": bool(opt._threads.use_split),
                             "deepgrad_ms": dg, "torch_ms": tt,
                             "ratio": dg / tt, "deepgrad_ms_median": float(np.median(ta)),
                             "torch_ms_median": float(np.median(tb)), "ratio_median": med})
                print(f"{name:<20} threads={threads}  deepgrad {dg:7.3f} ms  torch {tt:7.3f} ms  "
                      f"ratio {dg / tt:5.2f}  (medians: {med:5.2f}){'  split' if opt._threads.use_split else ''}",
                      flush=True)
    out = {"params": int(n), "dtype": "float32", "steps": args.steps, "repeats": args.repeats,
           "loadavg_at_start": load,
           "machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
           "numpy": np.__version__, "torch": torch.__version__, "rows": rows}
    path = os.path.join(os.path.dirname(__file__), "results", "optimizers.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
