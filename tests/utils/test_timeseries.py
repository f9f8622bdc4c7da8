"""Windowing a series: Keras's timeseries_dataset_from_array (batches) and sliding_windows."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import layers
from deepgrad.utils import sliding_windows, timeseries_dataset_from_array


def _all(ds):
    xs, ys = zip(*ds)
    return np.concatenate(xs), np.concatenate(ys)


def test_keras_docs_example_target_at_window_start():
    # Keras docs: data = range(10), sequence_length 3: windows [0,1,2], [1,2,3], ...; 1-D data
    # gives (batch, sequence_length) windows, as Keras
    data = np.arange(10)
    ds = timeseries_dataset_from_array(data, data, sequence_length=3, batch_size=3)
    assert len(ds) == 3                                        # 8 windows in batches of 3
    batches = list(ds)
    assert [b[0].shape for b in batches] == [(3, 3), (3, 3), (2, 3)]
    x, y = _all(ds)
    np.testing.assert_array_equal(x[0], [0, 1, 2])
    np.testing.assert_array_equal(x[-1], [7, 8, 9])
    np.testing.assert_array_equal(y, np.arange(8))


def test_stride_sampling_rate_and_bounds():
    data = np.arange(20).reshape(10, 2)
    ds = timeseries_dataset_from_array(data, None, sequence_length=2, sequence_stride=3,
                                       sampling_rate=2, start_index=1, end_index=9)
    (x,) = list(ds)   # no targets: x batches alone
    # n = 9 - 1 - (2 - 1) * 2 = 6 start offsets 0, 3 -> rows 1, 4; each window takes rows p, p + 2
    np.testing.assert_array_equal(x[:, :, 0], [[2, 6], [8, 12]])


def test_targets_shifted_for_a_horizon_and_unbatched():
    data = np.arange(12.0)
    ds = timeseries_dataset_from_array(data, data[4 + 2 - 1:], sequence_length=4, batch_size=None)
    pairs = list(ds)
    assert len(pairs) == len(ds) == 7                 # 12 - 4 - 2 + 1 windows have a target
    assert pairs[0][0].shape == (4,) and np.ndim(pairs[0][1]) == 0
    assert all(y - x[-1] == 2 for x, y in pairs)


def test_shuffle_uses_keras_seeded_permutation():
    data = np.arange(30)
    ds = timeseries_dataset_from_array(data, data, sequence_length=5, shuffle=True, seed=7, batch_size=100)
    _, y = _all(ds)
    expected = np.arange(26)
    np.random.RandomState(7).shuffle(expected)        # Keras: RandomState(seed).shuffle(start positions)
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(_all(ds)[1], expected)  # every pass the same order


def test_fit_on_batches_matches_arrays():
    rng = np.random.default_rng(0)
    series = rng.normal(size=(40, 1)).astype(np.float32)
    ds = timeseries_dataset_from_array(series, series[5:, 0], sequence_length=5, batch_size=8)
    x, y = _all(ds)
    assert x.shape == (35, 5, 1) and y.shape == (35,)
    model = dg.Sequential([layers.Input((5, 1)), layers.SimpleRNN(3), layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, verbose=0)


def test_sliding_windows():
    s = np.arange(10.0)
    x, y = sliding_windows(s, timesteps=3, horizon=2)
    assert x.shape == (6, 3, 1) and y.shape == (6, 1)
    np.testing.assert_array_equal(x[:, :, 0], [[i, i + 1, i + 2] for i in range(6)])
    np.testing.assert_array_equal(y[:, 0], np.arange(6) + 4)   # last step i+2, plus 2


@pytest.mark.parametrize("kwargs, exc, arg", [
    (dict(data=np.arange(10), sequence_length=3, end_index=10), ValueError, "end_index"),    # Keras raises
    (dict(data=np.arange(10), sequence_length=3, end_index=12), ValueError, "end_index"),
    (dict(data=np.arange(10), sequence_length=3, start_index=5, end_index=4), ValueError, "end_index"),
    (dict(data=np.arange(10), sequence_length=3, start_index=10), ValueError, "start_index"),
    (dict(data=np.arange(10), sequence_length=3, sampling_rate=10), ValueError, "sampling_rate"),
    (dict(data=np.arange(10), sequence_length=3, sequence_stride=0), ValueError, "sequence_stride"),
    (dict(data=np.arange(3), sequence_length=5), ValueError, "sequence_length"),
    (dict(data=np.arange(10), sequence_length=3, batch_size=0), ValueError, "batch_size"),
    (dict(data=np.arange(10), sequence_length=3, shuffle="yes"), TypeError, "shuffle"),
])
def test_errors_name_the_argument(kwargs, exc, arg):
    with pytest.raises(exc, match=arg):
        timeseries_dataset_from_array(targets=None, **kwargs)


def test_sliding_windows_errors():
    with pytest.raises(ValueError, match="horizon"):
        sliding_windows(np.arange(4), timesteps=3, horizon=2)
    with pytest.raises(TypeError, match="timesteps"):
        sliding_windows(np.arange(4), timesteps=2.5)
