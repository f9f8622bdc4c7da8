"""keras.Input top-level, get_layer, variables as objects (numpy/assign/path), clone_model."""

import numpy as np
import pytest

import deepgrad as keras
from deepgrad import layers, models


def _model():
    return keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, name="hidden"),
                             layers.Dense(1, name="out")])


def test_top_level_input_is_layers_input_and_builds_sequential():
    assert keras.Input is layers.Input
    m = _model()
    assert m.built and m.input_shape == (None, 3) and m.output_shape == (None, 1)


def test_get_layer_by_name_and_index_and_errors():
    m = _model()
    assert m.get_layer("out") is m.layers[1]
    assert m.get_layer(index=0).name == "hidden"
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        m.get_layer("nope")
    with pytest.raises(ValueError, match="exactly one"):
        m.get_layer()


def test_variables_have_keras_paths_and_assign_writes_into_the_model():
    m = _model()
    v = m.variables
    # Dense has kernel then bias: Keras 3's paths are "<layer>/<weight>"
    assert [w.path for w in v] == ["hidden/kernel", "hidden/bias", "out/kernel", "out/bias"]
    assert v[0].shape == (3, 4) and v[0].dtype == np.float32
    assert len(m.trainable_variables) == 4
    new = np.arange(12, dtype=np.float32).reshape(3, 4)
    v[0].assign(new)
    np.testing.assert_array_equal(m.get_layer("hidden").get_weights()[0], new)
    # predictions use the assigned kernel: zero the rest, so output = sum(x @ new)
    for w in v[1:]:
        w.assign(np.zeros(w.shape))
    m.get_layer("out").kernel.assign(np.ones((4, 1)))
    x = np.ones((1, 3), np.float32)
    # x @ new = column sums of new = [12, 15, 18, 21]; summed by the ones kernel: 66
    np.testing.assert_allclose(m.predict(x, verbose=0), [[66.0]])
    snapshot = v[0].numpy()
    snapshot[...] = 0  # numpy() is a copy
    assert v[0].numpy()[2, 3] == 11
    with pytest.raises(ValueError, match="shape"):
        v[0].assign(np.zeros((2, 2)))


def test_clone_model_same_architecture_fresh_weights():
    m = _model()
    c = models.clone_model(m)
    assert [type(l).__name__ for l in c.layers] == ["Dense", "Dense"]
    assert [l.name for l in c.layers] == ["hidden", "out"]
    assert [w.shape for w in c.weights] == [w.shape for w in m.weights]
    assert not np.array_equal(c.weights[0].numpy(), m.weights[0].numpy())
    with pytest.raises(TypeError, match="Sequential"):
        models.clone_model("x")


def test_standalone_layer_variable_paths_match_keras():
    """Keras 3.15 prefixes the paths of layers built inside a model with the model's name
    ("sequential/hidden/kernel"); deepgrad keeps the layer's own "hidden/kernel" (documented)."""
    import os
    os.environ["KERAS_BACKEND"] = "torch"  # before the first import of keras
    K = pytest.importorskip("keras")
    kl = K.layers.Dense(4, name="hidden")
    kl.build((None, 3))
    dl = layers.Dense(4, name="hidden")
    dl.build((None, 3))
    assert [v.path for v in dl.variables] == [v.path for v in kl.variables] == ["hidden/kernel", "hidden/bias"]
