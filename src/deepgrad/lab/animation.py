"""An animated GIF of optimizer paths growing step by step on the contour map.

Uses matplotlib's ``FuncAnimation`` with the Pillow writer (``pip install pillow``). Long
runs are subsampled to at most ``max_frames`` frames so the file stays small. The GIF is
rendered into a scratch folder and then written atomically over ``out``
(:func:`deepgrad.io.atomic_write`), so an existing GIF is replaced whole or not at all.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ..io import atomic_write
from . import plots as _plots
from . import problems as _problems

__all__ = ["save_gif"]


def save_gif(problem, trajectories, out, fps: int = 12, max_frames: int = 60,
             title=None) -> str:
    """Write ``out`` (a ``.gif``) showing every path growing on the contour map; returns the path."""
    plt = _plots._plt()
    from matplotlib.animation import FuncAnimation, PillowWriter

    problem = _problems.get(problem)
    out = Path(out).with_suffix(".gif")
    out.parent.mkdir(parents=True, exist_ok=True)
    ax = _plots.contour(problem, trajectories,
                        title=title or f"Optimizer paths on {problem.title} (animated)")
    fig = ax.figure
    # The static contour drew full paths: keep their legend, then empty the lines to animate.
    path_lines = [ln for ln in ax.get_lines() if ln.get_label() and not ln.get_label().startswith("_")
                  and ln.get_label() not in ("start", "minimum")][: len(trajectories)]
    longest = max((len(t.points) for t in trajectories), default=1)
    frames = np.unique(np.linspace(1, longest, min(max_frames, longest)).astype(int))
    counter = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=10,
                      bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})

    def draw(n):
        for line, t in zip(path_lines, trajectories):
            pts = t.points[: min(n, len(t.points))]
            line.set_data(pts[:, 0], pts[:, 1])
        counter.set_text(f"step {n - 1}")
        return [*path_lines, counter]

    try:
        anim = FuncAnimation(fig, draw, frames=frames, blit=False)
        fig.tight_layout()
        # Pillow's GIF writer wants a file name: render into a scratch folder, then copy the
        # finished bytes over ``out`` atomically (temporary file, fsync, rename).
        with tempfile.TemporaryDirectory() as scratch:
            tmp = Path(scratch) / out.name
            anim.save(str(tmp), writer=PillowWriter(fps=fps), dpi=70)
            atomic_write(out, tmp.read_bytes())
    finally:
        plt.close(fig)
    return str(out)
