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


BAD_TARGETS = {  # each is refused by the data checks; on an unbuilt model they used to run after the build
    "y_nan": dict(y=np.full((4, 1), np.nan)),
    "y_wrong_width": dict(y=np.zeros((4, 3))),  # the model's output is (None, 1)
    "y_wrong_rows": dict(y=np.zeros((3, 1))),
    "sample_weight_beyond_float32": dict(y=np.zeros((4, 1)), sample_weight=np.full(4, 1e39)),
    "sample_weight_negative": dict(y=np.zeros((4, 1)), sample_weight=-np.ones(4)),
    "validation_x_wrong_shape": dict(y=np.zeros((4, 1)), validation_data=(np.ones((2, 5)), np.zeros((2, 1)))),
}
TARGET_CALLS = {
    "fit": lambda m, kw: m.fit(np.ones((4, 3)), epochs=1, verbose=0, **kw),
    "evaluate": lambda m, kw: m.evaluate(np.ones((4, 3)), verbose=0, **kw),
    "train_on_batch": lambda m, kw: m.train_on_batch(np.ones((4, 3)), **kw),
    "test_on_batch": lambda m, kw: m.test_on_batch(np.ones((4, 3)), **kw),
}


@pytest.mark.parametrize("call", sorted(TARGET_CALLS))
@pytest.mark.parametrize("bad", sorted(BAD_TARGETS))
def test_bad_targets_leave_an_unbuilt_model_unbuilt(call, bad):
    from deepgrad import config
    kw = dict(BAD_TARGETS[bad])
    if call != "fit" and "validation_data" in kw:
        pytest.skip("validation_data is fit's argument")
    m = _model(built=False)
    state = config.rng().bit_generator.state
    with pytest.raises(ValueError):
        TARGET_CALLS[call](m, kw)
    assert not m.built
    assert config.rng().bit_generator.state == state  # building would have drawn initial weights
