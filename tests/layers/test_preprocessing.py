"""Normalization (preprocessing layer): adapt, given statistics, invert, gradient, vs Keras."""

import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import gradcheck, layers


def _keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


def _data():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(50, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -2.0]).astype(np.float32)


def test_adapt_population_statistics():
    x = _data()
    n = layers.Normalization()
    n.adapt(x)
    mean, var, count = n.get_weights()
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(var, x.var(axis=0), rtol=1e-5)   # divided by n (np.var), as Keras
    assert count == 0   # Keras keeps its count weight at 0
    y = n(x)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=0), 1.0, rtol=1e-4)


def test_adapt_batches_equals_whole():
    x = _data().astype(np.float64)
    a, b = layers.Normalization(), layers.Normalization()
    a.adapt(x)
    b.adapt([x[:13], x[13:40], x[40:]])   # merged with the parallel-variance formula
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-6)


def test_given_statistics_invert_and_epsilon():
    n = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.0])
    x = np.array([[3.0, 2.0]], dtype=np.float32)
    # (3 - 1) / sqrt(4) = 1; a zero variance is floored at eps = 1e-7 on the std: (2 - 2) / 1e-7 = 0
    np.testing.assert_allclose(n(x), [[1.0, 0.0]])
    inv = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.0], invert=True)
    np.testing.assert_allclose(inv(np.array([[1.0, 5.0]], dtype=np.float32)), [[3.0, 2.0 + 5e-7]])
    assert n.get_weights() == []


def test_gradient(float64):
    x = _data().astype(np.float64)[:6]
    for invert in (False, True):
        n = layers.Normalization(mean=[0.5, 1.0, -1.0], variance=[2.0, 9.0, 0.25], invert=invert)
        assert gradcheck.check_layer(n, x)["input"] < 1e-8


def test_config_round_trip_and_bad_input():
    n = layers.Normalization(axis=None, mean=1.0, variance=2.0)
    m = layers.Normalization.from_config(n.get_config())
    assert m.axis == () and m.input_mean == 1.0
    with pytest.raises(ValueError, match="both"):
        layers.Normalization(mean=[1.0])
    with pytest.raises(ValueError, match="same shape"):
        layers.Normalization(mean=[1.0], variance=[1.0, 2.0])
    with pytest.raises(TypeError, match="axis"):
        layers.Normalization(axis="x")
    with pytest.raises(ValueError, match="NaN"):
        layers.Normalization().adapt(np.array([[np.nan, 1.0]]))


def test_in_a_model_with_input_shape_axis_none():
    # the TensorFlow regression tutorial: Normalization(input_shape=[1,], axis=None).adapt(1-D)
    x = _data()[:, 1]
    norm = layers.Normalization(input_shape=[1], axis=None)
    norm.adapt(x)
    model = dg.Sequential([norm, layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(x[:, None], x, epochs=1, verbose=0)
    assert model.predict(x[:4, None], verbose=0).shape == (4, 1)


@pytest.mark.parametrize("axis", [-1, None, (1, 2)])
def test_matches_keras(axis):
    keras = _keras()
    x = np.random.default_rng(3).normal(size=(8, 3, 2)).astype(np.float32) * 3 + 1
    k = keras.layers.Normalization(axis=axis)
    k.adapt(x)
    d = layers.Normalization(axis=axis)
    d.adapt(x)
    np.testing.assert_allclose(d(x), keras.ops.convert_to_numpy(k(x)), rtol=1e-5, atol=1e-5)
    for u, v in zip(d.get_weights(), k.get_weights()):
        np.testing.assert_allclose(u, keras.ops.convert_to_numpy(v), rtol=1e-5, atol=1e-6)
