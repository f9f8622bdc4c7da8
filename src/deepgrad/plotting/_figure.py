"""Figures without global state: ``matplotlib.figure.Figure`` objects, never pyplot.

A Figure made here is not registered with pyplot (no backend switch, no open-figure list);
in Jupyter it displays inline when it is a cell's value, and :func:`save` writes it as a PNG
through the Agg canvas, atomically (``deepgrad.io``).
"""

from __future__ import annotations

import os

#: Okabe & Ito (2008) colour-blind-safe palette, in the order lines take it
PALETTE = ("#000000", "#D55E00", "#0072B2", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":")


def new_figure(nrows=1, ncols=1, figsize=(6.4, 4.0), squeeze=True, **subplot_kw):
    """A new ``Figure`` (not known to pyplot) and its axes (squeezed as ``pyplot.subplots``)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, **subplot_kw)
    return fig, axes


def save(fig, path, dpi=100):
    """Write ``fig`` to ``path`` (PNG, or any format matplotlib knows from the suffix) atomically.

    Returns the path. The folder must exist (checked first: ``FileNotFoundError`` names it).
    """
    from ..io import atomic_open

    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"folder {folder!r} of {path!r} does not exist")
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    with atomic_open(path) as f:
        fig.savefig(f, format=fmt, dpi=dpi)
    return path
