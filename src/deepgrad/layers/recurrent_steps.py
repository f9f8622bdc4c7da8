"""One time step of SimpleRNN, LSTM and GRU, forward and backward: the readable reference.

Each ``*_step`` computes one step of the notes' (deck 000) equations for a batch, one formula
per line, in Keras's weight layout: ``kernel`` (features, k*units), ``recurrent_kernel``
(units, k*units), ``bias``; gate blocks in Keras's column order (LSTM ``[i, f, c, o]``, GRU
``[z, r, h]``). Each ``*_step_backward`` takes dL/d(the new states) and returns dL/dx_t,
dL/d(the previous states) and this step's weight gradients. Activations are
:mod:`deepgrad.activations` objects: ``act.forward(a)`` and ``act.backward(dy, a, y)`` =
dy * act'(a).

``rmask`` is the recurrent-dropout mask (None without): as in Keras it multiplies the state
entering the recurrent product, ``h_in = h_{t-1} * rmask``.

:func:`run_forward` and :func:`run_backward` loop a step over time with Keras's masking:
a masked step keeps the states, and its output repeats the previous output (zeros before
the first unmasked step, or always zeros with ``zero_output_for_mask``). The layers in
:mod:`deepgrad.layers.recurrent` run these loops whenever a mask is given (and when their
``fused_loop`` is off); otherwise the fused loops of :mod:`._fast_recurrent`, which are
tested against these functions, compute the same numbers faster.
"""

from __future__ import annotations

import numpy as np


def _split(a, k):
    """The k gate blocks of a (B, k*H) array (views)."""
    return np.split(a, k, axis=1)


# ---------------------------------------------------------------------------- SimpleRNN
def simple_rnn_step(x, h_prev, kernel, recurrent_kernel, bias, activation, rmask=None):
    """h_t = act(x_t K + h_{t-1} R + b).  Returns (h_t, cache)."""
    h_in = h_prev if rmask is None else h_prev * rmask
    a = x @ kernel + h_in @ recurrent_kernel           # a = x_t K + h_{t-1} R
    if bias is not None:
        a += bias                                      #     + b
    h = activation.forward(a)                          # h_t = act(a)
    return h, (x, h_in, a, h)


def simple_rnn_step_backward(dh, cache, kernel, recurrent_kernel, activation, rmask=None,
                             use_bias=True):
    """dL/da = dL/dh_t act'(a);  dx = da K^T,  dh_{t-1} = da R^T;  dK = x^T da,  dR = h^T da,
    db = sum_batch da.  Returns (dx, dh_prev, (dK, dR, db))."""
    x, h_in, a, h = cache
    da = activation.backward(dh.copy(), a, h)          # dL/da = dL/dh act'(a)
    dx = da @ kernel.T                                 # dL/dx_t
    dh_prev = da @ recurrent_kernel.T                  # dL/dh_{t-1}
    if rmask is not None:
        dh_prev *= rmask
    grads = (x.T @ da, h_in.T @ da, da.sum(axis=0) if use_bias else None)
    return dx, dh_prev, grads


# ---------------------------------------------------------------------------- LSTM
def lstm_step(x, h_prev, c_prev, kernel, recurrent_kernel, bias, activation,
              recurrent_activation, rmask=None):
    """One LSTM step (deck 000; σ = recurrent_activation, tanh = activation):

        a   = x_t K + h_{t-1} R + b,  split into [a_i, a_f, a_c, a_o]   (Keras's order)
        i_t = σ(a_i)                                     input gate
        f_t = σ(a_f)                                     forget gate
        g_t = tanh(a_c)                                  candidate (Keras's "c" block)
        o_t = σ(a_o)                                     output gate
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                  long-term state
        h_t = o_t ⊙ tanh(c_t)                            short-term state = output y_t

    Returns (h_t, c_t, cache).
    """
    sigma, tanh = recurrent_activation, activation
    h_in = h_prev if rmask is None else h_prev * rmask
    a = x @ kernel + h_in @ recurrent_kernel           # a = x_t K + h_{t-1} R
    if bias is not None:
        a += bias                                      #     + b
    a_i, a_f, a_c, a_o = _split(a, 4)
    i = sigma.forward(a_i)                             # i_t = σ(a_i)
    f = sigma.forward(a_f)                             # f_t = σ(a_f)
    g = tanh.forward(a_c)                              # g_t = tanh(a_c)
    o = sigma.forward(a_o)                             # o_t = σ(a_o)
    c = f * c_prev + i * g                             # c_t = f ⊙ c_{t-1} + i ⊙ g
    tanh_c = tanh.forward(c)
    h = o * tanh_c                                     # h_t = o ⊙ tanh(c_t)
    return h, c, (x, h_in, c_prev, a, i, f, g, o, c, tanh_c)


def lstm_step_backward(dh, dc, cache, kernel, recurrent_kernel, activation,
                       recurrent_activation, rmask=None, use_bias=True):
    """Backward of :func:`lstm_step`, given dL/dh_t and dL/dc_t (from the later steps):

        dc_t     = dc_t + dh_t ⊙ o_t ⊙ tanh'(c_t)       (c_t feeds h_t too)
        do       = dh_t ⊙ tanh(c_t)
        di, df, dg = dc_t ⊙ g_t,  dc_t ⊙ c_{t-1},  dc_t ⊙ i_t
        dc_{t-1} = dc_t ⊙ f_t
        da       = [di σ'(a_i), df σ'(a_f), dg tanh'(a_c), do σ'(a_o)]
        dx_t = da K^T,  dh_{t-1} = da R^T,  dK = x_t^T da,  dR = h_{t-1}^T da,  db = Σ da

    Returns (dx, dh_prev, dc_prev, (dK, dR, db)).
    """
    sigma, tanh = recurrent_activation, activation
    x, h_in, c_prev, a, i, f, g, o, c, tanh_c = cache
    a_i, a_f, a_c, a_o = _split(a, 4)
    dc = dc + tanh.backward(dh * o, c, tanh_c)         # dc_t += dh ⊙ o ⊙ tanh'(c_t)
    do = dh * tanh_c                                   # dL/do = dh ⊙ tanh(c_t)
    di = dc * g                                        # dL/di = dc ⊙ g
    df = dc * c_prev                                   # dL/df = dc ⊙ c_{t-1}
    dg = dc * i                                        # dL/dg = dc ⊙ i
    dc_prev = dc * f                                   # dL/dc_{t-1} = dc ⊙ f
    da = np.concatenate([sigma.backward(di, a_i, i),   # dL/da_i = di σ'(a_i)
                         sigma.backward(df, a_f, f),   # dL/da_f = df σ'(a_f)
                         tanh.backward(dg, a_c, g),    # dL/da_c = dg tanh'(a_c)
                         sigma.backward(do, a_o, o)], axis=1)   # dL/da_o = do σ'(a_o)
    dx = da @ kernel.T                                 # dL/dx_t = da K^T
    dh_prev = da @ recurrent_kernel.T                  # dL/dh_{t-1} = da R^T
    if rmask is not None:
        dh_prev *= rmask
    grads = (x.T @ da, h_in.T @ da, da.sum(axis=0) if use_bias else None)
    return dx, dh_prev, dc_prev, grads


# ---------------------------------------------------------------------------- GRU
def gru_step(x, h_prev, kernel, recurrent_kernel, bias, activation, recurrent_activation,
             reset_after=True, rmask=None):
    """One GRU step (σ = recurrent_activation, tanh = activation), Keras's blocks [z, r, h]:

        [x_z, x_r, x_h] = x_t K + b_in
        reset_after=True (Keras's default, PyTorch's GRU; bias (2, 3H) = [b_in; b_rec]):
            [h_z, h_r, h_h] = h_{t-1} R + b_rec
            n_t = tanh(x_h + r_t ⊙ h_h)
        reset_after=False (the notes' form; bias (3H,) = b_in):
            [h_z, h_r] = h_{t-1} R_zr
            n_t = tanh(x_h + (r_t ⊙ h_{t-1}) R_h)
        z_t = σ(x_z + h_z)                               update gate
        r_t = σ(x_r + h_r)                               reset gate
        h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ n_t

    The notes' last line, ``h = (1 - z) ⊗ tanh(W h + z ⊗ g)``, is a slip; this is Keras's
    (and Cho et al.'s) interpolation, with z weighting the old state. Returns (h_t, cache).
    """
    sigma, tanh = recurrent_activation, activation
    H = h_prev.shape[1]
    if bias is None:
        b_in = b_rec = None
    elif reset_after:
        b_in, b_rec = bias                             # bias (2, 3H) = [b_in; b_rec]
    else:
        b_in, b_rec = bias, None                       # bias (3H,) = b_in
    h_in = h_prev if rmask is None else h_prev * rmask
    ax = x @ kernel                                    # [x_z, x_r, x_h] = x_t K + b_in
    if b_in is not None:
        ax += b_in
    x_z, x_r, x_h = _split(ax, 3)
    if reset_after:
        ah = h_in @ recurrent_kernel                   # [h_z, h_r, h_h] = h_{t-1} R + b_rec
        if b_rec is not None:
            ah += b_rec
    else:
        ah = h_in @ recurrent_kernel[:, :2 * H]        # [h_z, h_r] = h_{t-1} R_zr
    h_z, h_r = ah[:, :H], ah[:, H:2 * H]
    a_z, a_r = x_z + h_z, x_r + h_r
    z = sigma.forward(a_z)                             # z_t = σ(x_z + h_z)
    r = sigma.forward(a_r)                             # r_t = σ(x_r + h_r)
    if reset_after:
        rh = ah[:, 2 * H:]                             # h_h (kept for backward)
        a_n = x_h + r * rh                             # x_h + r ⊙ h_h
    else:
        rh = r * h_in                                  # r ⊙ h_{t-1} (kept for backward)
        a_n = x_h + rh @ recurrent_kernel[:, 2 * H:]   # x_h + (r ⊙ h_{t-1}) R_h
    n = tanh.forward(a_n)                              # n_t = tanh(...)
    h = z * h_prev + (1.0 - z) * n                     # h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n
    return h, (x, h_prev, h_in, a_z, a_r, a_n, z, r, n, rh)


def gru_step_backward(dh, cache, kernel, recurrent_kernel, activation, recurrent_activation,
                      reset_after=True, rmask=None, use_bias=True):
    """Backward of :func:`gru_step`, given dL/dh_t:

        dn = dh (1 - z),  dz = dh (h_{t-1} - n),  dh_{t-1} = dh z + (through the products)
        da_n = dn tanh'(a_n),  da_z = dz σ'(a_z)
        reset_after:  dr = da_n ⊙ h_h,  dh_h = da_n ⊙ r,  d[h R + b_rec] = [da_z, da_r, dh_h]
        else:         d(r h) = da_n R_h^T,  dr = d(r h) ⊙ h_{t-1},  dR_h = (r h)^T da_n
        da_r = dr σ'(a_r);  d[x K + b_in] = [da_z, da_r, da_n]

    Returns (dx, dh_prev, (dK, dR, db)); db is (2, 3H) with reset_after, else (3H,).
    """
    sigma, tanh = recurrent_activation, activation
    x, h_prev, h_in, a_z, a_r, a_n, z, r, n, rh = cache
    H = h_prev.shape[1]
    dn = dh * (1.0 - z)                                # dL/dn = dh ⊙ (1 - z)
    dz = dh * (h_prev - n)                             # dL/dz = dh ⊙ (h_{t-1} - n)
    da_n = tanh.backward(dn, a_n, n)                   # dL/da_n = dn tanh'(a_n)
    da_z = sigma.backward(dz, a_z, z)                  # dL/da_z = dz σ'(a_z)
    if reset_after:
        da_r = sigma.backward(da_n * rh, a_r, r)       # dL/da_r = da_n ⊙ h_h σ'(a_r)
        dah = np.concatenate([da_z, da_r, da_n * r], axis=1)   # dL/d[h R + b_rec]
        dR = h_in.T @ dah
        dh_in = dah @ recurrent_kernel.T
    else:
        drh = da_n @ recurrent_kernel[:, 2 * H:].T     # dL/d(r ⊙ h_{t-1})
        da_r = sigma.backward(drh * h_in, a_r, r)      # dL/da_r = d(rh) ⊙ h σ'(a_r)
        dazr = np.concatenate([da_z, da_r], axis=1)
        dR = np.concatenate([h_in.T @ dazr, rh.T @ da_n], axis=1)
        dh_in = dazr @ recurrent_kernel[:, :2 * H].T + drh * r
    dax = np.concatenate([da_z, da_r, da_n], axis=1)   # dL/d[x K + b_in]
    if rmask is not None:
        dh_in *= rmask
    dh_prev = dh * z + dh_in                           # direct path z ⊙ h_{t-1} + products
    db = None
    if use_bias:
        db = np.stack([dax.sum(axis=0), dah.sum(axis=0)]) if reset_after else dax.sum(axis=0)
    return dax @ kernel.T, dh_prev, (x.T @ dax, dR, db)


# ---------------------------------------------------------------------------- time loops
def run_forward(step, xs, states, mask=None, zero_output_for_mask=False):
    """Run ``step(x_t, states) -> (new_states, cache)`` over time, as Keras's ``rnn`` loop.

    xs: (T, B, F) in processing order; states: the initial states (the output of a step is
    its first state h_t); mask: (T, B) booleans or None. A masked row keeps its states and
    outputs the previous output (zeros before its first unmasked step), or zeros with
    ``zero_output_for_mask``. Returns (outputs (T, B, H), final states, caches).
    """
    outputs, caches = [], []
    out = np.zeros_like(states[0])
    for t in range(len(xs)):
        new, cache = step(xs[t], states)
        caches.append(cache)
        if mask is None:
            states, out = new, new[0]
        else:
            m = mask[t][:, None]
            states = [np.where(m, s_new, s) for s_new, s in zip(new, states)]
            out = np.where(m, new[0], 0.0 if zero_output_for_mask else out)
        outputs.append(out)
    return np.stack(outputs), states, caches


def run_backward(step_backward, caches, d_outputs, d_last, d_states, mask=None,
                 zero_output_for_mask=False):
    """Backpropagation through time of :func:`run_forward`.

    ``step_backward(d_new_states, cache) -> (dx_t, d_prev_states, grads)``; d_outputs:
    (T, B, H) gradients of the outputs or None; d_last: gradient of the last output or None;
    d_states: gradients of the final states. Masked rows pass the state gradient on to the
    previous step unchanged (their step gets none), and the gradient of a repeated output
    goes to the output it repeats. Returns (dxs (T, B, F), d_initial_states, summed grads).
    """
    T = len(caches)
    d_out = d_last if d_last is not None else np.zeros_like(d_states[0])
    dxs, total = [None] * T, None
    for t in range(T - 1, -1, -1):
        if d_outputs is not None:
            d_out = d_out + d_outputs[t]
        if mask is None:
            d_new = [d_states[0] + d_out] + list(d_states[1:])
            d_out = np.zeros_like(d_out)
        else:
            m = mask[t][:, None]
            d_new = [np.where(m, d, 0.0) for d in d_states]
            d_new[0] = d_new[0] + np.where(m, d_out, 0.0)
            d_keep = [np.where(m, 0.0, d) for d in d_states]
            d_out = np.where(m, 0.0, 0.0 if zero_output_for_mask else d_out)
        dxs[t], d_prev, grads = step_backward(d_new, caches[t])
        d_states = d_prev if mask is None else [a + b for a, b in zip(d_prev, d_keep)]
        total = grads if total is None else [None if s is None else s + g
                                             for s, g in zip(total, grads)]
    return np.stack(dxs), d_states, total
