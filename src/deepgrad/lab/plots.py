"""Pictures of optimizer paths: contour map, 3-D surface, loss against step.

Figures are built as :class:`matplotlib.figure.Figure` objects (matplotlib's advice for
libraries): no pyplot, no ``matplotlib.use``, so the process-wide backend (a notebook's
inline plots) is never touched. Every ``save_*`` function writes a PNG and an SVG beside it
(``out.png`` -> ``out.png`` + ``out.svg``) and returns the paths.

What every path picture shows: each path's start (a hollow circle) and end (a filled square,
or an X where it diverged, see :data:`deepgrad.lab.runs.DIVERGENCE_FACTOR`), every minimum (a
star), dots at a spacing stated in the title, the tolerance in the title and "first reached
tol at step k" in the legend. The window is the problem's region (widened only to hold the
start and the minima): a path that leaves it is clipped at its edge, never rescales it.

Colours come from the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies; its yellow, faint on white, is kept for the minimum's star only), and every path
also has its own line style and marker, so the figures still read in grey. Plain gradient
descent is black, momentum vermillion, NAG blue, as in the notes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io import atomic_open
from . import problems as _problems

__all__ = ["OKABE_ITO", "styles_for", "plot_range", "contour", "surface3d", "loss_curves",
           "save_figure", "save_contour", "save_surface3d", "save_loss_curves", "new_figure",
           "PATH_COLOURS",
           "dot_spacing", "LOSS_CLIP"]

#: Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO = {
    "black": "#000000", "vermillion": "#D55E00", "blue": "#0072B2", "bluish_green": "#009E73",
    "orange": "#E69F00", "sky_blue": "#56B4E9", "reddish_purple": "#CC79A7", "yellow": "#F0E442",
}
#: the colours of paths: Okabe-Ito without its yellow (faint on white; kept for the minimum's
#: star), plus a dark purple so that eight paths (compare's eight runs) stay distinct
PATH_COLOURS = {**{k: v for k, v in OKABE_ITO.items() if k != "yellow"},
                "dark_purple": "#5D3A9B"}
#: the order in which paths that are not presets take free colours
_ORDER = ["sky_blue", "black", "vermillion", "blue", "bluish_green", "orange", "reddish_purple",
          "dark_purple"]
_FIXED = {"sgd": "black", "gd": "black", "momentum": "vermillion", "nesterov": "blue",
          "nag": "blue", "adagrad": "bluish_green", "rmsprop": "orange", "adam": "reddish_purple"}
_LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
#: the loss plot draws ``loss - minimum`` between 1e-16 and this many times the largest start
#: loss; a larger loss is a diverged path and is drawn clipped at the top
LOSS_CLIP = 1e6


def new_figure(figsize=(8.5, 8.5)):
    """A :class:`matplotlib.figure.Figure` with no pyplot (no global state)."""
    from matplotlib.figure import Figure
    return Figure(figsize=figsize)


def dot_spacing(trajectories, n_dots: int = 25) -> int:
    """The step spacing of the dots on every path of a figure: ``max(1, longest // n_dots)``."""
    longest = max((len(t.points) for t in trajectories), default=1)
    return max(1, longest // n_dots)


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
    return [{"color": PATH_COLOURS[name], "linestyle": _LINESTYLES[i % len(_LINESTYLES)],
             "marker": _MARKERS[i % len(_MARKERS)]} for i, name in enumerate(names)]


def plot_range(problem, trajectories=(), margin=0.05):
    """The plotting window ``((x_lo, x_hi), (y_lo, y_hi))``: the problem's ``bounds``,
    widened (with a margin of ``margin`` times the window's size) only to hold the paths'
    starts and the minima. Paths themselves never widen it: one that leaves is clipped."""
    (x0, x1), (y0, y1) = problem.bounds
    starts = [t.points[0] for t in trajectories if len(t.points)] or [problem.start]
    anchors = np.concatenate([np.asarray(starts, dtype=np.float64).reshape(-1, 2),
                              np.asarray(problem.minima, dtype=np.float64).reshape(-1, 2)])
    anchors = anchors[np.all(np.isfinite(anchors), axis=1)]
    lo = np.minimum([x0, y0], anchors.min(axis=0, initial=np.inf))
    hi = np.maximum([x1, y1], anchors.max(axis=0, initial=-np.inf))
    pad = margin * (hi - lo)
    lo = np.where(lo < [x0, y0], lo - pad, lo)
    hi = np.where(hi > [x1, y1], hi + pad, hi)
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _grid(problem, xr, yr, n=200):
    a, b = np.meshgrid(np.linspace(*xr, n), np.linspace(*yr, n))
    with np.errstate(all="ignore"):
        z = problem.value_grid(a, b)
    return a, b, z


def _wide(problem, z) -> bool:
    """Log-spaced levels when the loss above the minimum spans more than 3 decades."""
    if problem.min_value is None:
        return False
    d = z[np.isfinite(z)] - problem.min_value
    return bool(problem.log_levels or (d.max() > 1e3 * max(np.percentile(d, 5), 1e-12)))


def _levels(problem, z, n=20):
    finite = z[np.isfinite(z)]
    lo, hi = float(finite.min()), float(finite.max())
    if _wide(problem, z):
        base = problem.min_value
        span = max(hi - base, 1e-12)
        return base + np.logspace(np.log10(max(lo - base, span * 1e-6, 1e-8)), np.log10(span), n)
    return np.linspace(lo, hi, n)


def legend_label(t) -> str:
    """One rate per entry: ``"adam lr=0.05: loss 1.2e-05, first reached tol at step 85"``,
    ``"sgd lr=0.01: loss 3.4, tol 0.0001 not reached"`` or ``"... diverged at step 12"``."""
    lr = f" lr={t.learning_rate:g}" if t.learning_rate is not None and "lr=" not in t.label else ""
    bs = f" batch {t.batch_size}" if t.batch_size and "batch" not in t.label else ""
    return f"{t.label}{lr}{bs}: {t.summary()}"


def _inside(pts, window) -> np.ndarray:
    (x0, x1), (y0, y1) = window
    return (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)


def _edge_point(inside_pt, outside_pt, window) -> np.ndarray:
    """Where the segment from ``inside_pt`` to ``outside_pt`` crosses the window's edge: the
    point ``inside_pt + s (outside_pt - inside_pt)`` with the largest ``s`` in [0, 1] inside."""
    d = outside_pt - inside_pt
    if not np.all(np.isfinite(d)):
        return inside_pt.copy()          # a jump to inf or NaN: end where the path was
    s = 1.0
    for axis, (lo, hi) in enumerate(window):
        if d[axis] > 0:
            s = min(s, (hi - inside_pt[axis]) / d[axis])
        elif d[axis] < 0:
            s = min(s, (lo - inside_pt[axis]) / d[axis])
    return inside_pt + max(s, 0.0) * d


def visible_part(t, window) -> tuple:
    """``(points drawn, left)``: a path is drawn until it first leaves ``window``; the last
    point drawn is where that segment crosses the window's edge, so the path visibly runs to
    the edge and ends there in its X; ``left`` says it left."""
    pts = t.points
    inside = _inside(pts, window)
    if inside.all() or not len(pts):
        return pts, False
    first_out = int(np.argmin(inside))
    if first_out == 0:                    # starts outside (cannot happen with plot_range)
        return pts[:1], True
    drawn = np.array(pts[:first_out + 1], dtype=np.float64)
    drawn[-1] = _edge_point(drawn[-2], drawn[-1], window)
    return drawn, True


def _draw_paths(ax, trajectories, every, window):
    """Each path with dots every ``every`` steps, its start (hollow circle) and end (square,
    or X where it diverged or left the window, on the window's edge where it left)."""
    for t, st in zip(trajectories, styles_for([t.label for t in trajectories])):
        pts, left = visible_part(t, window)
        if not len(pts):
            continue
        ax.plot(pts[:, 0], pts[:, 1], color=st["color"], linestyle=st["linestyle"],
                marker=st["marker"], markevery=every, markersize=4, linewidth=1.6,
                label=legend_label(t), zorder=3)
        ax.plot(pts[0, 0], pts[0, 1], marker="o", markersize=10, markerfacecolor="none",
                markeredgecolor=st["color"], markeredgewidth=2, linestyle="none",
                label="_start", zorder=4)
        bad = t.diverged or left
        end = pts[-1]                     # the window's edge where the path left it
        ax.plot(end[0], end[1], marker="X" if bad else "s", markersize=12 if bad else 8,
                color=st["color"], markeredgecolor="white", linestyle="none",
                label="_diverged" if bad else "_end", zorder=4, clip_on=False)


def _draw_minima(ax, problem):
    if problem.minima:
        m = np.asarray(problem.minima)
        ax.plot(m[:, 0], m[:, 1], marker="*", markersize=16, color=OKABE_ITO["yellow"],
                markeredgecolor="black", linestyle="none", label="minimum", zorder=5)


def _caption(problem, trajectories, every):
    tol = next((t.tol for t in trajectories if t.tol is not None), problem.tol)
    parts = [f"dots every {every} step{'s' if every > 1 else ''}",
             "o start, \u25a0 end, X diverged or left the window"]
    if problem.min_value is not None:
        parts.append(f"tol: loss - min <= {tol:g}")
    return "; ".join(parts)


def contour(problem, trajectories, ax=None, title=None, n_levels=20):
    """Contour map of ``problem`` with every trajectory's path; returns the Axes."""
    problem = _problems.get(problem)
    if ax is None:
        ax = new_figure((8.5, 8.8)).add_subplot()
    xr, yr = plot_range(problem, trajectories)
    a, b, z = _grid(problem, xr, yr)
    levels = _levels(problem, z, n_levels)
    wide = _wide(problem, z)
    shade = np.log10(np.maximum(z - problem.min_value, 1e-12)) if wide else z
    ax.contourf(a, b, shade, levels=30, cmap="Greys", alpha=0.18)
    cs = ax.contour(a, b, z, levels=levels, colors="0.55", linewidths=0.5)
    if problem.name != "rastrigin":  # Rastrigin's many rings: labels would be clutter
        ax.clabel(cs, cs.levels[::4], inline=True, fontsize=7, fmt="%.2g")
    every = dot_spacing(trajectories)
    _draw_paths(ax, trajectories, every, (xr, yr))
    _draw_minima(ax, problem)
    ax.set_xlim(xr)
    ax.set_ylim(yr)
    ax.set_xlabel(problem.axis_names[0])
    ax.set_ylabel(problem.axis_names[1])
    steps = max((t.steps for t in trajectories), default=0)
    start = trajectories[0].points[0] if trajectories and len(trajectories[0].points) \
        else problem.start
    ax.set_title((title or f"Optimizer paths on {problem.title}, "
                           f"{steps} steps from ({start[0]:g}, {start[1]:g})")
                 + "\n" + _caption(problem, trajectories, every), fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2,
              framealpha=0.9)
    return ax


def surface3d(problem, trajectories, fig=None, title=None):
    """3-D surface of the loss with the paths drawn on top; returns the 3-D Axes.

    The surface (a 120 x 120 grid of ``log10(1 + loss - min)`` where the range is wide: the
    +1 keeps the narrow valleys free of grid spikes) is drawn
    first and translucent, and the paths, their starts and the minima are drawn after it with
    ``computed_zorder=False`` and lifted by 1% of the height, so they stay visible.
    """
    problem = _problems.get(problem)
    if fig is None:
        fig = new_figure((9, 7.5))
    ax = fig.add_subplot(projection="3d", computed_zorder=False)
    xr, yr = plot_range(problem, trajectories)
    a, b, z = _grid(problem, xr, yr, n=120)
    wide = _wide(problem, z)
    base = problem.min_value if problem.min_value is not None else 0.0

    def height(v):
        v = np.asarray(v, dtype=np.float64)
        return np.log10(np.maximum(v - base, 0) + 1.0) if wide else v

    zs = height(z)
    ax.plot_surface(a, b, zs, cmap="cividis", alpha=0.6, linewidth=0, antialiased=False,
                    rcount=120, ccount=120, zorder=1)
    lift = 0.01 * float(np.ptp(zs[np.isfinite(zs)]) or 1.0)
    every = dot_spacing(trajectories)
    for t, st in zip(trajectories, styles_for([t.label for t in trajectories])):
        if not len(t.points):
            continue
        inside = _inside(t.points, (xr, yr))
        n = len(t.points) if inside.all() else int(np.argmin(inside)) or 1
        p, zl = t.points[:n], height(t.losses[:n]) + lift
        ax.plot(p[:, 0], p[:, 1], zl, color=st["color"], linestyle=st["linestyle"],
                marker=st["marker"], markevery=every, markersize=3, linewidth=2.2,
                label=legend_label(t), zorder=3)
        ax.plot([p[0, 0]], [p[0, 1]], [zl[0]], marker="o", markersize=9,
                markerfacecolor="none", markeredgecolor=st["color"], markeredgewidth=2,
                linestyle="none", label="_start", zorder=4)
    if problem.minima:
        m = np.asarray(problem.minima)
        ax.plot(m[:, 0], m[:, 1], height(np.full(len(m), base)) + lift, marker="*",
                markersize=15, color=OKABE_ITO["yellow"], markeredgecolor="black",
                linestyle="none", label="minimum", zorder=5)
    ax.set_xlim(xr)
    ax.set_ylim(yr)
    ax.set_xlabel(problem.axis_names[0])
    ax.set_ylabel(problem.axis_names[1])
    ax.set_zlabel("log10(1 + loss - min)" if wide else "loss")
    ax.set_title(title or f"Loss surface of {problem.title} with optimizer paths", fontsize=11)
    ax.legend(fontsize=7, loc="upper left")
    return ax


def loss_curves(trajectories, ax=None, title=None, problem=None):
    """Loss (minus the minimum, when known) against step, log scale; returns the Axes.

    Values are clipped to ``[1e-16, LOSS_CLIP * largest start]`` so that a diverged path
    (drawn up to its X) never breaks or squashes the axis."""
    if ax is None:
        ax = new_figure((8.5, 6.5)).add_subplot()
    problem = _problems.get(problem) if problem is not None else None
    shift = problem.min_value if problem is not None and problem.min_value is not None else None
    use_log = shift is not None or all(np.all(t.losses > 0) for t in trajectories)
    starts = [abs(float(t.losses[0] - (shift or 0))) for t in trajectories if len(t.losses)]
    top = LOSS_CLIP * max(starts + [1.0])
    for t, st in zip(trajectories, styles_for([t.label for t in trajectories])):
        y = t.losses - shift if shift is not None else t.losses
        y = np.clip(y, 1e-16 if use_log else -top, top)
        ax.plot(np.arange(len(y)), y, color=st["color"], linestyle=st["linestyle"],
                linewidth=1.6, label=legend_label(t))
        if t.diverged and len(y):
            ax.plot(len(y) - 1, y[-1], marker="X", markersize=10, color=st["color"],
                    linestyle="none", label="_diverged")
    if use_log:
        ax.set_yscale("log")
    ax.set_xlabel("step (one update of the parameters)")
    ax.set_ylabel("loss - minimum" if shift is not None else "loss")
    name = problem.title if problem is not None else "the problem"
    ax.set_title(title or f"Loss against step on {name}", fontsize=11)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    return ax


def save_figure(fig, out) -> list[str]:
    """Write ``fig`` as PNG and SVG (same stem); returns the two paths.

    ``out`` must end in .png or .svg (the CLI checks every output path before writing any).
    Each file is written atomically (:func:`deepgrad.io.atomic_open`: temporary file in the
    same folder, fsync, rename), so an existing picture is replaced whole or not at all."""
    out = Path(out)
    if out.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"save_figure: `out` must end in .png or .svg, got {str(out)!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = [str(out.with_suffix(".png")), str(out.with_suffix(".svg"))]
    fig.tight_layout()
    for path, fmt, dpi in ((paths[0], "png", 100), (paths[1], "svg", None)):
        with atomic_open(path) as f:
            fig.savefig(f, format=fmt, dpi=dpi)
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
