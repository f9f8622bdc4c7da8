"""Deck 002's exponentially weighted moving average, with and without bias correction.

    V_0 = 0,   V_t = beta V_{t-1} + (1 - beta) theta_t,   bias-corrected: V_t / (1 - beta^t)

The deck writes ``V_0 = theta``; the standard start (Adam's ``m_0 = 0``, and the one the deck's
bias-correction slide assumes) is ``V_0 = 0``, which is what makes the early averages too small
and the correction ``1 / (1 - beta^t)`` necessary. ``V_t`` averages about the last
``1 / (1 - beta)`` values: 2 for beta = 0.5, 10 for 0.9, 50 for 0.98.
"""

from __future__ import annotations

import numpy as np

from ._figure import PALETTE, new_figure

__all__ = ["ewma", "noisy_series", "plot_ewma"]


def ewma(theta, beta, bias_correction=False):
    """The moving averages ``V_1 .. V_n`` of ``theta_1 .. theta_n`` (float64 array).

    Raises ValueError unless ``0 <= beta < 1`` and ``theta`` is a non-empty 1-D sequence.
    """
    theta = np.asarray(theta, dtype=np.float64)
    if theta.ndim != 1 or theta.size == 0:
        raise ValueError(f"ewma: `theta` must be a non-empty 1-D sequence, got shape {theta.shape}.")
    beta = float(beta)
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"ewma: `beta` must be in [0, 1), got {beta}.")
    out = np.empty_like(theta)
    v = 0.0                                            # V_0 = 0
    for t, th in enumerate(theta, start=1):
        v = beta * v + (1.0 - beta) * th               # V_t = beta V_{t-1} + (1 - beta) theta_t
        out[t - 1] = v / (1.0 - beta ** t) if bias_correction else v
    return out


def noisy_series(n=150, seed=0):
    """A year-like noisy signal (``10 + 8 sin`` plus Gaussian noise of std 3), seeded locally."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, n + 1)
    return 10.0 + 8.0 * np.sin(2 * np.pi * t / n) + rng.normal(0.0, 3.0, size=n)


def plot_ewma(theta=None, betas=(0.5, 0.9, 0.98)):
    """Two panels over the same noisy data: the averages without (left) and with (right) bias
    correction, one line per beta (legend ``"beta = 0.9"``...).

    Returns: the ``matplotlib.figure.Figure``.
    """
    theta = noisy_series() if theta is None else np.asarray(theta, dtype=np.float64)
    t = np.arange(1, len(theta) + 1)
    fig, axes = new_figure(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, corrected in zip(axes, (False, True)):
        ax.plot(t, theta, linestyle="none", marker=".", color="0.6", label="data theta_t")
        for k, beta in enumerate(betas):
            ax.plot(t, ewma(theta, beta, corrected), color=PALETTE[k + 1], lw=1.8,
                    label=f"beta = {beta:g}")
        ax.set(xlabel="t", title="with bias correction V_t / (1 - beta^t)" if corrected
               else "without bias correction (V_0 = 0)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
    axes[0].set_ylabel("V_t")
    return fig
