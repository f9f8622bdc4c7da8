"""The playground's 2-D datasets and input features (the TensorFlow Playground's, in NumPy).

Every dataset is drawn from its own ``numpy.random.default_rng(seed)`` (deepgrad's global
generator is untouched), so a seed in the page's URL gives the same points everywhere, in the
playground and in an exported script. Points lie in the square [-6, 6]^2 (``DOMAIN``).

Classification (labels ``0 .. classes-1``):

* ``circle``  label 1 inside radius 2.5, label 0 on the ring 3.5..5 (2 classes);
* ``xor``     label 1 where ``x1 * x2 >= 0`` (2 classes);
* ``gauss``   ``classes`` Gaussian blobs on a circle of radius 3 (2..5 classes);
* ``spiral``  ``classes`` interleaved spiral arms (2..5 classes).

Regression (targets in [-1, 1]):

* ``plane``          ``y = (x1 + x2) / 10``;
* ``multigauss``     a sum of six signed Gaussian bumps.

``noise`` (0..50, percent as in the TensorFlow Playground) scales the jitter of the points
(classification) or of the targets (regression).
"""

from __future__ import annotations

import numpy as np

__all__ = ["CLASSIFICATION", "REGRESSION", "DATASETS", "FEATURES", "DOMAIN", "make", "split",
           "features", "grid"]

DOMAIN = 6.0
CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "multigauss")
DATASETS = CLASSIFICATION + REGRESSION

#: feature name -> function of (x1, x2), in the TensorFlow Playground's order
FEATURES = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1^2": lambda a, b: a * a,
    "x2^2": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sin_x1": lambda a, b: np.sin(a),
    "sin_x2": lambda a, b: np.sin(b),
}

#: the six signed bumps of ``multigauss``: (centre x1, centre x2, sign)
_BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def _circle(g, n, noise):
    r = np.where(np.arange(n) < n // 2, g.uniform(0, 2.5, n), g.uniform(3.5, 5.0, n))
    t = g.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.sin(t), r * np.cos(t)], 1) + g.uniform(-5, 5, (n, 2)) * noise
    return x, (np.arange(n) < n // 2).astype(np.int64)


def _xor(g, n, noise):
    x = g.uniform(-5, 5, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)  # a margin around the axes
    label = (x[:, 0] * x[:, 1] >= 0).astype(np.int64)
    return x + g.uniform(-5, 5, (n, 2)) * noise, label


def _gauss(g, n, noise, classes):
    label = np.arange(n) % classes
    angle = 2 * np.pi * label / classes + np.pi / 4
    centres = 3.0 * np.stack([np.cos(angle), np.sin(angle)], 1)
    spread = 0.5 + 3.5 * noise
    return centres + g.normal(0, spread, (n, 2)), label.astype(np.int64)


def _spiral(g, n, noise, classes):
    label = np.arange(n) % classes
    r = 5.0 * g.uniform(0, 1, n) ** 0.8
    t = 1.75 * r / 5.0 * 2 * np.pi + 2 * np.pi * label / classes
    x = np.stack([r * np.sin(t), r * np.cos(t)], 1) + g.uniform(-1, 1, (n, 2)) * noise * 5
    return x, label.astype(np.int64)


def _plane(g, n, noise):
    x = g.uniform(-DOMAIN, DOMAIN, (n, 2))
    y = (x[:, 0] + x[:, 1]) / (2 * DOMAIN) + g.uniform(-1, 1, n) * noise
    return x, y


def bump_sum(x):
    """The noiseless ``multigauss`` target at points ``x`` (n, 2)."""
    y = np.zeros(len(x))
    for cx, cy, s in _BUMPS:
        y += s * np.exp(-((x[:, 0] - cx) ** 2 + (x[:, 1] - cy) ** 2) / (2 * 1.6 ** 2))
    return y


def _multigauss(g, n, noise):
    x = g.uniform(-DOMAIN, DOMAIN, (n, 2))
    return x, np.clip(bump_sum(x), -1, 1) + g.uniform(-1, 1, n) * noise


def make(name: str, n: int = 500, noise: float = 0.0, seed: int = 0, classes: int = 2):
    """``n`` points of dataset ``name``: ``(x, y)`` with ``x`` (n, 2) float64 and ``y`` (n,)
    (int64 labels for classification, float64 targets for regression). ``noise`` in percent
    (0..50); ``classes`` (2..5) for ``gauss`` and ``spiral`` only. The points are shuffled."""
    if name not in DATASETS:
        raise ValueError(f"make: `name` must be one of {', '.join(DATASETS)}, got {name!r}.")
    if classes != 2 and name not in ("gauss", "spiral"):
        raise ValueError(f"make: `classes` must be 2 for {name!r} (only gauss and spiral take "
                         f"3 to 5), got {classes}.")
    g = np.random.default_rng(seed)
    f = noise / 100.0
    if name in ("gauss", "spiral"):
        x, y = (_gauss if name == "gauss" else _spiral)(g, n, f, classes)
    else:
        x, y = {"circle": _circle, "xor": _xor, "plane": _plane, "multigauss": _multigauss}[name](g, n, f)
    order = g.permutation(n)
    return x[order], y[order]


def split(x, y, train_percent: int):
    """The first ``train_percent`` % of the (shuffled) points train, the rest test."""
    k = max(1, min(len(x) - 1, round(len(x) * train_percent / 100)))
    return x[:k], y[:k], x[k:], y[k:]


def features(x, names) -> np.ndarray:
    """The network's input: the chosen features of the points ``x`` (n, 2), as float32 (n, len(names))."""
    return np.stack([FEATURES[f](x[:, 0], x[:, 1]) for f in names], 1).astype(np.float32)


def grid(n: int) -> np.ndarray:
    """``n * n`` points covering the domain row by row from the top (x2 = +6) down, for heatmaps."""
    v = np.linspace(-DOMAIN, DOMAIN, n)
    a, b = np.meshgrid(v, v[::-1])
    return np.stack([a.ravel(), b.ravel()], 1)
