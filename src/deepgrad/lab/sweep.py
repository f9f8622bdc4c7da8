"""The notes' learning-rate tip as a procedure: try 0.0001, 0.001, 0.01, 0.1, 1.0 on a log
scale, take the best, then refine around it (for a best of 0.1: 0.05, 0.2, 0.3).

Each (optimizer, learning rate) pair is one independent :func:`~deepgrad.lab.runs.run`; the
pairs can run in parallel with :func:`deepgrad.lab.parallel.run_tasks` (``jobs``/``scheduler``).

The rule for the best rate of an optimizer (:func:`best_rates`): among the runs that did not
diverge (the one definition, :data:`deepgrad.lab.runs.DIVERGENCE_FACTOR`), the rate that
first reached the tolerance in the fewest steps (ties: the lower final loss); when none
reached it, the rate with the lowest final loss. A problem without a minimum (the saddle:
unbounded below, "lowest loss" only means "escaped fastest") has no best rate: ``None``.
The plot shows ``final loss - minimum`` (log scale) where the problem has a minimum, the final
loss itself (symmetric log scale) where it has none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import problems as _problems
from . import runs as _runs

__all__ = ["COARSE_RATES", "refine_rates", "SweepPoint", "lr_sweep", "best_rates",
           "plot_sweep", "save_sweep", "sweep_table"]

#: the notes' coarse grid
COARSE_RATES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def refine_rates(best: float) -> list[float]:
    """Rates around ``best``: ``best * (0.5, 2, 3)`` (the notes: 0.1 -> 0.05, 0.2, 0.3)."""
    return [float(f"{best * f:.6g}") for f in (0.5, 2.0, 3.0)]


@dataclass
class SweepPoint:
    optimizer: str
    learning_rate: float
    final_loss: float       # inf when the run diverged
    diverged: bool
    steps_to_tol: int | None
    stage: str              # "coarse" or "refine"
    min_value: float | None = None   # the problem's minimum (None: it has none)


def _one(task):
    problem, name, lr, steps, start, batch_size, stage = task
    problem = _problems.get(problem)
    t = _runs.run(problem, name, steps, start, batch_size=batch_size, learning_rate=lr)
    return SweepPoint(name, lr, math.inf if t.diverged else t.final_loss, t.diverged,
                      t.steps_to_tol, stage, problem.min_value)


def _key(p: SweepPoint):
    reached = p.steps_to_tol if p.steps_to_tol is not None else math.inf
    return (reached, p.final_loss)


def best_rates(points) -> dict:
    """optimizer -> its best learning rate by the rule in the module docstring (``None`` when
    every run diverged, or the problem has no minimum)."""
    best = {}
    for p in points:
        best.setdefault(p.optimizer, None)
        if p.diverged or not math.isfinite(p.final_loss) or p.min_value is None:
            continue
        if best[p.optimizer] is None or _key(p) < _key(best[p.optimizer]):
            best[p.optimizer] = p
    return {k: (v.learning_rate if v is not None else None) for k, v in best.items()}


def lr_sweep(problem, optimizers, steps: int = 200, start=None, rates=COARSE_RATES,
             refine: bool = True, batch_size=None, jobs: int = 1, scheduler=None):
    """Sweep ``rates`` for every optimizer name, then (``refine``) the rates around each
    optimizer's best. Returns the list of :class:`SweepPoint` (coarse first)."""
    from .parallel import run_tasks

    problem = _problems.get(problem)
    for name in optimizers:
        if name.lower() not in _runs.PRESETS:
            _runs.make_optimizer(name, 0.01)  # raises the listing error for unknown names
    tasks = [(problem, n, float(lr), steps, start, batch_size, "coarse")
             for n in optimizers for lr in rates]
    points = run_tasks(_one, tasks, jobs=jobs, scheduler=scheduler)
    if refine:
        best = best_rates(points)
        extra = [(problem, n, lr, steps, start, batch_size, "refine")
                 for n in optimizers if best[n] is not None
                 for lr in refine_rates(best[n]) if lr not in rates]
        points += run_tasks(_one, extra, jobs=jobs, scheduler=scheduler)
    return points


def plot_sweep(points, problem=None, steps=None, ax=None):
    """Final loss (minus the minimum, where there is one) against learning rate for each
    optimizer; diverged runs drawn as an X on the top edge, each best rate ringed."""
    from . import plots as _plots
    if ax is None:
        ax = _plots.new_figure((8.5, 6.5)).add_subplot()
    has_min = bool(points) and points[0].min_value is not None
    names = list(dict.fromkeys(p.optimizer for p in points))

    def y(p):
        return max(p.final_loss - p.min_value, 1e-16) if has_min else p.final_loss

    finite = [y(p) for p in points if not p.diverged]
    top = (max(finite, default=1.0) * 10) if has_min else max(map(abs, finite), default=1.0) * 2
    best = best_rates(points)
    for name, st in zip(names, _plots.styles_for(names)):
        pts = sorted((p for p in points if p.optimizer == name), key=lambda p: p.learning_rate)
        ok = [p for p in pts if not p.diverged]
        ax.plot([p.learning_rate for p in ok], [y(p) for p in ok],
                color=st["color"], linestyle=st["linestyle"], marker=st["marker"], label=name)
        for p in ok:
            if best.get(name) == p.learning_rate:
                ax.plot(p.learning_rate, y(p), marker="o", markersize=14, linestyle="none",
                        markerfacecolor="none", markeredgecolor=st["color"], label="_best")
        bad = [p for p in pts if p.diverged]
        if bad:
            ax.plot([p.learning_rate for p in bad], [top] * len(bad), marker="X", markersize=10,
                    linestyle="none", color=st["color"], label=f"{name}: diverged")
    ax.set_xscale("log")
    ax.set_yscale("log" if has_min else "symlog")
    ax.set_xlabel("learning rate")
    what = "final loss - minimum" if has_min else "final loss (no minimum: no best rate)"
    ax.set_ylabel(what + (f" after {steps} steps" if steps else ""))
    pname = _problems.get(problem).title if problem is not None else "the problem"
    ax.set_title(f"Learning-rate sweep on {pname}\ncoarse 1e-4..1, then refined around the "
                 f"best (ringed)", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    return ax


def save_sweep(points, out, problem=None, steps=None) -> list[str]:
    from . import plots as _plots
    ax = plot_sweep(points, problem=problem, steps=steps)
    return _plots.save_figure(ax.figure, out)


def sweep_table(points) -> str:
    """A Markdown table of the sweep, best rate per optimizer marked."""
    best = best_rates(points)
    rows = ["| optimizer | learning rate | stage | final loss | steps to tol |",
            "|---|---|---|---|---|"]
    for p in sorted(points, key=lambda p: (p.optimizer, p.learning_rate)):
        loss = "diverged" if p.diverged else f"{p.final_loss:.4g}"
        mark = " **best**" if best.get(p.optimizer) == p.learning_rate else ""
        rows.append(f"| {p.optimizer} | {p.learning_rate:g}{mark} | {p.stage} | {loss} | "
                    f"{'-' if p.steps_to_tol is None else p.steps_to_tol} |")
    return "\n".join(rows)

