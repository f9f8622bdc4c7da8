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
