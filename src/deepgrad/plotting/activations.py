"""Deck 001's activation functions and their derivatives, from ``deepgrad.activations`` itself.

Each curve is the activation's own ``forward`` and, for the derivative, its own ``backward``
with ``dL/dy = 1`` (so ``f'(z)``), never a second copy of the formulas.
"""

from __future__ import annotations

import numpy as np

from ._figure import PALETTE, new_figure

#: the activations of deck 001 (label -> identifier for ``deepgrad.activations.get``)
NOTES_ACTIVATIONS = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "ReLU": "relu",
    "leaky ReLU (a=0.01)": {"class_name": "LeakyRelu", "config": {"negative_slope": 0.01}},
    "PReLU (a=0.25)": {"class_name": "LeakyRelu", "config": {"negative_slope": 0.25}},
    "ELU": "elu",
    "swish (beta=1)": "swish",
    "swish (beta=2)": {"class_name": "Swish", "config": {"beta": 2.0}},
    "mish": "mish",
    "GELU": "gelu",
    "softplus": "softplus",
}

__all__ = ["NOTES_ACTIVATIONS", "activation_curves", "plot_activations"]


def activation_curves(identifier, z):
    """``(f(z), f'(z))`` of a deepgrad activation on the float64 grid ``z``."""
    from .. import activations

    act = activations.get(identifier, "activation")
    z = np.asarray(z, dtype=np.float64)
    y = act.forward(z.copy())
    dy = act.backward(np.ones_like(z), z.copy(), y.copy())
    return y, dy


def plot_activations(names=None, zmin=-4.0, zmax=4.0, points=401, ncols=4):
    """One small panel per activation: ``f(z)`` (solid black) and ``f'(z)`` (dashed vermillion).

    Args:
        names: labels of :data:`NOTES_ACTIVATIONS` to draw (default: all), or a dict
            ``{label: identifier}`` of any deepgrad activations.
        zmin, zmax, points: the grid of z.
        ncols: panels per row.
    Returns: the ``matplotlib.figure.Figure``; panel k (``fig.axes[k]``) is titled with the
    label and holds the lines ``"f(z)"`` and ``"f'(z)"`` (unused panels are removed).
    """
    if names is None:
        chosen = dict(NOTES_ACTIVATIONS)
    elif isinstance(names, dict):
        chosen = dict(names)
    else:
        unknown = [n for n in names if n not in NOTES_ACTIVATIONS]
        if unknown:
            raise ValueError(f"plot_activations: unknown `names` {unknown}; expected labels of "
                             f"NOTES_ACTIVATIONS {list(NOTES_ACTIVATIONS)} or a dict.")
        chosen = {n: NOTES_ACTIVATIONS[n] for n in names}
    if not chosen:
        raise ValueError("plot_activations: `names` is empty.")
    if not zmin < zmax:
        raise ValueError(f"plot_activations: need zmin < zmax, got {zmin} and {zmax}.")
    z = np.linspace(zmin, zmax, points)
    nrows = -(-len(chosen) // ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(2.7 * ncols, 2.3 * nrows), squeeze=False)
    flat = list(axes.ravel())
    for ax, (label, ident) in zip(flat, chosen.items()):
        y, dy = activation_curves(ident, z)
        ax.axhline(0, color="0.85", lw=0.8, zorder=0)
        ax.axvline(0, color="0.85", lw=0.8, zorder=0)
        ax.plot(z, y, color=PALETTE[0], lw=1.6, label="f(z)")
        ax.plot(z, dy, color=PALETTE[1], lw=1.6, linestyle="--", label="f'(z)")
        ax.set_title(label, fontsize=10)
        ax.set_ylim(-1.3, 2.6)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    for ax in flat[len(chosen):]:
        ax.remove()
    flat[0].legend(loc="upper left", fontsize=8)
    fig.suptitle("Activations f(z) and their derivatives f'(z)", fontsize=11)
    fig.supxlabel("z", fontsize=10)
    return fig
