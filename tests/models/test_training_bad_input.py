"""One table of bad input per model entry point (issue 12 item 5).

Each row: (the call, the exception class, a regex the message must match: the argument's name and what was
expected). Every row also asserts that nothing changed: the built flag, every weight, the optimizer's iterations
and slots, deepgrad's global generator (``deepgrad.config.rng()``) and NumPy's, and the files in the folder.
Rows marked ``UNBUILT`` run on a compiled model that was never built (the flag must stay False).
"""

import re

import numpy as np
import pytest

from deepgrad import config, layers
from deepgrad.models import Sequential, load_model
from deepgrad.utils import set_random_seed

X = np.random.default_rng(0).normal(size=(8, 4))
Y = np.eye(3)[np.arange(8) % 3]
BUILT, UNBUILT = "built", "unbuilt"


def _model(built):
    set_random_seed(0)
    m = Sequential([layers.BatchNormalization(), layers.Dense(5, activation="relu"), layers.Dropout(0.5),
                    layers.Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    if built:
        m.fit(X, Y, epochs=1, batch_size=4, verbose=0)  # optimizer slots exist and are non-trivial
    return m


def _snapshot(m, folder):
    opt = m.optimizer
    state = {k: np.copy(v) for k, v in opt.get_state().items()} if m.built else {}
    return {
        "built": m.built,
        "weights": [w.copy() for w in m.get_weights()] if m.built else [],
        "iterations": int(opt.iterations),
        "state": state,
        "rng": config.rng().bit_generator.state,
        "np_rng": np.random.get_state()[1].copy(),
        "files": sorted((p.name, p.stat().st_size) for p in folder.rglob("*")),
    }


def _assert_unchanged(m, before, folder):
    after = _snapshot(m, folder)
    assert after["built"] == before["built"], "the refused call built the model"
    assert after["iterations"] == before["iterations"]
    assert after["rng"] == before["rng"], "the refused call drew from deepgrad.config.rng()"
    np.testing.assert_array_equal(after["np_rng"], before["np_rng"])
    assert after["files"] == before["files"]
    for a, b in zip(before["weights"], after["weights"]):
        np.testing.assert_array_equal(a, b)
    assert set(after["state"]) == set(before["state"])
    for k in before["state"]:
        np.testing.assert_array_equal(after["state"][k], before["state"][k])



X32 = X.astype(np.float32)
CASES = [
    # fit
    ("fit x None", BUILT, lambda m, p: m.fit(None, Y, verbose=0), ValueError, r"`x`"),
    ("fit x NaN", UNBUILT, lambda m, p: m.fit(X * np.nan, Y, verbose=0), ValueError, r"`x`.*(NaN|finite)"),
    ("fit x Inf", BUILT, lambda m, p: m.fit(X * np.inf, Y, verbose=0), ValueError, r"`x`.*(Inf|finite)"),
    ("fit x 1e39", UNBUILT, lambda m, p: m.fit(X * 1e39, Y, verbose=0), ValueError, r"`x`.*float32"),
    ("fit x complex", BUILT, lambda m, p: m.fit(X + 1j, Y, verbose=0), TypeError, r"`x`.*complex"),
    ("fit x ragged", BUILT, lambda m, p: m.fit([[1, 2], [3]], Y, verbose=0), ValueError, r"`x` must be a rectangular"),
    ("fit x strings", BUILT, lambda m, p: m.fit(np.array([["a"] * 4] * 8), Y, verbose=0), TypeError,
     r"`x` must be numeric"),
    ("fit x features", BUILT, lambda m, p: m.fit(X[:, :3], Y, verbose=0), ValueError, r"`x`"),
    ("fit y rows", BUILT, lambda m, p: m.fit(X, Y[:5], verbose=0), ValueError, r"`y`"),
    pytest.param("fit y rows unbuilt", UNBUILT, lambda m, p: m.fit(X, Y[:5], verbose=0), ValueError, r"`y`"),
    ("fit y NaN", BUILT, lambda m, p: m.fit(X, Y * np.nan, verbose=0), ValueError, r"`y`"),
    ("fit y Inf", UNBUILT, lambda m, p: m.fit(X, np.where(Y > 0, np.inf, Y), verbose=0), ValueError,
     r"`y` contains NaN or Inf"),
    ("fit y labels for one-hot", BUILT, lambda m, p: m.fit(X, np.arange(8) % 3, verbose=0), ValueError,
     r"`y` must have shape \(N, 3\).*to_categorical"),
    ("fit y columns", UNBUILT, lambda m, p: m.fit(X, Y[:, :2], verbose=0), ValueError, r"`y` must have shape \(N, 3\)"),
    ("fit epochs 0", BUILT, lambda m, p: m.fit(X, Y, epochs=-1, verbose=0), ValueError, r"epochs"),
    ("fit epochs str", UNBUILT, lambda m, p: m.fit(X, Y, epochs="2", verbose=0), TypeError, r"epochs"),
    ("fit batch_size 0", BUILT, lambda m, p: m.fit(X, Y, batch_size=0, verbose=0), ValueError, r"batch_size"),
    ("fit batch_size float", UNBUILT, lambda m, p: m.fit(X, Y, batch_size=2.5, verbose=0), (TypeError, ValueError),
     r"batch_size"),
    ("fit verbose", BUILT, lambda m, p: m.fit(X, Y, verbose=7), ValueError, r"verbose"),
    ("fit validation_split", BUILT, lambda m, p: m.fit(X, Y, validation_split=1.5, verbose=0), ValueError,
     r"validation_split"),
    ("fit validation_split 1.0", BUILT, lambda m, p: m.fit(X, Y, validation_split=1.0, verbose=0), ValueError,
     r"validation_split"),
    ("fit sample_weight length", BUILT, lambda m, p: m.fit(X, Y, sample_weight=np.ones(3), verbose=0), ValueError,
     r"sample_weight"),
    ("fit sample_weight negative", BUILT, lambda m, p: m.fit(X, Y, sample_weight=np.r_[np.ones(7), -2.0], verbose=0),
     ValueError, r"`sample_weight` must be finite and non-negative, got -2\.0 at index 7"),
    ("fit sample_weight 1e39", BUILT, lambda m, p: m.fit(X, Y, sample_weight=np.full(8, 1e39), verbose=0),
     ValueError, r"sample_weight"),
    pytest.param("fit sample_weight unbuilt", UNBUILT,
                 lambda m, p: m.fit(X, Y, sample_weight=np.ones(3), verbose=0), ValueError, r"sample_weight"),
    ("fit callbacks", BUILT, lambda m, p: m.fit(X, Y, verbose=0, callbacks=[print]), TypeError, r"callbacks"),
    # evaluate
    ("evaluate x None", BUILT, lambda m, p: m.evaluate(None, Y, verbose=0), ValueError, r"`x`"),
    ("evaluate x NaN", UNBUILT, lambda m, p: m.evaluate(X * np.nan, Y, verbose=0), ValueError, r"`x`"),
    ("evaluate y rows", BUILT, lambda m, p: m.evaluate(X, Y[:5], verbose=0), ValueError, r"`y`"),
    ("evaluate y NaN", BUILT, lambda m, p: m.evaluate(X, Y * np.nan, verbose=0), ValueError, r"`y`.*NaN"),
    ("evaluate batch_size 0", BUILT, lambda m, p: m.evaluate(X, Y, batch_size=0, verbose=0), ValueError,
     r"`batch_size`.*>= 1"),
    ("evaluate verbose", BUILT, lambda m, p: m.evaluate(X, Y, verbose=5), ValueError, r"`verbose`.*got 5"),
    ("evaluate batch_size str", BUILT, lambda m, p: m.evaluate(X, Y, batch_size="8", verbose=0), TypeError,
     r"batch_size"),
    ("evaluate sample_weight", BUILT, lambda m, p: m.evaluate(X, Y, sample_weight=np.ones(3), verbose=0),
     ValueError, r"sample_weight"),
    # predict
    ("predict x NaN", UNBUILT, lambda m, p: m.predict(np.array([[np.nan, 1.0, 2.0, 3.0]]), verbose=0), ValueError,
     r"`x`"),
    ("predict x 1e39", BUILT, lambda m, p: m.predict(X * 1e39, verbose=0), ValueError, r"`x`.*float32"),
    ("predict x complex", UNBUILT, lambda m, p: m.predict(X + 1j, verbose=0), TypeError, r"`x`.*complex"),
    ("predict x object", BUILT, lambda m, p: m.predict(np.array([[object()] * 4]), verbose=0), (TypeError, ValueError),
     r"`x`"),
    ("predict x string", BUILT, lambda m, p: m.predict("abcd", verbose=0), (TypeError, ValueError), r"`x`"),
    ("predict x features", BUILT, lambda m, p: m.predict(X[:, :2], verbose=0), ValueError, r"`x`"),
    ("predict batch_size -1", BUILT, lambda m, p: m.predict(X, batch_size=-1, verbose=0), ValueError, r"batch_size"),
    # train_on_batch / test_on_batch / predict_on_batch
    ("train_on_batch x shape", BUILT, lambda m, p: m.train_on_batch(X[:, :3], Y), ValueError, r"`x`"),
    ("train_on_batch x Inf", UNBUILT, lambda m, p: m.train_on_batch(X * np.inf, Y), ValueError, r"`x`"),
    ("train_on_batch y NaN", BUILT, lambda m, p: m.train_on_batch(X, Y * np.nan), ValueError, r"`y`"),
    ("train_on_batch sample_weight", BUILT, lambda m, p: m.train_on_batch(X, Y, sample_weight=np.ones(2)),
     ValueError, r"sample_weight"),
    ("test_on_batch x NaN", BUILT, lambda m, p: m.test_on_batch(X * np.nan, Y), ValueError, r"`x`"),
    ("test_on_batch y rows", BUILT, lambda m, p: m.test_on_batch(X, Y[:2]), ValueError, r"`y`"),
    ("predict_on_batch x complex", BUILT, lambda m, p: m.predict_on_batch(X + 1j), TypeError, r"`x`"),
    ("predict_on_batch x NaN", UNBUILT, lambda m, p: m.predict_on_batch(X * np.nan), ValueError, r"`x`"),
    # __call__
    ("__call__ x NaN", UNBUILT, lambda m, p: m(X * np.nan), ValueError, r"`x`|inputs"),
    ("__call__ x features", BUILT, lambda m, p: m(X[:, :1]), ValueError, r"`x`|inputs"),
    ("__call__ x 1e39", BUILT, lambda m, p: m(X * 1e39), ValueError, r"float32"),
    # compile
    ("compile loss None", BUILT, lambda m, p: m.compile(optimizer="sgd", loss=None), ValueError, r"loss"),
    ("compile unknown loss", BUILT, lambda m, p: m.compile(optimizer="sgd", loss="hinge_of_doom"), ValueError,
     r"loss.*hinge_of_doom|hinge_of_doom"),
    ("compile unknown optimizer", UNBUILT, lambda m, p: m.compile(optimizer="adamz", loss="mse"), ValueError,
     r"adamz"),
    ("compile metrics str", BUILT, lambda m, p: m.compile(optimizer="sgd", loss="mse", metrics="accuracy"),
     TypeError, r"metrics"),
    ("compile unknown metric", BUILT, lambda m, p: m.compile(optimizer="sgd", loss="mse", metrics=["acuracy"]),
     ValueError, r"acuracy"),
    ("compile unknown kwarg", BUILT, lambda m, p: m.compile(optimizer="sgd", loss="mse", run_eagerly=True),
     TypeError, r"run_eagerly"),
    # weights
    ("set_weights count", BUILT, lambda m, p: m.set_weights(m.get_weights()[:1]), ValueError,
     r"`weights` must hold \d+ arrays"),
    ("set_weights shape", BUILT, lambda m, p: m.set_weights([w.T for w in m.get_weights()]), ValueError,
     r"shape"),
    # save / load
    ("save extension", BUILT, lambda m, p: m.save(p / "m.pkl"), ValueError, r"filepath"),
    ("save path type", BUILT, lambda m, p: m.save(3), TypeError, r"filepath"),
    ("save overwrite", BUILT, lambda m, p: m.save(p / "m.deepgrad", overwrite="no"), TypeError, r"overwrite"),
    ("save_weights extension", BUILT, lambda m, p: m.save_weights(p / "w.h5"), ValueError, r"filepath"),
    ("load_weights path type", BUILT, lambda m, p: m.load_weights(None), TypeError, r"filepath"),
    ("load_weights extension", BUILT, lambda m, p: m.load_weights(p / "w.pt"), ValueError, r"filepath"),
    ("load_weights missing", BUILT, lambda m, p: m.load_weights(p / "none.weights.h5"), (FileNotFoundError, ValueError),
     r"none\.weights\.h5|filepath"),
    ("load_model extension", BUILT, lambda m, p: load_model(p / "m.pkl"), ValueError, r"filepath"),
    ("load_model compile", BUILT, lambda m, p: load_model(p / "m.deepgrad", compile="yes"), TypeError, r"compile"),
]



def _args(case):
    if hasattr(case, "values"):
        return pytest.param(*case.values[1:], marks=case.marks, id=case.values[0])
    return pytest.param(*case[1:], id=case[0])


@pytest.mark.parametrize("state, call, exc, pattern", [_args(c) for c in CASES])
def test_bad_input_is_refused_with_its_name_before_any_change(tmp_path, state, call, exc, pattern):
    m = _model(state == BUILT)
    before = _snapshot(m, tmp_path)
    with pytest.raises(exc) as info:
        call(m, tmp_path)
    assert re.search(pattern, str(info.value)), str(info.value)
    _assert_unchanged(m, before, tmp_path)
