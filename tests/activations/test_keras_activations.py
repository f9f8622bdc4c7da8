"""The activations Keras 3 added (log_softmax, relu6, celu, glu, hard_silu, log_sigmoid),
Keras's keyword arguments on the function forms, and softmax over a tuple of axes: values
against real Keras, derivatives against float64 central differences."""

import os

import numpy as np
import pytest

from deepgrad import activations, gradcheck, layers


def _keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


X = np.random.default_rng(0).uniform(-7.5, 7.5, size=(4, 6)) + 0.013   # off the kinks (0, +-3, 6)

CASES = [("log_softmax", {}), ("log_softmax", {"axis": 0}), ("relu6", {}), ("celu", {}),
         ("celu", {"alpha": 0.5}), ("glu", {}), ("glu", {"axis": 0}), ("hard_silu", {}),
         ("log_sigmoid", {}), ("softmax", {"axis": (0, 1)}),
         ("relu", {"negative_slope": 0.1, "max_value": 5.0, "threshold": 0.5}),
         ("leaky_relu", {"negative_slope": 0.3}), ("elu", {"alpha": 0.7})]


@pytest.mark.parametrize("name, kwargs", CASES)
def test_values_match_keras(name, kwargs):
    keras = _keras()
    x = X.astype(np.float32)
    ours = getattr(activations, name)(x, **kwargs)
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, name)(x, **kwargs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", CASES)
def test_derivatives_central_differences(name, kwargs):
    act = activations.get(name)
    act = type(act)(**{**act.get_config(), **kwargs})

    def grad_f(x, r):
        y = act.forward(x)
        return act.backward(r, x, y)

    assert gradcheck.check_function(act.forward, grad_f, X) < 1e-7


def test_by_hand_and_registry():
    assert activations.relu6(np.array([-1.0, 3.0, 9.0])).tolist() == [0.0, 3.0, 6.0]
    # hard_silu(1) = 1 * relu6(4) / 6 = 2/3
    assert activations.hard_silu(np.array([1.0]))[0] == pytest.approx(2 / 3)
    # log_sigmoid(0) = log(1/2)
    assert activations.log_sigmoid(np.array([0.0]))[0] == pytest.approx(np.log(0.5))
    assert activations.get("hard_swish").name == "hard_silu"
    s = activations.Softmax(axis=(1, 2))
    assert activations.get(activations.serialize(s)) == s
    assert layers.Dense(2, activation="celu").activation.name == "celu"
    with pytest.raises(ValueError, match="glu"):
        layers.Dense(4, activation="glu")
    with pytest.raises(TypeError, match="bogus"):
        activations.relu(X, bogus=1)
    with pytest.raises(ValueError, match="alpha"):
        activations.Celu(alpha=0.0)
    with pytest.raises(ValueError, match="even"):
        activations.glu(np.ones((2, 3)))
