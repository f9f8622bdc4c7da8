"""Masking and the base Layer's mask protocol (compute_mask / supports_masking)."""

import os

import numpy as np
import pytest

from deepgrad import gradcheck, layers


def _keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


def _padded():
    x = np.arange(1.0, 13.0).reshape(2, 3, 2)
    x[0, 2] = 0.0   # a padded step
    x[1, 0] = [0.0, 5.0]  # one zero feature only: not masked (any feature != mask_value)
    return x


def test_mask_and_output():
    m = layers.Masking()
    x = _padded()
    np.testing.assert_array_equal(m.compute_mask(x), [[True, True, False], [True, True, True]])
    y = m(x)
    np.testing.assert_array_equal(y[0, 2], [0.0, 0.0])
    np.testing.assert_array_equal(y[1], x[1])


def test_mask_value_and_output_zero():
    m = layers.Masking(mask_value=-1.0)
    x = np.array([[[-1.0, -1.0], [2.0, -1.0]]])
    np.testing.assert_array_equal(m.compute_mask(x), [[False, True]])
    np.testing.assert_array_equal(m(x), [[[0.0, 0.0], [2.0, -1.0]]])   # masked steps become 0


def test_gradient(float64):
    x = np.random.default_rng(0).normal(size=(2, 4, 3))
    x[1, 2] = 0.0
    layer = layers.Masking()
    keep = layer.compute_mask(x)

    def f(xu):   # perturb only the kept steps (a masked step sits on the mask's discontinuity)
        z = x.copy()
        z[keep] = xu.reshape(-1, 3)
        return layer(z)

    def grad_f(xu, r):
        z = x.copy()
        z[keep] = xu.reshape(-1, 3)
        layer(z, training=True)
        return layer.backward(r)[keep]

    assert gradcheck.check_function(f, grad_f, x[keep]) < 1e-8
    layer(x, training=True)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x))[1, 2], 0.0)   # masked: dx = 0


def test_matches_keras():
    keras = _keras()
    x = _padded().astype(np.float32)
    k = keras.layers.Masking(mask_value=0.0)
    d = layers.Masking(mask_value=0.0)
    np.testing.assert_array_equal(d(x), keras.ops.convert_to_numpy(k(x)))
    np.testing.assert_array_equal(d.compute_mask(x), keras.ops.convert_to_numpy(k.compute_mask(x)))


def test_config_and_bad_input():
    m = layers.Masking.from_config(layers.Masking(mask_value=2.0).get_config())
    assert m.mask_value == 2.0
    with pytest.raises(TypeError, match="mask_value"):
        layers.Masking(mask_value="0")


def test_default_compute_mask_protocol():
    mask = np.array([[True, False]])
    x = np.zeros((1, 2, 3))
    # layers that keep the time axis pass the mask on (Keras's supports_masking)
    for layer in (layers.Dropout(0.5), layers.Activation("relu"), layers.Dense(2),
                  layers.TimeDistributed(layers.Dense(2)), layers.BatchNormalization(),
                  layers.LayerNormalization()):
        np.testing.assert_array_equal(layer.compute_mask(x, mask), mask)
    # others end the mask
    for layer in (layers.Flatten(), layers.Reshape((6,)), layers.RepeatVector(2)):
        assert layer.compute_mask(x, mask) is None
