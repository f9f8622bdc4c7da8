"""Keras 3's metrics: exact-match Accuracy, RootMeanSquaredError, top-k accuracies, metric
functions and custom metric functions in compile; numbers against real Keras."""

import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import layers, metrics


def _keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


RNG = np.random.default_rng(3)
SCORES = RNG.uniform(size=(7, 5)).astype(np.float32)
LABELS = RNG.integers(0, 5, size=7)
ONEHOT = np.eye(5, dtype=np.float32)[LABELS]
W = np.linspace(0.0, 2.0, 7).astype(np.float32)


def _streamed(metric, y_true, y_pred, w=None):
    metric.reset_state()
    for s in (slice(0, 3), slice(3, 7)):   # two batches
        metric.update_state(y_true[s], y_pred[s], None if w is None else w[s])
    return float(metric.result())


def test_accuracy_is_exact_match():
    # the example: Keras gives 0.0
    m = metrics.Accuracy()
    m.update_state([[1], [2]], [[2], [1]])
    assert m.result() == 0.0
    m.update_state([[1], [2]], [[1], [2]])
    assert m.result() == 0.5


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", [
    ("Accuracy", {}, np.array([[1], [2], [3], [4], [5], [6], [7]], np.float32),
     np.array([[1], [0], [3], [4], [0], [6], [0]], np.float32)),
    ("RootMeanSquaredError", {}, ONEHOT, SCORES),
    ("TopKCategoricalAccuracy", {}, ONEHOT, SCORES),
    ("TopKCategoricalAccuracy", {"k": 2}, ONEHOT, SCORES),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, LABELS, SCORES),
    ("SparseTopKCategoricalAccuracy", {"k": 1}, LABELS[:, None], SCORES),
])
@pytest.mark.parametrize("weighted", [False, True])
def test_classes_match_keras(name, kwargs, y_true, y_pred, weighted):
    keras = _keras()
    w = W if weighted else None
    ours = _streamed(getattr(metrics, name)(**kwargs), y_true, y_pred, w)
    theirs = getattr(keras.metrics, name)(**kwargs)
    for s in (slice(0, 3), slice(3, 7)):
        theirs.update_state(y_true[s], y_pred[s], None if w is None else w[s])
    assert ours == pytest.approx(float(keras.ops.convert_to_numpy(theirs.result())), rel=1e-5, abs=1e-7)


def test_rmse_and_top_k_by_hand():
    m = metrics.RootMeanSquaredError()
    m.update_state([[0.0, 0.0]], [[3.0, 0.0]])   # squared errors 9, 0
    m.update_state([[0.0, 0.0]], [[0.0, 0.0]])   # 0, 0 -> sqrt(9 / 4) = 1.5
    assert m.result() == pytest.approx(1.5)
    t = metrics.SparseTopKCategoricalAccuracy(k=2)
    t.update_state([0, 2], [[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]])   # label 0 in top 2, label 2 not
    assert t.result() == 0.5
    ids = metrics.SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True)
    ids.update_state([2, 1], [[2, 0], [0, 1]])
    assert ids.result() == 0.5


@pytest.mark.parametrize("name", ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                                  "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
                                  "mean_squared_error", "kl_divergence"])
def test_functions_match_keras(name):
    keras = _keras()
    y_true = LABELS if name.startswith("sparse") else ONEHOT
    ours = getattr(metrics, name)(y_true, SCORES)
    theirs = keras.ops.convert_to_numpy(getattr(keras.metrics, name)(y_true, SCORES))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_functions_and_custom_functions_in_compile():
    def within_one(y_true, y_pred):   # a plain per-sample metric function
        return (np.abs(y_true - y_pred) <= 1.0).mean(axis=-1)

    def scalar_metric(y_true, y_pred):   # returns a scalar per batch
        return float(np.max(np.abs(y_true - y_pred)))

    x = RNG.normal(size=(10, 3)).astype(np.float32)
    y = RNG.normal(size=(10, 2)).astype(np.float32)
    model = dg.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse", metrics=[metrics.mean_absolute_error, within_one, scalar_metric])
    logs = model.evaluate(x, y, batch_size=10, return_dict=True, verbose=0)
    out = model.predict(x, verbose=0)
    assert set(logs) == {"loss", "mean_absolute_error", "within_one", "scalar_metric"}
    assert logs["mean_absolute_error"] == pytest.approx(float(np.abs(out - y).mean()), rel=1e-5)
    assert logs["within_one"] == pytest.approx(float((np.abs(y - out) <= 1.0).mean()), rel=1e-6)
    assert logs["scalar_metric"] == pytest.approx(float(np.abs(y - out).max()), rel=1e-6)
    history = model.fit(x, y, epochs=1, verbose=0)
    assert "within_one" in history.history


def test_sparse_categorical_accuracy_function_in_compile_like_keras():
    keras = _keras()
    x = RNG.normal(size=(12, 4)).astype(np.float32)
    y = RNG.integers(0, 3, size=12)
    km = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    km.compile("sgd", "sparse_categorical_crossentropy", metrics=[keras.metrics.sparse_categorical_accuracy])
    dm = dg.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    dm.compile("sgd", "sparse_categorical_crossentropy", metrics=[metrics.sparse_categorical_accuracy])
    dm.set_weights([keras.ops.convert_to_numpy(w) for w in km.get_weights()])
    ours = dm.evaluate(x, y, return_dict=True, verbose=0)
    theirs = km.evaluate(x, y, return_dict=True, verbose=0)
    assert set(ours) == set(theirs)
    for k in ours:
        assert ours[k] == pytest.approx(theirs[k], rel=1e-5)


def test_accuracy_string_keeps_automatic_choice_and_bad_input():
    assert isinstance(metrics.get("accuracy", np.array([1, 0]), np.zeros((2, 3))), metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("accuracy"), metrics.AutoAccuracy)
    assert isinstance(metrics.get(metrics.Accuracy), metrics.Accuracy)
    with pytest.raises(TypeError, match="`k`"):
        metrics.TopKCategoricalAccuracy(k=2.5)
    with pytest.raises(ValueError, match="`k`"):
        metrics.SparseTopKCategoricalAccuracy(k=0)
    with pytest.raises(TypeError, match="fn"):
        metrics.MeanMetricWrapper(3)


def test_keras_metric_functions_resolve_to_saveable_classes(tmp_path):
    m = metrics.get(metrics.sparse_categorical_accuracy)
    assert isinstance(m, metrics.SparseCategoricalAccuracy) and m.name == "sparse_categorical_accuracy"
    model = dg.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy",
                  metrics=[metrics.sparse_categorical_accuracy, metrics.sparse_top_k_categorical_accuracy])
    model.save(tmp_path / "m.deepgrad")
    loaded = dg.models.load_model(tmp_path / "m.deepgrad")
    x, y = RNG.normal(size=(6, 4)), RNG.integers(0, 3, size=6)
    assert loaded.evaluate(x, y, return_dict=True, verbose=0)["sparse_categorical_accuracy"] == \
        pytest.approx(model.evaluate(x, y, return_dict=True, verbose=0)["sparse_categorical_accuracy"])


def test_output_mask_leaves_entries_out_like_keras():
    keras = _keras()
    labels = RNG.integers(0, 3, size=(2, 4))
    scores = RNG.uniform(size=(2, 4, 3)).astype(np.float32)
    mask = np.array([[True, True, True, False], [True, False, False, False]])
    ours = metrics.SparseCategoricalAccuracy()
    ours.update_state(labels, scores, mask=mask)
    hits = labels == scores.argmax(-1)
    assert ours.result() == pytest.approx(float(hits[mask].mean()))   # mean over the kept steps
    from keras.src import backend as kb
    masked = keras.ops.convert_to_tensor(scores)
    kb.set_keras_mask(masked, keras.ops.convert_to_tensor(mask))
    theirs = keras.metrics.SparseCategoricalAccuracy()
    theirs.update_state(labels, masked)
    assert ours.result() == pytest.approx(float(keras.ops.convert_to_numpy(theirs.result())))
    with pytest.raises(ValueError, match="mask"):
        ours.update_state(labels, scores, mask=mask[:, :2])
