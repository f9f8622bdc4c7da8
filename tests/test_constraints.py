"""Weight constraints: formulas vs Keras, resolution, layers' *_constraint args, applied after each step."""

import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import constraints, layers


def _keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


W = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32) * 2


@pytest.mark.parametrize("name, kwargs", [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 1.5, "axis": 1}), ("MaxNorm", {"axis": [0, 1]}),
    ("MinMaxNorm", {}), ("MinMaxNorm", {"min_value": 3.0, "max_value": 4.0, "rate": 0.5}),
    ("NonNeg", {}), ("UnitNorm", {}), ("UnitNorm", {"axis": 1}),
])
def test_matches_keras(name, kwargs):
    keras = _keras()
    ours = getattr(constraints, name)(**kwargs)(W)
    theirs = keras.ops.convert_to_numpy(getattr(keras.constraints, name)(**kwargs)(W))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


def test_formulas_by_hand():
    w = np.array([[3.0, 0.1], [4.0, 0.0]])   # column norms 5 and 0.1
    eps = 1e-7
    # MaxNorm(2): column 0 rescaled to norm 2 (times 5/(5+eps)), column 1 kept (0.1/(0.1+eps))
    np.testing.assert_allclose(constraints.max_norm(2)(w),
                               [[3 * 2 / (5 + eps), 0.1 * 0.1 / (0.1 + eps)], [4 * 2 / (5 + eps), 0.0]])
    np.testing.assert_allclose(constraints.unit_norm()(w)[:, 0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_array_equal(constraints.non_neg()(np.array([-1.0, 2.0])), [0.0, 2.0])
    # MinMaxNorm(min 1, max 2, rate 0.5): column 1 desired 0.5 * 1 + 0.5 * 0.1 = 0.55
    np.testing.assert_allclose(np.linalg.norm(constraints.min_max_norm(1.0, 2.0, 0.5)(w)[:, 1]), 0.55,
                               rtol=1e-5)


def test_resolution_and_serialization():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    assert isinstance(constraints.get(constraints.UnitNorm), constraints.UnitNorm)
    c = constraints.get({"class_name": "MinMaxNorm", "config": {"max_value": 3.0, "axis": 1}})
    assert c.max_value == 3.0 and c.axis == 1
    assert constraints.get(constraints.serialize(c)).get_config() == c.get_config()
    assert constraints.max_norm is constraints.MaxNorm
    with pytest.raises(ValueError, match="Unknown constraint"):
        constraints.get("maxnorm2")
    with pytest.raises(TypeError, match="axis"):
        constraints.MaxNorm(axis="0")
    with pytest.raises(ValueError, match="max_value"):
        constraints.MinMaxNorm(min_value=2.0, max_value=1.0)


def test_layers_take_constraints():
    d = layers.Dense(2, kernel_constraint="max_norm", bias_constraint="non_neg")
    d.build((None, 3))
    assert isinstance(d.kernel.constraint, constraints.MaxNorm) and isinstance(d.bias.constraint, constraints.NonNeg)
    lstm = layers.LSTM(2, kernel_constraint="unit_norm", recurrent_constraint="max_norm", bias_constraint="non_neg")
    lstm.build((None, 3, 1))
    assert [type(w.constraint).__name__ for w in lstm.weights] == ["UnitNorm", "MaxNorm", "NonNeg"]
    bn = layers.BatchNormalization(beta_constraint="non_neg", gamma_constraint="max_norm")
    bn.build((None, 3))
    assert isinstance(bn.beta.constraint, constraints.NonNeg) and isinstance(bn.gamma.constraint, constraints.MaxNorm)
    for layer in (d, lstm, bn):   # configs round-trip the constraints
        clone = type(layer).from_config(layer.get_config())
        clone.build(layer.input_shape)
        assert [type(w.constraint) for w in clone.weights] == [type(w.constraint) for w in layer.weights]
    with pytest.raises(ValueError, match="kernel_constraint"):
        layers.Dense(2, kernel_constraint="nope")


def test_applied_after_each_step_like_keras():
    """One SGD step then the projection, on the same start weights as Keras."""
    keras = _keras()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = rng.normal(size=(8, 2)).astype(np.float32)
    km = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        2, kernel_constraint=keras.constraints.MaxNorm(0.5), bias_constraint=keras.constraints.NonNeg())])
    km.compile(keras.optimizers.SGD(0.1), "mse")
    dm = dg.Sequential([layers.Input((3,)), layers.Dense(
        2, kernel_constraint=constraints.MaxNorm(0.5), bias_constraint=constraints.NonNeg())])
    dm.compile(dg.optimizers.SGD(0.1), "mse")
    start = [keras.ops.convert_to_numpy(w) for w in km.get_weights()]
    start[0] *= 3   # norms above 0.5 so the projection acts
    km.set_weights(start)
    dm.set_weights(start)
    km.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    dm.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(dm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)
    assert np.all(np.linalg.norm(dm.get_weights()[0], axis=0) <= 0.5 + 1e-6)
