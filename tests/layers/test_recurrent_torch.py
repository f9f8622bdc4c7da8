"""Parity with PyTorch's nn.RNN, nn.LSTM, nn.GRU in float64: outputs and every gradient.

Porting (reference file, section 3): torch weight_ih = kernel^T, weight_hh = recurrent^T,
bias_ih = bias, bias_hh = 0 for RNN/LSTM (torch's LSTM rows [i, f, g, o] = Keras [i, f, c, o]);
GRU: Keras blocks [z, r, h] -> torch rows [r, z, n], bias_ih = perm(bias[0]),
bias_hh = perm(bias[1]) (Keras reset_after=True is torch's GRU).
"""

import numpy as np
import pytest
import torch

from deepgrad.layers import GRU, LSTM, Bidirectional, SimpleRNN

TOL = 1e-9


pytestmark = pytest.mark.usefixtures("float64")


def _gru_perm(a, H):
    """Keras [z, r, h] blocks along axis 0 -> torch [r, z, n]."""
    return np.concatenate([a[H:2 * H], a[:H], a[2 * H:]], axis=0)


def _port(layer, module, suffix=""):
    K, R, b = (w.value for w in layer.weights)
    H = layer.units
    p = {n: getattr(module, n + suffix) for n in ("weight_ih_l0", "weight_hh_l0",
                                                   "bias_ih_l0", "bias_hh_l0")}
    with torch.no_grad():
        if isinstance(layer, GRU):
            p["weight_ih_l0"].copy_(torch.from_numpy(_gru_perm(K.T, H)))
            p["weight_hh_l0"].copy_(torch.from_numpy(_gru_perm(R.T, H)))
            p["bias_ih_l0"].copy_(torch.from_numpy(_gru_perm(b[0], H)))
            p["bias_hh_l0"].copy_(torch.from_numpy(_gru_perm(b[1], H)))
        else:
            p["weight_ih_l0"].copy_(torch.from_numpy(K.T))
            p["weight_hh_l0"].copy_(torch.from_numpy(R.T))
            p["bias_ih_l0"].copy_(torch.from_numpy(b))
            p["bias_hh_l0"].zero_()
    return p


def _unport_grads(layer, p):
    """torch gradients in Keras layout: [dkernel, drecurrent, dbias]."""
    H = layer.units
    gi, gh = p["weight_ih_l0"].grad.numpy(), p["weight_hh_l0"].grad.numpy()
    bi, bh = p["bias_ih_l0"].grad.numpy(), p["bias_hh_l0"].grad.numpy()
    if isinstance(layer, GRU):
        inv = lambda a: np.concatenate([a[H:2 * H], a[:H], a[2 * H:]], axis=0)  # noqa: E731
        return [inv(gi).T, inv(gh).T, np.stack([inv(bi), inv(bh)])]
    return [gi.T, gh.T, bi]          # bias_ih and bias_hh get the same gradient


MODULES = {SimpleRNN: torch.nn.RNN, LSTM: torch.nn.LSTM, GRU: torch.nn.GRU}


def _randomize(layer, rng):
    layer.set_weights([rng.normal(size=w.shape) * 0.4 for w in layer.weights])


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_outputs_and_gradients_match_torch(cls, return_sequences):
    rng = np.random.default_rng(0)
    B, T, F, H = 4, 9, 3, 5
    x = rng.normal(size=(B, T, F))
    layer = cls(H, return_sequences=return_sequences)
    layer(x)
    _randomize(layer, rng)
    mod = MODULES[cls](F, H, batch_first=True, dtype=torch.float64)
    p = _port(layer, mod)

    y = layer(x, training=True)
    gy = rng.normal(size=y.shape)
    dx = layer.backward(gy)

    xt = torch.tensor(x, requires_grad=True)
    out = mod(xt)[0]
    yt = out if return_sequences else out[:, -1]
    yt.backward(torch.from_numpy(gy))

    np.testing.assert_allclose(y, yt.detach().numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=TOL, rtol=0)
    for w, g in zip(layer.weights, _unport_grads(layer, p)):
        np.testing.assert_allclose(w.grad, g, atol=TOL, rtol=0, err_msg=w.name)


def test_lstm_final_states_match_torch():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 6, 2))
    layer = LSTM(4, return_state=True)
    layer(x)
    _randomize(layer, rng)
    mod = torch.nn.LSTM(2, 4, batch_first=True, dtype=torch.float64)
    _port(layer, mod)
    _, h, c = layer(x)
    _, (ht, ct) = mod(torch.from_numpy(x))
    np.testing.assert_allclose(h, ht[0].detach().numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(c, ct[0].detach().numpy(), atol=TOL, rtol=0)


def test_bidirectional_concat_matches_torch_bidirectional():
    rng = np.random.default_rng(2)
    B, T, F, H = 2, 5, 3, 4
    x = rng.normal(size=(B, T, F))
    layer = Bidirectional(GRU(H, return_sequences=True))
    layer(x)
    _randomize(layer.forward_layer, rng)
    _randomize(layer.backward_layer, rng)
    mod = torch.nn.GRU(F, H, batch_first=True, bidirectional=True, dtype=torch.float64)
    pf = _port(layer.forward_layer, mod)
    pb = _port(layer.backward_layer, mod, suffix="_reverse")
    y = layer(x, training=True)
    gy = rng.normal(size=y.shape)
    dx = layer.backward(gy)
    xt = torch.tensor(x, requires_grad=True)
    yt = mod(xt)[0]
    yt.backward(torch.from_numpy(gy))
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=TOL, rtol=0)
    for lay, p in ((layer.forward_layer, pf), (layer.backward_layer, pb)):
        for w, g in zip(lay.weights, _unport_grads(lay, p)):
            np.testing.assert_allclose(w.grad, g, atol=TOL, rtol=0, err_msg=w.name)
