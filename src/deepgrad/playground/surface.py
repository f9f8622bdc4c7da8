"""The error-surface tab's maths: problem list, loss grid and optimizer paths, all from
:mod:`deepgrad.lab` (the same ``lab.run`` and optimizer objects as the lab and ``fit``).

Divergence is the lab's one rule (:func:`deepgrad.lab.runs.is_diverged`), read through
:func:`diverged_at` for every path the page shows; the default rates are the lab's
(:data:`deepgrad.lab.runs.DEFAULT_RATES`).
"""

from __future__ import annotations

import math

import numpy as np

from ..lab import problems as _problems
from ..lab import runs as _runs
from . import params as _params

__all__ = ["problem_list", "surface_grid", "paths", "diverged_at"]

def diverged_at(traj, problem=None) -> int | None:
    """The step at which ``traj`` diverged, or None: the lab's one rule
    (:func:`deepgrad.lab.runs.is_diverged`: a non-finite loss, a loss past
    ``DIVERGENCE_FACTOR`` times the start's, or a point beyond ``DIVERGENCE_BOUND``), as
    ``lab.run`` recorded it. ``problem`` is accepted for the callers' symmetry and unused."""
    return traj.diverged_at


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
                    "rates": dict(_runs.DEFAULT_RATES.get(name, {}))})
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
