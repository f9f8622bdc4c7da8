"""Bidirectional and TimeDistributed: merge modes, gradients, weights, errors."""

import numpy as np
import pytest

from deepgrad import gradcheck
from deepgrad.layers import GRU, LSTM, Bidirectional, LayerNormalization, SimpleRNN, TimeDistributed

pytestmark = pytest.mark.usefixtures("float64")


def max_grad_error(layer, x):
    """Largest relative error of the layer's gradients vs central differences (deepgrad.gradcheck)."""
    return max(gradcheck.check_layer(layer, x).values())


X = np.random.default_rng(1).normal(size=(3, 5, 2))


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_gradients(merge_mode, return_sequences):
    layer = Bidirectional(LSTM(3, return_sequences=return_sequences), merge_mode=merge_mode)
    assert max_grad_error(layer, X.copy()) < 1e-6


@pytest.mark.parametrize("merge_mode,combine", [
    ("concat", lambda f, b: np.concatenate([f, b], -1)), ("sum", np.add),
    ("mul", np.multiply), ("ave", lambda f, b: (f + b) / 2)])
def test_bidirectional_merges_forward_and_time_aligned_backward_outputs(merge_mode, combine):
    layer = Bidirectional(GRU(3, return_sequences=True), merge_mode=merge_mode)
    y = layer(X)
    f = GRU(3, return_sequences=True)
    b = GRU(3, return_sequences=True)
    f(X)
    b(X)
    f.set_weights(layer.forward_layer.get_weights())
    b.set_weights(layer.backward_layer.get_weights())
    # backward direction = forward layer on reversed time, then flipped back to line up
    np.testing.assert_allclose(y, combine(f(X), b(X[:, ::-1])[:, ::-1]), atol=1e-12)


def test_bidirectional_weights_params_and_shapes():
    layer = Bidirectional(LSTM(16, return_sequences=True), input_shape=(200, 2))
    y = layer(np.zeros((2, 200, 2)))
    assert y.shape == (2, 200, 32)
    assert layer.count_params() == 2 * 1216
    assert len(layer.weights) == 6
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert layer.compute_output_shape((None, 200, 2)) == (None, 200, 32)
    none = Bidirectional(SimpleRNN(4), merge_mode=None)
    out = none(np.zeros((2, 5, 3)))
    assert isinstance(out, list) and [o.shape for o in out] == [(2, 4), (2, 4)]


def test_stacked_bidirectional_with_return_sequences():
    first = Bidirectional(GRU(3, return_sequences=True))
    second = LSTM(2)
    h = first(X, training=True)
    y = second(h, training=True)
    assert h.shape == (3, 5, 6) and y.shape == (3, 2)
    dx = first.backward(second.backward(np.ones_like(y)))
    assert dx.shape == X.shape


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="return_state"):      # the two must agree (Keras)
        Bidirectional(LSTM(3, return_state=True), backward_layer=LSTM(3, go_backwards=True))
    with pytest.raises(ValueError, match="initial_state"):      # 2 per direction for an LSTM
        Bidirectional(LSTM(3))(X, initial_state=[np.zeros((3, 3))] * 2)
    with pytest.raises(ValueError, match="mask"):
        Bidirectional(LSTM(3))(X, mask=np.ones((3, 4), bool))
    with pytest.raises(TypeError, match="layer"):
        Bidirectional(LayerNormalization())
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        Bidirectional(LSTM(3), backward_layer=LSTM(3))
    with pytest.raises(ValueError, match="3-D"):
        Bidirectional(LSTM(3))(np.zeros((2, 3)))


def test_bidirectional_explicit_backward_layer():
    layer = Bidirectional(SimpleRNN(2), backward_layer=SimpleRNN(3, go_backwards=True))
    assert layer(X).shape == (3, 5)


def test_time_distributed_applies_the_layer_at_every_step():
    inner = LayerNormalization()
    td = TimeDistributed(inner)
    rng = np.random.default_rng(3)
    td(X)
    inner.gamma.value[...] = rng.normal(size=2)
    y = td(X)
    np.testing.assert_allclose(y[:, 2], inner(X[:, 2]), atol=1e-12)
    assert td.weights == inner.weights
    assert td.compute_output_shape((None, 5, 2)) == (None, 5, 2)
    assert max_grad_error(td, X.copy()) < 1e-6


def test_time_distributed_needs_3d():
    with pytest.raises(ValueError, match="3-D"):
        TimeDistributed(LayerNormalization())(np.zeros((2, 3)))


MASK = np.array([[True, True, True, False, False], [False, True, True, True, True],
                 [True, False, True, True, False]])


@pytest.mark.parametrize("merge_mode", ["concat", None, "mul"], ids=str)
@pytest.mark.parametrize("opt", [{}, {"return_sequences": True}, {"return_state": True},
                                 {"return_sequences": True, "return_state": True}], ids=str)
def test_bidirectional_masked_gradients_with_states(merge_mode, opt, called_with):
    rng = np.random.default_rng(2)
    init = [rng.normal(size=(3, 3)) for _ in range(4)] if opt.get("return_state") else None
    layer = Bidirectional(LSTM(3, **opt), merge_mode=merge_mode)
    assert max(gradcheck.check_layer(called_with(layer, mask=MASK, initial_state=init),
                                     X.copy()).values()) < 1e-6
    if init is not None:
        assert [g.shape for g in layer.initial_state_grads] == [(3, 3)] * 4


def test_bidirectional_return_state_lists_forward_then_backward_states():
    layer = Bidirectional(GRU(3, return_state=True), merge_mode="concat")
    out, h_fwd, h_bwd = layer(X)
    _, h = layer.forward_layer(X)
    _, hb = layer.backward_layer(X)
    np.testing.assert_array_equal(h_fwd, h)
    np.testing.assert_array_equal(h_bwd, hb)
    np.testing.assert_array_equal(out, np.concatenate([h, hb], -1))
    # as Keras, return_sequences decides zero_output_for_mask of both directions
    assert layer.forward_layer.zero_output_for_mask is False
    seq = Bidirectional(GRU(3, return_sequences=True))
    assert seq.forward_layer.zero_output_for_mask and seq.backward_layer.zero_output_for_mask


@pytest.mark.parametrize("attr", ["stateful", "return_sequences"])
def test_bidirectional_backward_layer_must_match(attr):
    # Keras Bidirectional._verify_layer_config: stateful, return_sequences, return_state equal
    kw = {attr: True}
    with pytest.raises(ValueError, match=f'"{attr}"'):
        Bidirectional(GRU(3), backward_layer=GRU(3, go_backwards=True, **kw))
    with pytest.raises(ValueError, match=f'"{attr}"'):
        Bidirectional(GRU(3, **kw), backward_layer=GRU(3, go_backwards=True))
    b = Bidirectional(GRU(3, **kw), backward_layer=GRU(3, go_backwards=True, **kw),
                      batch_input_shape=(2, 4, 3))
    assert getattr(b.backward_layer, attr) is True


def test_bidirectional_return_state_must_be_the_same_on_both_layers():
    with pytest.raises(ValueError, match="return_state"):
        Bidirectional(GRU(3), backward_layer=GRU(3, go_backwards=True, return_state=True))
