"""Deck 000's unstable gradients in a deep MLP: per-layer gradient norms over training.

A stack of ``depth`` hidden Dense layers (``width`` units) and a softmax output is trained
with SGD on the embedded Fashion-MNIST subset, and :class:`~deepgrad.callbacks.GradientNorms`
records the gradient norm of every layer at every step. The cases of :data:`CASES` are the
deck's story and its remedies:

* sigmoid with the default (Glorot) initialisation: the gradient shrinks by a factor of about
  ``sigma' <= 1/4`` per layer, so the first layers barely learn (vanishing gradients);
* ReLU (default initialisation) and ReLU with He initialisation (``he_normal``, variance
  ``2 / fan_in``; the notes' "N(0, 2/sqrt(n))" slips by writing a variance as a std);
* sigmoid with BatchNormalization before each activation;
* exploding: ReLU with weights drawn too large (std ``2.5x`` He's) and a large learning rate,
  without and with ``clipnorm=1`` on the optimizer (each weight's gradient rescaled to norm
  at most 1 before the step; the callback records the norms before clipping).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._figure import new_figure

__all__ = [
    "CASES",
    "deep_mlp",
    "deep_mlp_gradient_norms",
    "load_images",
    "plot_deep_gradient_norms",
]

#: case label -> keyword arguments of :func:`deep_mlp_gradient_norms`
CASES = {
    "sigmoid, default init": dict(activation="sigmoid"),
    "ReLU, default init": dict(activation="relu"),
    "ReLU, He init": dict(activation="relu", initializer="he_normal"),
    "sigmoid + BatchNormalization": dict(activation="sigmoid", batch_norm=True),
    "exploding: ReLU, large init, no clipping": dict(activation="relu", initializer="large",
                                                     learning_rate=0.1),
    "exploding: same with clipnorm=1": dict(activation="relu", initializer="large",
                                            learning_rate=0.1, clipnorm=1.0),
}


def load_images(n=1000):
    """The first ``n`` embedded Fashion-MNIST training images as float32 (n, 784) in [0, 1],
    and their labels."""
    from ..datasets import fashion_mnist

    (x, y), _ = fashion_mnist.load_data(subset=True)
    return (x[:n].reshape(n, -1).astype(np.float32) / 255.0), y[:n].astype(np.int64)


def _kernel_init(initializer, width, seed):
    from .. import initializers

    if initializer == "default":
        return initializers.GlorotUniform(seed=seed)
    if initializer == "he_normal":
        return initializers.HeNormal(seed=seed)
    if initializer == "large":                         # 2.5x He's standard deviation
        return initializers.RandomNormal(stddev=2.5 * math.sqrt(2.0 / width), seed=seed)
    raise ValueError(f"deep_mlp: `initializer` must be 'default', 'he_normal' or 'large', "
                     f"got {initializer!r}.")


def deep_mlp(depth=8, width=64, activation="sigmoid", initializer="default", batch_norm=False,
             input_dim=784, classes=10, seed=0):
    """The deep MLP of the experiment (not compiled): ``depth`` hidden Dense layers, then softmax.

    With ``batch_norm`` each hidden layer is ``Dense(no bias) -> BatchNormalization ->
    Activation``, as the deck's "scale inputs before each layer".
    """
    from ..layers import Activation, BatchNormalization, Dense
    from ..models import Sequential

    model = Sequential()
    for i in range(depth):
        init = _kernel_init(initializer, input_dim if i == 0 else width, seed + i)
        kw = dict(input_shape=(input_dim,)) if i == 0 else {}
        if batch_norm:
            model.add(Dense(width, use_bias=False, kernel_initializer=init, name=f"dense_{i + 1}", **kw))
            model.add(BatchNormalization(name=f"bn_{i + 1}"))
            model.add(Activation(activation, name=f"act_{i + 1}"))
        else:
            model.add(Dense(width, activation=activation, kernel_initializer=init,
                            name=f"dense_{i + 1}", **kw))
    model.add(Dense(classes, activation="softmax",
                    kernel_initializer=_kernel_init("default", width, seed + depth),
                    name=f"dense_{depth + 1}"))
    return model


def deep_mlp_gradient_norms(activation="sigmoid", initializer="default", batch_norm=False,
                            clipnorm=None, learning_rate=0.01, depth=8, width=64, epochs=3,
                            batch_size=100, n=1000, seed=0, data=None):
    """Train the deep MLP with SGD and return ``{dense layer name: per-step gradient norms}``.

    The norms are :class:`~deepgrad.callbacks.GradientNorms`'s ``steps`` record of the Dense
    layers (input side first: ``dense_1`` is the first hidden layer), each a float64 array with
    one value per training step (``epochs * n / batch_size`` steps; no shuffling, seeded
    weights, so the run is reproducible). A step whose gradients overflowed records ``inf`` or
    ``nan``.
    """
    from ..callbacks import GradientNorms
    from ..layers import Dense
    from ..optimizers import SGD

    x, y = load_images(n) if data is None else data
    model = deep_mlp(depth, width, activation, initializer, batch_norm, x.shape[1], 10, seed)
    model.compile(optimizer=SGD(learning_rate=learning_rate, clipnorm=clipnorm),
                  loss="sparse_categorical_crossentropy")
    recorder = GradientNorms(freq="batch")
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        # the exploding case: the optimizer skips non-finite steps and warns each time
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0,
                  callbacks=[recorder])
    return {l.name: np.asarray(recorder.steps[l.name], dtype=np.float64)
            for l in model.layers if isinstance(l, Dense)}


def plot_deep_gradient_norms(results=None, cases=None, **kwargs):
    """One panel per case: each Dense layer's gradient norm against the training step (log).

    Args:
        results: ``{case label: {layer name: norms}}`` already computed (e.g. in a notebook),
            else each case of ``cases`` (default :data:`CASES`) is trained here with
            ``**kwargs`` passed to :func:`deep_mlp_gradient_norms`.
    Returns: the ``matplotlib.figure.Figure``; panel k is titled with the case label; its lines
    are labelled ``"layer 1"`` (input side, darkest) ... ``"layer L (output)"``.
    """
    from matplotlib import colormaps

    if results is None:
        cases = CASES if cases is None else cases
        results = {label: deep_mlp_gradient_norms(**{**cfg, **kwargs}) for label, cfg in cases.items()}
    ncols = 3 if len(results) > 4 else len(results)
    nrows = -(-len(results) // ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(4.2 * ncols, 3.3 * nrows), squeeze=False)
    flat = list(axes.ravel())
    cmap = colormaps["viridis"]
    finite_all = np.concatenate([v[np.isfinite(v) & (v > 0)] for r in results.values()
                                 for v in r.values()] or [np.ones(1)])
    lo, hi = finite_all.min() / 3, finite_all.max() * 3
    for ax, (label, norms) in zip(flat, results.items()):
        names = list(norms)
        for k, name in enumerate(names):
            values = norms[name]
            steps = np.arange(1, len(values) + 1)
            tag = f"layer {k + 1}" + (" (output)" if k == len(names) - 1 else "")
            ax.plot(steps, np.where(np.isfinite(values), values, np.nan), label=tag,
                    color=cmap(k / max(1, len(names) - 1)), lw=1.4)
            bad = ~np.isfinite(values)
            if bad.any():
                first = int(np.argmax(bad)) + 1
                ax.axvline(first, color="#D55E00", linestyle=":", lw=1.2)
                label_note = f"\noverflow (inf/nan) from step {first}"
                if label_note not in ax.get_title():
                    ax.set_title(label + label_note, fontsize=9)
        if not ax.get_title():
            ax.set_title(label, fontsize=9)
        ax.set_yscale("log")
        ax.set_ylim(lo, hi)
        ax.set_xlim(1, max(2, max(len(v) for v in norms.values())))
        ax.set_xlabel("training step", fontsize=8)
        ax.set_ylabel("||dL/dW|| of the layer", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in flat[len(results):]:
        ax.remove()
    flat[0].legend(fontsize=7, ncol=3, loc="upper right")
    fig.suptitle("Per-layer gradient norms of a deep MLP (GradientNorms callback)", fontsize=11)
    return fig
