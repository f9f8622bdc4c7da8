"""RepeatVector: shapes, values, gradient, config, numbers vs Keras."""

import os

import numpy as np
import pytest

from deepgrad import gradcheck, layers


def test_repeat_values_and_shape():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    r = layers.RepeatVector(3)
    y = r(x)
    assert y.shape == (2, 3, 2) and r.compute_output_shape((None, 2)) == (None, 3, 2)
    np.testing.assert_array_equal(y[1], [[3, 4]] * 3)


def test_gradient(float64):
    x = np.random.default_rng(1).normal(size=(3, 4))
    # dx = sum over the n copies of dy
    assert gradcheck.check_layer(layers.RepeatVector(5), x)["input"] < 1e-8


def test_bad_arguments_and_input():
    with pytest.raises(TypeError, match="`n`"):
        layers.RepeatVector(2.0)
    with pytest.raises(ValueError, match="`n`"):
        layers.RepeatVector(0)
    with pytest.raises(ValueError, match="2-D"):
        layers.RepeatVector(2)(np.zeros((1, 2, 3)))


def test_config_and_keras():
    r = layers.RepeatVector.from_config(layers.RepeatVector(4).get_config())
    assert r.n == 4
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(2).normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_array_equal(r(x), keras.ops.convert_to_numpy(keras.layers.RepeatVector(4)(x)))


def test_encoder_decoder_with_embedding_matches_keras():
    """The books' sequence-to-sequence shape: Embedding -> LSTM -> RepeatVector -> LSTM
    (return_sequences) -> TimeDistributed(Dense): same predictions as Keras from the same weights."""
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    import deepgrad as dg
    from deepgrad import utils

    seqs = [[3, 1, 4], [1, 5, 9, 2, 6], [5]]
    x = utils.pad_sequences(seqs, maxlen=4)
    kl = keras.layers
    km = keras.Sequential([keras.Input((4,)), kl.Embedding(10, 6), kl.LSTM(5), kl.RepeatVector(3),
                           kl.LSTM(5, return_sequences=True), kl.TimeDistributed(kl.Dense(10, activation="softmax"))])
    dm = dg.Sequential([layers.Input((4,)), layers.Embedding(10, 6), layers.LSTM(5), layers.RepeatVector(3),
                        layers.LSTM(5, return_sequences=True),
                        layers.TimeDistributed(layers.Dense(10, activation="softmax"))])
    dm.set_weights([keras.ops.convert_to_numpy(w) for w in km.get_weights()])
    np.testing.assert_allclose(dm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
