"""Plots of the gradient norms recorded by ``callbacks.GradientNorms`` (no pyplot: new
figures are ``matplotlib.figure.Figure`` objects, see :mod:`._figure`)."""

from __future__ import annotations

import numpy as np

from ._figure import new_figure

PREFIX = "grad_norm_"


def _series(source):
    """{layer name: 1-D array of norms} from a History, a History dict or a GradientNorms."""
    if hasattr(source, "steps") and hasattr(source, "time_profile"):      # GradientNorms
        return {k: np.asarray(v, dtype=float) for k, v in source.steps.items()}, "training step"
    hist = getattr(source, "history", source)
    if not isinstance(hist, dict):
        raise TypeError("plot_gradient_norms: `source` must be a History, its .history dict or a "
                        f"GradientNorms callback, got {type(source).__name__}.")
    out, per_step = {}, False
    for key, values in hist.items():
        if key.startswith(PREFIX):
            flat = []
            for v in values:
                per_step |= isinstance(v, (list, tuple, np.ndarray))
                flat.extend(np.ravel(v))
            out[key[len(PREFIX):]] = np.asarray(flat, dtype=float)
    if not out:
        raise ValueError("plot_gradient_norms: `source` holds no 'grad_norm_*' entries; "
                         "train with callbacks=[GradientNorms()] first.")
    return out, ("training step" if per_step else "epoch")


def plot_gradient_norms(source, ax=None, logy=True, title="Gradient norm per layer"):
    """Line plot of each layer's gradient norm over training (log scale by default).

    Args:
        source: a History (or its ``.history`` dict) from ``fit(callbacks=[GradientNorms()])``,
            or the GradientNorms callback itself (then every step is plotted).
        ax: matplotlib Axes to draw into (if None, a new ``matplotlib.figure.Figure``, not
            registered with pyplot: ``ax.figure`` holds it).
    Returns: the Axes.
    """
    series, xlabel = _series(source)
    if ax is None:
        _, ax = new_figure(figsize=(6, 4))
    for name, values in series.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("||gradient||")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_time_profile(profiles, ax=None, logy=True, title="Gradient reaching each time step"):
    """Plot ||dL/dx_t|| against the time step t for one or more recurrent layers.

    Args:
        profiles: ``{label: 1-D array}`` (e.g. ``GradientNorms().time_profile`` or several
            models' profiles gathered under their names).
    Returns: the Axes. A vanishing gradient is a curve that falls by orders of magnitude
    towards t = 0.
    """
    if not isinstance(profiles, dict) or not profiles:
        raise TypeError("plot_time_profile: `profiles` must be a non-empty dict {label: array}.")
    if ax is None:
        _, ax = new_figure(figsize=(6, 4))
    for name, prof in profiles.items():
        prof = np.asarray(prof, dtype=float)
        ax.plot(np.arange(len(prof)), prof, label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("time step t")
    ax.set_ylabel("||dL/dx_t||")
    ax.set_title(title)
    ax.legend()
    return ax
