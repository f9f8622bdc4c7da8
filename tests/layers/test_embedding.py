"""Embedding: lookup, mask_zero, gradient accumulation (np.add.at), config, numbers vs Keras."""

import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import gradcheck, layers


def _keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


def test_lookup_and_shapes():
    e = layers.Embedding(5, 3)
    ids = np.array([[0, 4, 4], [2, 1, 0]])
    y = e(ids)
    assert y.shape == (2, 3, 3)
    table = e.get_weights()[0]
    assert table.shape == (5, 3)
    np.testing.assert_array_equal(y[0, 1], table[4])     # y[b, t] = embeddings[ids[b, t]]
    np.testing.assert_array_equal(y[1, 0], table[2])
    assert e.compute_output_shape((None, 3)) == (None, 3, 3)
    # Keras's "uniform" default: RandomUniform(-0.05, 0.05)
    assert np.all(np.abs(table) <= 0.05)


def test_mask_zero():
    ids = np.array([[3, 1, 0, 0], [2, 0, 0, 0]])
    assert layers.Embedding(4, 2).compute_mask(ids) is None
    mask = layers.Embedding(4, 2, mask_zero=True).compute_mask(ids)
    np.testing.assert_array_equal(mask, ids != 0)


def test_backward_accumulates_repeated_rows(float64):
    e = layers.Embedding(4, 2)
    ids = np.array([[1, 1, 3]])
    e(ids, training=True)
    g = np.arange(6.0).reshape(1, 3, 2)
    assert e.backward(g) is None            # integer input: no input gradient
    # row 1 was looked up twice: its gradient is the sum of both positions' gradients
    np.testing.assert_array_equal(e.embeddings.grad, [[0, 0], [0 + 2, 1 + 3], [0, 0], [4, 5]])


def test_gradient_check_embeddings(float64):
    e = layers.Embedding(6, 3)
    ids = np.array([[0, 5, 2, 2], [1, 1, 5, 0]])
    e.build((None, 4))

    def f(table):
        e.embeddings.value[...] = table
        return e.forward(ids)

    def grad_f(table, r):
        e.embeddings.value[...] = table
        e.forward(ids, training=True)
        e.backward(r)
        return e.embeddings.grad.copy()

    assert gradcheck.check_function(f, grad_f, e.embeddings.value.copy()) < 1e-8


def test_weights_argument_and_config_round_trip():
    table = np.arange(12.0).reshape(4, 3)
    e = layers.Embedding(4, 3, weights=[table], mask_zero=True, embeddings_constraint="non_neg")
    np.testing.assert_array_equal(e.get_weights()[0], table)
    clone = layers.Embedding.from_config(e.get_config())
    assert clone.mask_zero and clone.input_dim == 4 and clone.output_dim == 3
    assert type(clone.embeddings_constraint).__name__ == "NonNeg"


@pytest.mark.parametrize("kwargs, arg", [
    (dict(input_dim=0, output_dim=2), "input_dim"),
    (dict(input_dim=2.5, output_dim=2), "input_dim"),
    (dict(input_dim=3, output_dim="2"), "output_dim"),
    (dict(input_dim=3, output_dim=2, mask_zero=1), "mask_zero"),
    (dict(input_dim=3, output_dim=2, weights=np.zeros((2, 2))), "weights"),
])
def test_bad_arguments(kwargs, arg):
    with pytest.raises((TypeError, ValueError), match=arg):
        layers.Embedding(**kwargs)


def test_bad_indices():
    e = layers.Embedding(3, 2)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        e(np.array([[0, 3]]))
    with pytest.raises(ValueError, match="integer"):
        e(np.array([[0.5, 1.0]]))


def test_matches_keras():
    keras = _keras()
    ids = np.array([[1, 2, 0], [4, 4, 3]])
    k = keras.layers.Embedding(5, 3, mask_zero=True)
    k.build((None, 3))
    d = layers.Embedding(5, 3, mask_zero=True)
    d.build((None, 3))
    d.set_weights([np.asarray(w) for w in k.get_weights()])
    np.testing.assert_allclose(d(ids), keras.ops.convert_to_numpy(k(ids)), rtol=1e-6)
    np.testing.assert_array_equal(d.compute_mask(ids), keras.ops.convert_to_numpy(k.compute_mask(ids)))


@pytest.mark.parametrize("constrained", [False, True])
def test_trains_in_a_model(constrained):
    dg.utils.set_random_seed(0)
    constraint = dg.constraints.MaxNorm(0.05, axis=1) if constrained else None
    model = dg.Sequential([layers.Input((4,)), layers.Embedding(10, 3, embeddings_constraint=constraint),
                           layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.array([[1, 2, 3, 0], [4, 5, 6, 7]])
    before = model.layers[0].get_weights()[0]
    model.fit(x, np.array([[1.0], [-1.0]]), epochs=3, batch_size=2, verbose=0)
    after = model.layers[0].get_weights()[0]
    assert not np.allclose(before[[1, 2, 3]], after[[1, 2, 3]])   # looked-up rows moved
    if constrained:   # MaxNorm along axis 1: every row's norm is at most 0.05 after each step
        assert np.all(np.linalg.norm(after, axis=1) <= 0.05 + 1e-6)
    else:             # rows never looked up get a zero gradient and do not move under SGD
        np.testing.assert_array_equal(before[[8, 9]], after[[8, 9]])


def test_new_layers_save_and_load(tmp_path):
    """Embedding, Masking, RepeatVector, Normalization and constraints are registered: a model
    holding them saves and loads and predicts the same."""
    dg.utils.set_random_seed(1)
    norm = layers.Normalization()
    norm.adapt(np.random.default_rng(0).normal(size=(10, 2, 4)))
    model = dg.Sequential([layers.Input((5,)), layers.Embedding(10, 4, mask_zero=True), layers.Masking(),
                           layers.LSTM(3, kernel_constraint="max_norm"), layers.RepeatVector(2),
                           layers.Dense(4, kernel_constraint=dg.constraints.UnitNorm(axis=1)), norm])
    model.compile("adam", "mse")
    x = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]])
    model.fit(x, np.ones((2, 2, 4)), epochs=1, verbose=0)
    model.save(tmp_path / "m.deepgrad")
    loaded = dg.models.load_model(tmp_path / "m.deepgrad")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(loaded.layers[2].kernel.constraint).__name__ == "MaxNorm"
    assert loaded.layers[4].get_weights()[0].shape == (3, 4) and loaded.layers[0].mask_zero


def test_training_matches_keras():
    """Two epochs of SGD on Embedding -> Flatten -> Dense: the embedding rows (repeated tokens
    included) move as in Keras."""
    keras = _keras()
    rng = np.random.default_rng(4)
    x = rng.integers(0, 6, size=(8, 3))
    y = rng.normal(size=(8, 1)).astype(np.float32)
    km = keras.Sequential([keras.Input((3,)), keras.layers.Embedding(6, 2), keras.layers.Flatten(),
                           keras.layers.Dense(1)])
    km.compile(keras.optimizers.SGD(0.1), "mse")
    dm = dg.Sequential([layers.Input((3,)), layers.Embedding(6, 2), layers.Flatten(), layers.Dense(1)])
    dm.compile(dg.optimizers.SGD(0.1), "mse")
    dm.set_weights([keras.ops.convert_to_numpy(w) for w in km.get_weights()])
    km.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    dm.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(dm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)
