"""Sequential: structure, summary counts of the notes, contiguous buffers, fit/evaluate/predict semantics."""


import numpy as np
import pytest

from deepgrad import config, layers, models, optimizers
from deepgrad.layers import Dense, Dropout
from deepgrad.models import NotCompiledError, Sequential
from deepgrad.utils import set_random_seed


def notes_mlp():
    """The MLP of the notes (000): 784-512-512-10, relu, Dropout 0.2, softmax."""
    model = models.Sequential()
    model.add(layers.Dense(512, activation="relu", input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(layers.Dense(512, activation="relu"))
    model.add(Dropout(0.2))
    model.add(layers.Dense(10, activation="softmax"))
    return model


def summary_text(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def test_notes_mlp_summary_has_the_notes_parameter_counts():
    text = summary_text(notes_mlp())
    # 784*512+512 = 401,920; 512*512+512 = 262,656; 512*10+10 = 5,130; total 669,706 (notes 000)
    for count in ("401,920", "262,656", "5,130", "Total params: 669,706", "Trainable params: 669,706",
                  "Non-trainable params: 0"):
        assert count in text
    # 669,706 float32 = 2,678,824 bytes = 2.55 MiB (Keras prints 1024-based sizes with 2 decimals)
    assert "(2.55 MB)" in text
    assert "(None, 512)" in text and "(None, 10)" in text


def test_layers_property_excludes_input_and_model_builds_from_input():
    model = Sequential([layers.Input(shape=(3,)), Dense(2)])
    assert len(model.layers) == 1 and model.built and model.output_shape == (None, 2)


def test_trainable_weights_live_in_one_contiguous_buffer():
    model = notes_mlp()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model._pack_weights()
    ws = model.trainable_weights
    base = ws[0].value.base
    assert base is not None and all(w.value.base is base for w in ws)
    assert base.size == 669_706
    assert all(w.grad.base is ws[0].grad.base for w in ws)


def _toy_data(n=64, d=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    y = np.eye(k, dtype=np.float32)[labels]
    return x, y, labels


def test_fit_learns_and_history_has_keras_keys():
    set_random_seed(0)
    x, y, _ = _toy_data(256)
    model = Sequential([Dense(16, activation="relu", input_shape=(5,)), Dense(3, activation="softmax")])
    model.compile(optimizer=optimizers.SGD(0.1, momentum=0.9), loss="categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, batch_size=32, epochs=8, verbose=0, validation_split=0.25)
    assert sorted(h.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert h.epoch == list(range(8)) and h.params["steps"] == 6  # 192 training rows / 32
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    assert h.history["accuracy"][-1] > 0.85


def test_epoch_loss_is_the_batch_size_weighted_mean():
    # Reference §7: batches of 4 + 1 -> the epoch loss weights each batch by its size.
    set_random_seed(0)
    x = np.zeros((5, 1), dtype=np.float32)
    y = np.array([[0.0], [0.0], [0.0], [0.0], [10.0]], dtype=np.float32)
    model = Sequential([Dense(1, input_shape=(1,), kernel_initializer="zeros")])
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")  # lr 0: prediction stays 0
    h = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    # batch 1: mean of four 0s = 0; batch 2: (10 - 0)^2 = 100; weighted (4*0 + 1*100)/5 = 20 (not 50)
    assert h.history["loss"] == [pytest.approx(20.0)]


def test_validation_split_takes_the_last_rows_before_shuffling():
    # Reference §7: y = 10 only in the last 20% -> val_loss = 100 for a model predicting 0.
    x = np.zeros((10, 1), dtype=np.float32)
    y = np.zeros((10, 1), dtype=np.float32)
    y[8:] = 10.0
    model = Sequential([Dense(1, input_shape=(1,), kernel_initializer="zeros", use_bias=False)])
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    h = model.fit(x, y, epochs=1, validation_split=0.2, verbose=0)
    assert h.history["val_loss"] == [pytest.approx(100.0)]
    assert h.history["loss"] == [pytest.approx(0.0)]


def test_initial_epoch_runs_the_remaining_epochs():
    x, y, _ = _toy_data(16)
    model = Sequential([Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    h = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert h.epoch == [3, 4]


def test_batch_size_none_is_full_batch_gradient_descent():
    x, y, _ = _toy_data(40)
    model = Sequential([Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    h = model.fit(x, y, epochs=2, batch_size=None, verbose=0)
    assert h.params["steps"] == 1 and model.optimizer.iterations == 2


def test_sparse_and_one_hot_targets_give_the_same_training():
    x, y, labels = _toy_data(32)
    results = []
    for loss, target in (("categorical_crossentropy", y), ("sparse_categorical_crossentropy", labels)):
        set_random_seed(5)
        model = Sequential([Dense(3, activation="softmax", input_shape=(5,))])
        model.compile(optimizer=optimizers.SGD(0.1), loss=loss, metrics=["accuracy"])
        h = model.fit(x, target, epochs=2, batch_size=8, verbose=0)
        results.append((h.history, model.get_weights()))
    np.testing.assert_allclose(results[0][0]["loss"], results[1][0]["loss"], rtol=1e-6)
    np.testing.assert_allclose(results[0][0]["accuracy"], results[1][0]["accuracy"])
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_predict_turns_dropout_off_and_returns_probabilities():
    set_random_seed(1)
    x, y, _ = _toy_data(20)
    model = Sequential([Dense(8, activation="relu", input_shape=(5,)), Dropout(0.5), Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    p1, p2 = model.predict(x, verbose=0), model.predict(x, batch_size=7, verbose=0)
    np.testing.assert_array_equal(p1, p2)  # deterministic: no dropout at inference
    np.testing.assert_allclose(p1.sum(axis=1), 1.0, rtol=1e-6)  # softmax applied after the fused logits
    np.testing.assert_allclose(model.predict_on_batch(x), p1, rtol=1e-6)


def test_evaluate_returns_loss_and_metrics_like_keras():
    x, y, _ = _toy_data(30)
    model = Sequential([Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(x, y, verbose=0)
    p = model.predict(x, verbose=0)
    # categorical cross-entropy: mean over samples of -log p[true class]
    assert loss == pytest.approx(float(np.mean(-np.log(np.sum(p * y, axis=1)))), rel=1e-5)
    assert acc == pytest.approx(float(np.mean(p.argmax(1) == y.argmax(1))))


def test_l2_regularization_adds_to_loss_and_gradient():
    config.set_floatx("float64")
    try:
        from deepgrad import regularizers
        x = np.ones((4, 2))
        y = np.zeros((4, 1))
        model = Sequential([Dense(1, input_shape=(2,), kernel_initializer="ones", use_bias=False,
                                  kernel_regularizer=regularizers.L2(0.5))])
        model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
        loss = model.train_on_batch(x, y)
        # prediction 2 for every row: mse = 4; penalty = 0.5 * (1^2 + 1^2) = 1 -> 5
        assert loss == pytest.approx(5.0)
        # grad = d mse/dk = mean(2 * (2 - 0) * 1) = 4 per entry, plus 2 * 0.5 * 1 = 1 -> 5; k = 1 - 0.1 * 5
        np.testing.assert_allclose(model.get_weights()[0], [[0.5], [0.5]])
    finally:
        config.set_floatx("float32")


def test_verbose_1_prints_epoch_header_and_keras_style_line(capsys):
    x, y, _ = _toy_data(64)
    model = Sequential([Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "2/2 ━━━━━━━━━━━━━━━━━━━━" in out and " - accuracy: " in out and " - loss: " in out
    model.fit(x, y, epochs=1, batch_size=32, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch" not in out and out.startswith("2/2 - ") and "step - accuracy:" in out


# ----------------------------------------------------------------------------- bad input
X, Y, LABELS = _toy_data(10)


def test_sparse_labels_out_of_range_are_rejected():
    model = Sequential([Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 3\)"):
        model.fit(X, np.full(10, 3), verbose=0)


def test_fit_before_compile_and_unknown_names():
    model = Sequential([Dense(3, input_shape=(5,))])
    with pytest.raises(NotCompiledError, match="compile"):
        model.fit(X, Y, verbose=0)
    with pytest.raises(ValueError, match="Valid names"):
        model.compile(optimizer="nope", loss="mse")
    with pytest.raises(ValueError, match="Valid names"):
        model.compile(optimizer="sgd", loss="nope")
    with pytest.raises(ValueError, match="Valid names"):
        model.compile(optimizer="sgd", loss="mse", metrics=["nope"])


def _train_once(seed):
    set_random_seed(seed)
    x, y, _ = _toy_data(96)
    model = Sequential([Dense(16, activation="relu", input_shape=(5,)), Dropout(0.3), Dense(3, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, batch_size=16, epochs=3, verbose=0, validation_split=0.25)
    return model.get_weights(), h.history


def test_set_random_seed_makes_two_runs_bit_for_bit_identical():
    # initializers, dropout masks and shuffling all draw from the seeded generator
    (w1, h1), (w2, h2), (w3, _) = _train_once(7), _train_once(7), _train_once(8)
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2)) and h1 == h2
    assert not all(np.array_equal(a, b) for a, b in zip(w1, w3))


def test_a_frozen_layer_is_not_updated_and_counts_as_non_trainable():
    x, y, _ = _toy_data(32)
    frozen = Dense(8, activation="relu", input_shape=(5,), trainable=False)
    model = Sequential([frozen, Dense(3, activation="softmax")])
    model.compile(optimizer=optimizers.SGD(0.5), loss="categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=2, verbose=0)
    after = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before[:2], after[:2]))      # frozen kernel and bias
    assert not all(np.array_equal(a, b) for a, b in zip(before[2:], after[2:]))  # the head learned
    assert "Non-trainable params: 48" in summary_text(model)  # 5*8 + 8


def test_learning_rate_logged_by_a_callback_lands_in_history():
    from deepgrad.callbacks import LearningRateScheduler
    x, y, _ = _toy_data(32)
    model = Sequential([Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(optimizer=optimizers.SGD(0.1), loss="categorical_crossentropy")
    halve = LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch else lr)  # halve from epoch 1 on
    h = model.fit(x, y, epochs=3, verbose=0, callbacks=[halve])
    # 0.1 at epoch 0, then 0.05, 0.025 (History is added after the user's callbacks, as Keras does)
    assert h.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert sorted(h.history) == ["learning_rate", "loss"]


def test_predict_results_do_not_share_the_layers_reused_buffers():
    # predict lets Dense reuse its output buffer between batches; the returned array must be a copy
    x, y, _ = _toy_data(20)
    model = Sequential([Dense(4, activation="relu", input_shape=(5,)), Dense(2)])  # linear output: no fusion
    first = model.predict(x, batch_size=8, verbose=0)
    kept = first.copy()
    model.predict(x[::-1], batch_size=8, verbose=0)
    np.testing.assert_array_equal(first, kept)
    direct = model(x)  # a user call outside the loops gets fresh arrays
    model(x[::-1])
    np.testing.assert_allclose(direct, kept, rtol=1e-6)
    assert all(not layer.reuse_buffers for layer in model.layers)  # reset after the loop


def _compiled_softmax_model():
    import deepgrad as keras

    m = keras.Sequential([keras.layers.InputLayer(input_shape=(2,)), keras.layers.Dense(3, activation="softmax")])
    m.compile(optimizer="sgd", loss="categorical_crossentropy")
    return m, keras


def test_compile_changes_no_layer_forward_returns_probabilities():
    # compile's fused softmax + CE must not make the layer emit logits: rows of a softmax sum to 1
    m, _ = _compiled_softmax_model()
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    out = m.forward(x, training=False)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
    assert (out > 0).all()
    np.testing.assert_allclose(m.predict(x, verbose=0), out, rtol=1e-6)


def test_compiled_models_layers_reused_in_new_sequential_predict_probabilities():
    # issue 12 item 4: keras.Sequential(list(m.layers)).predict(x) gave logits after compile+fit
    m, keras = _compiled_softmax_model()
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    y = np.eye(3)[[0, 2]]
    m.fit(x, y, epochs=1, verbose=0)
    expected = m.predict(x, verbose=0)
    reused = keras.Sequential(list(m.layers)).predict(x, verbose=0)
    np.testing.assert_allclose(reused.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(reused, expected, rtol=1e-6)
    # softmax of the layer's own logits x @ W + b (the definition)
    k, b = m.layers[-1].get_weights()
    z = x @ k + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(reused, p / p.sum(axis=1, keepdims=True), rtol=1e-5)
    assert m.fused_output_layer is m.layers[-1]  # the decision is recorded on the model


def _unbuilt_model():
    return Sequential([Dense(1)])


def test_refused_predict_on_unbuilt_model_leaves_it_unbuilt_and_rng_unmoved():
    # issue 13 item 3: the NaN check ran after build(), which drew weights from the global RNG
    m = _unbuilt_model()
    state = np.random.get_state()[1].copy()
    with pytest.raises(ValueError, match="NaN"):
        m.predict(np.array([[np.nan, 1.0, 2.0]]), verbose=0)
    assert not m.built
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("x, dtype", [
    (np.array([[1e39]]), "float32"),                 # float32's max is about 3.4e38
    (np.array([[70000.0]]), "float16"),              # float16's max is 65504
    (np.array([[2 ** 62]], dtype=np.int64), "float16"),
])
def test_values_beyond_the_models_float_range_are_refused(x, dtype):
    m = Sequential([layers.InputLayer(input_shape=(1,)), Dense(1, dtype=dtype)])
    with pytest.raises(ValueError, match=f"`x`.*{dtype}"):
        m.predict(x, verbose=0)


def test_sample_weight_beyond_float32_is_refused_before_any_step():
    m = Sequential([layers.InputLayer(input_shape=(2,)), layers.BatchNormalization(), Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    bn = m.layers[0]
    before = [w.copy() for w in m.get_weights()]
    with pytest.raises(ValueError, match="sample_weight"):
        m.fit(np.ones((8, 2)), np.ones((8, 1)), sample_weight=np.full(8, 1e39), verbose=0)
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)  # BN's moving statistics included
    assert bn is m.layers[0]


def test_complex_input_is_a_type_error():
    m = _unbuilt_model()
    with pytest.raises(TypeError, match="complex"):
        m.predict(np.array([[1 + 2j]]), verbose=0)
    assert not m.built


@pytest.mark.parametrize("call", ["predict_on_batch", "__call__"])
def test_empty_batch_on_flatten_and_rnn_models_gives_an_empty_result(call):
    # issue 13 item 15: NumPy's bare reshape error before; predict already returns (0, units)
    for model in (Sequential([layers.InputLayer(input_shape=(2, 3)), layers.Flatten(), Dense(4)]),
                  Sequential([layers.InputLayer(input_shape=(5, 3)), layers.SimpleRNN(4)])):
        out = getattr(model, call)(np.zeros((0,) + tuple(model._input_shape)))
        assert out.shape == (0, 4)
