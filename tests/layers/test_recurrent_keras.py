"""SimpleRNN, LSTM, GRU and Bidirectional against real Keras 3 (torch backend): masks,
``zero_output_for_mask``, ``initial_state``, ``return_state``, outputs and gradients.

Both libraries get the same weights (``set_weights``) and the same padded batch; the mask is
built here and given to Keras's layer as ``mask=`` (the Embedding/Masking side is tested with
those layers). Keras 3.15 computes in float32, so values are compared at float32 tolerance:
outputs of size ~1 to 1e-5 absolute, gradients to 1e-5 relative to their largest entry.
"""

import os

import numpy as np
import pytest

from deepgrad import layers as dl

B, T, F, H = 4, 7, 3, 5
RNG = np.random.default_rng(0)
X = RNG.normal(size=(B, T, F)).astype("float32")
# Row 0 is padded at the end (the usual case), row 1 at the start, row 2 has a hole,
# row 3 is fully masked (Keras outputs zeros for it and keeps its initial states).
MASK = np.ones((B, T), bool)
MASK[0, 5:] = False
MASK[1, :2] = False
MASK[2, 3] = False
MASK[3, :] = False


def _keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


def _numpy(keras, y):
    return [keras.ops.convert_to_numpy(a) for a in (y if isinstance(y, (list, tuple)) else [y])]


def _pair(keras, make):
    """The same layer in both libraries (``make(module)``), with the same random weights."""
    k, d = make(keras.layers), make(dl)
    k.build((B, T, F))
    d(X)
    weights = [RNG.normal(scale=0.5, size=w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    d.set_weights(weights)
    return d, k


def _states(n):
    return [RNG.normal(size=(B, H)).astype("float32") for _ in range(n)]


def _grads_keras(keras, k, x, mask, init, projections):
    """dL/dx, dL/d(weights), dL/d(initial states) of L = sum_i r_i . output_i, by torch."""
    import torch

    xt = torch.tensor(x, requires_grad=True)
    st = None if init is None else [torch.tensor(s, requires_grad=True) for s in init]
    ys = k(xt, mask=torch.tensor(mask), initial_state=st)
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    loss = sum((y * torch.tensor(r)).sum() for y, r in zip(ys, projections))
    loss.backward()
    grads = [xt.grad.numpy()] + [w.value.grad.numpy() for w in k.trainable_weights]
    return grads + ([] if st is None else [s.grad.numpy() for s in st])


def _grads_ours(d, x, mask, init, projections):
    ys = d(x, training=True, mask=mask, initial_state=init)
    dx = d.backward(projections if isinstance(ys, list) else projections[0])
    grads = [dx] + [w.grad.copy() for w in d.trainable_weights]
    return grads + ([] if init is None else list(d.initial_state_grads))


def _assert_close_grads(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5 * max(1.0, np.abs(b).max()))


LAYERS = [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False})]
OPTIONS = [{}, {"return_sequences": True},
           {"return_sequences": True, "zero_output_for_mask": True},
           {"go_backwards": True, "return_sequences": True},
           {"return_state": True}, {"zero_output_for_mask": True}]


@pytest.mark.parametrize("kind,kw", LAYERS, ids=str)
@pytest.mark.parametrize("opt", OPTIONS, ids=str)
@pytest.mark.parametrize("with_state", [False, True], ids=["zeros", "initial_state"])
def test_masked_outputs_and_gradients_match_keras(kind, kw, opt, with_state):
    keras = _keras()
    d, k = _pair(keras, lambda m: getattr(m, kind)(H, **kw, **opt))
    init = _states(2 if kind == "LSTM" else 1) if with_state else None
    ours = _numpy(keras, d(X, mask=MASK, initial_state=init))
    theirs = _numpy(keras, k(X, mask=MASK, initial_state=init))
    assert [a.shape for a in ours] == [b.shape for b in theirs]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    projections = [RNG.normal(size=a.shape).astype("float32") for a in ours]
    _assert_close_grads(_grads_ours(d, X, MASK, init, projections),
                        _grads_keras(keras, k, X, MASK, init, projections))


def test_fully_masked_row_outputs_zeros_and_keeps_its_initial_state():
    # Keras: the output of a masked step repeats the previous output, which starts at zeros;
    # the states of a masked step are carried, so row 3 ends in its initial state.
    layer = dl.LSTM(H, return_sequences=True, return_state=True)
    h0, c0 = _states(2)
    seq, h, c = layer(X, mask=MASK, initial_state=[h0, c0])
    np.testing.assert_array_equal(seq[3], 0.0)
    np.testing.assert_array_equal(h[3], h0[3])
    np.testing.assert_array_equal(c[3], c0[3])
    # row 0 is padded after step 5: its outputs there repeat step 4's, and h is step 4's
    np.testing.assert_array_equal(seq[0, 5:], np.broadcast_to(seq[0, 4], (2, H)))
    np.testing.assert_array_equal(h[0], seq[0, 4])


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("merge_mode", ["concat", None, "ave"], ids=str)
@pytest.mark.parametrize("opt", [{}, {"return_sequences": True}, {"return_state": True},
                                 {"return_sequences": True, "return_state": True}], ids=str)
def test_bidirectional_masks_and_states_match_keras(kind, merge_mode, opt):
    keras = _keras()
    d, k = _pair(keras, lambda m: m.Bidirectional(getattr(m, kind)(H, **opt),
                                                  merge_mode=merge_mode))
    n = 2 if kind == "LSTM" else 1
    init = _states(2 * n) if opt.get("return_state") else None
    ours = _numpy(keras, d(X, mask=MASK, initial_state=init))
    theirs = _numpy(keras, k(X, mask=MASK, initial_state=init))
    # Keras's order: [output (or forward, backward outputs), forward states, backward states]
    assert [a.shape for a in ours] == [b.shape for b in theirs]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    shapes = d.compute_output_shape((B, T, F))
    assert [tuple(s) for s in (shapes if isinstance(shapes, list) else [shapes])] == \
        [a.shape for a in ours]
    projections = [RNG.normal(size=a.shape).astype("float32") for a in ours]
    _assert_close_grads(_grads_ours(d, X, MASK, init, projections),
                        _grads_keras(keras, k, X, MASK, init, projections))


@pytest.mark.parametrize("opt", [{}, {"return_sequences": True}, {"return_state": True},
                                 {"return_sequences": True, "return_state": True}], ids=str)
@pytest.mark.parametrize("merge_mode", ["concat", None], ids=str)
def test_compute_mask_matches_keras(opt, merge_mode):
    keras = _keras()
    for make in (lambda m: m.LSTM(H, **opt),
                 lambda m: m.Bidirectional(m.GRU(H, **opt), merge_mode=merge_mode)):
        d, k = _pair(keras, make)
        k(X)                               # Keras's Bidirectional lists state masks once called
        ours, theirs = d.compute_mask(X, MASK), k.compute_mask(X, MASK)
        flat = lambda v: list(v) if isinstance(v, (list, tuple)) else [v]   # noqa: E731
        ours, theirs = flat(ours), flat(theirs)
        if isinstance(d, dl.Bidirectional) and opt.get("return_state"):
            # Keras's Bidirectional lists the states' None masks only for stateful layers
            # (``self.states is not None``); deepgrad gives one mask per output, always,
            # as Keras's RNN does: [output mask(s)] + [None] * (number of states).
            assert ours[len(theirs):] == [None] * (len(ours) - len(theirs)) == [None, None]
            ours = ours[:len(theirs)]
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            if b is None:
                assert a is None
            else:
                np.testing.assert_array_equal(a, keras.ops.convert_to_numpy(b))
