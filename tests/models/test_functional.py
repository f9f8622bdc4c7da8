"""The one-path functional API: keras.Input -> layer calls -> keras.Model(inputs, outputs)."""

import os

import numpy as np
import pytest

import deepgrad as keras
from deepgrad import layers


def _lstm_model():
    inputs = keras.Input(shape=(5, 3))
    x = layers.LSTM(4, name="lstm")(inputs)
    outputs = layers.Dense(1, name="head")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="chain")


def test_symbolic_calls_record_a_chain_with_shapes():
    inputs = keras.Input(shape=(5, 3))
    x = layers.LSTM(4)(inputs)
    assert x.shape == (None, 4)  # LSTM(return_sequences=False): (batch, units)
    m = keras.Model(inputs, layers.Dense(2)(x))
    assert m.name and m.input_shape == (None, 5, 3) and m.output_shape == (None, 2)
    assert [type(l).__name__ for l in m.layers] == ["LSTM", "Dense"]


def test_functional_model_predicts_as_the_same_sequential_and_trains():
    m = _lstm_model()
    s = keras.Sequential([keras.Input(shape=(5, 3)), layers.LSTM(4), layers.Dense(1)])
    s.set_weights(m.get_weights())
    x = np.random.default_rng(0).normal(size=(6, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(m.predict(x, verbose=0), s.predict(x, verbose=0))
    np.testing.assert_array_equal(m(x), s(x))
    m.compile(optimizer="adam", loss="mse")
    y = np.ones((6, 1), np.float32)
    before = m.evaluate(x, y, verbose=0)
    m.fit(x, y, epochs=5, verbose=0)
    assert m.evaluate(x, y, verbose=0) < before  # Adam on MSE descends from the start


def test_functional_model_matches_keras():
    os.environ["KERAS_BACKEND"] = "torch"  # before the first import of keras
    K = pytest.importorskip("keras")
    ki = K.Input(shape=(5, 3))
    km = K.Model(ki, K.layers.Dense(1)(K.layers.LSTM(4)(ki)))
    m = _lstm_model()
    m.set_weights([w.numpy() for w in km.weights])
    x = np.random.default_rng(1).normal(size=(4, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(m.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_branches_merges_and_bad_arguments_are_refused():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    with pytest.raises(ValueError, match="one-path"):
        keras.Model([a, b], layers.Dense(1)(a))
    with pytest.raises(ValueError, match="one-path"):
        layers.Dense(1)([a, b])
    with pytest.raises(ValueError, match="not computed from `inputs`"):
        keras.Model(a, layers.Dense(1)(b))
    with pytest.raises(TypeError, match="subclassing"):
        keras.Model()


def test_functional_model_saves_and_loads_as_a_model(tmp_path):
    m = _lstm_model()
    m.compile(optimizer="adam", loss="mse")
    m.save(tmp_path / "m.deepgrad")
    loaded = keras.models.load_model(tmp_path / "m.deepgrad")
    assert type(loaded) is keras.Model and loaded.name == "chain"
    x = np.random.default_rng(2).normal(size=(3, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), m.predict(x, verbose=0))


def test_clone_model_of_a_functional_model_is_a_model():
    m = _lstm_model()
    c = keras.models.clone_model(m)
    assert type(c) is keras.Model and [l.name for l in c.layers] == ["lstm", "head"]
    assert not np.array_equal(c.get_weights()[0], m.get_weights()[0])  # fresh glorot draws
