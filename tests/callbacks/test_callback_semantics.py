"""Callbacks with Keras's semantics (reference §8): EarlyStopping, ModelCheckpoint, CSVLogger,
TerminateOnNaN (with weight restore), LambdaCallback."""

import csv
import math
import os

import numpy as np
import pytest

from deepgrad.callbacks import (CSVLogger, EarlyStopping, LambdaCallback, ModelCheckpoint,
                                TerminateOnNaN)
from deepgrad.layers import Dense
from deepgrad.models import Sequential, load_model
from deepgrad.optimizers import SGD
from deepgrad.utils import set_random_seed


def data(n=32, seed=0):
    g = np.random.default_rng(seed)
    x = g.normal(size=(n, 4))
    return x, x @ np.array([[1.0], [-2.0], [0.5], [0.0]])


def make_model(lr=0.05, seed=0):
    set_random_seed(seed)
    model = Sequential([Dense(3, activation="tanh", input_shape=(4,), dtype="float64"),
                        Dense(1, dtype="float64")])
    model.compile(optimizer=SGD(learning_rate=lr), loss="mse")
    return model


# ------------------------------------------------------------------ EarlyStopping
@pytest.mark.parametrize("kwargs, epochs_run", [
    # learning_rate 0 => the loss is the same every epoch (reference §8, verified in Keras):
    ({"patience": 0}, 2),                   # epoch 0 sets best; epoch 1: wait 1 >= 0 -> stop
    ({"patience": 2}, 3),                   # epochs 1, 2 without improvement -> stop after 3
    ({"patience": 0, "baseline": -1.0}, 2),  # unbeatable baseline: wait never resets
    ({"patience": 1, "start_from_epoch": 2}, 4),  # epochs 0-1 ignored; best at 2; stop at 3
])
def test_early_stopping_constant_loss_sequences(kwargs, epochs_run):
    x, y = data()
    model = make_model(lr=0.0)
    es = EarlyStopping(monitor="loss", **kwargs)
    h = model.fit(x, y, epochs=10, batch_size=8, verbose=0, callbacks=[es])
    assert len(h.epoch) == epochs_run
    assert es.stopped_epoch == epochs_run - 1


def run_early_stopping(values, **kwargs):
    """Feed a sequence of monitored values; return the epochs that ran and the callback."""
    class FakeModel:
        stop_training = False
        w = 0

        def get_weights(self):
            return [self.w]

        def set_weights(self, ws):
            self.w = ws[0]

    model = FakeModel()
    es = EarlyStopping(monitor="val_loss", **kwargs)
    es.set_model(model)
    es.on_train_begin()
    ran = []
    for epoch, v in enumerate(values):
        model.w = epoch  # "weights" = the epoch number, to see what gets restored
        ran.append(epoch)
        es.on_epoch_end(epoch, {"val_loss": v})
        if model.stop_training:
            break
    es.on_train_end()
    return ran, es, model


def test_early_stopping_min_delta_and_restore_best_weights():
    # improvements smaller than min_delta=0.1 do not count: 1.0 -> 0.95 -> 0.91 are not improvements
    ran, es, model = run_early_stopping([1.0, 0.95, 0.91, 0.5, 0.45], min_delta=0.1, patience=1)
    assert ran == [0, 1] and es.best == 1.0
    ran, es, model = run_early_stopping([1.0, 0.95, 0.6, 0.59, 0.58], min_delta=0.1, patience=2,
                                        restore_best_weights=True)
    assert ran == [0, 1, 2, 3, 4] and es.best_epoch == 2 and model.w == 2  # best epoch's weights back
    # restored at the end even when training was not stopped (Keras 3)
    ran, es, model = run_early_stopping([3.0, 1.0, 2.0], patience=5, restore_best_weights=True)
    assert ran == [0, 1, 2] and es.stopped_epoch == 0 and model.w == 1


def test_early_stopping_mode_max_and_auto_and_verbose(capsys):
    ran, es, _ = run_early_stopping([0.5, 0.6, 0.6, 0.6], mode="max", patience=1, verbose=1)
    assert ran == [0, 1, 2] and es.best == 0.6
    out = capsys.readouterr().out
    assert out == "Epoch 3: early stopping\n"
    assert EarlyStopping(monitor="val_accuracy")._direction == "max"
    assert EarlyStopping(monitor="loss")._direction == "min"
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(monitor="weird_quantity")


def test_early_stopping_missing_monitor_warns():
    x, y = data()
    with pytest.warns(RuntimeWarning, match="val_loss"):
        make_model().fit(x, y, epochs=2, verbose=0, callbacks=[EarlyStopping()])


# ------------------------------------------------------------------ ModelCheckpoint
def test_checkpoint_filename_formatting_and_reloadable_files(tmp_path):
    x, y = data()
    model = make_model()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.3f}.deepgrad")
    h = model.fit(x, y, epochs=3, batch_size=8, verbose=0, validation_split=0.25,
                  callbacks=[ModelCheckpoint(pattern)])
    # names use epoch + 1 and the epoch's logs (Keras: filepath.format(epoch=epoch + 1, **logs))
    expected = sorted(f"ckpt-{e + 1:02d}-{v:.3f}.deepgrad" for e, v in zip(h.epoch, h.history["val_loss"]))
    assert sorted(os.listdir(tmp_path)) == expected
    last = load_model(tmp_path / expected[-1])
    assert np.array_equal(last.predict(x, verbose=0), model.predict(x, verbose=0))


def test_checkpoint_save_best_only_messages(tmp_path, capsys):
    path = str(tmp_path / "best.deepgrad")
    cb = ModelCheckpoint(path, save_best_only=True, verbose=1)
    cb.set_model(make_model())
    for epoch, v in enumerate([0.5, 0.7, 0.17702]):
        cb.on_epoch_begin(epoch)
        cb.on_epoch_end(epoch, {"val_loss": v, "loss": 1.0})
    out = capsys.readouterr().out
    # Keras 3's messages (reference §8): the first value improves "from None"
    assert out == (f"\nEpoch 1: val_loss improved from None to 0.50000, saving model to {path}\n"
                   f"\nEpoch 2: val_loss did not improve from 0.50000\n"
                   f"\nEpoch 3: val_loss improved from 0.50000 to 0.17702, saving model to {path}\n")
    assert os.path.exists(path) and cb.best == 0.17702


def test_checkpoint_weights_only_by_batches(tmp_path):
    x, y = data()
    model = make_model()
    cb = ModelCheckpoint(str(tmp_path / "w-{epoch}-{batch}.safetensors"), save_weights_only=True, save_freq=3)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[cb])
    # 4 batches per epoch, a save every 3 batches: after batches 3 (epoch 1) and 2, ... counted across epochs
    assert sorted(os.listdir(tmp_path)) == ["w-1-3.safetensors", "w-2-2.safetensors"]
    other = make_model(seed=5)
    other.load_weights(tmp_path / "w-2-2.safetensors")


def test_checkpoint_argument_checks(tmp_path):
    with pytest.raises(ValueError, match="filepath"):
        ModelCheckpoint(str(tmp_path / "m.tf"))
    with pytest.raises(ValueError, match="filepath"):
        ModelCheckpoint(str(tmp_path / "m.deepgrad"), save_weights_only=True)
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint(str(tmp_path / "m.deepgrad"), save_freq="batch")
    cb = ModelCheckpoint(str(tmp_path / "m-{val_acc}.deepgrad"))
    cb.set_model(make_model())
    with pytest.raises(KeyError, match="val_acc"):
        cb.on_epoch_end(0, {"loss": 1.0})


# ------------------------------------------------------------------ CSVLogger
def test_csv_logger_header_rows_and_append(tmp_path):
    x, y = data()
    path = tmp_path / "log.csv"
    model = make_model()
    h = model.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_split=0.25, callbacks=[CSVLogger(path)])
    raw = path.read_bytes()
    assert raw.startswith(b"epoch,loss,val_loss\r\n")  # 'epoch' + sorted keys, excel line ends
    rows = list(csv.reader(path.open(newline="")))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [int(r[0]) for r in rows[1:]] == [0, 1]
    assert [float(r[1]) for r in rows[1:]] == h.history["loss"]  # repr round-trips exactly
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_split=0.25, callbacks=[CSVLogger(path, append=True)])
    rows = list(csv.reader(path.open(newline="")))
    assert len(rows) == 4 and rows[0][0] == "epoch" and rows[3][0] == "0"  # no second header
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[CSVLogger(path, separator=";")])
    # as Keras 3: without validation the val_* columns are still written, as NA
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch;loss;val_loss" and lines[1].startswith("0;") and lines[1].endswith(";NA")
    assert os.listdir(tmp_path) == ["log.csv"]


# ------------------------------------------------------------------ TerminateOnNaN
def diverging_setup():
    """A float32 linear model with learning rate 1 on this data: the loss grows ~1e4x per step
    (1.9, 44, 4e6, 7e21, ...) and overflows float32 at the 5th batch."""
    x, y = data()
    set_random_seed(0)
    model = Sequential([Dense(3, input_shape=(4,)), Dense(1)])
    model.compile(optimizer=SGD(learning_rate=1.0), loss="mse")
    return model, x, y


def test_terminate_on_nan_stops_and_says_where(capsys):
    model, x, y = diverging_setup()
    cb = TerminateOnNaN()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        h = model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[cb])
    out = capsys.readouterr().out
    e, b = cb.stopped_epoch, cb.stopped_batch
    assert e is not None
    assert f"Batch {b}: Invalid loss, terminating training (epoch {e + 1}, loss" in out
    assert h.epoch[-1] == e and len(h.epoch) == e + 1  # the epoch in which it happened is the last


def test_terminate_on_nan_restores_the_last_good_weights():
    import warnings
    model, x, y = diverging_setup()
    snapshots, losses = [], []
    record = LambdaCallback(on_train_batch_begin=lambda b, logs: snapshots.append(model.get_weights()),
                            on_train_batch_end=lambda b, logs: losses.append(logs["loss"]))
    cb = TerminateOnNaN(restore_weights=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0, callbacks=[record, cb])
    bad = next(i for i, v in enumerate(losses) if not math.isfinite(v))
    assert bad >= 1 and math.isfinite(losses[bad - 1])
    # back to the weights that produced the last finite loss (those before batch bad - 1)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), snapshots[bad - 1]))
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert model.optimizer.iterations == bad - 1


def test_terminate_on_nan_raise_error():
    cb = TerminateOnNaN(raise_error=True)

    class M:
        stop_training = False
        optimizer = None
    cb.set_model(M())
    cb.on_epoch_begin(2)
    cb.on_train_batch_end(0, {"loss": 1.0})
    # Keras 3's message (keras/src/callbacks/terminate_on_nan.py)
    with pytest.raises(RuntimeError, match=r"^NaN or Inf loss encountered at batch 4\. Loss value: nan\. "
                                           r"Terminating training immediately\.$"):
        cb.on_train_batch_end(4, {"loss": float("nan")})
    assert (cb.stopped_epoch, cb.stopped_batch) == (2, 4)


# ------------------------------------------------------------------ LambdaCallback
def test_lambda_callback_hooks_and_checks():
    x, y = data()
    seen = []
    cb = LambdaCallback(on_train_begin=lambda logs: seen.append(("begin", logs)),
                        on_epoch_end=lambda epoch, logs: seen.append(("epoch", epoch, sorted(logs))),
                        on_batch_end=lambda batch, logs: seen.append(("batch", batch)),
                        on_train_end=lambda logs: seen.append(("end",)))
    make_model().fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[cb])
    assert seen == [("begin", {}), ("batch", 0), ("batch", 1), ("epoch", 0, ["loss"]),
                    ("batch", 0), ("batch", 1), ("epoch", 1, ["loss"]), ("end",)]
    with pytest.raises(TypeError, match="on_epoch_end"):
        LambdaCallback(on_epoch_end=3)
    with pytest.raises(TypeError, match="on_epoch_ended"):
        LambdaCallback(on_epoch_ended=print)
