"""An animated GIF of optimizer paths growing step by step on the contour map.

Each optimizer has a moving dot at its current point, its path drawn behind it, and a legend
entry that shows the current step and loss (or "diverged at step k" once it has). Long runs
are subsampled to at most ``max_frames`` frames so the file stays small. The figure is a
:class:`matplotlib.figure.Figure` (no pyplot, no global backend change); frames are rendered
with Agg into Pillow images and the GIF is written atomically over ``out``
(:func:`deepgrad.io.atomic_open`), so an existing GIF is replaced whole or not at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io import atomic_open
from . import plots as _plots
from . import problems as _problems

__all__ = ["save_gif", "frame_steps", "frame_label"]


def frame_steps(trajectories, max_frames: int = 60) -> np.ndarray:
    """The steps shown, one per frame: 0 .. the longest path's last step, at most ``max_frames``."""
    longest = max((len(t.points) for t in trajectories), default=1)
    return np.unique(np.linspace(0, longest - 1, min(max_frames, longest)).astype(int))


def frame_label(t, step: int) -> str:
    """The legend entry of ``t`` at frame ``step``: ``"adam lr=0.1: step 40, loss 0.0123"``."""
    lr = f" lr={t.learning_rate:g}" if t.learning_rate is not None and "lr=" not in t.label else ""
    if t.diverged and step >= len(t.points) - 1:
        return f"{t.label}{lr}: {t.summary()}"
    k = min(step, len(t.points) - 1)
    return f"{t.label}{lr}: step {k}, loss {t.losses[k]:.3g}"


def save_gif(problem, trajectories, out, fps: int = 8, max_frames: int = 40,
             title=None) -> str:
    """Write ``out`` (must end in .gif) showing every path growing on the contour map; returns
    the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    problem = _problems.get(problem)
    out = Path(out)
    if out.suffix.lower() != ".gif":
        raise ValueError(f"save_gif: `out` must end in .gif, got {str(out)!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    ax = _plots.contour(problem, trajectories,
                        title=title or f"Optimizer paths on {problem.title} (animated)")
    fig = ax.figure
    FigureCanvasAgg(fig)
    styles = _plots.styles_for([t.label for t in trajectories])
    # The static contour drew full paths and end markers: hide the ends, animate the lines.
    for line in ax.get_lines():
        if line.get_label() in ("_end", "_diverged"):
            line.set_visible(False)
    path_lines = [ln for ln in ax.get_lines()
                  if ln.get_label() and not ln.get_label().startswith("_")
                  and ln.get_label() != "minimum"][: len(trajectories)]
    dots = [ax.plot([], [], marker="o", markersize=10, color=st["color"],
                    markeredgecolor="white", linestyle="none", zorder=6)[0] for st in styles]
    fig.set_dpi(60)
    fig.tight_layout()
    frames = []
    for step in frame_steps(trajectories, max_frames):
        for line, dot, t in zip(path_lines, dots, trajectories):
            k = min(step, len(t.points) - 1)
            line.set_data(t.points[:k + 1, 0], t.points[:k + 1, 1])
            line.set_label(frame_label(t, step))
            dot.set_data(t.points[k:k + 1, 0], t.points[k:k + 1, 1])
            dot.set_marker("X" if t.diverged and step >= len(t.points) - 1 else "o")
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2,
                  framealpha=0.9)
        fig.canvas.draw()
        frames.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert(
            "P", palette=Image.Palette.ADAPTIVE))
    with atomic_open(out) as f:
        frames[0].save(f, format="GIF", save_all=True, append_images=frames[1:],
                       duration=int(1000 / fps), loop=0)
    return str(out)
