"""Watching unstable gradients: the gradient norm of every layer, per step or per epoch."""

from __future__ import annotations

import numpy as np

from .._validation import check_choice
from .base import Callback


class GradientNorms(Callback):
    """Record each layer's gradient norm ``sqrt(sum of squared gradient entries)`` during ``fit``.

    After every training step the norm of each layer's trainable-weight gradients is read:
    the gradients backpropagation produced for that step (regularization terms included),
    before the optimizer's ``clipnorm``/``clipvalue``/``global_clipnorm`` clipping, so the
    record shows how large they really were. Recorded into the model's History under
    ``"grad_norm_<layer name>"``:

    * ``freq="epoch"`` (default): the mean norm over the epoch's steps, one float per epoch;
    * ``freq="batch"``: the list of per-step norms of the epoch, one list per epoch.

    The callback also keeps ``self.steps[layer_name]`` (every step's norm, the whole run) and,
    for each recurrent layer (SimpleRNN, LSTM, GRU and Bidirectional: any layer with
    ``input_grad_norms``), ``self.time_profile[layer_name]``: the norm of dL/dx_t for each time
    step t of the last training batch of the epoch (``layer.input_grad_norms``). A gradient
    that vanishes through time shows as a profile that decays towards the early steps.
    Plot with :func:`deepgrad.plotting.plot_gradient_norms`; for a Dense stack,
    :func:`deepgrad.plotting.plot_deep_gradient_norms` draws ``steps`` layer by layer (deck 000's
    vanishing/exploding-gradient picture).
    """

    PREFIX = "grad_norm_"

    def __init__(self, freq="epoch"):
        super().__init__()
        self.freq = check_choice(freq, "freq", ("epoch", "batch"), "GradientNorms")
        self.steps: dict[str, list[float]] = {}
        self.epochs: dict[str, list] = {}
        self.time_profile: dict[str, np.ndarray] = {}
        self._epoch_steps: dict[str, list[float]] = {}

    def _layers(self):
        return [l for l in self.model.layers if l.trainable_weights]

    def on_train_begin(self, logs=None):
        self.steps, self.epochs, self.time_profile = {}, {}, {}

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_steps = {l.name: [] for l in self._layers()}

    def on_train_batch_end(self, batch, logs=None):
        for layer in self._layers():
            sq = sum(float(np.vdot(w.grad, w.grad)) for w in layer.trainable_weights)
            norm = float(np.sqrt(sq))
            self._epoch_steps.setdefault(layer.name, []).append(norm)
            self.steps.setdefault(layer.name, []).append(norm)

    def on_epoch_end(self, epoch, logs=None):
        history = getattr(self.model, "history", None)
        for name, norms in self._epoch_steps.items():
            if not norms:
                continue
            value = float(np.mean(norms)) if self.freq == "epoch" else list(norms)
            self.epochs.setdefault(name, []).append(value)
            if history is not None and hasattr(history, "history"):
                history.history.setdefault(self.PREFIX + name, []).append(value)
        for layer in self._layers():
            prof = getattr(layer, "input_grad_norms", None)
            if prof is not None:
                self.time_profile[layer.name] = np.array(prof)
