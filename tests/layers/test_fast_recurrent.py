"""The fused loops of layers/_fast_recurrent.py against the readable reference steps of
layers/recurrent_steps.py: the same outputs, states and gradients (input, weights, initial
states) for every layer, activation and option, with the layer's ``fused_loop`` on and off.

Tolerance: float64 rounding. The fused loops sum in another order (one product for all time
steps, the LSTM's [R; K; b] stacked) and compute sigmoid as (1 + tanh(x/2))/2 or from negated
columns; on these O(1) values that moves results by a few ulps, so 1e-12 absolute.
"""

import numpy as np
import pytest

from deepgrad import config
from deepgrad.layers import GRU, LSTM, SimpleRNN, _fast_recurrent

pytestmark = pytest.mark.usefixtures("float64")

X = np.random.default_rng(0).normal(size=(3, 6, 2))

CASES = [
    (SimpleRNN, {}), (LSTM, {}), (GRU, {}), (GRU, {"reset_after": False}),
    (SimpleRNN, {"activation": "relu"}),
    (LSTM, {"activation": "relu", "recurrent_activation": "hard_sigmoid"}),
    (GRU, {"activation": "elu", "recurrent_activation": "tanh"}),
    (LSTM, {"use_bias": False}), (GRU, {"use_bias": False}),
]
OPTIONS = [{}, {"return_sequences": True, "go_backwards": True}, {"return_state": True},
           {"dropout": 0.3, "recurrent_dropout": 0.4, "return_sequences": True}]


def _run(layer, fused, init):
    layer.fused_loop = fused
    config.seed_rng(11)                   # the same dropout masks in both runs
    ys = layer(X, training=True, initial_state=init)
    ys = ys if isinstance(ys, list) else [ys]
    g = [np.cos(np.arange(y.size)).reshape(y.shape) for y in ys]
    dx = layer.backward(g if layer.return_state else g[0])
    return ys + [dx] + [w.grad.copy() for w in layer.trainable_weights] + list(
        layer.initial_state_grads)


@pytest.mark.parametrize("cls,kw", CASES, ids=str)
@pytest.mark.parametrize("opt", OPTIONS, ids=str)
def test_fused_loop_equals_reference_steps(cls, kw, opt):
    layer = cls(4, **kw, **opt)
    layer(X)
    rng = np.random.default_rng(5)
    init = [rng.normal(size=(3, 4)) for _ in range(2 if cls is LSTM else 1)]
    fused, reference = _run(layer, True, init), _run(layer, False, init)
    assert len(fused) == len(reference)
    for a, b in zip(fused, reference):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_the_layers_take_the_fused_loop_without_a_mask_and_the_steps_with_one():
    # The fused forward leaves Hs (T+1 states) in the cache; the reference leaves None there.
    layer = LSTM(3)
    layer(X, training=True)
    assert layer._cache[4] is not None
    mask = np.ones(X.shape[:2], bool)
    layer(X, training=True, mask=mask)        # an all-True mask changes nothing: fused loop
    assert layer._cache[4] is not None
    mask[0, -1] = False
    layer(X, training=True, mask=mask)
    assert layer._cache[4] is None


def test_inline_activations_are_only_the_default_configs():
    from deepgrad import activations

    assert _fast_recurrent.inline_name(activations.get("tanh")) == "tanh"
    assert _fast_recurrent.inline_name(activations.sigmoid) == "sigmoid"
    assert _fast_recurrent.inline_name(activations.Relu(max_value=6.0)) is None
    assert _fast_recurrent.inline_name(activations.get(lambda x: x)) is None
