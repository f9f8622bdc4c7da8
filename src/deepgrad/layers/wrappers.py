"""Layer wrappers: Bidirectional (a recurrent layer run both ways) and TimeDistributed."""

from __future__ import annotations

import numpy as np

from .._validation import check_choice
from .base import LAYERS, Layer
from .recurrent import RNN, _check_sequence, check_mask

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _layer_config(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _layer_from(spec, argname, where):
    if isinstance(spec, Layer):
        return spec
    if isinstance(spec, dict) and "class_name" in spec:
        cls = LAYERS.lookup(spec["class_name"], argname)
        return cls.from_config(dict(spec.get("config") or {}))
    raise TypeError(f"{where}: `{argname}` must be a Layer, got {type(spec).__name__}.")


class Bidirectional(Layer):
    """Runs a recurrent layer forward and a copy of it backward in time and merges the outputs.

    Args:
        layer: a SimpleRNN, LSTM or GRU. Its copy for the backward direction has the opposite
            ``go_backwards``; with ``return_sequences`` the backward outputs are reversed back
            so that step t of both directions lines up (as Keras).
        merge_mode: ``"concat"`` (default, last axis 2*units), ``"sum"``, ``"mul"``, ``"ave"``
            or None (a list ``[forward_output, backward_output]``).
        backward_layer: optional explicit layer for the backward direction: the same
            ``stateful``, ``return_sequences`` and ``return_state`` as ``layer`` (as Keras), the
            same units unless ``merge_mode="concat"``, the opposite ``go_backwards``.

    ``return_state`` is the layer's (as Keras): the call then returns ``[output, forward
    states..., backward states...]`` (``[forward_output, backward_output, states...]`` with
    ``merge_mode=None``) and ``backward`` takes that list of gradients.
    ``layer(x, mask=m)`` passes the (batch, timesteps) mask to both directions; as Keras, both
    layers' ``zero_output_for_mask`` is set to their ``return_sequences``.
    ``layer(x, initial_state=[forward states..., backward states...])`` starts each direction
    from its half; after ``backward`` their gradients are in ``initial_state_grads``.

    Weights: the forward layer's, then the backward layer's (Keras order); params 2x.
    After a training backward, ``input_grad_norms`` holds ||dL/dx_t|| for each time step t
    (the gradient of both directions together, over batch and features).
    """

    supports_masking = True
    accepts_mask = True

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        where = "Bidirectional"
        layer = _layer_from(layer, "layer", where)
        if not isinstance(layer, RNN):
            raise TypeError(f"{where}: `layer` must be a recurrent layer (SimpleRNN, LSTM, GRU), "
                            f"got {type(layer).__name__}.")
        self.merge_mode = check_choice(merge_mode, "merge_mode", _MERGE_MODES, where)
        if backward_layer is None:
            cfg = layer.get_config()
            cfg["go_backwards"] = not layer.go_backwards
            cfg["name"] = "backward_" + layer.name
            cfg.pop("input_shape", None)
            cfg.pop("batch_size", None)
            backward_layer = type(layer).from_config(cfg)
        else:
            backward_layer = _layer_from(backward_layer, "backward_layer", where)
            _verify_backward_layer(layer, backward_layer, self.merge_mode, where)
        if "input_shape" not in kwargs and layer._input_shape_arg is not None:
            kwargs["input_shape"] = layer._input_shape_arg
        if ("batch_size" not in kwargs and "batch_input_shape" not in kwargs
                and layer._batch_size_arg is not None):
            kwargs["batch_size"] = layer._batch_size_arg
        super().__init__(**kwargs)
        self.forward_layer = layer
        self.backward_layer = backward_layer
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        for lay in (self.forward_layer, self.backward_layer):   # as Keras's Bidirectional
            lay.zero_output_for_mask = lay.return_sequences
        self._cache = None
        self.input_grad_norms = None
        self.initial_state_grads = None

    def build(self, input_shape):
        input_shape = self._static_batch_shape(input_shape)
        for lay in (self.forward_layer, self.backward_layer):
            if not lay.built:
                lay.build(input_shape)
        self._weights = self.forward_layer._weights + self.backward_layer._weights
        super().build(input_shape)

    @property
    def fixed_batch_size(self):
        """The static batch size of stateful wrapped layers (see ``RNN.fixed_batch_size``)."""
        return self.forward_layer.fixed_batch_size

    def compute_output_shape(self, input_shape):
        fo = self.forward_layer.compute_output_shape(input_shape)
        bo = self.backward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            (fo, *fs), (bo, *bs) = fo, bo
            states = fs + bs
        if self.merge_mode is None:
            out = [fo, bo]
        elif self.merge_mode == "concat":
            out = [fo[:-1] + (fo[-1] + bo[-1],)]
        else:
            out = [fo]
        if not states:
            return out if self.merge_mode is None else out[0]
        return out + states

    def compute_mask(self, inputs, mask=None):
        """Keras: the mask for each output sequence (``return_sequences``), else None; with
        ``return_state`` also None for each state (as Keras's RNN; Keras's Bidirectional
        lists those only for stateful layers)."""
        out = mask if self.return_sequences else None
        masks = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return masks + [None] * (2 * self.forward_layer._n_states())
        return masks if self.merge_mode is None else masks[0]

    def __call__(self, x, training=False, mask=None, initial_state=None):
        if (symbolic := self._symbolic_call(x)) is not None:  # functional API
            return symbolic
        x = _check_sequence(x, self, self.dtype)
        mask = check_mask(mask, x, self)
        if initial_state is not None:
            n = self.forward_layer._n_states()
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else None
            if states is None or len(states) != 2 * n:
                raise ValueError(f"Bidirectional '{self.name}': `initial_state` must be a list of "
                                 f"{2 * n} arrays (the forward layer's {n} states, then the "
                                 f"backward layer's), got {initial_state!r:.80}.")
            initial_state = (self.forward_layer._check_initial_state(states[:n], x)
                             + self.backward_layer._check_initial_state(states[n:], x))
        self._maybe_build(x)
        return self.forward(x, training=training, mask=mask, initial_state=initial_state)

    def _maybe_build(self, x):
        if not self.built:       # stateful: this data's batch size becomes the static one
            batch = x.shape[0] if self.forward_layer.stateful else None
            self.build((batch,) + tuple(x.shape[1:]))

    def forward(self, x, training=False, mask=None, initial_state=None):
        n = self.forward_layer._n_states()
        fs, bs = (None, None) if initial_state is None else (initial_state[:n], initial_state[n:])
        yf = self.forward_layer.forward(x, training=training, mask=mask, initial_state=fs)
        yb = self.backward_layer.forward(x, training=training, mask=mask, initial_state=bs)
        states = []
        if self.return_state:
            (yf, *sf), (yb, *sb) = yf, yb
            states = sf + sb
        if self.return_sequences:
            yb = yb[:, ::-1]
        self._cache = (yf, yb) if training else None
        m = self.merge_mode
        if m is None:
            return [yf, np.ascontiguousarray(yb)] + states
        if m == "concat":
            out = np.concatenate([yf, yb], axis=-1)
        elif m == "sum":
            out = yf + yb
        elif m == "mul":
            out = yf * yb
        else:
            out = (yf + yb) * 0.5
        return [out] + states if self.return_state else out

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"Bidirectional '{self.name}': backward() needs a "
                               f"forward(x, training=True) first.")
        yf, yb = self._cache
        m = self.merge_mode
        n = self.forward_layer._n_states() if self.return_state else 0
        if self.return_state or m is None:
            k = 2 if m is None else 1
            if not isinstance(grad, (list, tuple)) or len(grad) != k + 2 * n:
                raise ValueError(f"Bidirectional '{self.name}': the gradient must be a list of "
                                 f"{k + 2 * n} arrays (one per output), got {type(grad).__name__}.")
            grad, g_states = (list(grad[:2]) if m is None else grad[0]), list(grad[k:])
        if m is None:
            gf, gb = grad
        elif m == "concat":
            u = yf.shape[-1]
            gf, gb = grad[..., :u], grad[..., u:]
        elif m == "sum":
            gf, gb = grad, grad
        elif m == "mul":
            gf, gb = grad * yb, grad * yf
        else:
            gf = gb = grad * 0.5
        if self.return_sequences:
            gb = gb[:, ::-1]
        gf, gb = np.ascontiguousarray(gf), np.ascontiguousarray(gb)
        if self.return_state:
            gf, gb = [gf] + g_states[:n], [gb] + g_states[n:]
        dx = self.forward_layer.backward(gf)
        dx += self.backward_layer.backward(gb)
        self.initial_state_grads = (self.forward_layer.initial_state_grads
                                    + self.backward_layer.initial_state_grads)
        # ||dL/dx_t|| per time step of both directions together (as RNN.input_grad_norms),
        # read by callbacks.GradientNorms for its time profile
        self.input_grad_norms = np.sqrt(np.einsum("btf,btf->t", dx, dx))
        return dx

    def reset_state(self):
        """Forget the states of both (stateful) directions."""
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        """Compatibility alias of :meth:`reset_state` (as Keras 3)."""
        self.reset_state()

    def get_config(self):
        cfg = super().get_config()
        cfg.update(layer=_layer_config(self.forward_layer), merge_mode=self.merge_mode,
                   backward_layer=_layer_config(self.backward_layer))
        return cfg


def _verify_backward_layer(layer, backward, merge_mode, where):
    """Keras's ``Bidirectional._verify_layer_config``: opposite ``go_backwards``, equal
    ``stateful``, ``return_sequences`` and ``return_state``; equal ``units`` unless the outputs
    are concatenated."""
    if not isinstance(backward, RNN):
        raise TypeError(f"{where}: `backward_layer` must be a recurrent layer (SimpleRNN, LSTM, "
                        f"GRU), got {type(backward).__name__}.")
    if backward.go_backwards == layer.go_backwards:
        raise ValueError(f"{where}: `backward_layer.go_backwards` must be the opposite of "
                         f"`layer.go_backwards`, both are {layer.go_backwards}.")
    for attr in ("stateful", "return_sequences", "return_state"):
        f, b = getattr(layer, attr), getattr(backward, attr)
        if f != b:
            raise ValueError(f'{where}: `layer` and `backward_layer` must have the same value '
                             f'for attribute "{attr}", got {f} and {b}.')
    if backward.units != layer.units and merge_mode != "concat":
        raise ValueError(f"{where}: `backward_layer` must have the units of `layer` "
                         f"({layer.units}) unless merge_mode='concat', got {backward.units}.")


class TimeDistributed(Layer):
    """Applies ``layer`` to every time step: input (batch, timesteps, ...) -> (batch, timesteps, ...).

    The steps are folded into the batch axis, so ``layer`` sees (batch * timesteps, ...) and
    its weights are shared across steps (their gradients sum over the steps).
    """

    supports_masking = True  # the time axis is kept: a (batch, timesteps) mask passes through

    def __init__(self, layer, **kwargs):
        self.layer = _layer_from(layer, "layer", "TimeDistributed")
        super().__init__(**kwargs)
        self._shape = None

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed '{self.name}': input must be at least 3-D "
                             f"(batch, timesteps, ...), got shape {tuple(input_shape)}.")
        if not self.layer.built:
            self.layer.build((None,) + tuple(input_shape[2:]))
        self._weights = self.layer._weights
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def forward(self, x, training=False):
        if x.ndim < 3:
            raise ValueError(f"TimeDistributed '{self.name}': `inputs` must be at least 3-D "
                             f"(batch, timesteps, ...), got shape {x.shape}.")
        B, T = x.shape[:2]
        self._shape = (B, T)
        y = self.layer.forward(x.reshape((B * T,) + x.shape[2:]), training=training)
        return y.reshape((B, T) + y.shape[1:])

    def backward(self, grad):
        B, T = self._shape
        dx = self.layer.backward(grad.reshape((B * T,) + grad.shape[2:]))
        return dx.reshape((B, T) + dx.shape[1:])

    def get_config(self):
        cfg = super().get_config()
        cfg["layer"] = _layer_config(self.layer)
        return cfg
