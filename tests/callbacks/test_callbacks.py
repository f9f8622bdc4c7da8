"""Callbacks and to_categorical: Keras 3 behaviours a review found missing (each test failed before its fix)."""

import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.callbacks import Callback, EarlyStopping
from deepgrad.layers import Dense, Input
from deepgrad.models import Sequential


class _FakeModel:
    stop_training = False

    def get_weights(self):
        return []

    def set_weights(self, weights):
        pass


def _epochs_run(values, **kwargs):
    """Feed EarlyStopping one monitored value per epoch; the number of epochs until it stops."""
    es = EarlyStopping(monitor="loss", **kwargs)
    es.set_model(_FakeModel())
    es.on_train_begin()
    for epoch, v in enumerate(values):
        es.on_epoch_end(epoch, {"loss": v})
        if es.model.stop_training:
            return epoch + 1
    return len(values)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_early_stopping_does_not_count_a_non_finite_first_epoch_as_an_improvement(bad):
    # Keras 3 starts best at +inf: epoch 0 is no improvement (wait 1), epoch 1 neither (wait 2),
    # so patience 2 stops after 2 epochs
    assert _epochs_run([bad] * 5, patience=2) == 2
    # a finite first value is still the first best: wait 0, 1, 2 -> stops after 3
    assert _epochs_run([1.0] * 5, patience=2) == 3


def test_early_stopping_mode_max_starts_at_minus_infinity():
    es = EarlyStopping(monitor="val_accuracy")
    es.set_model(_FakeModel())
    es.on_train_begin()
    assert es.best == -math.inf


def test_keras_2_batch_hooks_are_called_through_the_keras_3_names():
    calls = {"begin": 0, "end": 0}

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            calls["begin"] += 1

        def on_batch_end(self, batch, logs=None):
            calls["end"] += 1
            assert "loss" in logs

    m = Sequential([Input((3,)), Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    x = np.random.RandomState(0).rand(8, 3).astype("float32")
    m.fit(x, x[:, :1], batch_size=2, epochs=2, verbose=0, callbacks=[Old()])
    assert calls == {"begin": 8, "end": 8}  # 2 epochs x 4 batches


@pytest.mark.parametrize("y", [[1e20], np.array([2**63 + 5], dtype=np.uint64)])
def test_to_categorical_reports_a_too_large_label_as_too_large(y):
    with pytest.raises(ValueError, match="must be < num_classes=3"):
        dg.utils.to_categorical(y, 3)


def test_to_categorical_reports_a_huge_label_without_num_classes():
    with pytest.raises(ValueError, match="class indices"):
        dg.utils.to_categorical([1e20])


def test_model_checkpoint_refuses_val_field_without_validation_and_unwritable_folder_before_training(tmp_path):
    # issue 13 item 12: both failed only after the first epoch, with the weights already moved
    import numpy as np
    from deepgrad.callbacks import ModelCheckpoint
    from deepgrad.layers import Dense
    from deepgrad.models import Sequential

    m = Sequential([Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 2)), np.ones((4, 1))
    m.build((None, 2))
    before = [w.copy() for w in m.get_weights()]
    ck = ModelCheckpoint(str(tmp_path / "c-{val_loss:.2f}.deepgrad"))
    with __import__("pytest").raises(ValueError, match="validation"):
        m.fit(x, y, epochs=1, verbose=0, callbacks=[ck])
    ck = ModelCheckpoint(str(tmp_path / "missing" / "c.deepgrad"))
    with __import__("pytest").raises(ValueError, match="not writable"):
        m.fit(x, y, epochs=1, verbose=0, callbacks=[ck])
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_backup_made_for_other_data_is_refused_before_touching_the_model(tmp_path):
    # issue 13 item 1: resuming with 50 rows after a 100-row run gave IndexError after the restore
    import numpy as np
    import pytest
    from deepgrad.callbacks import BackupAndRestore, Callback
    from deepgrad.layers import Dense
    from deepgrad.models import Sequential

    class Stop(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 5:
                raise KeyboardInterrupt

    m = Sequential([Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    x, y = np.random.default_rng(0).random((100, 2)), np.random.default_rng(1).random((100, 1))
    with pytest.raises(KeyboardInterrupt):
        m.fit(x, y, batch_size=10, epochs=2, verbose=0,
              callbacks=[BackupAndRestore(str(tmp_path), save_freq=3), Stop()])
    before = [w.copy() for w in m.get_weights()]
    with pytest.raises(ValueError, match="100 training samples, this fit has 50"):
        m.fit(x[:50], y[:50], batch_size=10, epochs=2, verbose=0,
              callbacks=[BackupAndRestore(str(tmp_path), save_freq=3)])
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_fit_progress_and_resume_fit_are_the_public_hand_off():
    # fit_progress after each batch: 10 rows in batches of 4 -> 3 batches of 4, 4, 2 rows
    from deepgrad.callbacks import LambdaCallback
    from deepgrad.layers import Dense
    from deepgrad.models import Sequential
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    x, y = np.ones((10, 2)), np.zeros((10, 1))
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False,
              callbacks=[LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(model.fit_progress))])
    assert [(p["epoch"], p["batch"], p["seen"], p["order"]) for p in seen] == [(0, 1, 4, None), (0, 2, 8, None),
                                                                              (0, 3, 10, None)]
    assert model.fit_progress is None  # outside fit
    # resume_fit from on_train_begin: start at epoch 1 after 2 batches (8 samples): 1 batch, 1 epoch left
    calls = []
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False, callbacks=[LambdaCallback(
        on_train_begin=lambda logs: model.resume_fit(1, 2, None, 8, 0.0),
        on_train_batch_begin=lambda b, logs: calls.append(b))])
    assert calls == [2]
    with pytest.raises(ValueError, match="`order` must be a permutation"):
        model.resume_fit(0, 1, np.array([0, 0, 1]), 4, 0.0)
    with pytest.raises(ValueError, match="`seen` must be > 0"):
        model.resume_fit(0, 1, None, 0, 0.0)
    assert model._resume_point is None  # refused: nothing stored for the next fit
