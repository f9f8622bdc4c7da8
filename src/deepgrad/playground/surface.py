"""The error-surface tab's maths: problem list, loss grid and optimizer paths, all from
:mod:`deepgrad.lab` (the same ``lab.run`` and optimizer objects as the lab and ``fit``).

Divergence has one definition here, :func:`diverged_at`, used by every path the page shows.
"""

from __future__ import annotations

import math

import numpy as np

from ..lab import problems as _problems
from ..lab import runs as _runs
from . import params as _params

__all__ = ["problem_list", "surface_grid", "paths", "diverged_at", "DEFAULT_RATES"]

#: per problem, learning rates at which every preset moves visibly in 200 steps (the page's
#: starting values; any rate can be chosen on the slider)
DEFAULT_RATES = {
    "sigmoid": {"sgd": 1.0, "momentum": 1.0, "nesterov": 1.0, "adagrad": 1.0, "rmsprop": 0.1, "adam": 0.1},
    "sparse": {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 1.0, "rmsprop": 0.1, "adam": 0.1},
    "linreg": {"sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 1.0, "rmsprop": 0.05, "adam": 0.1},
    "rosenbrock": {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05},
    "beale": {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05},
    "himmelblau": {"sgd": 0.01, "momentum": 2e-3, "nesterov": 2e-3, "adagrad": 1.0, "rmsprop": 0.05, "adam": 0.1},
    "saddle": {"sgd": 0.05, "momentum": 0.02, "nesterov": 0.02, "adagrad": 0.5, "rmsprop": 0.02, "adam": 0.05},
    "illcond": {"sgd": 0.03, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5, "rmsprop": 0.05, "adam": 0.1},
    "rastrigin": {"sgd": 1e-3, "momentum": 5e-4, "nesterov": 5e-4, "adagrad": 0.5, "rmsprop": 0.02, "adam": 0.1},
}

#: a path also diverges once its loss exceeds ``start loss * GROWTH`` (plus 1) or its point
#: leaves the problem's window by more than ``ESCAPE`` window widths
GROWTH = 1e6
ESCAPE = 10.0


def diverged_at(traj, problem) -> int | None:
    """The step at which ``traj`` diverged, or None. The one definition the page uses: the lab
    stopped it at a non-finite value (``traj.diverged``: the step after its last point), its
    loss grew past ``GROWTH`` times the start loss, or its point went ``ESCAPE`` window widths
    outside the window. A problem unbounded below (the saddle) escaping downhill is not a
    divergence in loss, only by position. A ``diverged_at`` the lab itself reports wins."""
    own = getattr(traj, "diverged_at", None)
    if own is not None or not len(traj.losses):
        return own
    (x0, x1), (y0, y1) = problem.bounds
    width = max(x1 - x0, y1 - y0)
    far = ((traj.points[:, 0] < x0 - ESCAPE * width) | (traj.points[:, 0] > x1 + ESCAPE * width)
           | (traj.points[:, 1] < y0 - ESCAPE * width) | (traj.points[:, 1] > y1 + ESCAPE * width))
    bad = far
    if problem.min_value is not None:
        bad = bad | (traj.losses - problem.min_value > GROWTH * (traj.losses[0] - problem.min_value + 1))
    hit = np.nonzero(bad)[0]
    if len(hit):
        return int(hit[0])
    return traj.steps + 1 if traj.diverged else None


def problem_list() -> list[dict]:
    """Every lab problem with what the page needs to draw it and set its sliders."""
    out = []
    for name in _problems.names():
        p = _problems.get(name)
        out.append({"name": name, "title": p.title, "axes": list(p.axis_names),
                    "bounds": [list(b) for b in p.bounds], "start": list(p.start),
                    "minima": [list(m) for m in p.minima], "min_value": p.min_value,
                    "data": isinstance(p, _problems.DataProblem),
                    "n_points": getattr(p, "n_points", None) if isinstance(p, _problems.DataProblem) else None,
                    "rates": DEFAULT_RATES.get(name, {})})
    return out


def surface_grid(problem_name: str, n: int = 120) -> dict:
    """The loss on an ``n`` x ``n`` grid over the problem's window, rows from the top (largest
    y) down, and contour levels: log-spaced in ``loss - minimum`` when the range is wide."""
    p = _problems.get(problem_name)
    (x0, x1), (y0, y1) = p.bounds
    a, b = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
    with np.errstate(all="ignore"):
        z = p.value_grid(a, b)
    z = np.where(np.isfinite(z), z, np.nan)
    floor = p.min_value if p.min_value is not None else float(np.nanmin(z))
    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    span = max(hi - floor, 1e-12)
    if span / max(np.nanpercentile(z - floor, 5), 1e-12) > 50:
        levels = floor + np.geomspace(span * 1e-4, span, 14)
    else:
        levels = np.linspace(lo, hi, 16)[1:-1]
    return {"problem": p.name, "n": n, "bounds": [[x0, x1], [y0, y1]],
            "z": [[_num(v, 6) for v in row] for row in z], "levels": [_num(v, 6) for v in levels],
            "min": lo, "max": hi}


def paths(settings: dict) -> dict:
    """One ``lab.run`` per optimizer spec of ``settings`` (see :func:`params.surface_settings`)."""
    p = _problems.get(settings["problem"])
    if settings["batch"] is not None and not isinstance(p, _problems.DataProblem):
        raise _params.SettingError(f"batch needs a data problem (sigmoid, sparse, linreg), "
                                   f"got {p.name!r}")
    if settings["start"] is not None:
        with np.errstate(all="ignore"):
            ok = np.isfinite(p.value(settings["start"])) and np.all(np.isfinite(p.grad(settings["start"])))
        if not ok:
            raise _params.SettingError(f"start {settings['start']}: the loss is not finite there")
    out = []
    for spec in settings["optimizers"]:
        with np.errstate(all="ignore"):
            traj = _runs.run(p, _params.build_optimizer(spec), settings["steps"], settings["start"],
                             batch_size=settings["batch"], label=spec["name"])
        k = diverged_at(traj, p)
        keep = slice(None) if k is None else slice(0, k + 1)  # a diverged path ends where it diverged
        out.append({"name": spec["name"], "spec": spec, "points": _finite(traj.points[keep]),
                    "losses": _finite(traj.losses[keep]), "grad_norms": _finite(traj.grad_norms[keep]),
                    "diverged_at": k})
    return {"problem": p.name, "start": list(settings["start"] or p.start), "paths": out}


def _finite(a) -> list:
    """``a`` as nested lists of exact Python floats, non-finite values as None (for JSON)."""
    a = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(a), a, None).tolist()


def _num(v, digits):
    """A float for JSON: None for NaN/inf, else ``digits`` significant digits."""
    v = float(v)
    return None if not math.isfinite(v) else float(f"{v:.{digits}g}")
