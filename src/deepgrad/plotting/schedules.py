"""The learning-rate schedules of decks 001 and 004 against the training step.

Every curve is a schedule object of :mod:`deepgrad.optimizers.schedules` evaluated at
``step = 0, 1, ...`` (the optimizer's ``iterations``); Keras 2's ``decay=`` argument is the
optimizer's own resolution of it (``SGD(learning_rate, decay=...).learning_rate`` schedule).
"""

from __future__ import annotations

import numpy as np

from ._figure import LINESTYLES, PALETTE, new_figure

_MARKERS = ("o", "s", "^", "D", "v")

__all__ = ["notes_schedules", "plot_schedules", "schedule_values"]


class _OptimizerRate:
    """``step -> optimizer.learning_rate`` with the optimizer's ``iterations`` set to ``step``."""

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def __call__(self, step):
        self.optimizer.iterations = int(step)
        return self.optimizer.learning_rate


def notes_schedules(initial_learning_rate=0.1, steps=1000):
    """``{label: callable step -> lr}``: the schedules the decks draw, over ``steps`` steps.

    * step (piecewise constant): divide by 10 at 40% and again at 70% of the run;
    * exponential: ``lr0 * 0.1 ** (step / steps)`` (one decade over the run);
    * 1/t (``InverseTimeDecay``): deck 004's ``lr0 / (1 + decay * step)`` with ``decay`` = 9 / steps;
    * Keras 2's ``decay=`` (the same 1/t, given to ``SGD`` as ``decay=``);
    * cosine with warm restarts (``CosineDecayRestarts``, first period steps / 10, doubling).
    """
    from ..optimizers import SGD
    from ..optimizers import schedules as s

    lr0, n = float(initial_learning_rate), int(steps)
    decay = 9.0 / n
    return {
        "step (PiecewiseConstantDecay)": s.PiecewiseConstantDecay(
            [int(0.4 * n), int(0.7 * n)], [lr0, lr0 / 10, lr0 / 100]),
        "exponential (ExponentialDecay)": s.ExponentialDecay(lr0, n, 0.1),
        "1/t (InverseTimeDecay)": s.InverseTimeDecay(lr0, 1, decay),
        "Keras 2 SGD(decay=...) (= 1/t)": _OptimizerRate(SGD(learning_rate=lr0, decay=decay)),
        "cosine with restarts (CosineDecayRestarts)": s.CosineDecayRestarts(lr0, max(1, n // 10)),
    }


def schedule_values(schedule, steps):
    """The schedule at ``step = 0 .. steps - 1`` as a float64 array."""
    return np.array([float(schedule(t)) for t in range(int(steps))])


def plot_schedules(schedules=None, steps=1000, initial_learning_rate=0.1, logy=False):
    """One line per schedule: learning rate against the step.

    Args:
        schedules: ``{label: callable step -> lr}`` (default :func:`notes_schedules`).
        steps: number of steps drawn.
        logy: log-scale learning-rate axis.
    Returns: the ``matplotlib.figure.Figure`` (one Axes, a line per schedule, legend = labels).
    """
    if schedules is None:
        schedules = notes_schedules(initial_learning_rate, steps)
    if not isinstance(schedules, dict) or not schedules:
        raise TypeError("plot_schedules: `schedules` must be a non-empty dict {label: schedule}, "
                        f"got {type(schedules).__name__}.")
    fig, ax = new_figure(figsize=(7.5, 4.2))
    t = np.arange(int(steps))
    for k, (label, sched) in enumerate(schedules.items()):
        ax.plot(t, schedule_values(sched, steps), label=label, color=PALETTE[k % len(PALETTE)],
                linestyle=LINESTYLES[k % len(LINESTYLES)], lw=1.8, marker=_MARKERS[k % 5],
                markevery=(k * max(1, int(steps) // 50), max(1, int(steps) // 10)), markersize=5)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel="training step (optimizer iterations)", ylabel="learning rate",
           title="Learning-rate schedules")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
