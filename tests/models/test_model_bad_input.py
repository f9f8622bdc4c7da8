"""Table-driven bad input to the public entry points (fit/predict have their own table in
tests/models/test_sequential.py): the exception class, a message naming the argument, and the
model's weights and optimizer state unchanged after the rejected call."""

import numpy as np
import pytest

from deepgrad import callbacks, layers, optimizers
from deepgrad.models import Sequential, load_model
from deepgrad.utils import set_random_seed

X = np.random.default_rng(0).normal(size=(8, 4))
Y = np.eye(3)[np.arange(8) % 3]


@pytest.fixture
def model():
    set_random_seed(0)
    m = Sequential([layers.Dense(5, activation="relu", input_shape=(4,)), layers.Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    m.fit(X, Y, epochs=1, batch_size=4, verbose=0)  # optimizer slots exist and are non-trivial
    return m


def snapshot(m):
    return [w.copy() for w in m.get_weights()], {k: np.copy(v) for k, v in m.optimizer.get_state().items()}


def unchanged(m, snap):
    weights, state = snap
    now = m.optimizer.get_state()
    return (all(np.array_equal(a, b) for a, b in zip(weights, m.get_weights()))
            and set(now) == set(state) and all(np.array_equal(now[k], state[k]) for k in state))


CASES = [
    # (id, call(model, tmp_path), exception, text the message must contain)
    ("evaluate x None", lambda m, p: m.evaluate(None, Y, verbose=0), ValueError, "`x`"),
    ("evaluate y rows", lambda m, p: m.evaluate(X, Y[:5], verbose=0), ValueError, "`y`"),
    ("evaluate y NaN", lambda m, p: m.evaluate(X, Y * np.nan, verbose=0), ValueError, "`y`"),
    ("evaluate batch_size 0", lambda m, p: m.evaluate(X, Y, batch_size=0, verbose=0), ValueError, "batch_size"),
    ("evaluate batch_size str", lambda m, p: m.evaluate(X, Y, batch_size="8", verbose=0), TypeError, "batch_size"),
    ("evaluate verbose", lambda m, p: m.evaluate(X, Y, verbose=5), ValueError, "verbose"),
    ("evaluate sample_weight", lambda m, p: m.evaluate(X, Y, sample_weight=np.ones(3), verbose=0), ValueError,
     "sample_weight"),
    ("train_on_batch x shape", lambda m, p: m.train_on_batch(X[:, :3], Y), ValueError, "`x`"),
    ("train_on_batch y NaN", lambda m, p: m.train_on_batch(X, Y * np.nan), ValueError, "`y`"),
    ("compile loss None", lambda m, p: m.compile(optimizer="sgd", loss=None), ValueError, "loss"),
    ("compile unknown loss", lambda m, p: m.compile(optimizer="sgd", loss="hinge_of_doom"), ValueError, "loss"),
    ("compile unknown optimizer", lambda m, p: m.compile(optimizer="adamz", loss="mse"), ValueError, "adamz"),
    ("compile metrics str", lambda m, p: m.compile(optimizer="sgd", loss="mse", metrics="accuracy"), TypeError,
     "metrics"),
    ("compile unknown metric", lambda m, p: m.compile(optimizer="sgd", loss="mse", metrics=["acuracy"]),
     ValueError, "acuracy"),
    ("compile unknown kwarg", lambda m, p: m.compile(optimizer="sgd", loss="mse", run_eagerly=True), TypeError,
     "run_eagerly"),
    ("set_weights count", lambda m, p: m.set_weights(m.get_weights()[:1]), ValueError, "weights"),
    ("set_weights shape", lambda m, p: m.set_weights([w.T for w in m.get_weights()]), ValueError, "weights"),
    ("Dense units 0", lambda m, p: layers.Dense(0), ValueError, "units"),
    ("Dense units float", lambda m, p: layers.Dense(2.5), ValueError, "units"),
    ("Dense activation", lambda m, p: layers.Dense(3, activation="relux"), ValueError, "activation"),
    ("Dense initializer", lambda m, p: layers.Dense(3, kernel_initializer="glorot"), ValueError, "kernel_initializer"),
    ("Dropout rate 1", lambda m, p: layers.Dropout(1.0), ValueError, "rate"),
    ("Dropout rate str", lambda m, p: layers.Dropout("0.5"), TypeError, "rate"),
    ("Dropout seed", lambda m, p: layers.Dropout(0.5, seed=-1), ValueError, "seed"),
    ("Layer input_shape", lambda m, p: layers.Dense(3, input_shape=(0,)), ValueError, "input_shape"),
    ("Layer kwarg", lambda m, p: layers.Dense(3, unitz=4), TypeError, "unitz"),
    ("SGD learning_rate", lambda m, p: optimizers.SGD(learning_rate=-0.1), ValueError, "learning_rate"),
    ("SGD momentum", lambda m, p: optimizers.SGD(momentum=1.5), ValueError, "momentum"),
    ("Adam beta_1", lambda m, p: optimizers.Adam(beta_1=1.0), ValueError, "beta_1"),
    ("Adam clip both", lambda m, p: optimizers.Adam(clipnorm=1.0, clipvalue=1.0), ValueError, "clipvalue"),
    ("RMSprop rho str", lambda m, p: optimizers.RMSprop(rho="0.9"), TypeError, "rho"),
    ("apply_gradients shapes", lambda m, p: m.optimizer.apply_gradients([(np.ones(3), np.ones(4))]), ValueError,
     "grads_and_vars"),
    ("EarlyStopping patience", lambda m, p: callbacks.EarlyStopping(patience=-1), ValueError, "patience"),
    ("EarlyStopping mode", lambda m, p: callbacks.EarlyStopping(mode="up"), ValueError, "mode"),
    ("EarlyStopping monitor", lambda m, p: callbacks.EarlyStopping(monitor=3), TypeError, "monitor"),
    ("EarlyStopping baseline", lambda m, p: callbacks.EarlyStopping(baseline="low"), TypeError, "baseline"),
    ("ModelCheckpoint filepath", lambda m, p: callbacks.ModelCheckpoint(p / "m.tf"), ValueError, "filepath"),
    ("ModelCheckpoint save_freq", lambda m, p: callbacks.ModelCheckpoint(p / "m.deepgrad", save_freq=0),
     ValueError, "save_freq"),
    ("CSVLogger separator", lambda m, p: callbacks.CSVLogger(p / "l.csv", separator=""), ValueError, "separator"),
    ("CSVLogger append", lambda m, p: callbacks.CSVLogger(p / "l.csv", append="yes"), TypeError, "append"),
    ("TerminateOnNaN raise_error", lambda m, p: callbacks.TerminateOnNaN(raise_error=1), TypeError, "raise_error"),
    ("LambdaCallback hook", lambda m, p: callbacks.LambdaCallback(on_epoch_end="print"), TypeError, "on_epoch_end"),
    ("BackupAndRestore save_freq", lambda m, p: callbacks.BackupAndRestore(p, save_freq=-2), ValueError, "save_freq"),
    # Keras 3: ValueError
    ("BackupAndRestore save_freq float", lambda m, p: callbacks.BackupAndRestore(p, save_freq=0.15), ValueError,
     "save_freq"),
    ("fit callbacks", lambda m, p: m.fit(X, Y, verbose=0, callbacks=[print]), TypeError, "callbacks"),
    ("save extension", lambda m, p: m.save(p / "m.tf"), ValueError, "filepath"),
    ("save path type", lambda m, p: m.save(3), TypeError, "filepath"),
    ("save overwrite", lambda m, p: m.save(p / "m.deepgrad", overwrite="no"), TypeError, "overwrite"),
    ("save_weights extension", lambda m, p: m.save_weights(p / "w.h5"), ValueError, "filepath"),
    ("load_weights path type", lambda m, p: m.load_weights(None), TypeError, "filepath"),
    ("load_weights extension", lambda m, p: m.load_weights(p / "w.pt"), ValueError, "filepath"),
    ("load_model extension", lambda m, p: load_model(p / "m.pkl"), ValueError, "filepath"),
    ("load_model compile", lambda m, p: load_model(p / "m.deepgrad", compile="yes"), TypeError, "compile"),
]


@pytest.mark.parametrize("call, exc, text", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_rejected_before_any_change(model, tmp_path, call, exc, text):
    snap = snapshot(model)
    with pytest.raises(exc) as info:
        call(model, tmp_path)
    assert text in str(info.value)
    assert unchanged(model, snap)
    assert list(tmp_path.iterdir()) == []  # nothing written either
