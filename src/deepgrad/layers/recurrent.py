"""The recurrent layers' common machinery (:class:`RNN`); the layers themselves are in
``simple_rnn.py``, ``lstm.py`` and ``gru.py`` (Keras 3 arguments, defaults and weight layout).

Input (batch, timesteps, features); output (batch, units), or (batch, timesteps, units) with
``return_sequences=True``; ``return_state=True`` returns ``[output, h]`` (LSTM ``[output, h, c]``).

Weights (Keras order): ``kernel`` (features, k*units), ``recurrent_kernel`` (units, k*units),
``bias`` with k = 1 (SimpleRNN), 4 (LSTM, gate columns ``[i, f, c, o]``), 3 (GRU, ``[z, r, h]``).
GRU ``reset_after=True`` (default) has ``bias`` (2, 3*units) = [input bias; recurrent bias].

Each time step is a function of :mod:`deepgrad.layers.recurrent_steps` (``simple_rnn_step``,
``lstm_step``, ``gru_step``, beside their equations) and backward is backpropagation through
time over the whole sequence. Without a mask the layers run the same math in the fused loops
of :mod:`deepgrad.layers._fast_recurrent` (faster, tested against the steps; set a layer's
``fused_loop = False`` to run the steps).

Masks (Keras 3): ``layer(x, mask=m)`` with m (batch, timesteps) booleans. A masked step keeps
the states; its output repeats the previous output (zeros before the first unmasked step), or
is zeros with ``zero_output_for_mask=True``; no gradient flows through a masked step's update.
``compute_mask`` returns the mask with ``return_sequences=True``, else None. Initial states:
``layer(x, initial_state=[h0])`` (LSTM ``[h0, c0]``); after ``backward`` their gradients are in
``initial_state_grads``.
``go_backwards=True`` processes the sequence from the last step to the first and returns the
outputs in that (reversed) order, as Keras. ``stateful=True`` starts each batch from the
final states of the previous one (gradients are not carried across batches);
``reset_state()`` (alias ``reset_states()``) zeroes them. As in Keras the batch size must then
be static: from ``Input(shape, batch_size=...)``, ``batch_input_shape``/``batch_size=`` on
the first layer, or the first batch a lone layer is called on; building without one raises,
and so does a batch of another size (before anything changes). ``dropout`` masks the inputs
and ``recurrent_dropout`` the state entering the recurrent product, each with one mask per
sequence, drawn from ``deepgrad.config.rng()`` at every training call and scaled by
1/(1 - rate).
"""

from __future__ import annotations

import numpy as np

from .. import activations, config
from .._validation import check_bool, check_float, check_int
from . import _fast_recurrent as fast
from . import recurrent_steps as steps
from .base import Layer


class RNN(Layer, abstract=True):
    """Common machinery of the recurrent layers: abstract, not registered, not constructible
    (Keras's generic ``RNN(cell)`` wrapper is not implemented; use SimpleRNN, LSTM or GRU).

    Args (the subclasses take them in Keras 3's positional order; see each class):
        units: size of the state h (int >= 1).
        activation: default ``"tanh"``; recurrent_activation: default ``"sigmoid"`` (gates).
        use_bias: default True.
        kernel_initializer: default ``"glorot_uniform"``; recurrent_initializer: default
            ``"orthogonal"``; bias_initializer: default ``"zeros"``.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: default None.
        kernel_constraint, recurrent_constraint, bias_constraint: default None (keyword only;
            applied after each optimizer step, see :mod:`deepgrad.constraints`).
        dropout, recurrent_dropout: fractions in [0, 1), default 0 (keyword only).
        return_sequences, return_state, go_backwards, stateful: default False (keyword only).
        zero_output_for_mask: default False (keyword only): masked steps output zeros
            instead of repeating the previous output (Keras's ``RNN`` argument).
    """

    GATES = 1
    _HAS_RECURRENT_ACTIVATION = True
    supports_masking = True
    accepts_mask = True       # forward takes mask= (the model passes it; see layers.base)
    #: False: run the reference steps of ``recurrent_steps`` even without a mask (slower).
    fused_loop = True

    def __init__(self, units, *, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 dropout=0.0, recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, zero_output_for_mask=False,
                 **kwargs):
        where = type(self).__name__
        if type(self) is RNN:
            raise TypeError("RNN is the abstract base of SimpleRNN, LSTM and GRU and cannot be "
                            "constructed; use one of those (Keras's RNN(cell) is not implemented).")
        self.units = check_int(units, "units", where, minimum=1)
        self.activation = _activation(activation, "activation", where)
        self.recurrent_activation = _activation(recurrent_activation, "recurrent_activation",
                                                where)
        self.use_bias = check_bool(use_bias, "use_bias", where)
        self.dropout = check_float(dropout, "dropout", where, 0.0, 1.0, high_inclusive=False)
        self.recurrent_dropout = check_float(recurrent_dropout, "recurrent_dropout", where, 0.0,
                                             1.0, high_inclusive=False)
        self.return_sequences = check_bool(return_sequences, "return_sequences", where)
        self.return_state = check_bool(return_state, "return_state", where)
        self.go_backwards = check_bool(go_backwards, "go_backwards", where)
        self.stateful = check_bool(stateful, "stateful", where)
        self.zero_output_for_mask = check_bool(zero_output_for_mask, "zero_output_for_mask",
                                               where)
        from .. import initializers, regularizers  # validate names before any state exists

        self._init_ids = {"kernel_initializer": kernel_initializer,
                          "recurrent_initializer": recurrent_initializer,
                          "bias_initializer": bias_initializer}
        self._reg_ids = {"kernel_regularizer": kernel_regularizer,
                         "recurrent_regularizer": recurrent_regularizer,
                         "bias_regularizer": bias_regularizer}
        for argname, ident in self._init_ids.items():
            if ident is None:
                raise TypeError(f"{where}: `{argname}` must be an initializer name, config dict "
                                f"or callable, got None.")
        for ids, module in ((self._init_ids, initializers), (self._reg_ids, regularizers)):
            for argname, ident in ids.items():
                try:
                    module.get(ident, argname)
                except (TypeError, ValueError) as e:
                    raise type(e)(f"{where}: {e}") from None
        from .. import constraints  # Keras's *_constraint, applied after each optimizer step

        self._constraints = {k: constraints.get(v, k) for k, v in (
            ("kernel_constraint", kernel_constraint), ("recurrent_constraint", recurrent_constraint),
            ("bias_constraint", bias_constraint))}
        super().__init__(**kwargs)
        self.states = None
        self._cache = None
        self._ws = {}            # work arrays reused from batch to batch (see _fast_recurrent.work)
        self.input_grad_norms = None
        self.initial_state_grads = None

    # ---------------------------------------------------------------- building
    def _bias_shape(self):
        return (self.GATES * self.units,)

    def _bias_initializer(self):
        return self._init_ids["bias_initializer"]

    def build(self, input_shape):
        input_shape = self._static_batch_shape(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} '{self.name}': input must be 3-D "
                             f"(batch, timesteps, features), got shape {tuple(input_shape)}.")
        if self.stateful and input_shape[0] is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `stateful=True` needs a static batch size "
                f"(the states kept between calls are (batch, units) arrays), got input shape "
                f"{input_shape}. Give it as Keras does: Input(shape, batch_size=...) first in "
                f"the model, or batch_input_shape=(batch, timesteps, features) or "
                f"batch_size= on the first layer.")
        f, k = input_shape[-1], self.GATES * self.units
        cons = self._constraints
        self.kernel = self.add_weight("kernel", (f, k), self._init_ids["kernel_initializer"],
                                      self._reg_ids["kernel_regularizer"],
                                      constraint=cons["kernel_constraint"])
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, k),
                                                self._init_ids["recurrent_initializer"],
                                                self._reg_ids["recurrent_regularizer"],
                                                constraint=cons["recurrent_constraint"])
        self.bias = (self.add_weight("bias", self._bias_shape(), self._bias_initializer(),
                                     self._reg_ids["bias_regularizer"],
                                     constraint=cons["bias_constraint"]) if self.use_bias else None)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        b, t = input_shape[0], input_shape[1]
        out = (b, t, self.units) if self.return_sequences else (b, self.units)
        if self.return_state:
            return [out] + [(b, self.units)] * self._n_states()
        return out

    def _n_states(self):
        return 1

    def compute_mask(self, inputs, mask=None):
        """Keras: the input mask with ``return_sequences=True``, else None (with
        ``return_state``: a list, None for each state)."""
        out = mask if self.return_sequences else None
        return [out] + [None] * self._n_states() if self.return_state else out

    # ---------------------------------------------------------------- input checks
    def __call__(self, x, training=False, mask=None, initial_state=None):
        if (symbolic := self._symbolic_call(x)) is not None:  # functional API
            return symbolic
        x = _check_sequence(x, self, self.dtype)
        if self.built and x.shape[-1] != self.input_shape[-1]:
            raise ValueError(f"{type(self).__name__} '{self.name}': `inputs` must have "
                             f"{self.input_shape[-1]} features (the size it was built for), "
                             f"got {x.shape[-1]} (input shape {x.shape}).")
        mask = check_mask(mask, x, self)
        initial_state = self._check_initial_state(initial_state, x)
        self._maybe_build(x)
        return self.forward(x, training=training, mask=mask, initial_state=initial_state)

    def _check_initial_state(self, initial_state, x):
        """``initial_state`` as a list of (batch, units) arrays of the layer's dtype, or None."""
        if initial_state is None:
            return None
        n, where = self._n_states(), f"{type(self).__name__} '{self.name}'"
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        want = (x.shape[0], self.units)
        if len(states) != n:
            raise ValueError(f"{where}: `initial_state` must be a list of {n} array(s) of shape "
                             f"{want}, got {len(states)}.")
        out = []
        for s in states:
            try:
                s = np.asarray(s, dtype=self.dtype)
            except (TypeError, ValueError):
                raise TypeError(f"{where}: `initial_state` entries must be numeric arrays of "
                                f"shape {want}, got {type(s).__name__}.") from None
            if s.shape != want:
                raise ValueError(f"{where}: `initial_state` entries must have shape {want} "
                                 f"(batch, units), got {s.shape}.")
            out.append(s)
        return out

    def _maybe_build(self, x):
        """Called on data before it was built, a stateful layer takes that data's batch size
        as its static one (Keras builds with the shape of the tensor it is called on)."""
        if not self.built:
            self.build((x.shape[0] if self.stateful else None,) + tuple(x.shape[1:]))

    # ---------------------------------------------------------------- states
    @property
    def fixed_batch_size(self):
        """A built ``stateful`` layer's static batch size (every call must have it), else None."""
        return self.input_shape[0] if self.stateful and self.built else None

    def reset_state(self):
        """Forget the states kept by a ``stateful`` layer (next batch starts from zeros)."""
        self.states = None

    def reset_states(self):
        """Compatibility alias of :meth:`reset_state` (as Keras 3)."""
        self.reset_state()

    def _check_batch(self, B):
        fixed = self.fixed_batch_size
        if fixed is not None and B != fixed:
            raise ValueError(f"{type(self).__name__} '{self.name}': stateful layer built for "
                             f"batch size {fixed} (its states are ({fixed}, {self.units})); got a "
                             f"batch of {B}. Every batch must have {fixed} samples.")

    def _initial_states(self, B, dt):
        if self.stateful and self.states is not None:
            return self.states
        return [np.zeros((B, self.units), dtype=dt) for _ in range(self._n_states())]

    def _masks(self, B, F, training, dt):
        rng = config.rng()
        keep_in = 1.0 - self.dropout
        keep_rec = 1.0 - self.recurrent_dropout
        xmask = rmask = None
        if training and self.dropout > 0:
            xmask = ((rng.random((B, F)) < keep_in) / keep_in).astype(dt)
        if training and self.recurrent_dropout > 0:
            rmask = ((rng.random((B, self.units)) < keep_rec) / keep_rec).astype(dt)
        return xmask, rmask

    # ---------------------------------------------------------------- forward/backward
    def forward(self, x, training=False, mask=None, initial_state=None):
        with fast.one_blas_thread():
            return self._forward(x, training, mask, initial_state)

    def backward(self, grad):
        with fast.one_blas_thread():
            return self._backward(grad)

    def _forward(self, x, training, mask, initial_state):
        B, T, F = x.shape
        dt = x.dtype
        self._check_batch(B)             # before the masks: a refused call draws nothing
        xmask, rmask = self._masks(B, F, training, dt)
        xt = x.transpose(1, 0, 2)
        if self.go_backwards:
            xt = xt[::-1]
        xt = np.ascontiguousarray(xt * xmask if xmask is not None else xt)   # (T, B, F)
        states = self._initial_states(B, dt) if initial_state is None else initial_state
        mt = None                        # the mask, time-major in processing order
        if mask is not None and not np.all(mask):
            mt = np.asarray(mask, dtype=bool).T
            mt = mt[::-1] if self.go_backwards else mt
        if mt is None and self.fused_loop:
            finals, Hs, cache = self._run(xt, states, rmask)
            outputs, last = Hs[1:], Hs[T]
        else:                            # the reference steps, with Keras's masking
            outputs, finals, cache = steps.run_forward(self._step(rmask), xt, states, mt,
                                                       self.zero_output_for_mask)
            Hs, last = None, outputs[-1]
        if self.stateful:
            self.states = [s.copy() for s in finals]
        self._cache = (xt, xmask, rmask, mt, Hs, cache) if training else None
        out = self._output(outputs.transpose(1, 0, 2) if self.return_sequences else last,
                           training)
        if self.return_state:
            return [out] + [s.copy() for s in finals]
        return out

    def _output(self, h, training):
        """``h`` (a view of the states, which the LSTM keeps in work arrays reused by its next
        call) copied into the layer's reused output buffer in training or while
        ``reuse_buffers`` is set, else into a fresh array (the contract in ``layers.base``)."""
        if training or self.reuse_buffers:
            out = self._buffer("output", h.shape, h.dtype)
        else:
            out = np.empty(h.shape, dtype=h.dtype)
        np.copyto(out, h)
        return out

    def _backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__} '{self.name}': backward() needs a "
                               f"forward(x, training=True) first.")
        xt, xmask, rmask, mt, Hs, cache = self._cache
        T, B, _ = xt.shape
        dt = xt.dtype
        n = self._n_states()
        if self.return_state:
            if not isinstance(grad, (list, tuple)) or len(grad) != 1 + n:
                raise ValueError(f"{type(self).__name__} '{self.name}': with return_state the "
                                 f"gradient must be a list of {1 + n} arrays (output, states).")
            g_out, g_states = grad[0], list(grad[1:])
        else:
            g_out, g_states = grad, [None] * n
        g_states = [np.zeros((B, self.units), dt) if g is None else np.asarray(g, dt)
                    for g in g_states]
        if g_out is None:
            g_out = np.zeros((B, T, self.units) if self.return_sequences else (B, self.units), dt)
        g_out = np.asarray(g_out, dtype=dt)
        dH = np.ascontiguousarray(g_out.transpose(1, 0, 2)) if self.return_sequences else None
        if Hs is None:                   # the reference steps ran
            dx, d_init = self._bptt_steps(cache, dH, None if dH is not None else g_out,
                                          g_states, rmask, mt)
        else:                            # the fused loops ran (the last output is h_T)
            if dH is None:
                g_states[0] = g_states[0] + g_out
            dx, d_init = self._bptt(cache, Hs, dH, g_states, rmask, xt)   # weight grads set
        self.initial_state_grads = d_init
        if xmask is not None:
            dx *= xmask
        if self.go_backwards:
            dx = dx[::-1]
        # ||dL/dx_t|| for each time step t (over batch and features): how far back the
        # gradient reaches; read by callbacks.GradientNorms to show vanishing gradients.
        self.input_grad_norms = np.sqrt(np.einsum("tbf,tbf->t", dx, dx))
        return np.ascontiguousarray(dx.transpose(1, 0, 2))

    def _bptt_steps(self, caches, dH, d_last, g_states, rmask, mt):
        """Backpropagation through the reference steps; sets the weight gradients and
        returns dL/dx (T, B, F) and the initial states' gradients."""
        dxs, d_init, grads = steps.run_backward(self._step_backward(rmask), caches, dH, d_last,
                                                g_states, mt, self.zero_output_for_mask)
        for w, g in zip((self.kernel, self.recurrent_kernel, self.bias), grads):
            if w is not None:
                w.grad[...] = g
        return dxs, d_init

    def _bias_grad_input(self, dZ2):
        np.sum(dZ2, axis=0, out=self.bias.grad)

    def _input_grads(self, dZin, xt):
        """Kernel and input-bias gradients (one product each) and dL/dx (T, B, F) from the
        gradients dZin (T, B, k*units) of the input pre-activations."""
        T, B, F = xt.shape
        dZ2 = dZin.reshape(T * B, -1)
        np.matmul(xt.reshape(T * B, F).T, dZ2, out=self.kernel.grad)
        if self.use_bias:
            self._bias_grad_input(dZ2)
        return (dZ2 @ self.kernel.value.T).reshape(T, B, F)

    def _projection(self, xt, scale=None):
        """x_t @ kernel + bias for all time steps in ONE matrix product: (T, B, k*units)."""
        T, B, F = xt.shape
        K, b = self.kernel.value, self._input_bias()
        if scale is not None:
            K = K * scale
            b = None if b is None else b * scale
        xp = xt.reshape(T * B, F) @ K
        if b is not None:
            xp += b
        return xp.reshape(T, B, -1)

    def _input_bias(self):
        return self.bias.value if self.use_bias else None

    def _bias(self):
        return self.bias.value if self.use_bias else None

    # ---------------------------------------------------------------- config
    def get_config(self):
        cfg = super().get_config()
        cfg.update(units=self.units, activation=activations.serialize(self.activation),
                   use_bias=self.use_bias, dropout=self.dropout,
                   recurrent_dropout=self.recurrent_dropout,
                   return_sequences=self.return_sequences, return_state=self.return_state,
                   go_backwards=self.go_backwards, stateful=self.stateful,
                   zero_output_for_mask=self.zero_output_for_mask)
        if self._HAS_RECURRENT_ACTIVATION:
            cfg["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        from .. import initializers, regularizers

        for k, v in self._init_ids.items():
            cfg[k] = v if isinstance(v, (str, dict)) else initializers.serialize(v)
        for k, v in self._reg_ids.items():
            cfg[k] = v if v is None or isinstance(v, (str, dict)) else regularizers.serialize(v)
        from .. import constraints

        cfg.update({k: constraints.serialize(v) for k, v in self._constraints.items()})
        return cfg


def _activation(identifier, argname, where):
    """An activation object of :mod:`deepgrad.activations` (forward and derivative)."""
    try:
        return activations.get(identifier, argname)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{where}: `{argname}`: {e}") from None


def check_mask(mask, x, layer):
    """``mask`` as a (batch, timesteps) boolean array for the sequence ``x`` (Keras: nonzero is
    True), or None; raises naming ``mask`` when it cannot be one."""
    if mask is None:
        return None
    where = f"{type(layer).__name__} '{layer.name}'"
    m = np.asarray(mask)
    if m.dtype != bool and not (np.issubdtype(m.dtype, np.number) and m.dtype.kind != "c"):
        raise TypeError(f"{where}: `mask` must be a boolean (batch, timesteps) array, got "
                        f"dtype {m.dtype}.")
    if m.shape != x.shape[:2]:
        raise ValueError(f"{where}: `mask` must have shape (batch, timesteps) = {x.shape[:2]}, "
                         f"got {m.shape}.")
    return m.astype(bool)


def _check_sequence(x, layer, dtype):
    """Convert ``x`` to a (batch, timesteps, features) float array or raise naming ``inputs``."""
    where = f"{type(layer).__name__} '{layer.name}'"
    try:
        arr = np.asarray(x, dtype=dtype)
    except (ValueError, TypeError):
        raise ValueError(f"{where}: `inputs` must be a rectangular array (batch, timesteps, "
                         f"features); ragged sequences must be padded to one length first.") from None
    if arr.ndim != 3:
        raise ValueError(f"{where}: `inputs` must be 3-D (batch, timesteps, features), "
                         f"got shape {arr.shape}.")
    if 0 in arr.shape:
        raise ValueError(f"{where}: `inputs` must not be empty, got shape {arr.shape}.")
    return arr
