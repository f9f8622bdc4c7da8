"""GRU: the gated recurrent unit (deck 000), Keras 3's arguments and weight layout."""

from __future__ import annotations

import numpy as np

from .._validation import check_bool
from . import _fast_recurrent as fast
from . import recurrent_steps as steps
from .recurrent import RNN


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

    def _step(self, rmask):
        K, R, b = self.kernel.value, self.recurrent_kernel.value, self._bias()
        act, rec, after = self.activation, self.recurrent_activation, self.reset_after

        def step(x, states):
            h, cache = steps.gru_step(x, states[0], K, R, b, act, rec, after, rmask)
            return [h], cache
        return step

    def _step_backward(self, rmask):
        K, R = self.kernel.value, self.recurrent_kernel.value
        act, rec, after = self.activation, self.recurrent_activation, self.reset_after

        def step_backward(d_states, cache):
            dx, dh, grads = steps.gru_step_backward(d_states[0], cache, K, R, act, rec, after,
                                                    rmask, self.use_bias)
            return dx, [dh], grads
        return step_backward

    def _run(self, xt, states, rmask):
        act, rec = self.activation, self.recurrent_activation
        fused = fast.gru_fused(act, rec)
        scale = fast.gru_column_scale(self.units, fused, xt.dtype) if fused else None
        xp = self._projection(xt, scale)
        R = self.recurrent_kernel.value
        Rs = R * scale if fused else R
        brec = None
        if self.reset_after:
            brec = self.bias.value[1] if self.use_bias else np.zeros(3 * self.units, xt.dtype)
            if fused:
                brec = brec * scale
        cache = fast.gru_forward(xp, Rs, brec, states[0], act, rec, self.reset_after, rmask)
        return [cache["Hs"][-1]], cache["Hs"], cache

    def _bptt(self, cache, Hs, dH, g_states, rmask, xt):
        R = self.recurrent_kernel.value
        dZin, G, dh0 = fast.gru_backward(cache, R, self.activation, self.recurrent_activation,
                                         self.reset_after, dH, g_states[0], rmask)
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
        return self._input_grads(dZin, xt), [dh0]

    def get_config(self):
        cfg = super().get_config()
        cfg["reset_after"] = self.reset_after
        return cfg
