"""One step of deck 000's LSTM cell, gate by gate, with the library's LSTM as the reference.

Deck 000's equations (``W_x*`` joins the input, ``W_h*`` the previous short-term state)::

    i_t = sigma(W_xi^T x_t + W_hi^T h_{t-1} + b_i)        input gate
    f_t = sigma(W_xf^T x_t + W_hf^T h_{t-1} + b_f)        forget gate
    o_t = sigma(W_xo^T x_t + W_ho^T h_{t-1} + b_o)        output gate
    g_t = tanh(W_xg^T x_t + W_hg^T h_{t-1} + b_g)         candidate
    c_t = f_t (x) c_{t-1} + i_t (x) g_t                   long-term state
    y_t = h_t = o_t (x) tanh(c_t)                         short-term state and output

:func:`lstm_step` evaluates them on the weights of a :class:`~deepgrad.layers.LSTM` (Keras
stores the four blocks side by side in the gate order ``[i, f, c(=g), o]``) and runs the layer
itself on the same input, so the printed ``h_t`` and ``c_t`` can be compared with what the
library computes (``matches_library``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LSTMStepExplanation", "lstm_step"]


@dataclass
class LSTMStepExplanation:
    """The gates (``i, f, o, g``), states (``c``, ``h``) of one LSTM step, and the library's
    ``h``/``c`` for the same step (``library_h``, ``library_c``); arrays of shape (units,)."""

    x: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    i: np.ndarray
    f: np.ndarray
    o: np.ndarray
    g: np.ndarray
    c: np.ndarray
    h: np.ndarray
    library_h: np.ndarray
    library_c: np.ndarray

    @property
    def matches_library(self) -> bool:
        return bool(np.allclose(self.h, self.library_h, rtol=1e-12, atol=1e-14)
                    and np.allclose(self.c, self.library_c, rtol=1e-12, atol=1e-14))

    def table(self, digits: int = 5) -> str:
        rows = [("x_t", self.x), ("h_(t-1)", self.h_prev), ("c_(t-1)", self.c_prev),
                ("i_t", self.i), ("f_t", self.f), ("o_t", self.o), ("g_t", self.g),
                ("c_t", self.c), ("h_t = y_t", self.h), ("LSTM layer h_t", self.library_h),
                ("LSTM layer c_t", self.library_c)]
        lines = [f"  {name:<15}" + "  ".join(f"{v: .{digits}f}" for v in vec) for name, vec in rows]
        lines.append(f"  the notes' equations {'match' if self.matches_library else 'DIFFER FROM'} "
                     "the library's LSTM")
        return "\n".join(lines)

    def __str__(self):
        return self.table()


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def lstm_step(x, h_prev=None, c_prev=None, units=None, seed=0, layer=None):
    """One LSTM step by deck 000's equations, next to the library's LSTM on the same weights.

    Args:
        x: input vector x_t, shape (features,).
        h_prev, c_prev: previous states, shape (units,) (default zeros).
        units: number of units (default: ``len(h_prev)``, else 2).
        seed: seed of the layer's initial weights when ``layer`` is None.
        layer: a ``stateful=True, return_state=True`` float64 LSTM whose weights are used (built
            on ``features`` inputs if not yet built); its kept ``states`` are set to
            ``[h_prev, c_prev]`` (the stateful layer's way of starting from given states).
    Returns: an :class:`LSTMStepExplanation`.
    """
    from ..layers import LSTM

    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"explain.lstm_step: `x` must be a non-empty 1-D vector, got shape {x.shape}.")
    if units is None:
        units = len(h_prev) if h_prev is not None else 2
    h_prev = np.zeros(units) if h_prev is None else np.asarray(h_prev, dtype=np.float64)
    c_prev = np.zeros(units) if c_prev is None else np.asarray(c_prev, dtype=np.float64)
    if h_prev.shape != (units,) or c_prev.shape != (units,):
        raise ValueError(f"explain.lstm_step: `h_prev` and `c_prev` must have shape ({units},), "
                         f"got {h_prev.shape} and {c_prev.shape}.")
    if layer is None:
        from .. import initializers
        layer = LSTM(units, return_state=True, stateful=True, dtype="float64",
                     kernel_initializer=initializers.GlorotUniform(seed=seed),
                     recurrent_initializer=initializers.Orthogonal(seed=seed + 1))
    if not layer.built:
        layer.build((1, 1, x.size))
    kernel, recurrent, bias = (w.value for w in layer.trainable_weights)
    n = units
    a = x @ kernel + h_prev @ recurrent + bias
    i, f, g, o = (a[k * n:(k + 1) * n] for k in range(4))      # Keras's order [i, f, c, o]
    i, f, o, g = _sigmoid(i), _sigmoid(f), _sigmoid(o), np.tanh(g)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    layer.states = [h_prev[None].copy(), c_prev[None].copy()]
    out = layer(x[None, None, :])
    library_h, library_c = np.asarray(out[1])[0], np.asarray(out[2])[0]
    return LSTMStepExplanation(x=x, h_prev=h_prev, c_prev=c_prev, i=i, f=f, o=o, g=g, c=c, h=h,
                               library_h=library_h, library_c=library_c)
