"""SimpleRNN: the fully connected recurrent layer (deck 000's "layer of recurrent neurons")."""

from __future__ import annotations

import numpy as np

from . import _fast_recurrent as fast
from . import recurrent_steps as steps
from .recurrent import RNN


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

    def _step(self, rmask):
        K, R, b, act = self.kernel.value, self.recurrent_kernel.value, self._bias(), self.activation

        def step(x, states):
            h, cache = steps.simple_rnn_step(x, states[0], K, R, b, act, rmask)
            return [h], cache
        return step

    def _step_backward(self, rmask):
        K, R, act = self.kernel.value, self.recurrent_kernel.value, self.activation

        def step_backward(d_states, cache):
            dx, dh, grads = steps.simple_rnn_step_backward(d_states[0], cache, K, R, act, rmask,
                                                           self.use_bias)
            return dx, [dh], grads
        return step_backward

    def _run(self, xt, states, rmask):
        xp = self._projection(xt)
        Hs, Z = fast.simple_rnn_forward(xp, self.recurrent_kernel.value, states[0],
                                        self.activation, rmask)
        return [Hs[-1]], Hs, Z

    def _bptt(self, Z, Hs, dH, g_states, rmask, xt):
        dZ, dh0 = fast.simple_rnn_backward(Hs, Z, self.recurrent_kernel.value, self.activation,
                                           dH, g_states[0], rmask)
        hprev = Hs[:-1] * rmask if rmask is not None else Hs[:-1]
        T, B, H = hprev.shape
        np.matmul(hprev.reshape(T * B, H).T, dZ.reshape(T * B, H), out=self.recurrent_kernel.grad)
        return self._input_grads(dZ, xt), [dh0]
