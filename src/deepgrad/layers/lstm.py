"""LSTM: long short-term memory (deck 000), Keras 3's arguments and weight layout."""

from __future__ import annotations

import numpy as np

from .._validation import check_bool
from . import _fast_recurrent as fast
from . import recurrent_steps as steps
from .recurrent import RNN


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

    def _step(self, rmask):
        K, R, b = self.kernel.value, self.recurrent_kernel.value, self._bias()
        act, rec = self.activation, self.recurrent_activation

        def step(x, states):
            h, c, cache = steps.lstm_step(x, states[0], states[1], K, R, b, act, rec, rmask)
            return [h, c], cache
        return step

    def _step_backward(self, rmask):
        K, R = self.kernel.value, self.recurrent_kernel.value
        act, rec = self.activation, self.recurrent_activation

        def step_backward(d_states, cache):
            dx, dh, dc, grads = steps.lstm_step_backward(d_states[0], d_states[1], cache, K, R,
                                                         act, rec, rmask, self.use_bias)
            return dx, [dh, dc], grads
        return step_backward

    def _run(self, xt, states, rmask):
        act, rec = self.activation, self.recurrent_activation
        fused = fast.lstm_fused(act, rec)
        cols = fast.lstm_columns(self.units)
        b = self.bias.value[cols] if self.use_bias else np.zeros(4 * self.units, xt.dtype)
        W = np.concatenate([self.recurrent_kernel.value[:, cols], self.kernel.value[:, cols],
                            b[None]])                         # [R; K; b], (H + F + 1, 4H)
        if fused:
            W *= fast.lstm_column_scale(self.units, fused, xt.dtype)
        cache = fast.lstm_forward(xt, W, states[0], states[1], act, rec, rmask, self._ws)
        return [cache["Hs"][-1], cache["c_final"]], cache["Hs"], cache

    def _bptt(self, cache, Hs, dH, g_states, rmask, xt):
        dZT, dx, d_init = fast.lstm_backward(
            cache, self.recurrent_kernel.value, self.kernel.value, self.activation,
            self.recurrent_activation, dH, g_states[0], g_states[1], rmask, self._ws)
        dR, dK, db = fast.lstm_param_grads(cache, dZT, xt, rmask, self._ws)
        self.recurrent_kernel.grad[...] = dR
        self.kernel.grad[...] = dK
        if self.use_bias:
            self.bias.grad[...] = db
        return dx, list(d_init)

    def get_config(self):
        cfg = super().get_config()
        cfg["unit_forget_bias"] = self.unit_forget_bias
        return cfg
