"""``Sequential``: a stack of layers with Keras's API.

This module holds the model's structure (add, build, compile, summary, weights), its two
passes (``forward``, ``backward``) and one training step (``_train_step``) built from them. The
loops around it (``fit``, ``evaluate``, ``predict``) live in ``training.py``. One step reads,
from data to updated weights (runnable by hand on a built, compiled model: ``compile`` sets up
``grads_and_vars``)::

    with model.fused_logits():                         # compile's decision: see _configure_output
        out  = model.forward(x, training=True)         # each layer caches what it needs
        loss, dout = model.loss_fn.value_and_grad(y, out)  # fused softmax/sigmoid + CE: p - y
        model.backward(dout)                           # each layer fills its weights' .grad
    penalty = model.add_regularization_gradients()     # L1/L2 weight decay terms
    model.optimizer.apply_gradients(model.grads_and_vars)

Parameters live in one contiguous buffer and gradients in another (each layer's ``Weight``
holds views into them), so an optimizer step is a few whole-buffer operations.
"""

from __future__ import annotations

import contextlib
import textwrap

import numpy as np

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from ..layers.base import Layer, unique_name
from ..layers.core import InputLayer
from . import _data_checks
from .save_load import SavingMixin
from .training import TrainingMixin


class NotCompiledError(RuntimeError, ValueError):
    """Raised by fit/evaluate/train_on_batch before ``compile`` (a RuntimeError as in Keras, and a ValueError)."""


class Sequential(TrainingMixin, SavingMixin):
    """A linear stack of layers.

    Args:
        layers: optional list of layers (an ``Input(shape)`` first, or ``input_shape=`` on the
            first layer, builds the model at once, as Keras).
        name: model name (default ``sequential``, ``sequential_1``, ...).
        trainable: setting ``model.trainable`` sets it on every layer, as Keras does (a frozen
            BatchNormalization then runs in inference mode).
    """

    def __init__(self, layers=None, name=None, trainable=True):
        self.name = name or unique_name("sequential")
        self._layers: list[Layer] = []
        self._trainable = bool(trainable)
        self._input_shape = None  # shape of one sample
        self.built = False
        self.optimizer = None
        self.loss = None
        self.loss_fn = None            # the loss actually evaluated (logits form when fused)
        self.output_mask = None        # the mask of the last forward's output (None: no mask)
        # fit's position (fit_progress) and where the next fit starts (resume_fit): training.py
        self._epoch_progress = self._epoch_order = self._resume_point = None
        self.output_activation = None  # applied to logits for metrics when the loss is fused
        self.fused_output_layer = None  # compile's decision: the layer whose activation the loss fuses
        self.compiled_metrics = []
        self._metric_specs = []
        self._weighted_metric_specs = []
        self._metric_keys = []      # the History/logs name of each compiled metric
        self._metric_weighted = []  # whether each compiled metric takes sample weights
        self.stop_training = False
        self.history = None
        self._packed_weights = None
        self._flat_buffers = None
        self._optimizer_variables = None  # (optimizer, ids of the weights it was built for)
        self.grads_and_vars = []
        self._regularized = []
        for layer in layers or []:
            self.add(layer)
        if not self._trainable:
            self.trainable = False

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value) -> None:
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = self._trainable
        self._packed_weights = None

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> list[Layer]:
        """The layers, without the Input placeholder (as Keras 3)."""
        return [l for l in self._layers if not isinstance(l, InputLayer)]

    def add(self, layer) -> None:
        """Append a layer; builds it at once when the input shape is known."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: `layer` must be a deepgrad Layer, got {type(layer).__name__}.")
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("Sequential.add: an Input layer must come first.")
            self._input_shape = layer.shape
        elif not self._layers and layer._input_shape_arg is not None:
            self._input_shape = layer._input_shape_arg
        self._layers.append(layer)
        if self._input_shape is not None:
            try:
                self.build((None,) + tuple(self._input_shape))
            except Exception:  # a layer that cannot take this input does not stay in the model
                self._layers.pop()
                if not self._layers:
                    self._input_shape = None
                raise

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise ValueError("Sequential.pop: the model has no layers.")
        layer = self._layers.pop()
        self._packed_weights = None
        return layer

    def build(self, input_shape) -> None:
        """Build every layer for inputs of ``input_shape`` (batch axis first)."""
        shape = tuple(input_shape)
        if self._input_shape is None:
            self._input_shape = shape[1:]
        for layer in self._layers:
            if not layer.built:
                layer.build(shape)
            elif layer.input_shape is not None and tuple(layer.input_shape[1:]) != tuple(shape[1:]):
                raise ValueError(
                    f"Layer '{layer.name}' was built for inputs {layer.input_shape}, "
                    f"but the model feeds it {shape}."
                )
            shape = layer.output_shape
            if shape and isinstance(shape[0], (tuple, list)):  # as Keras 3's Sequential
                raise ValueError(
                    f"Layer '{layer.name}' has {len(shape)} outputs {tuple(shape)}: every layer of a "
                    f"Sequential model must have a single output (return_state=True and "
                    f"Bidirectional(merge_mode=None) give several).")
        self.built = bool(self._layers)
        self._packed_weights = None

    @property
    def input_shape(self):
        """``(batch, *sample shape)``; the batch is None unless the first layer fixes it (Keras)."""
        if self._input_shape is None:
            return None
        first = self._layers[0].input_shape if self.built else None
        batch = first[0] if first is not None else None
        return (batch,) + tuple(self._input_shape)

    @property
    def output_shape(self):
        return self._layers[-1].output_shape if self.built else None

    # ------------------------------------------------------------------ weights
    @property
    def weights(self):
        return [w for l in self._layers for w in l.weights]

    @property
    def variables(self):
        """Keras 3's name for ``weights`` (objects with ``.numpy()``, ``.assign()``, ``.path``)."""
        return self.weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    def get_layer(self, name=None, index=None) -> Layer:
        """The layer called ``name``, or at ``index`` in ``layers`` (Keras 3: give exactly one)."""
        if (name is None) == (index is None):
            raise ValueError("get_layer: give exactly one of `name` or `index`, "
                             f"got name={name!r}, index={index!r}.")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"get_layer: `index` must be an int, got {type(index).__name__}.")
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"get_layer: `index` {index} is out of range: the model has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: no layer named {name!r}; the layers are "
                         f"{[l.name for l in self.layers]}.")

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [w for l in self._layers for w in l.trainable_weights]

    @property
    def non_trainable_weights(self):
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    def get_weights(self) -> list[np.ndarray]:
        return [a for l in self._layers for a in l.get_weights()]

    def set_weights(self, weights) -> None:
        """Set all weights from a flat list (Keras order); counts and shapes are checked first."""
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"Sequential.set_weights: `weights` must be a list of arrays, "
                            f"got {type(weights).__name__}.")
        expected = self.weights
        if len(weights) != len(expected):
            raise ValueError(
                f"Sequential.set_weights: `weights` must hold {len(expected)} arrays, got {len(weights)}."
            )
        for w, a in zip(expected, weights):
            if np.shape(a) != w.value.shape:
                raise ValueError(
                    f"Sequential.set_weights: `weights` entry for '{w.name}' must have shape "
                    f"{w.value.shape}, got {np.shape(a)}."
                )
            arr = np.asarray(a)
            if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool) or np.iscomplexobj(arr):
                raise TypeError(f"Sequential.set_weights: `weights` entry for '{w.name}' must be a real "
                                f"numeric array, got dtype {arr.dtype}.")
            if not np.isfinite(arr).all():
                raise ValueError(f"Sequential.set_weights: `weights` entry for '{w.name}' contains NaN or Inf.")
        i = 0
        for layer in self._layers:
            n = len(layer.weights)
            layer.set_weights(list(weights[i:i + n]))
            i += n

    def count_params(self) -> int:
        return int(sum(l.count_params() for l in self._layers))

    def _pack_weights(self):
        """Move trainable weights (and their gradients) into one contiguous buffer each.

        Each ``Weight.value``/``.grad`` becomes a view into the buffers; ``grads_and_vars``
        lists the (grad, value) view pairs in Keras order for the optimizer.
        """
        ws = self.trainable_weights
        if self._packed_weights is not None and [id(w) for w in ws] == self._packed_weights:
            return
        dtypes = {w.value.dtype for w in ws}
        if len(dtypes) == 1:
            dtype = dtypes.pop()
            total = sum(w.value.size for w in ws)
            params = np.empty(total, dtype=dtype)
            grads = np.zeros(total, dtype=dtype)
            i = 0
            for w in ws:
                n = w.value.size
                view = params[i:i + n].reshape(w.value.shape)
                view[...] = w.value
                w.value = view
                w.grad = grads[i:i + n].reshape(w.value.shape)
                i += n
            self._flat_buffers = (params, grads)  # handed to the optimizer (_prepare_training)
        self.grads_and_vars = [(w.grad, w.value) for w in ws]
        self._regularized = [w for w in ws if w.regularizer is not None]
        self._packed_weights = [id(w) for w in ws]

    def _prepare_training(self):
        """Before a training step: build the optimizer for the trainable weights, then pack them."""
        self._build_optimizer(self.trainable_weights)
        self._pack_weights()
        if self.optimizer is not None and self._flat_buffers is not None:
            self.optimizer.use_flat_buffers(*self._flat_buffers)  # one step on the whole buffers

    def _build_optimizer(self, ws):
        """Build the optimizer for the trainable weights (Keras: their names and identities drive
        ``exclude_from_weight_decay``; nothing happens once it is built).

        deepgrad's optimizers keep their state for one fixed set of variables, so a set changed
        by freezing or unfreezing layers needs a new optimizer: refused here, before any step.
        """
        if self.optimizer is None or not ws:
            return
        ids = [id(w) for w in ws]
        built_for = self._optimizer_variables
        if built_for is not None and built_for[0] is self.optimizer and built_for[1] != ids:
            raise ValueError(
                f"The model's trainable weights changed since its optimizer was built ({len(built_for[1])} "
                f"variables then, {len(ids)} now): compile the model with a new optimizer instance "
                f"(an optimizer keeps its state for the variables it was built for).")
        self.optimizer.build(ws)
        self._optimizer_variables = (self.optimizer, ids)

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, **kwargs):
        """Configure training: ``optimizer`` (name or object), ``loss`` (name or Loss), ``metrics``.

        As Keras 3, ``metrics`` ignore ``sample_weight``/``class_weight`` and
        ``weighted_metrics`` take them (logged as ``weighted_<name>`` when the name is taken).
        ``loss_weights``: a float (or a list/dict of one float, for the one output) multiplying
        the loss and its gradient, as Keras.
        """
        if kwargs:
            raise TypeError(f"Sequential.compile: unexpected keyword argument(s) {sorted(kwargs)}.")
        if loss is None:
            raise ValueError("Sequential.compile: `loss` is required (e.g. 'categorical_crossentropy'), got None.")
        opt = optimizers_mod.get(optimizer)
        loss_obj = losses_mod.get(loss)
        if loss_obj.reduction in ("none", None):
            raise ValueError(f"Sequential.compile: `loss` {loss_obj.name!r} has reduction="
                             f"{loss_obj.reduction!r} (per-sample values); training needs a scalar: "
                             f"use 'sum_over_batch_size' (the default) or 'sum'.")
        loss_weight = _loss_weight(loss_weights)
        specs = {}
        for arg, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            value = [] if value is None else value
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise TypeError(f"Sequential.compile: `{arg}` must be a list (e.g. ['accuracy']), got {value!r}.")
            for m in value:  # validate names now; 'accuracy' is resolved once the shapes are known
                metrics_mod.get(m)
            specs[arg] = list(value)
        self.optimizer = opt
        self.loss = loss_obj
        self._loss_weight = loss_weight
        self._metric_specs, self._weighted_metric_specs = specs["metrics"], specs["weighted_metrics"]
        self.compiled_metrics = []
        self._configure_output()
        if self.built:  # grads_and_vars ready for a hand-written step (the module docstring's)
            self._pack_weights()

    def _configure_output(self):
        """Decide, at compile time, whether the loss fuses the output activation.

        When the last layer ends in softmax (sigmoid) and the loss is categorical (binary)
        cross-entropy, ``fused_output_layer`` names that layer and ``loss_fn`` is the loss's
        logits form (exact log-sum-exp value, gradient p - y). Compile changes no layer: only
        inside the model's own training/evaluation steps (``with model.fused_logits():``) does
        that layer emit logits z, and it is restored on exit, so ``forward``, ``predict`` and
        the same layer reused in another model always give probabilities.
        """
        last = self.layers[-1] if self.layers else None
        self.loss_fn, self.output_activation, self.fused_output_layer = self.loss, None, None
        act = getattr(last, "activation", None)
        if hasattr(last, "emit_logits") and self.loss.fuses_with(act):
            self.fused_output_layer = last
            self.loss_fn = self.loss.with_logits()
            self.output_activation = act

    @contextlib.contextmanager
    def fused_logits(self):
        """Within this block the fused output layer (if any) emits logits z, for ``loss_fn``.

        Its backward then passes dL/dz = (p - y)/N straight to the layer's weights (skipping the
        activation's own Jacobian). On exit the layer emits probabilities again.
        """
        layer = self.fused_output_layer
        if layer is None or layer is not (self.layers[-1] if self.layers else None):
            yield
            return
        layer.emit_logits = True
        try:
            yield
        finally:
            layer.emit_logits = False

    @property
    def compiled(self) -> bool:
        return self.optimizer is not None and self.loss is not None

    def _require_compiled(self, what):
        if not self.compiled:
            raise NotCompiledError(f"You must call `compile()` on the model before `{what}()`.")

    # ------------------------------------------------------------------ passes
    def forward(self, x, training=False):
        """Run every layer; returns the last layer's output (probabilities; logits only inside
        ``fused_logits()``).

        Masks as Keras 3: after each layer, ``mask = layer.compute_mask(its input, mask)`` (made
        by Embedding(mask_zero=True) or Masking, passed on by layers that keep the time axis,
        dropped by the others), and a layer that ``accepts_mask`` gets it as ``forward(mask=)``
        (a recurrent layer keeps its state on masked steps). Each layer caches its mask for
        ``backward``, so the backward pass needs none; the output's mask is kept in
        ``output_mask`` for the loss and the metrics."""
        mask = None
        for layer in self._layers:
            if mask is not None and layer.accepts_mask:
                out = layer.forward(x, training=training, mask=mask)
            else:
                out = layer.forward(x, training=training)
            mask = layer.compute_mask(x, mask)
            x = out
        self.output_mask = mask  # the loss and the metrics leave masked time steps out (Keras)
        return x

    def backward(self, grad):
        """Backpropagate dL/d(output) through every layer in reverse; returns dL/d(input).

        Returns None during training, where the first trainable layer skips dL/d(input).
        """
        for layer in reversed(self._layers):
            grad = layer.backward(grad)
            if grad is None:
                break
        return grad

    def _train_step(self, x, y, sw):
        """One training step, from a batch to updated weights: forward -> loss -> backward ->
        regularization -> ``optimizer.apply_gradients`` -> weight constraints. Returns
        ``(loss, output)``; ``fit`` and ``train_on_batch`` (training.py) call it for each batch.

        A model without trainable weights only computes the loss (Keras warns and trains nothing).
        """
        with self.fused_logits():  # compile's fused softmax/sigmoid + CE decision (out: logits)
            out = self.forward(x, training=True)
            loss, dout = self.loss_fn.value_and_grad(y, out, sw, mask=self.output_mask)
            weight = getattr(self, "_loss_weight", 1.0)  # compile(loss_weights=), as Keras
            if weight != 1.0:
                loss, dout = loss * weight, dout * weight
            if self.grads_and_vars:
                self.backward(dout)
        if self.grads_and_vars:
            loss += self.add_regularization_gradients()
            self.optimizer.apply_gradients(self.grads_and_vars)
            # weight constraints (deepgrad.constraints), as Keras: w <- constraint(w) after the step
            for w in self.trainable_weights:
                if w.constraint is not None:
                    w.value[...] = w.constraint(w.value)
        return loss, out

    def _reuse_buffers(self, enabled: bool):
        """Let layers write inference outputs into reused buffers (predict/evaluate loops only)."""
        for layer in self._layers:
            layer.reuse_buffers = enabled

    def _training_mode_backward(self, enabled: bool):
        """Let the first trainable layer skip its (unused) input gradient while training."""
        first = next((l for l in self._layers if l.trainable_weights), None)
        if first is not None:
            first.compute_input_grad = not enabled

    def add_regularization_gradients(self) -> float:
        """Add each regularizer's gradient to its weight's gradient; return the total penalty."""
        penalty = 0.0
        for w in self._regularized:
            penalty += float(w.regularizer(w.value))
            w.grad += w.regularizer.grad(w.value)
        return penalty

    def regularization_penalty(self) -> float:
        """The penalty of the trainable weights' regularizers (Keras: frozen weights add none)."""
        return float(sum(w.regularizer(w.value) for w in self.trainable_weights if w.regularizer is not None))

    def __call__(self, x, training=False):
        x = _data_checks.prepare_x(self, x, "x", "__call__")
        self._build_for(x)
        return self._forward_rows(x, training=training)

    # ------------------------------------------------------------------ summary
    def summary(self, line_length=None, print_fn=None) -> None:
        """Print Keras 3's summary table: layer (type), output shape, parameter counts."""
        print_fn = print_fn or print
        widths = (33, 24, 15)

        def row(cells, left="│", mid="│", right="│"):
            """One table row; a cell longer than its column wraps onto more lines, as Keras's table does."""
            cols = [textwrap.wrap(c, w - 2, break_on_hyphens=False) or [""] for c, w in zip(cells, widths)]
            lines = []
            for i in range(max(len(c) for c in cols)):
                a, b, c = (col[i] if i < len(col) else "" for col in cols)
                lines.append(f"{left} {a:<{widths[0] - 2}} {mid} {b:<{widths[1] - 2}} {mid} "
                             f"{c:>{widths[2] - 2}} {right}")
            return "\n".join(lines)

        def rule(l, m, r, ch):
            return l + m.join(ch * w for w in widths) + r

        lines = [f'Model: "{self.name}"',
                 rule("┏", "┳", "┓", "━"),
                 row(("Layer (type)", "Output Shape", "Param #"), "┃", "┃", "┃"),
                 rule("┡", "╇", "┩", "━")]
        body = []
        for layer in self._summary_layers():
            shape = "?" if layer.output_shape is None else str(tuple(layer.output_shape))
            count = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
            body.append(row((f"{layer.name} ({type(layer).__name__})", shape, count)))
        lines += [x for i, r in enumerate(body) for x in ([rule("├", "┼", "┤", "─")] if i else []) + [r]]
        lines.append(rule("└", "┴", "┘", "─"))
        trainable = sum(w.value.size for w in self.trainable_weights)
        non_trainable = sum(w.value.size for w in self.non_trainable_weights)
        nbytes_t = sum(w.value.nbytes for w in self.trainable_weights)
        nbytes_n = sum(w.value.nbytes for w in self.non_trainable_weights)
        total, total_bytes = trainable + non_trainable, nbytes_t + nbytes_n
        lines.append(f" Total params: {total:,} ({_size(total_bytes)})")
        lines.append(f" Trainable params: {trainable:,} ({_size(nbytes_t)})")
        lines.append(f" Non-trainable params: {non_trainable:,} ({_size(nbytes_n)})")
        for line in "\n".join(lines).split("\n"):
            print_fn(line)

    def _summary_layers(self):
        """The rows of ``summary``: the layers (Keras's Sequential shows no Input row)."""
        return self.layers

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable,
                "layers": [{"class_name": type(l).__name__, "config": l.get_config()} for l in self._layers]}

    def __repr__(self):
        return f"<Sequential name={self.name!r} layers={len(self.layers)} built={self.built}>"


def _loss_weight(loss_weights):
    """compile's ``loss_weights`` for the one output: None -> 1.0; a float, or a list/tuple/dict
    holding one float."""
    value = loss_weights
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    elif isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.values()))
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value):
        raise ValueError(f"Sequential.compile: `loss_weights` must be a finite float (or a list or "
                         f"dict of one float: the model has one output), got {loss_weights!r}.")
    return float(value)


def _size(nbytes: int) -> str:
    """Keras's memory display: 1024-based, two decimals (``2.55 MB``)."""
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024
