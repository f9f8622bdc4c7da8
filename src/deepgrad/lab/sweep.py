"""The notes' learning-rate tip as a procedure: try 0.0001, 0.001, 0.01, 0.1, 1.0 on a log
scale, take the best, then refine around it (for a best of 0.1: 0.05, 0.2, 0.3).

Each (optimizer, learning rate) pair is one independent :func:`~deepgrad.lab.runs.run`; the
pairs can run in parallel with :func:`deepgrad.lab.parallel.run_tasks` (``jobs``/``scheduler``).
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


def _one(task):
    problem, name, lr, steps, start, batch_size, stage = task
    t = _runs.run(problem, name, steps, start, batch_size=batch_size, learning_rate=lr)
    # A run that stays finite but ends a million times above where it started blew up too.
    blew_up = t.diverged or abs(t.final_loss) > 1e6 * max(1.0, abs(float(t.losses[0])))
    return SweepPoint(name, lr, math.inf if blew_up else t.final_loss, blew_up,
                      t.steps_to_tol, stage)


def _score(p: SweepPoint) -> float:
    return math.inf if p.diverged or not math.isfinite(p.final_loss) else p.final_loss


def best_rates(points) -> dict:
    """optimizer -> the learning rate with the lowest final loss (diverged runs never win)."""
    best = {}
    for p in points:
        if p.optimizer not in best or _score(p) < _score(best[p.optimizer]):
            best[p.optimizer] = p
    return {k: v.learning_rate for k, v in best.items()}


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
                 for n in optimizers for lr in refine_rates(best[n]) if lr not in rates]
        points += run_tasks(_one, extra, jobs=jobs, scheduler=scheduler)
    return points


def plot_sweep(points, problem=None, steps=None, ax=None):
    """Final loss against learning rate (log-log) for each optimizer; diverged runs drawn as
    an X on the top edge."""
    from . import plots as _plots
    plt = _plots._plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 6))
    names = list(dict.fromkeys(p.optimizer for p in points))
    finite = [p.final_loss for p in points if not p.diverged and math.isfinite(p.final_loss)]
    floor = max(min((f for f in finite if f > 0), default=1e-12), 1e-16)
    top = max(finite, default=1.0) * 10
    for name, st in zip(names, _plots.styles_for(names)):
        pts = sorted((p for p in points if p.optimizer == name), key=lambda p: p.learning_rate)
        ok = [p for p in pts if not p.diverged]
        ax.plot([p.learning_rate for p in ok], [max(p.final_loss, floor) for p in ok],
                color=st["color"], linestyle=st["linestyle"], marker=st["marker"], label=name)
        bad = [p for p in pts if p.diverged]
        if bad:
            ax.plot([p.learning_rate for p in bad], [top] * len(bad), marker="X", markersize=10,
                    linestyle="none", color=st["color"],
                    label=f"{name}: diverged")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("final loss" + (f" after {steps} steps" if steps else ""))
    pname = _problems.get(problem).title if problem is not None else "the problem"
    ax.set_title(f"Learning-rate sweep on {pname}: coarse 1e-4..1, then refined")
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

