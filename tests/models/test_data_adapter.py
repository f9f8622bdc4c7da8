"""fit / evaluate / predict on iterables and generators of batches (models/data_adapter.py), Keras 3 rules."""

import warnings

import numpy as np
import pytest

from deepgrad import config, layers
from deepgrad.models import Sequential
from deepgrad.utils import set_random_seed

X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
Y = (X[:, :1] - X[:, 1:2]).astype(np.float32)


def _model():
    set_random_seed(1)
    m = Sequential([layers.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def _gen(n_batches=None, size=5):
    b = 0
    while n_batches is None or b < n_batches:
        i = (b % 4) * size
        yield X[i:i + size], Y[i:i + size]
        b += 1


def test_fit_on_a_generator_equals_fit_on_the_arrays_bit_for_bit():
    # the same batches in the same order (shuffle=False, batch 5 -> 4 batches per epoch)
    a, b = _model(), _model()
    a.fit(X, Y, batch_size=5, epochs=3, shuffle=False, verbose=0)
    h = b.fit(_gen(), steps_per_epoch=4, epochs=3, verbose=0)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)
    assert len(h.history["loss"]) == 3


def test_a_re_iterable_dataset_starts_afresh_each_epoch_and_evaluate_predict_take_it():
    batches = [(X[i:i + 5], Y[i:i + 5]) for i in range(0, 20, 5)]

    class Dataset:
        def __iter__(self):
            return iter(batches)

        def __len__(self):
            return len(batches)

    a, b = _model(), _model()
    a.fit(X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    b.fit(Dataset(), epochs=2, verbose=0)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_allclose(b.evaluate(Dataset(), verbose=0), a.evaluate(X, Y, batch_size=5, verbose=0),
                               rtol=1e-6)
    np.testing.assert_array_equal(b.predict(Dataset(), verbose=0), a.predict(X, verbose=0))
    np.testing.assert_array_equal(b.predict(Dataset(), steps=2, verbose=0), a.predict(X[:10], verbose=0))


def test_a_generator_that_runs_out_warns_as_keras_and_stops():
    m = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        h = m.fit(_gen(6), steps_per_epoch=4, epochs=5, verbose=0)
    assert h.epoch == [0, 1]  # 4 batches, then 2 of 4: the partial epoch ends, training stops
    m = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        h = m.fit(_gen(4), epochs=3, verbose=0)  # one pass, then nothing
    assert h.epoch == [0]


def test_validation_iterable_with_validation_steps():
    m = _model()
    h = m.fit(_gen(), steps_per_epoch=2, epochs=2, verbose=0, validation_data=_gen(), validation_steps=1)
    assert len(h.history["val_loss"]) == 2


@pytest.mark.parametrize("kwargs, match", [
    (dict(y=Y), "`y` cannot be given"),
    (dict(batch_size=8), "`batch_size` cannot be given"),
    (dict(validation_split=0.2), "`validation_split` cannot be given"),
    (dict(class_weight={0: 1.0}), "`class_weight` cannot be given"),
    (dict(steps_per_epoch=0), "steps_per_epoch"),
])
def test_bad_arguments_with_an_iterable_change_nothing(kwargs, match):
    m = Sequential([layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    state = config.rng().bit_generator.state
    with pytest.raises(ValueError, match=match):
        m.fit(_gen(2), verbose=0, **kwargs)
    assert not m.built and config.rng().bit_generator.state == state


def test_a_bad_batch_is_refused_before_the_model_is_built():
    m = Sequential([layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="NaN"):
        m.fit(iter([(np.full((2, 3), np.nan), np.zeros((2, 1)))]), verbose=0)
    assert not m.built


def test_steps_with_arrays_is_refused():
    with pytest.raises(ValueError, match="steps_per_epoch"):
        _model().fit(X, Y, steps_per_epoch=2, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _model().fit(X, Y, verbose=0)
