"""Keras 3 semantics of the model API that a review found broken (each test failed before its fix).

Sources: keras/src/trainers/compile_utils.py (``CompileMetrics``: plain metrics take no sample
weights, weighted ones do, a clash is named ``weighted_<name>``), the trainers' ``fit`` (class
weights for the training rows only; validation after a stopped epoch; ``_should_eval``), and
issue 3's rule that bad input is refused before any state changes.
"""

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.callbacks import Callback
from deepgrad.layers import BatchNormalization, Dense, Input, Reshape
from deepgrad.models import Sequential


def _three_of_four():
    """A sigmoid unit with kernel 1, bias 0 predicts sigmoid(+-1) = 0.73 / 0.27, i.e. classes
    1, 1, 0, 0 for x = 1, 1, -1, -1; against y = 1, 0, 0, 0 three of four are right."""
    x = np.array([[1.0], [1.0], [-1.0], [-1.0]], "float32")
    y = np.array([[1.0], [0.0], [0.0], [0.0]], "float32")
    m = Sequential([Input((1,)), Dense(1, activation="sigmoid", kernel_initializer="ones")])
    return m, x, y


def test_metrics_ignore_sample_and_class_weights():
    m, x, y = _three_of_four()
    m.compile(optimizer=dg.optimizers.SGD(0.0), loss="binary_crossentropy", metrics=["accuracy"])
    sw = np.array([1.0, 0.0, 1.0, 0.0])  # weighted, the two kept samples are both right: 1.0
    assert m.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)["accuracy"] == 0.75
    assert m.fit(x, y, sample_weight=sw, verbose=0).history["accuracy"] == [0.75]
    assert m.fit(x, y, class_weight={0: 3.0, 1: 1.0}, verbose=0).history["accuracy"] == [0.75]
    assert m.train_on_batch(x, y, sample_weight=sw)[1] == 0.75


def test_weighted_metrics_take_the_weights_and_a_clash_is_named_weighted():
    m, x, y = _three_of_four()
    m.compile(optimizer=dg.optimizers.SGD(0.0), loss="binary_crossentropy", metrics=["accuracy"],
              weighted_metrics=["accuracy"])
    sw = np.array([1.0, 0.0, 1.0, 0.0])
    logs = m.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "accuracy", "weighted_accuracy"]
    assert logs["accuracy"] == 0.75 and logs["weighted_accuracy"] == 1.0
    # class weights {0: 3, 1: 1}: samples weigh 1, 3, 3, 3; the wrong one (the second) weighs 3,
    # so the weighted accuracy is (1 + 3 + 3) / 10 = 0.7
    h = m.fit(x, y, class_weight={0: 3.0, 1: 1.0}, verbose=0, shuffle=False)
    assert h.history["accuracy"] == [0.75]
    assert h.history["weighted_accuracy"] == [pytest.approx(0.7)]


def test_class_weight_does_not_touch_the_validation_rows(float64):
    rs = np.random.RandomState(2)
    x, y = rs.randn(10, 3), np.eye(2)[rs.randint(0, 2, 10)]
    m = Sequential([Input((3,)), Dense(2, activation="softmax")])
    m.compile(optimizer=dg.optimizers.SGD(0.0), loss="categorical_crossentropy")  # weights stay fixed
    h = m.fit(x, y, batch_size=4, verbose=0, shuffle=False, validation_split=0.4,
              class_weight={0: 1.0, 1: 10.0})
    # the validation loss is the plain loss of the last 4 rows
    assert h.history["val_loss"][0] == pytest.approx(m.evaluate(x[6:], y[6:], verbose=0), rel=1e-12)


@pytest.mark.parametrize("loss", ["mse", "binary_crossentropy"])
def test_targets_of_shape_n_fit_an_output_of_shape_n_1(loss):
    rs = np.random.RandomState(0)
    x = rs.rand(8, 3).astype("float32")
    y = (rs.rand(8) > 0.5).astype("float32")
    act = "sigmoid" if loss == "binary_crossentropy" else None
    results = []
    for target in (y, y[:, None]):  # Keras treats (N,) targets as (N, 1) for an (N, 1) output
        dg.utils.set_random_seed(1)
        m = Sequential([Input((3,)), Dense(1, activation=act)])
        m.compile(optimizer=dg.optimizers.SGD(0.1), loss=loss)
        results.append((m.fit(x, target, batch_size=4, verbose=0, shuffle=False).history["loss"],
                        m.evaluate(x, target, verbose=0), m.get_weights()[0]))
    assert results[0][0] == results[1][0] and results[0][1] == results[1][1]
    np.testing.assert_array_equal(results[0][2], results[1][2])


def _small_model():
    dg.utils.set_random_seed(0)
    m = Sequential([Input((3,)), Dense(2, activation="softmax")])
    m.compile(optimizer=dg.optimizers.SGD(0.1), loss="categorical_crossentropy", metrics=["accuracy"])
    x = np.random.RandomState(0).rand(6, 3).astype("float32")
    y = np.eye(2, dtype="float32")[[0, 1, 0, 1, 1, 0]]
    return m, x, y


@pytest.mark.parametrize("kwargs, match", [
    ({"validation_freq": 0}, "`validation_freq`"),
    ({"validation_freq": [0, 2]}, "`validation_freq`"),
    ({"validation_freq": "2"}, "`validation_freq`"),
    ({"validation_batch_size": 0}, "`validation_batch_size`"),
    ({"validation_batch_size": 2.5}, "`validation_batch_size`"),
    ({"class_weight": {"a": 1.0}}, "`class_weight`"),
    ({"class_weight": {0: "heavy"}}, "`class_weight`"),
    ({"class_weight": {0: -1.0}}, "`class_weight`"),
    ({"callbacks": [object()]}, "`callbacks`"),
])
def test_bad_fit_arguments_are_refused_before_any_change(kwargs, match):
    m, x, y = _small_model()
    before = m.get_weights()
    kwargs = dict(kwargs)
    if "validation_freq" in kwargs or "validation_batch_size" in kwargs:
        kwargs["validation_split"] = 0.5
    with pytest.raises((ValueError, TypeError), match=match):
        m.fit(x, y, epochs=2, verbose=0, **kwargs)
    assert m.optimizer.iterations == 0
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_validation_freq_as_a_list_names_the_epochs():
    m, x, y = _small_model()
    h = m.fit(x, y, epochs=4, verbose=0, validation_split=0.5, validation_freq=[2, 4])
    assert len(h.history["val_loss"]) == 2  # epochs 2 and 4 (1-based)


def test_validation_runs_when_a_callback_stops_training_mid_epoch():
    class StopAtFirstBatch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    m, x, y = _small_model()
    h = m.fit(x, y, batch_size=2, epochs=3, verbose=0, validation_split=0.5, callbacks=[StopAtFirstBatch()])
    assert sorted(h.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(h.history["loss"]) == 1 and m.optimizer.iterations == 1


def test_a_single_callback_is_taken_as_a_list_of_one():
    seen = []

    class Count(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(epoch)

    m, x, y = _small_model()
    m.fit(x, y, epochs=2, verbose=0, callbacks=Count())
    assert seen == [0, 1]


def test_a_model_without_trainable_weights_warns_and_trains_nothing():
    m, x, y = _small_model()
    m.trainable = False
    before = m.get_weights()
    with pytest.warns(UserWarning, match="trainable weights"):
        h = m.fit(x, y, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2 and h.history["loss"][0] == h.history["loss"][1]
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_trainable_false_freezes_batch_normalization_and_its_penalty():
    dg.utils.set_random_seed(0)
    m = Sequential([Input((3,)), Dense(4, kernel_regularizer=dg.regularizers.L2(0.5)), BatchNormalization(),
                    Dense(2, activation="softmax")])
    m.compile(optimizer="sgd", loss="categorical_crossentropy")
    x = np.random.RandomState(0).rand(6, 3).astype("float32") * 3
    y = np.eye(2, dtype="float32")[[0, 1, 0, 1, 1, 0]]
    plain = m.evaluate(x, y, verbose=0)
    penalty = m.regularization_penalty()
    assert penalty > 0
    m.trainable = False
    assert all(not layer.trainable for layer in m.layers) and m.trainable_weights == []
    assert m.regularization_penalty() == 0.0  # Keras: frozen weights add no penalty
    assert m.evaluate(x, y, verbose=0) == pytest.approx(plain - penalty, rel=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(x, y, verbose=0)
    bn = m.layers[1]
    np.testing.assert_array_equal(bn.get_weights()[2], np.zeros(4))  # moving mean untouched
    assert m.get_config()["trainable"] is False


def test_set_weights_checks_every_entry_before_changing_any():
    m, x, y = _small_model()
    before = m.get_weights()
    bad = [np.full_like(before[0], 7.0), np.array([0.0, np.nan], dtype="float32")]
    with pytest.raises(ValueError, match="NaN"):
        m.set_weights(bad)
    np.testing.assert_array_equal(m.get_weights()[0], before[0])
    with pytest.raises(TypeError, match="numeric"):
        m.set_weights([np.full_like(before[0], 7.0), np.array(["a", "b"])])
    np.testing.assert_array_equal(m.get_weights()[0], before[0])


def test_add_does_not_keep_a_layer_that_cannot_be_built():
    m = Sequential([Input((4,))])
    with pytest.raises(ValueError):
        m.add(Reshape((5,)))  # 4 values cannot become 5
    assert m.layers == []
    m.add(Dense(2))
    assert m.output_shape == (None, 2)


def test_an_unbuilt_model_is_not_built_by_a_call_that_fails_on_its_arguments():
    x, y = np.random.RandomState(0).rand(6, 3).astype("float32"), np.eye(2, dtype="float32")[[0, 1] * 3]
    m = Sequential([Dense(2, activation="softmax")])
    m.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="`y` must have 3 rows"):
        m.fit(x.T, y, verbose=0)  # 3 samples of 6 features against 6 targets
    with pytest.raises(ValueError, match="`batch_size`"):
        m.fit(x, y, batch_size=0, verbose=0)
    assert not m.built
    m.fit(x, y, verbose=0)
    assert m.input_shape == (None, 3)


def test_a_metric_that_cannot_take_the_targets_fails_before_the_first_step():
    m = Sequential([Input((3,)), Dense(4, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["categorical_accuracy"])
    x, y = np.random.RandomState(0).rand(6, 3).astype("float32"), np.array([0, 1, 2, 3, 0, 1])
    before = m.get_weights()
    with pytest.raises(ValueError, match="categorical_accuracy"):
        m.fit(x, y, verbose=0)
    assert m.optimizer.iterations == 0
    np.testing.assert_array_equal(m.get_weights()[0], before[0])


@pytest.mark.parametrize("call", [
    lambda m, x, y: m.fit(x, y, verbose=0),
    lambda m, x, y: m.evaluate(x, y, verbose=0),
    lambda m, x, y: m.train_on_batch(x, y),
    lambda m, x, y: m.test_on_batch(x, y),
])
def test_empty_data_is_refused_naming_x(call):
    m, x, y = _small_model()
    with pytest.raises(ValueError, match="`x` must hold at least one sample"):
        call(m, x[:0], y[:0])
    assert m.optimizer.iterations == 0


def test_empty_validation_data_is_refused():
    m, x, y = _small_model()
    with pytest.raises(ValueError, match="validation_data"):
        m.fit(x, y, verbose=0, validation_data=(x[:0], y[:0]))
    assert m.optimizer.iterations == 0


def test_train_on_batch_refuses_class_weight_with_sample_weight():
    m, x, y = _small_model()
    with pytest.raises(ValueError, match="not both"):
        m.train_on_batch(x, y, sample_weight=np.ones(6), class_weight={0: 2.0})
    assert m.optimizer.iterations == 0


def test_verbose_takes_python_bools():
    m, x, y = _small_model()
    assert len(m.fit(x, y, verbose=False).history["loss"]) == 1
    assert m.predict(x, verbose=False).shape == (6, 2)
    assert m.evaluate(x, y, verbose=False, return_dict=True)["loss"] > 0


def test_test_batch_callbacks_receive_the_running_logs():
    got = []

    class Logs(Callback):
        def on_test_batch_end(self, batch, logs=None):
            got.append(dict(logs))

    m, x, y = _small_model()
    final = m.evaluate(x, y, batch_size=6, verbose=0, callbacks=[Logs()], return_dict=True)
    assert got and set(got[-1]) == {"loss", "accuracy"}
    assert got[-1]["accuracy"] == final["accuracy"]  # one batch: the running value is the final one


def test_variable_length_inputs_fit_and_predict():
    dg.utils.set_random_seed(0)
    m = Sequential([Input((None, 2)), dg.layers.SimpleRNN(3), Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    rs = np.random.RandomState(0)
    for steps in (4, 7):  # any length on the None axis, as Keras
        x = rs.rand(5, steps, 2).astype("float32")
        m.fit(x, rs.rand(5, 1).astype("float32"), verbose=0)
        assert m.predict(x, verbose=0).shape == (5, 1)
    with pytest.raises(ValueError, match="samples of shape"):
        m.predict(rs.rand(5, 4, 3).astype("float32"), verbose=0)


def test_summary_wraps_a_long_layer_cell_as_keras_does():
    m = Sequential([Input((3,)), BatchNormalization(), Dense(2)])
    lines = []
    m.summary(print_fn=lines.append)
    widths = {len(line) for line in lines[1:-3]}
    assert widths == {76}  # every table line keeps the table's width
    assert any("(BatchNormalization)" in line and "batch_normalization" not in line for line in lines)


def test_a_metric_object_is_not_shared_between_training_and_validation():
    m, x, y = _small_model()
    metric = dg.metrics.CategoricalAccuracy()
    m.compile(optimizer=dg.optimizers.SGD(0.1), loss="categorical_crossentropy", metrics=[metric])
    m.fit(x, y, verbose=0, validation_split=0.5)
    assert m.compiled_metrics[0] is metric and m._eval_metrics[0] is not metric


def test_weighted_metrics_survive_save_and_load(tmp_path):
    m, x, y = _three_of_four()
    m.compile(optimizer=dg.optimizers.SGD(0.0), loss="binary_crossentropy", metrics=["accuracy"],
              weighted_metrics=["accuracy"])
    sw = np.array([1.0, 0.0, 1.0, 0.0])
    before = m.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    m.save(tmp_path / "m.deepgrad")
    loaded = dg.models.load_model(tmp_path / "m.deepgrad")
    assert loaded.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True) == before


def test_evaluate_and_predict_draw_keras_progress_bars(capsys):
    import re

    m, x, y = _small_model()
    m.fit(x, y, batch_size=2, epochs=2, validation_split=0.5)
    lines = capsys.readouterr().out.splitlines()
    # fit: a header and a line per epoch, and its validation draws no bar of its own
    assert [line.split()[0] for line in lines] == ["Epoch", "2/2", "Epoch", "2/2"]
    logs = m.evaluate(x, y, batch_size=4, return_dict=True)  # verbose="auto" is 1, as Keras
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and re.fullmatch(
        rf"2/2 ━{{20}} \d+s \d+[mu]?s/step - accuracy: {logs['accuracy']:.4f} - loss: {logs['loss']:.4f}", out[0])
    m.evaluate(x, y, batch_size=4, verbose=2)
    assert re.fullmatch(r"2/2 - \d+s - \d+[mu]?s/step - accuracy: \S+ - loss: \S+", capsys.readouterr().out.strip())
    m.predict(x, batch_size=4)
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+[mu]?s/step", capsys.readouterr().out.strip())
    m.evaluate(x, y, verbose=0)
    m.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_changing_the_trainable_set_asks_for_a_new_optimizer_before_any_step():
    dg.utils.set_random_seed(0)
    m = Sequential([Input((3,)), Dense(4, activation="relu"), Dense(2, activation="softmax")])
    opt = dg.optimizers.Adam()
    m.compile(optimizer=opt, loss="categorical_crossentropy")
    x = np.random.RandomState(0).rand(6, 3).astype("float32")
    y = np.eye(2, dtype="float32")[[0, 1, 0, 1, 1, 0]]
    m.fit(x, y, verbose=0)
    m.layers[0].trainable = False
    m.compile(optimizer=opt, loss="categorical_crossentropy")  # the same instance
    before, state = m.get_weights(), opt.get_state()
    with pytest.raises(ValueError, match="new optimizer"):
        m.fit(x, y, verbose=0)
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert opt.iterations == 1 and all(np.array_equal(v, opt.get_state()[k]) for k, v in state.items())
    m.compile(optimizer=dg.optimizers.Adam(), loss="categorical_crossentropy")
    m.fit(x, y, verbose=0)  # a new optimizer steps the head only
    np.testing.assert_array_equal(before[0], m.get_weights()[0])
    assert not np.array_equal(before[2], m.get_weights()[2])


def test_sequence_targets_fit_a_model_with_a_variable_length_axis():
    dg.utils.set_random_seed(0)
    m = Sequential([Input((None, 2)), dg.layers.LSTM(3, return_sequences=True), Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    rs = np.random.RandomState(0)
    x, y = rs.rand(4, 5, 2).astype("float32"), rs.rand(4, 5, 1).astype("float32")
    h = m.fit(x, y, verbose=0)  # y has the per-step output shape (4, 5, 1) of the (None, None, 1) output
    assert np.isfinite(h.history["loss"][0])
    assert m.evaluate(x, y, verbose=0) > 0
    with pytest.raises(ValueError, match="must have shape"):
        m.fit(x, y[..., :1].repeat(2, axis=-1), verbose=0)  # 2 features against the 1 output


@pytest.mark.parametrize("make", [
    lambda: dg.layers.LSTM(4, return_state=True),
    lambda: dg.layers.Bidirectional(dg.layers.SimpleRNN(3), merge_mode=None),
])
def test_a_layer_with_several_outputs_is_refused_by_sequential(make):
    # Keras 3: "All layers in a Sequential model should have a single output tensor"
    m = Sequential([Input((5, 2))])
    with pytest.raises(ValueError, match="single output"):
        m.add(make())
    assert m.layers == []


def test_the_documented_training_step_runs_by_hand_right_after_compile():
    # sequential.py's module docstring and the README spell one step out as five public calls
    m, x, y = _small_model()
    m.layers[0].kernel_regularizer = None
    before = m.get_weights()
    with m.fused_logits():
        out = m.forward(x, training=True)
        loss, dout = m.loss_fn.value_and_grad(y, out)
        m.backward(dout)
    m.add_regularization_gradients()
    m.optimizer.apply_gradients(m.grads_and_vars)
    assert m.optimizer.iterations == 1
    # the same step as train_on_batch from the same weights
    m2, _, _ = _small_model()
    m2.train_on_batch(x, y)
    for a, b, c in zip(m.get_weights(), m2.get_weights(), before):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_a_stateful_model_refuses_batches_it_cannot_take_before_any_step():
    dg.utils.set_random_seed(0)
    m = Sequential([Input((6, 3), batch_size=4), dg.layers.LSTM(3, stateful=True), Dense(1)])
    assert m.input_shape == (4, 6, 3)  # the static batch size is the model's, as Keras
    m.compile(optimizer="sgd", loss="mse")
    rs = np.random.RandomState(0)
    x, y = rs.rand(10, 6, 3).astype("float32"), rs.rand(10, 1).astype("float32")
    before, rng_before = m.get_weights(), dg.config.rng().bit_generator.state
    with pytest.raises(ValueError, match="static batch size of 4.*a batch of 2"):
        m.fit(x, y, batch_size=4, verbose=0, shuffle=False)  # 10 = 4 + 4 + 2
    with pytest.raises(ValueError, match="`validation_batch_size`"):
        m.fit(x[:8], y[:8], batch_size=4, verbose=0, validation_data=(x[:8], y[:8]), validation_batch_size=8)
    with pytest.raises(ValueError, match="static batch size"):
        m.evaluate(x, y, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="static batch size"):
        m.predict(x, batch_size=4, verbose=0)
    assert m.optimizer.iterations == 0 and dg.config.rng().bit_generator.state == rng_before
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)
    m.fit(x[:8], y[:8], batch_size=4, verbose=0, shuffle=False)  # two whole batches of 4
    assert m.optimizer.iterations == 2 and m.predict(x[:8], batch_size=4, verbose=0).shape == (8, 1)
