"""Fuzz: a refused call changes nothing (issue 13 item 3).

Bounded hypothesis search over bad inputs (NaN, Inf, complex, beyond float32) to every entry
point of a model, built or not: afterwards the built flag, every weight (BatchNormalization's
moving statistics included) and the global random generator's state are what they were.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from deepgrad import layers
from deepgrad.models import Sequential

BAD = {
    "nan": lambda x: np.where(np.arange(x.size).reshape(x.shape) == 0, np.nan, x),
    "inf": lambda x: np.where(np.arange(x.size).reshape(x.shape) == 0, np.inf, x),
    "complex": lambda x: x + 1j,
    "beyond_float32": lambda x: x * 1e39,  # float32's largest finite value is about 3.4e38
}
CALLS = {
    "predict": lambda m, x, y: m.predict(x, verbose=0),
    "predict_on_batch": lambda m, x, y: m.predict_on_batch(x),
    "__call__": lambda m, x, y: m(x),
    "evaluate": lambda m, x, y: m.evaluate(x, y, verbose=0),
    "fit": lambda m, x, y: m.fit(x, y, epochs=1, verbose=0),
    "train_on_batch": lambda m, x, y: m.train_on_batch(x, y),
}


def _model(built):
    m = Sequential([layers.BatchNormalization(), layers.Dense(2), layers.Dropout(0.5), layers.Dense(1)])
    m.compile(optimizer="adam", loss="mse")
    if built:
        m.build((None, 3))
    return m


@settings(max_examples=40, deadline=None)
@given(
    built=st.booleans(),
    bad=st.sampled_from(sorted(BAD)),
    call=st.sampled_from(sorted(CALLS)),
    rows=st.integers(1, 6),
)
def test_a_refused_call_changes_no_state(built, bad, call, rows):
    m = _model(built)
    x = BAD[bad](np.random.default_rng(rows).normal(size=(rows, 3)))
    y = np.zeros((rows, 1))
    weights = [w.copy() for w in m.get_weights()]
    rng = np.random.get_state()
    with pytest.raises((ValueError, TypeError)):
        CALLS[call](m, x, y)
    assert m.built == built
    after = np.random.get_state()
    np.testing.assert_array_equal(after[1], rng[1])
    assert after[2] == rng[2]
    for a, b in zip(weights, m.get_weights()):
        np.testing.assert_array_equal(a, b)
