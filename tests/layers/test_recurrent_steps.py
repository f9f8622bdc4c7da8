"""layers/recurrent_steps.py: each step is deck 000's equations, gate by gate, and each
backward step equals float64 central differences of its step (inputs, states, weights).
"""

import numpy as np
import pytest

from deepgrad import activations
from deepgrad.layers import recurrent_steps as steps

RNG = np.random.default_rng(3)
B, F, H = 3, 2, 4
SIG, TANH = activations.sigmoid, activations.tanh


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _w(*shape):
    return RNG.normal(scale=0.6, size=shape)


def test_simple_rnn_step_is_the_notes_recurrent_layer():
    x, h, K, R, b = _w(B, F), _w(B, H), _w(F, H), _w(H, H), _w(H)
    out, _ = steps.simple_rnn_step(x, h, K, R, b, TANH)
    np.testing.assert_allclose(out, np.tanh(x @ K + h @ R + b), rtol=1e-15, atol=1e-15)


def test_lstm_step_is_the_notes_lstm_cell_in_keras_column_order():
    # deck 000: i = σ(W_xi^T x + W_hi^T h + b_i), f, o likewise, g = tanh(W_xg^T x + W_hg^T h
    # + b_g), c = f ⊗ c_prev + i ⊗ g, y = h = o ⊗ tanh(c); Keras stacks the four gates'
    # columns as [i, f, c(= g), o].
    x, h, c = _w(B, F), _w(B, H), _w(B, H)
    Wx = {k: _w(F, H) for k in "ifgo"}
    Wh = {k: _w(H, H) for k in "ifgo"}
    bias = {k: _w(H) for k in "ifgo"}
    K = np.concatenate([Wx[k] for k in "ifgo"], axis=1)
    R = np.concatenate([Wh[k] for k in "ifgo"], axis=1)
    b = np.concatenate([bias[k] for k in "ifgo"])
    i = sigmoid(x @ Wx["i"] + h @ Wh["i"] + bias["i"])
    f = sigmoid(x @ Wx["f"] + h @ Wh["f"] + bias["f"])
    o = sigmoid(x @ Wx["o"] + h @ Wh["o"] + bias["o"])
    g = np.tanh(x @ Wx["g"] + h @ Wh["g"] + bias["g"])
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    h_out, c_out, _ = steps.lstm_step(x, h, c, K, R, b, TANH, SIG)
    np.testing.assert_allclose(c_out, c_new, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(h_out, h_new, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_step_is_keras_gru(reset_after):
    # z = σ(x W_z + h U_z + b), r = σ(x W_r + h U_r + b); candidate n with the reset gate
    # after (r ⊙ (h U_h + b')) or before ((r ⊙ h) U_h) the product; h = z h + (1 - z) n.
    x, h = _w(B, F), _w(B, H)
    W = {k: _w(F, H) for k in "zrh"}
    U = {k: _w(H, H) for k in "zrh"}
    bx = {k: _w(H) for k in "zrh"}
    bh = {k: _w(H) for k in "zrh"}
    K = np.concatenate([W[k] for k in "zrh"], axis=1)
    R = np.concatenate([U[k] for k in "zrh"], axis=1)
    b_in = np.concatenate([bx[k] for k in "zrh"])
    if reset_after:
        b = np.stack([b_in, np.concatenate([bh[k] for k in "zrh"])])
        z = sigmoid(x @ W["z"] + bx["z"] + h @ U["z"] + bh["z"])
        r = sigmoid(x @ W["r"] + bx["r"] + h @ U["r"] + bh["r"])
        n = np.tanh(x @ W["h"] + bx["h"] + r * (h @ U["h"] + bh["h"]))
    else:
        b = b_in
        z = sigmoid(x @ W["z"] + bx["z"] + h @ U["z"])
        r = sigmoid(x @ W["r"] + bx["r"] + h @ U["r"])
        n = np.tanh(x @ W["h"] + bx["h"] + (r * h) @ U["h"])
    out, _ = steps.gru_step(x, h, K, R, b, TANH, SIG, reset_after)
    np.testing.assert_allclose(out, z * h + (1 - z) * n, rtol=1e-14, atol=1e-14)


def _numeric(f, arrays, eps=1e-6):
    """Central differences of the scalar f() w.r.t. every entry of every array (in place)."""
    out = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + eps
            up = f()
            a[idx] = old - eps
            down = f()
            a[idx] = old
            g[idx] = (up - down) / (2 * eps)
        out.append(g)
    return out


def _check(analytic, numeric):
    for a, n in zip(analytic, numeric):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("rmask", [None, "dropout"])
def test_simple_rnn_step_backward_matches_central_differences(rmask):
    x, h, K, R, b = _w(B, F), _w(B, H), _w(F, H), _w(H, H), _w(H)
    m = None if rmask is None else (RNG.random((B, H)) < 0.6) / 0.6
    r = _w(B, H)
    f = lambda: np.vdot(r, steps.simple_rnn_step(x, h, K, R, b, TANH, m)[0])  # noqa: E731
    _, cache = steps.simple_rnn_step(x, h, K, R, b, TANH, m)
    dx, dh, (dK, dR, db) = steps.simple_rnn_step_backward(r, cache, K, R, TANH, m)
    _check([dx, dh, dK, dR, db], _numeric(f, [x, h, K, R, b]))


@pytest.mark.parametrize("acts", [(TANH, SIG), (activations.relu, activations.hard_sigmoid)],
                         ids=["tanh-sigmoid", "relu-hard_sigmoid"])
@pytest.mark.parametrize("rmask", [None, "dropout"])
def test_lstm_step_backward_matches_central_differences(acts, rmask):
    act, rec = acts
    x, h, c = _w(B, F), _w(B, H), _w(B, H)
    K, R, b = _w(F, 4 * H), _w(H, 4 * H), _w(4 * H)
    m = None if rmask is None else (RNG.random((B, H)) < 0.6) / 0.6
    rh, rc = _w(B, H), _w(B, H)

    def f():
        h_new, c_new, _ = steps.lstm_step(x, h, c, K, R, b, act, rec, m)
        return np.vdot(rh, h_new) + np.vdot(rc, c_new)

    _, _, cache = steps.lstm_step(x, h, c, K, R, b, act, rec, m)
    dx, dh, dc, (dK, dR, db) = steps.lstm_step_backward(rh, rc, cache, K, R, act, rec, m)
    _check([dx, dh, dc, dK, dR, db], _numeric(f, [x, h, c, K, R, b]))


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("rmask", [None, "dropout"])
def test_gru_step_backward_matches_central_differences(reset_after, rmask):
    x, h = _w(B, F), _w(B, H)
    K, R = _w(F, 3 * H), _w(H, 3 * H)
    b = _w(2, 3 * H) if reset_after else _w(3 * H)
    m = None if rmask is None else (RNG.random((B, H)) < 0.6) / 0.6
    r = _w(B, H)
    f = lambda: np.vdot(r, steps.gru_step(x, h, K, R, b, TANH, SIG, reset_after, m)[0])  # noqa: E731
    _, cache = steps.gru_step(x, h, K, R, b, TANH, SIG, reset_after, m)
    dx, dh, (dK, dR, db) = steps.gru_step_backward(r, cache, K, R, TANH, SIG, reset_after, m)
    _check([dx, dh, dK, dR, db], _numeric(f, [x, h, K, R, b]))


def test_run_forward_keeps_states_and_repeats_outputs_at_masked_steps():
    # A step that adds its input to the state: masked steps must leave the state alone,
    # output the previous output (0 before any unmasked step) or 0 with zero_output_for_mask.
    def step(x, states):
        return [states[0] + x], None

    xs = np.arange(1.0, 5.0).reshape(4, 1, 1)              # inputs 1, 2, 3, 4
    mask = np.array([[False], [True], [False], [True]])
    out, (h,), _ = steps.run_forward(step, xs, [np.zeros((1, 1))], mask)
    np.testing.assert_array_equal(out.ravel(), [0, 2, 2, 6])   # 0 (none yet), 2, repeat, 2+4
    assert h.item() == 6
    out, _, _ = steps.run_forward(step, xs, [np.zeros((1, 1))], mask, zero_output_for_mask=True)
    np.testing.assert_array_equal(out.ravel(), [0, 2, 0, 6])
