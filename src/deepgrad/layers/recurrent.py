"""Recurrent layers: SimpleRNN, LSTM, GRU (Keras 3 arguments, defaults and weight layout).

Input (batch, timesteps, features); output (batch, units), or (batch, timesteps, units) with
``return_sequences=True``; ``return_state=True`` returns ``[output, h]`` (LSTM ``[output, h, c]``).

Weights (Keras order): ``kernel`` (features, k*units), ``recurrent_kernel`` (units, k*units),
``bias`` with k = 1 (SimpleRNN), 4 (LSTM, gate columns ``[i, f, c, o]``), 3 (GRU, ``[z, r, h]``).
GRU ``reset_after=True`` (default) has ``bias`` (2, 3*units) = [input bias; recurrent bias].

Backward is backpropagation through time over the whole sequence (see ``rnn_cells``).
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

from .. import config
from .._validation import check_bool, check_float, check_int
from . import rnn_cells as cells
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
    """

    GATES = 1
    _HAS_RECURRENT_ACTIVATION = True

    def __init__(self, units, *, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 dropout=0.0, recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, **kwargs):
        where = type(self).__name__
        if type(self) is RNN:
            raise TypeError("RNN is the abstract base of SimpleRNN, LSTM and GRU and cannot be "
                            "constructed; use one of those (Keras's RNN(cell) is not implemented).")
        self.units = check_int(units, "units", where, minimum=1)
        self.act = cells.Act(activation, "activation", where)
        self.rec_act = cells.Act(recurrent_activation, "recurrent_activation", where)
        self.use_bias = check_bool(use_bias, "use_bias", where)
        self.dropout = check_float(dropout, "dropout", where, 0.0, 1.0, high_inclusive=False)
        self.recurrent_dropout = check_float(recurrent_dropout, "recurrent_dropout", where, 0.0,
                                             1.0, high_inclusive=False)
        self.return_sequences = check_bool(return_sequences, "return_sequences", where)
        self.return_state = check_bool(return_state, "return_state", where)
        self.go_backwards = check_bool(go_backwards, "go_backwards", where)
        self.stateful = check_bool(stateful, "stateful", where)
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
        self._ws = {}            # work arrays reused from batch to batch (see rnn_cells.work)
        self.input_grad_norms = None

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

    # ---------------------------------------------------------------- input checks
    def __call__(self, x, training=False):
        if (symbolic := self._symbolic_call(x)) is not None:  # functional API
            return symbolic
        x = _check_sequence(x, self, self.dtype)
        if self.built and x.shape[-1] != self.input_shape[-1]:
            raise ValueError(f"{type(self).__name__} '{self.name}': `inputs` must have "
                             f"{self.input_shape[-1]} features (the size it was built for), "
                             f"got {x.shape[-1]} (input shape {x.shape}).")
        self._maybe_build(x)
        return self.forward(x, training=training)

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
    def forward(self, x, training=False):
        with cells.one_blas_thread():
            return self._forward(x, training)

    def backward(self, grad):
        with cells.one_blas_thread():
            return self._backward(grad)

    def _forward(self, x, training):
        B, T, F = x.shape
        dt = x.dtype
        self._check_batch(B)             # before the masks: a refused call draws nothing
        xmask, rmask = self._masks(B, F, training, dt)
        xt = x.transpose(1, 0, 2)
        if self.go_backwards:
            xt = xt[::-1]
        xt = np.ascontiguousarray(xt * xmask if xmask is not None else xt)   # (T, B, F)
        states = self._initial_states(B, dt)
        finals, Hs, cache = self._run(xt, states, rmask)
        if self.stateful:
            self.states = [s.copy() for s in finals]
        self._cache = (xt, xmask, rmask, Hs, cache) if training else None
        out = self._output(Hs[1:].transpose(1, 0, 2) if self.return_sequences else Hs[T],
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
        xt, xmask, rmask, Hs, cache = self._cache
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
        if self.return_sequences:
            dH = np.ascontiguousarray(g_out.transpose(1, 0, 2))
        else:
            dH = None
            g_states[0] = g_states[0] + g_out
        dx = self._bptt(cache, Hs, dH, g_states, rmask, xt)   # (T, B, F); weight grads set
        if xmask is not None:
            dx *= xmask
        if self.go_backwards:
            dx = dx[::-1]
        # ||dL/dx_t|| for each time step t (over batch and features): how far back the
        # gradient reaches; read by callbacks.GradientNorms to show vanishing gradients.
        self.input_grad_norms = np.sqrt(np.einsum("tbf,tbf->t", dx, dx))
        return np.ascontiguousarray(dx.transpose(1, 0, 2))

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

    # ---------------------------------------------------------------- config
    def get_config(self):
        cfg = super().get_config()
        cfg.update(units=self.units, activation=self.act.serialize(), use_bias=self.use_bias,
                   dropout=self.dropout, recurrent_dropout=self.recurrent_dropout,
                   return_sequences=self.return_sequences, return_state=self.return_state,
                   go_backwards=self.go_backwards, stateful=self.stateful)
        if self._HAS_RECURRENT_ACTIVATION:
            cfg["recurrent_activation"] = self.rec_act.serialize()
        from .. import initializers, regularizers

        for k, v in self._init_ids.items():
            cfg[k] = v if isinstance(v, (str, dict)) else initializers.serialize(v)
        for k, v in self._reg_ids.items():
            cfg[k] = v if v is None or isinstance(v, (str, dict)) else regularizers.serialize(v)
        from .. import constraints

        cfg.update({k: constraints.serialize(v) for k, v in self._constraints.items()})
        return cfg


class SimpleRNN(RNN):
    """Fully connected recurrent layer: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Params: units * (features + units + 1); the notes' ``SimpleRNN(3)`` on (200, 2) has 18.
    Positional order as Keras 3: ``SimpleRNN(units, activation, use_bias, kernel_initializer,
    recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
    bias_regularizer)``; the rest is keyword-only. See :class:`RNN` for the arguments (no
    ``recurrent_activation``).
    """

    GATES = 1
    _HAS_RECURRENT_ACTIVATION = False

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, *, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, **kwargs):
        if "recurrent_activation" in kwargs:
            raise TypeError("SimpleRNN: unexpected keyword argument 'recurrent_activation'.")
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, **kwargs)

    def _run(self, xt, states, rmask):
        xp = self._projection(xt)
        Hs, Z = cells.simple_rnn_forward(xp, self.recurrent_kernel.value, states[0], self.act,
                                         rmask)
        return [Hs[-1]], Hs, Z

    def _bptt(self, Z, Hs, dH, g_states, rmask, xt):
        dZ = cells.simple_rnn_backward(Hs, Z, self.recurrent_kernel.value, self.act, dH,
                                       g_states[0], rmask)
        hprev = Hs[:-1] * rmask if rmask is not None else Hs[:-1]
        T, B, H = hprev.shape
        np.matmul(hprev.reshape(T * B, H).T, dZ.reshape(T * B, H), out=self.recurrent_kernel.grad)
        return self._input_grads(dZ, xt)


def _forget_bias_init(base):
    """Keras's ``unit_forget_bias``: bias = [base(units), ones(units), base(2 * units)]."""
    from .. import initializers

    init = initializers.get(base)

    def unit_forget_bias(shape, dtype=None):
        h = shape[0] // 4
        return np.concatenate([np.asarray(init((h,), dtype=dtype)), np.ones(h, dtype=dtype),
                               np.asarray(init((2 * h,), dtype=dtype))]).astype(dtype)

    return unit_forget_bias


class LSTM(RNN):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), Keras gate order ``[i, f, c, o]``.

    With a = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias split into four blocks:
        i = σ(a_i), f = σ(a_f), g = tanh(a_c), o = σ(a_o)      (σ = recurrent_activation,
        c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)          tanh = activation)
    Params: 4 * units * (features + units + 1); ``LSTM(16)`` on (200, 2) has 1,216.
    ``unit_forget_bias=True`` (default) starts the forget-gate bias at 1.
    Positional order as Keras 3: ``LSTM(units, activation, recurrent_activation, use_bias,
    kernel_initializer, recurrent_initializer, bias_initializer, unit_forget_bias,
    kernel_regularizer, recurrent_regularizer, bias_regularizer)``; the rest is keyword-only.
    """

    GATES = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, *, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        self.unit_forget_bias = check_bool(unit_forget_bias, "unit_forget_bias", "LSTM")
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, **kwargs)

    def _n_states(self):
        return 2

    def _bias_initializer(self):
        base = self._init_ids["bias_initializer"]
        return _forget_bias_init(base) if self.unit_forget_bias else base

    def _run(self, xt, states, rmask):
        fused = cells.lstm_fused(self.act, self.rec_act)
        cols = cells.lstm_columns(self.units)
        b = self.bias.value[cols] if self.use_bias else np.zeros(4 * self.units, xt.dtype)
        W = np.concatenate([self.recurrent_kernel.value[:, cols], self.kernel.value[:, cols],
                            b[None]])                         # [R; K; b], (H + F + 1, 4H)
        if fused:
            W *= cells.lstm_column_scale(self.units, fused, xt.dtype)
        cache = cells.lstm_forward(xt, W, states[0], states[1], self.act, self.rec_act, rmask,
                                   self._ws)
        return [cache["Hs"][-1], cache["c_final"]], cache["Hs"], cache

    def _bptt(self, cache, Hs, dH, g_states, rmask, xt):
        dZT, dx = cells.lstm_backward(cache, self.recurrent_kernel.value, self.kernel.value,
                                      self.act, self.rec_act, dH, g_states[0], g_states[1],
                                      rmask, self._ws)
        dR, dK, db = cells.lstm_param_grads(cache, dZT, xt, rmask, self._ws)
        self.recurrent_kernel.grad[...] = dR
        self.kernel.grad[...] = dK
        if self.use_bias:
            self.bias.grad[...] = db
        return dx

    def get_config(self):
        cfg = super().get_config()
        cfg["unit_forget_bias"] = self.unit_forget_bias
        return cfg


class GRU(RNN):
    """Gated recurrent unit (Cho et al. 2014), Keras gate order ``[z, r, h]``.

    z = σ(x W_z + h_{t-1} U_z + b_z), r = σ(x W_r + h_{t-1} U_r + b_r),
    reset_after=True (default, = PyTorch ``nn.GRU``):
        n = tanh(x W_h + b_h + r ⊙ (h_{t-1} U_h + b'_h)),  bias (2, 3*units)
    reset_after=False: n = tanh(x W_h + b_h + (r ⊙ h_{t-1}) U_h),  bias (3*units,)
    h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n.
    Params for GRU(16) on (200, 2): 960 (reset_after=True) or 912 (False).
    Positional order as Keras 3: ``GRU(units, activation, recurrent_activation, use_bias,
    kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
    recurrent_regularizer, bias_regularizer)``; the rest (``reset_after`` included) is
    keyword-only.
    """

    GATES = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, *, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, reset_after=True, **kwargs):
        self.reset_after = check_bool(reset_after, "reset_after", "GRU")
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, **kwargs)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if not self.use_bias:
            return None
        return self.bias.value[0] if self.reset_after else self.bias.value

    def _bias_grad_input(self, dZ2):
        out = self.bias.grad[0] if self.reset_after else self.bias.grad
        np.sum(dZ2, axis=0, out=out)

    def _run(self, xt, states, rmask):
        fused = cells.gru_fused(self.act, self.rec_act)
        scale = cells.gru_column_scale(self.units, fused, xt.dtype) if fused else None
        xp = self._projection(xt, scale)
        R = self.recurrent_kernel.value
        Rs = R * scale if fused else R
        brec = None
        if self.reset_after:
            brec = self.bias.value[1] if self.use_bias else np.zeros(3 * self.units, xt.dtype)
            if fused:
                brec = brec * scale
        cache = cells.gru_forward(xp, Rs, brec, states[0], self.act, self.rec_act,
                                  self.reset_after, rmask)
        return [cache["Hs"][-1]], cache["Hs"], cache

    def _bptt(self, cache, Hs, dH, g_states, rmask, xt):
        R = self.recurrent_kernel.value
        dZin, G = cells.gru_backward(cache, R, self.act, self.rec_act, self.reset_after, dH,
                                     g_states[0], rmask)
        hprev = Hs[:-1] * rmask if rmask is not None else Hs[:-1]
        T, B, H = hprev.shape
        hp2 = hprev.reshape(T * B, H)
        if self.reset_after:
            G2 = G.reshape(T * B, 3 * H)
            np.matmul(hp2.T, G2, out=self.recurrent_kernel.grad)
            if self.use_bias:
                np.sum(G2, axis=0, out=self.bias.grad[1])
        else:
            dZ2 = dZin.reshape(T * B, 3 * H)
            rg = self.recurrent_kernel.grad
            rg[:, :2 * H] = hp2.T @ dZ2[:, :2 * H]
            rg[:, 2 * H:] = cache["RH"].reshape(T * B, H).T @ dZ2[:, 2 * H:]
        return self._input_grads(dZin, xt)

    def get_config(self):
        cfg = super().get_config()
        cfg["reset_after"] = self.reset_after
        return cfg


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
