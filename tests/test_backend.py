"""deepgrad.backend: Keras's public backend names (clear_session, floatx, epsilon, ...)."""

import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import backend, config, layers


def test_clear_session_resets_layer_and_model_names():
    layers.Dense(2)
    dg.Sequential()
    backend.clear_session()
    # as Keras: after clear_session the automatic names start over
    assert layers.Dense(2).name == "dense"
    assert layers.Dense(2).name == "dense_1"
    assert dg.Sequential().name == "sequential"
    assert backend.get_uid("x") == 1 and backend.get_uid("x") == 2
    backend.clear_session(free_memory=False)
    assert backend.get_uid("x") == 1
    with pytest.raises(TypeError, match="free_memory"):
        backend.clear_session(free_memory="yes")


def test_clear_session_keeps_the_random_stream():
    dg.utils.set_random_seed(3)
    a = config.rng().random()
    dg.utils.set_random_seed(3)
    config.rng().random()
    backend.clear_session()
    assert config.rng().random() != a   # the stream goes on (Keras's initializers do too)


def test_floatx_epsilon_and_format():
    assert backend.floatx() == "float32" and backend.epsilon() == 1e-7
    backend.set_floatx("float64")
    try:
        assert layers.Dense(1).dtype == "float64"
    finally:
        backend.set_floatx("float32")
    backend.set_epsilon(1e-6)
    try:
        assert config.epsilon() == 1e-6
    finally:
        backend.set_epsilon(1e-7)
    assert backend.image_data_format() == "channels_last" and backend.backend() == "numpy"
    with pytest.raises(ValueError, match="data_format"):
        backend.set_image_data_format("nhwc")
    assert dg.backend is backend   # a top-level submodule, as keras.backend


def test_names_match_keras():
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    for name in ("clear_session", "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
                 "get_uid"):
        assert hasattr(keras.backend, name) and hasattr(backend, name)
    assert backend.floatx() == keras.backend.floatx() and backend.epsilon() == keras.backend.epsilon()
    np.testing.assert_equal(backend.image_data_format(), keras.backend.image_data_format())
