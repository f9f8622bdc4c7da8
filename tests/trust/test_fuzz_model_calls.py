"""Fuzz: any call to a model's entry points either is refused with nothing changed, or is accepted with
finite outputs (issue 13, "Done when": state unchanged after any refused call).

Extends tests/trust/test_trust_refused_calls.py (which only draws bad ``x``) to arguments mixing valid and
invalid values in every position: ``x``, ``y``, ``sample_weight``, ``batch_size``, ``epochs``, built and unbuilt
models. Refused means ValueError or TypeError; nothing changed means the built flag, every weight (BatchNorm's
moving statistics included), the optimizer's iterations and deepgrad's and NumPy's generators.
"""

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from deepgrad import config, layers
from deepgrad.models import Sequential
from deepgrad.utils import set_random_seed

ROWS = 6
_BASE = np.random.default_rng(0).normal(size=(ROWS, 3))
# Whole-array corruptions; None keeps the value valid so that accepted calls are exercised too.
_ARRAYS = {
    "valid": lambda a: a,
    "nan": lambda a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.nan, a),
    "inf": lambda a: np.where(np.arange(a.size).reshape(a.shape) == a.size - 1, -np.inf, a),
    "1e39": lambda a: a * 1e39,  # beyond float32's largest finite value (about 3.4e38)
    "complex": lambda a: a + 1j,
    "object": lambda a: a.astype(object),
    "strings": lambda a: a.astype(str),
    "empty": lambda a: a[:0],
    "wrong_rows": lambda a: a[:-1],
    "wrong_width": lambda a: np.concatenate([a, a], axis=-1),
    "flat": lambda a: a.reshape(-1),
    "huge_int": lambda a: np.full(a.shape, 2 ** 62, dtype=np.int64),
    "negative": lambda a: -np.abs(a),
}
# Half the draws keep an argument valid, so that accepted calls (and their finite outputs) are exercised too.
_ARRAY_KINDS = st.one_of(st.just("valid"), st.sampled_from(sorted(_ARRAYS)))
_SCALARS = st.one_of(st.sampled_from([None, 1, 2, 32]), st.sampled_from([0, -1, 2.5, "3", 2 ** 63, float("nan")]))
CALLS = ("fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch", "__call__")


def _model(built):
    set_random_seed(1)
    m = Sequential([layers.BatchNormalization(), layers.Dense(4, activation="tanh"), layers.Dropout(0.5),
                    layers.Dense(2)])
    m.compile(optimizer="adam", loss="mse")
    if built:
        m.fit(_BASE, np.zeros((ROWS, 2)), epochs=1, batch_size=3, verbose=0)
    return m


def _state(m):
    return (m.built, [w.copy() for w in m.get_weights()] if m.built else [], int(m.optimizer.iterations),
            config.rng().bit_generator.state, np.random.get_state()[1].copy())


def _call(m, name, x, y, sw, batch_size, epochs):
    kw = {} if batch_size is None else {"batch_size": batch_size}
    if name == "fit":
        return m.fit(x, y, sample_weight=sw, epochs=1 if epochs is None else epochs, verbose=0, **kw).history["loss"]
    if name == "evaluate":
        return m.evaluate(x, y, sample_weight=sw, verbose=0, **kw)
    if name == "predict":
        return m.predict(x, verbose=0, **kw)
    if name == "train_on_batch":
        return m.train_on_batch(x, y, sample_weight=sw)
    if name == "test_on_batch":
        return m.test_on_batch(x, y, sample_weight=sw)
    if name == "predict_on_batch":
        return m.predict_on_batch(x)
    return m(x)


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(built=st.booleans(), call=st.sampled_from(CALLS), x=_ARRAY_KINDS, y=_ARRAY_KINDS,
       sw=st.one_of(st.none(), _ARRAY_KINDS), batch_size=_SCALARS, epochs=_SCALARS)
def test_any_call_is_refused_unchanged_or_accepted_finite(built, call, x, y, sw, batch_size, epochs):
    m = _model(built)
    before = _state(m)
    args = (_ARRAYS[x](_BASE), _ARRAYS[y](np.zeros((ROWS, 2)) + 0.5),
            None if sw is None else _ARRAYS[sw](np.ones(ROWS)), batch_size, epochs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)  # a silent cast is a bug, not a refusal
            out = _call(m, call, *args)
    except (ValueError, TypeError) as e:
        after = _state(m)
        assert after[0] == before[0], f"{call} built the model before refusing: {e}"
        assert after[2] == before[2], f"{call} stepped the optimizer before refusing: {e}"
        assert after[3] == before[3], f"{call} drew from deepgrad.config.rng() before refusing: {e}"
        np.testing.assert_array_equal(after[4], before[4])
        for a, b in zip(before[1], after[1]):
            np.testing.assert_array_equal(a, b, err_msg=f"{call} changed a weight before refusing: {e}")
        return
    assert np.all(np.isfinite(np.asarray(out, dtype=float))), (call, x, y, sw, out)
    assert all(np.all(np.isfinite(w)) for w in m.get_weights())
