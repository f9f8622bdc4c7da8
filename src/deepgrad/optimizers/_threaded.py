"""Opt-in: one optimizer step split between threads (``deepgrad.optimizers.set_num_threads``).

Off by default (one thread). With ``set_num_threads(n)``, ``n > 1``, an elementwise chain on a
model's flat buffers (every algorithm here; not ``clipnorm`` or a weight-decay exclusion) is
run on ``n`` slices of the buffers at once: NumPy and the BLAS ``axpby`` release the GIL in
their loops. Each slice computes exactly what the whole buffer computes for its elements, so
the result is bit-identical to the one-thread step (tested).

Whether it pays depends on the machine and on what runs around the step: in a hot loop two
threads cut Adam's step by a third (``benchmarks/optimizers.py``), but inside ``fit`` on a
2-core VM (waking an idle core, BLAS's threads spinning after the last GEMM) they made it
slower, and SGD's memory-bound one-pass step rarely gains. So after ``SPLIT_TRIAL_START``
steps in the calling thread, ``4 * SPLIT_TRIAL_BLOCK`` steps are timed in blocks of each way
and the faster is kept; the trial runs again every ``SPLIT_RETRIAL_STEPS`` steps.
"""

from __future__ import annotations

import numbers
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from .transforms import ParamList

__all__ = ["set_num_threads", "get_num_threads", "SplitStepper"]

#: Below this many elements per thread a step runs in the calling thread only.
MIN_ELEMENTS_PER_THREAD = 1 << 17
#: The trial runs blocks of this many steps split between threads, then not, twice each.
SPLIT_TRIAL_BLOCK = 6
#: Steps before the first trial: on a 2-core VM a second thread woken after an idle spell
#: stayed slow for about 20 steps, which made an early trial misjudge the split.
SPLIT_TRIAL_START = 40
#: Steps after which the trial runs again (the machine's load and what runs around the step change).
SPLIT_RETRIAL_STEPS = 1000
_THREADS = {"n": 1, "pool": None, "pool_size": 0, "pid": None}


def set_num_threads(n: int) -> None:
    """Threads used by one optimizer step on a model's flat buffers (default 1: no threads).

    With ``n > 1`` each optimizer times its steps both ways and keeps the faster (see the
    module docstring); results are bit-identical either way.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"set_num_threads: `n` must be an int >= 1, got {n!r}.")
    _THREADS["n"] = int(n)


def get_num_threads() -> int:
    """The number of threads set by :func:`set_num_threads`."""
    return _THREADS["n"]


def _pool():
    """The worker threads (``n - 1``: the calling thread does one slice itself).

    A forked child does not inherit the parent's threads: it gets a pool of its own.
    """
    n, pid = _THREADS["n"], os.getpid()
    if _THREADS["pool"] is None or _THREADS["pool_size"] != n - 1 or _THREADS["pid"] != pid:
        if _THREADS["pool"] is not None and _THREADS["pid"] == pid:
            _THREADS["pool"].shutdown(wait=True)
        _THREADS["pool"] = ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="deepgrad-opt")
        _THREADS["pool_size"], _THREADS["pid"] = n - 1, pid
    return _THREADS["pool"]


def _slice_state(state, a, b):
    """The state of a flat group restricted to elements ``[a, b)``: slots as views, scalars copied."""
    if isinstance(state, tuple):
        return tuple(_slice_state(s, a, b) for s in state)
    return {k: [v[0][a:b]] if isinstance(v, list) else v for k, v in state.items()}


def _scalar_dicts(state):
    if isinstance(state, tuple):
        return [d for s in state for d in _scalar_dicts(s)]
    return [state]


def _copy_scalars(src, dst):
    for ds, dd in zip(_scalar_dicts(src), _scalar_dicts(dst)):
        for k, v in ds.items():
            if not isinstance(v, list):
                dd[k] = v


class SplitStepper:
    """One optimizer's threaded steps: its slices of the flat buffers and its timing trial."""

    def __init__(self):
        self.key = None
        self.parts = None
        self.trial = None  # ([split times], [single times]) while timing
        self.use_split = False
        self.since_trial = 0
        self.trial_index = 0

    def _partition(self, transform, state, layout):
        """Per-thread ``(grads, state views, params)`` slices of the flat group, or None."""
        n = _THREADS["n"]
        if not (layout.flat and getattr(transform, "elementwise", False)) or n < 2:
            return None
        size = layout.group_params[0].size
        k = min(n, size // MIN_ELEMENTS_PER_THREAD)
        if k < 2:
            return None
        bounds = [(size * i // k) // 16 * 16 for i in range(k)] + [size]
        g, p = layout.group_grads[0], layout.group_params[0]
        return [([g[a:b]], _slice_state(state, a, b), ParamList([p[a:b]]))
                for a, b in zip(bounds[:-1], bounds[1:])]

    def step(self, transform, state, layout, version):
        """One step (in the calling thread or split); returns the new state. ``version`` changes
        whenever the state or the layout was rebuilt (the slices then move to the new arrays)."""
        key = (version, _THREADS["n"])
        if self.key != key:
            self.key, self.parts = key, self._partition(transform, state, layout)
            self.trial, self.use_split = None, False  # no split until the first trial
            self.since_trial = SPLIT_RETRIAL_STEPS - SPLIT_TRIAL_START
        if self.parts is None:
            return run(transform, state, layout, None)
        if self.trial is None:
            state = run(transform, state, layout, self.parts if self.use_split else None)
            self.since_trial += 1
            if self.since_trial == SPLIT_RETRIAL_STEPS:  # conditions change: time it again
                self.trial, self.trial_index = ([], []), 0
            return state
        return self._trial_step(transform, state, layout)

    def _trial_step(self, transform, state, layout):
        """One timed step of the trial: blocks of ``SPLIT_TRIAL_BLOCK`` steps split, then not
        split, twice each (the first step of a block is a warm-up and not counted: a worker
        thread that slept through the other way's block wakes slowly); then keep the faster."""
        split, single = self.trial
        i = self.trial_index
        use_split = (i // SPLIT_TRIAL_BLOCK) % 2 == 0
        start = time.perf_counter()
        state = run(transform, state, layout, self.parts if use_split else None)
        if i % SPLIT_TRIAL_BLOCK:
            (split if use_split else single).append(time.perf_counter() - start)
        self.trial_index = i + 1
        if self.trial_index == 4 * SPLIT_TRIAL_BLOCK:
            self.use_split = statistics.median(split) < statistics.median(single)
            self.trial, self.since_trial = None, 0
        return state


def run(transform, state, layout, parts):
    """One step: in the calling thread (``parts`` None) or split between the threads."""
    if parts is None:
        return transform.apply(layout.group_grads, state, layout.params_list)
    for part in parts:
        _copy_scalars(state, part[1])
    futures = [_pool().submit(transform.apply, *part) for part in parts[1:]]
    transform.apply(*parts[0])
    for f in futures:
        f.result()
    _copy_scalars(parts[0][1], state)
    return state
