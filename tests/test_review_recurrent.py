"""Regression tests for the review of the recurrent layers (output aliasing, Keras argument
order, static batch size of stateful layers, argument checks, reset_state, time profiles)."""

import numpy as np
import pytest

from deepgrad.layers import GRU, LSTM, SimpleRNN

CELLS = [SimpleRNN, LSTM, GRU]
SIZES = [(1, 5), (3, 1), (1, 1), (3, 5)]      # (batch, timesteps): B == 1 or T == 1 made views


# ------------------------------------------------------------------ 1. outputs are fresh arrays
@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("B,T", SIZES)
@pytest.mark.parametrize("opts", [{"return_sequences": True}, {}, {"return_state": True},
                                  {"return_sequences": True, "return_state": True}], ids=str)
def test_inference_output_survives_the_next_call(cls, B, T, opts):
    # layers/base.py: outside training and reuse_buffers, inference returns fresh arrays, so an
    # output must not change when the layer is called again on other data.
    rng = np.random.default_rng(0)
    layer = cls(2, **opts)
    first = layer(rng.standard_normal((B, T, 3)))
    kept = [np.array(a, copy=True) for a in (first if isinstance(first, list) else [first])]
    layer(rng.standard_normal((B, T, 3)))
    for a, k in zip(first if isinstance(first, list) else [first], kept):
        np.testing.assert_array_equal(a, k)


def test_model_called_on_one_sequence_at_a_time_keeps_each_output():
    from deepgrad.models import Sequential

    rng = np.random.default_rng(1)
    m = Sequential([LSTM(2, return_sequences=True, input_shape=(5, 3))])
    xs = [rng.standard_normal((1, 5, 3)) for _ in range(3)]
    outs = [m(x) for x in xs]
    # each output equals a fresh call on its own input (computed again afterwards)
    for x, o in zip(xs, outs):
        np.testing.assert_allclose(o, m(x), rtol=0, atol=0)
    assert not np.array_equal(outs[0], outs[1])


@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("B,T", SIZES)
def test_reused_output_buffer_only_where_the_contract_allows(cls, B, T):
    # training, or inference while reuse_buffers is True: the output may live in a buffer the
    # layer reuses (no allocation per batch); the values are still those of this call.
    rng = np.random.default_rng(2)
    layer = cls(2, return_sequences=True)
    x1, x2 = rng.standard_normal((B, T, 3)), rng.standard_normal((B, T, 3))
    y1 = layer(x1, training=True)
    ref2 = np.array(layer(x2), copy=True)            # fresh inference output for x2
    y2 = layer(x2, training=True)
    assert np.shares_memory(y1, y2)
    np.testing.assert_array_equal(y2, ref2)
    layer.reuse_buffers = True
    try:
        assert np.shares_memory(layer(x1), layer(x2))
    finally:
        layer.reuse_buffers = False
    assert not np.shares_memory(layer(x1), layer(x2))
