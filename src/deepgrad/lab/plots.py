"""Pictures of optimizer paths: contour map, 3-D surface, loss against step.

matplotlib with the Agg backend (no display needed). Every ``save_*`` function writes a PNG
and an SVG beside it (``out.png`` -> ``out.png`` + ``out.svg``) and returns the paths.
Colours come from the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies), and every path also has its own line style and marker, so the figures still
read in grey. Plain gradient descent is black, momentum vermillion, NAG blue, as in the notes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..io import atomic_open
from . import problems as _problems

__all__ = ["OKABE_ITO", "styles_for", "plot_range", "contour", "surface3d", "loss_curves",
           "save_figure", "save_contour", "save_surface3d", "save_loss_curves"]

#: Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO = {
    "black": "#000000", "vermillion": "#D55E00", "blue": "#0072B2", "bluish_green": "#009E73",
    "orange": "#E69F00", "sky_blue": "#56B4E9", "reddish_purple": "#CC79A7", "yellow": "#F0E442",
}
#: the order in which paths that are not presets take free colours: sky blue (no preset's)
#: first, yellow (the minimum's star, faint on white) last
_ORDER = ["sky_blue", "black", "vermillion", "blue", "bluish_green", "orange", "reddish_purple",
          "yellow"]
_FIXED = {"sgd": "black", "gd": "black", "momentum": "vermillion", "nesterov": "blue",
          "nag": "blue", "adagrad": "bluish_green", "rmsprop": "orange", "adam": "reddish_purple"}
_LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def _plt():
    import matplotlib
    if matplotlib.get_backend().lower() != "agg":
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def styles_for(labels) -> list[dict]:
    """Colour, line style and marker of each path of one figure, given the paths' labels.

    The first path of a preset keeps the preset's colour (GD black, momentum vermillion, NAG
    blue, AdaGrad bluish green, RMSprop orange, Adam reddish purple); every other path takes
    the first palette colour that no path of the figure uses or reserves. Colours are distinct
    for up to eight paths (the palette's size), then they repeat; line style and marker differ
    from path to path anyway.
    """
    keys = [label.split(" ")[0].split("(")[0].lower() for label in labels]
    names = [None] * len(keys)
    for i, key in enumerate(keys):
        if key in _FIXED and _FIXED[key] not in names:
            names[i] = _FIXED[key]
    free = [c for c in _ORDER if c not in names]
    for i, name in enumerate(names):
        if name is None:
            free = free or list(_ORDER)
            names[i] = free.pop(0)
    return [{"color": OKABE_ITO[name], "linestyle": _LINESTYLES[i % len(_LINESTYLES)],
             "marker": _MARKERS[i % len(_MARKERS)]} for i, name in enumerate(names)]


def plot_range(problem, trajectories=(), margin=0.05, max_growth=10.0):
    """The plotting window ``((x_lo, x_hi), (y_lo, y_hi))``.

    The base window is the problem's bounds, widened to contain the start of every path (the
    problem's start when there is none) and the problem's minima: these are always inside.
    It then grows to contain every finite path point, but by at most ``max_growth`` times the
    base window's size on each side, so that a path flying away does not squash the picture.
    A side that grew beyond the bounds gets a margin of ``margin`` times the window's size.
    """
    (x0, x1), (y0, y1) = problem.bounds
    starts = [t.points[0] for t in trajectories if len(t.points)] or [problem.start]
    anchors = np.concatenate([np.asarray(starts, dtype=np.float64).reshape(-1, 2),
                              np.asarray(problem.minima, dtype=np.float64).reshape(-1, 2)])
    anchors = anchors[np.all(np.isfinite(anchors), axis=1)]
    lo = np.minimum([x0, y0], anchors.min(axis=0, initial=np.inf))
    hi = np.maximum([x1, y1], anchors.max(axis=0, initial=-np.inf))
    size = hi - lo
    pts = np.concatenate([np.empty((0, 2))] + [t.points for t in trajectories])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts):
        lo = np.minimum(lo, np.maximum(pts.min(axis=0), lo - max_growth * size))
        hi = np.maximum(hi, np.minimum(pts.max(axis=0), hi + max_growth * size))
    pad = margin * (hi - lo)
    lo = np.where(lo < [x0, y0], lo - pad, lo)
    hi = np.where(hi > [x1, y1], hi + pad, hi)
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _grid(problem, xr, yr, n=200):
    a, b = np.meshgrid(np.linspace(*xr, n), np.linspace(*yr, n))
    with np.errstate(all="ignore"):
        z = problem.value_grid(a, b)
    return a, b, z


def _levels(problem, z, n=20):
    finite = z[np.isfinite(z)]
    lo, hi = float(finite.min()), float(finite.max())
    if problem.log_levels and problem.min_value is not None:
        base = problem.min_value
        span = max(hi - base, 1e-12)
        return base + np.logspace(np.log10(max(lo - base, span * 1e-6, 1e-8)), np.log10(span), n)
    return np.linspace(lo, hi, n)


def legend_label(t) -> str:
    """``"adam lr=0.05: loss 1.2e-05, tol in 85 steps"`` or ``"... diverged after 12 steps"``."""
    lr = f" lr={t.learning_rate:g}" if t.learning_rate is not None and "lr=" not in t.label else ""
    return f"{t.label}{lr}: {t.summary()}"


def contour(problem, trajectories, ax=None, title=None, n_levels=20):
    """Contour map of ``problem`` with every trajectory's path; returns the Axes."""
    plt = _plt()
    problem = _problems.get(problem)
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 8.5))
    xr, yr = plot_range(problem, trajectories)
    a, b, z = _grid(problem, xr, yr)
    levels = _levels(problem, z, n_levels)
    shade = (np.log10(np.maximum(z - problem.min_value, 1e-12))
             if problem.log_levels and problem.min_value is not None else z)
    ax.contourf(a, b, shade, levels=30, cmap="Greys", alpha=0.18)
    cs = ax.contour(a, b, z, levels=levels, colors="0.55", linewidths=0.5)
    ax.clabel(cs, cs.levels[::4], inline=True, fontsize=7, fmt="%.3g")
    for t, st in zip(trajectories, styles_for([t.label for t in trajectories])):
        pts = t.points
        every = max(1, len(pts) // 25)
        ax.plot(pts[:, 0], pts[:, 1], color=st["color"], linestyle=st["linestyle"],
                marker=st["marker"], markevery=every, markersize=4, linewidth=1.6,
                label=legend_label(t))
        if t.diverged and len(pts):
            ax.plot(pts[-1, 0], pts[-1, 1], marker="X", markersize=11, color=st["color"],
                    markeredgecolor="white", linestyle="none")
    start = trajectories[0].points[0] if trajectories and len(trajectories[0].points) else problem.start
    ax.plot(*start, marker="o", markersize=9, color="white", markeredgecolor="black",
            linestyle="none", label="start", zorder=5)
    if problem.minima:
        m = np.asarray(problem.minima)
        ax.plot(m[:, 0], m[:, 1], marker="*", markersize=15, color=OKABE_ITO["yellow"],
                markeredgecolor="black", linestyle="none", label="minimum", zorder=5)
    ax.set_xlim(xr)
    ax.set_ylim(yr)
    ax.set_xlabel(problem.axis_names[0])
    ax.set_ylabel(problem.axis_names[1])
    steps = max((t.steps for t in trajectories), default=0)
    ax.set_title(title or f"Optimizer paths on {problem.title}\n"
                          f"{steps} steps from ({start[0]:g}, {start[1]:g})")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2,
              framealpha=0.9)
    return ax


def surface3d(problem, trajectories, fig=None, title=None):
    """3-D surface of the loss with the paths drawn on it; returns the 3-D Axes."""
    plt = _plt()
    problem = _problems.get(problem)
    if fig is None:
        fig = plt.figure(figsize=(9, 7))
    ax = fig.add_subplot(projection="3d")
    xr, yr = plot_range(problem, trajectories)
    a, b, z = _grid(problem, xr, yr, n=80)
    zplot = np.log10(z - problem.min_value + 1e-3) if problem.log_levels else z
    ax.plot_surface(a, b, zplot, cmap="cividis", alpha=0.55, linewidth=0, antialiased=True)
    for t, st in zip(trajectories, styles_for([t.label for t in trajectories])):
        zl = t.losses
        zl = np.log10(zl - problem.min_value + 1e-3) if problem.log_levels else zl
        ax.plot(t.points[:, 0], t.points[:, 1], zl, color=st["color"],
                linestyle=st["linestyle"], linewidth=2, label=legend_label(t))
    ax.set_xlabel(problem.axis_names[0])
    ax.set_ylabel(problem.axis_names[1])
    ax.set_zlabel("log10(loss - min + 1e-3)" if problem.log_levels else "loss")
    ax.set_title(title or f"Loss surface of {problem.title} with optimizer paths")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def loss_curves(trajectories, ax=None, title=None, problem=None):
    """Loss (minus the minimum, when known) against step, log scale; returns the Axes."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 6.5))
    problem = _problems.get(problem) if problem is not None else None
    shift = problem.min_value if problem is not None and problem.min_value is not None else None
    use_log = True
    for t, st in zip(trajectories, styles_for([t.label for t in trajectories])):
        y = t.losses - shift if shift is not None else t.losses
        if np.any(y <= 0):
            use_log = use_log and shift is not None
            y = np.maximum(y, 1e-16) if shift is not None else y
        ax.plot(np.arange(len(y)), y, color=st["color"], linestyle=st["linestyle"],
                linewidth=1.6, label=legend_label(t))
        if t.diverged and len(y):
            ax.plot(len(y) - 1, y[-1], marker="X", markersize=10, color=st["color"],
                    linestyle="none")
    if use_log:
        ax.set_yscale("log")
    ax.set_xlabel("step (one update of the parameters)")
    ax.set_ylabel("loss - minimum" if shift is not None else "loss")
    name = problem.title if problem is not None else "the problem"
    ax.set_title(title or f"Loss against step on {name}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    return ax


def save_figure(fig, out) -> list[str]:
    """Write ``fig`` as PNG and SVG (same stem); returns the two paths. Closes the figure.

    Each file is written atomically (:func:`deepgrad.io.atomic_open`: temporary file in the
    same folder, fsync, rename), so an existing picture is replaced whole or not at all."""
    plt = _plt()
    out = Path(out)
    if out.suffix.lower() not in (".png", ".svg"):
        out = out.with_suffix(".png")
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(out.parent, os.W_OK):
        raise PermissionError(f"cannot write to the folder {str(out.parent)!r}")
    paths = [str(out.with_suffix(".png")), str(out.with_suffix(".svg"))]
    try:
        fig.tight_layout()
        for path, fmt, dpi in ((paths[0], "png", 110), (paths[1], "svg", None)):
            with atomic_open(path) as f:
                fig.savefig(f, format=fmt, dpi=dpi)
    finally:
        plt.close(fig)
    return paths


def save_contour(problem, trajectories, out, title=None) -> list[str]:
    ax = contour(problem, trajectories, title=title)
    return save_figure(ax.figure, out)


def save_surface3d(problem, trajectories, out, title=None) -> list[str]:
    ax = surface3d(problem, trajectories, title=title)
    return save_figure(ax.figure, out)


def save_loss_curves(trajectories, out, problem=None, title=None) -> list[str]:
    ax = loss_curves(trajectories, title=title, problem=problem)
    return save_figure(ax.figure, out)
