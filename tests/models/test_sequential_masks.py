"""Masks carried by the model (Sequential.forward, hence the functional Model too), as Keras 3.

Embedding(mask_zero=True) and Masking make a (batch, timesteps) mask; recurrent layers and
Bidirectional take it (masked steps keep the state); layers that keep the time axis pass it on.
The expected outputs are real Keras's (torch backend) with the same weights, at float32 tolerance;
the gradients are checked against float64 central differences of the masked model itself.
"""

import os

import numpy as np
import pytest

from deepgrad import layers
from deepgrad.models import Sequential

TOKENS = np.array([[3, 1, 4, 0, 0],      # two padding steps at the end
                   [2, 7, 1, 8, 2],      # no padding
                   [5, 0, 0, 0, 0]])     # four padding steps (Keras pads at the end: "post")


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _pair(keras_layers, our_layers, x):
    """A Keras model and ours with Keras's initial weights copied over."""
    keras = _keras()
    km = keras.Sequential([keras.Input(x.shape[1:]), *keras_layers])
    ours = Sequential(our_layers)
    ours.build((None,) + x.shape[1:])
    ours.set_weights([np.asarray(w) for w in km.get_weights()])
    return km, ours


def _embedding_stack(K, L):
    k = [K.layers.Embedding(10, 4, mask_zero=True), K.layers.LSTM(5, return_sequences=True),
         K.layers.Dropout(0.5), K.layers.GRU(3), K.layers.Dense(2)]
    d = [L.Embedding(10, 4, mask_zero=True), L.LSTM(5, return_sequences=True),
         L.Dropout(0.5), L.GRU(3), L.Dense(2)]
    return k, d


def test_embedding_mask_zero_through_lstm_and_gru_matches_keras():
    keras = _keras()
    k, d = _embedding_stack(keras, layers)
    km, ours = _pair(k, d, TOKENS.astype(np.float32))
    expected = keras.ops.convert_to_numpy(km(TOKENS))
    np.testing.assert_allclose(ours.predict(TOKENS, verbose=0), expected, rtol=1e-5, atol=1e-6)
    # the mask matters: the same tokens without a mask give other outputs for padded rows
    unmasked = Sequential([layers.Embedding(10, 4), *ours.layers[1:]])
    unmasked.build((None, 5))
    unmasked.layers[0].set_weights(ours.layers[0].get_weights())
    assert not np.allclose(unmasked.predict(TOKENS, verbose=0)[[0, 2]], expected[[0, 2]], atol=1e-4)
    np.testing.assert_allclose(unmasked.predict(TOKENS, verbose=0)[1], expected[1], rtol=1e-5, atol=1e-6)


def test_masking_through_bidirectional_and_simple_rnn_sequences_matches_keras():
    keras = _keras()
    x = np.random.default_rng(0).normal(size=(3, 4, 2)).astype(np.float32)
    x[0, 2:] = 0.0   # padded steps
    x[2, 1:] = 0.0
    k = [keras.layers.Masking(0.0), keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True)),
         keras.layers.SimpleRNN(2)]
    d = [layers.Masking(0.0), layers.Bidirectional(layers.LSTM(3, return_sequences=True)), layers.SimpleRNN(2)]
    km, ours = _pair(k, d, x)
    np.testing.assert_allclose(ours.predict(x, verbose=0), keras.ops.convert_to_numpy(km(x)),
                               rtol=1e-5, atol=1e-6)


def test_functional_model_carries_the_mask_like_keras():
    keras = _keras()
    from deepgrad import Input, Model
    inp = keras.Input((5,))
    embedded = keras.layers.Embedding(10, 3, mask_zero=True)(inp)
    km = keras.Model(inp, keras.layers.Dense(1)(keras.layers.LSTM(4)(embedded)))
    i = Input((5,))
    ours = Model(i, layers.Dense(1)(layers.LSTM(4)(layers.Embedding(10, 3, mask_zero=True)(i))))
    ours.set_weights([np.asarray(w) for w in km.get_weights()])
    np.testing.assert_allclose(ours.predict(TOKENS, verbose=0), keras.ops.convert_to_numpy(km(TOKENS)),
                               rtol=1e-5, atol=1e-6)


def test_masked_model_gradient_matches_central_differences(float64):
    # float64 end to end: the analytic gradient of the loss through the masked recurrent stack
    # (backward uses the masks each layer cached in forward) against central differences
    x = np.random.default_rng(1).normal(size=(3, 4, 2))
    x[0, 3:] = 0.0
    x[2, 1:] = 0.0
    model = Sequential([layers.Masking(0.0), layers.GRU(3, return_sequences=True), layers.LSTM(2), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.build((None, 4, 2))
    y = np.random.default_rng(2).normal(size=(3, 1))
    # without the Masking layer (same weights) only the padded rows 0 and 2 change
    unmasked = Sequential(model.layers[1:])
    assert np.allclose(unmasked.predict(x, verbose=0)[1], model.predict(x, verbose=0)[1], rtol=1e-12)
    assert not np.allclose(unmasked.predict(x, verbose=0)[[0, 2]], model.predict(x, verbose=0)[[0, 2]])
    out = model.forward(x, training=True)
    _, dout = model.loss_fn.value_and_grad(y, out, None)
    model.backward(dout)
    for w in model.trainable_weights:
        flat, grad = w.value.reshape(-1), w.grad.reshape(-1).copy()
        for i in range(0, flat.size, max(1, flat.size // 7)):
            old = flat[i]
            flat[i] = old + 1e-6
            up = model.loss_fn(y, model.forward(x), None)
            flat[i] = old - 1e-6
            down = model.loss_fn(y, model.forward(x), None)
            flat[i] = old
            assert abs((up - down) / 2e-6 - grad[i]) < 1e-7 + 1e-5 * abs(grad[i]), (w.name, i)


def test_masked_sequence_output_loss_and_one_step_match_keras():
    # an output that keeps the mask ((batch, timesteps, 1) after return_sequences): Keras leaves the
    # masked steps out of the loss (mean over the kept ones) and so out of the gradient
    keras = _keras()
    y = np.random.default_rng(3).normal(size=TOKENS.shape + (1,)).astype(np.float32)
    k = [keras.layers.Embedding(10, 3, mask_zero=True), keras.layers.LSTM(4, return_sequences=True),
         keras.layers.Dense(1)]
    d = [layers.Embedding(10, 3, mask_zero=True), layers.LSTM(4, return_sequences=True), layers.Dense(1)]
    km, ours = _pair(k, d, TOKENS.astype(np.float32))
    km.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    ours.compile(optimizer="sgd", loss="mse")
    ours.optimizer.learning_rate = 0.5
    np.testing.assert_allclose(ours.evaluate(TOKENS, y, verbose=0), km.evaluate(TOKENS, y, verbose=0), rtol=1e-5)
    assert ours.output_mask.tolist() == (TOKENS != 0).tolist()
    km.train_on_batch(TOKENS, y)
    ours.train_on_batch(TOKENS, y)
    for a, b in zip(ours.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-4, atol=1e-6)
