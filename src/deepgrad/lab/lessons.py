"""Two of the notes' figures as runs: the learning-rate lesson and batch vs mini-batch vs
stochastic gradient descent, each drawn on one contour map.

* :func:`learning_rate_runs`: one optimizer at four rates, "too small", "right", "too big"
  (oscillating) and "diverging". For plain gradient descent the rates come from the largest
  curvature ``L`` (the Hessian's largest eigenvalue, by central differences at the minimum, or
  at the start where there is none): ``0.05/L``, ``1/L``, ``1.9/L`` (each step overshoots the
  valley's floor and comes back: the zigzag) and ``2.5/L`` (beyond the ``2/L`` limit of a
  quadratic: every step lands farther out). For other optimizers: the problem's default rate
  times 0.05, 1, 5 and 50.
* :func:`batch_runs`: one optimizer with all points per step (batch gradient descent), a
  mini-batch and one point per step (stochastic), on a data problem. The steps use the
  gradient of the batch's *mean* loss (``run(..., mean=True)``), so one rate suits every
  batch size; batches are reshuffled each epoch by a generator seeded with ``seed``.
"""

from __future__ import annotations

import numpy as np

from . import problems as _problems
from . import runs as _runs

__all__ = ["curvature", "lesson_rates", "learning_rate_runs", "batch_runs", "LR_NAMES"]

LR_NAMES = ("too small", "right", "too big", "diverging")


def curvature(problem) -> float:
    """The Hessian's largest eigenvalue (central differences of the gradient) at the first
    minimum, or at the start when the problem has none."""
    problem = _problems.get(problem)
    p = np.array(problem.minima[0] if problem.minima else problem.start, dtype=np.float64)
    h = 1e-5
    hess = np.empty((2, 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        hess[:, j] = (problem.grad(p + e) - problem.grad(p - e)) / (2 * h)
    return float(np.max(np.abs(np.linalg.eigvalsh(0.5 * (hess + hess.T)))))


def lesson_rates(problem, optimizer: str = "sgd") -> list[float]:
    """The four rates of :func:`learning_rate_runs` (see the module docstring)."""
    problem = _problems.get(problem)
    if optimizer.lower() in ("sgd", "gd"):
        big = curvature(problem)
        return [float(f"{f / big:.3g}") for f in (0.05, 1.0, 1.9, 2.5)]
    r = _runs.default_rate(problem, optimizer)
    return [float(f"{r * f:.3g}") for f in (0.05, 1.0, 5.0, 50.0)]


def learning_rate_runs(problem, optimizer: str = "sgd", steps: int = 50, start=None,
                       tol=None) -> list:
    """``optimizer`` at the four rates of :func:`lesson_rates`, labelled
    ``"sgd lr=0.002 (too small)"`` etc."""
    problem = _problems.get(problem)
    return [_runs.run(problem, optimizer, steps, start, learning_rate=lr, tol=tol,
                      label=f"{optimizer} lr={lr:g} ({name})")
            for lr, name in zip(lesson_rates(problem, optimizer), LR_NAMES)]


def batch_runs(problem, optimizer: str = "sgd", learning_rate: float | None = None,
               steps: int = 100, start=None, batch_sizes=(None, 10, 1), seed: int = 0,
               tol=None) -> list:
    """``optimizer`` once per batch size (``None``: all points), mean-loss gradients, the same
    ``learning_rate`` (default: the problem's default for ``optimizer`` times its number of
    points) and shuffling seed."""
    problem = _problems.get(problem)
    if not isinstance(problem, _problems.DataProblem):
        raise ValueError(f"batch_runs: `problem` must be a data problem (sigmoid, sparse, "
                         f"linreg), got {problem.name!r}.")
    # the default: the sum-loss default rate times the number of points (the mean's gradient
    # is the sum's divided by it)
    lr = (float(f"{_runs.default_rate(problem, optimizer) * problem.n_points:.3g}")
          if learning_rate is None else learning_rate)
    out = []
    for bs in batch_sizes:
        if bs is not None and bs >= problem.n_points:
            continue
        kind = ("batch (all points)" if bs is None else
                "stochastic (batch 1)" if bs == 1 else f"mini-batch {bs}")
        out.append(_runs.run(problem, optimizer, steps, start, batch_size=bs,
                             learning_rate=lr, shuffle=True, seed=seed, mean=True, tol=tol,
                             label=f"{optimizer} lr={lr:g} {kind}"))
    return out
