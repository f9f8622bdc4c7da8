"""Windowing a series into (samples, timesteps, features) with targets at a horizon."""

import numpy as np
import pytest

from deepgrad.utils import sliding_windows, timeseries_dataset_from_array


def test_keras_convention_target_at_window_start():
    # Keras docs example: data = range(10), sequence_length 3: windows [0,1,2], [1,2,3], ...
    data = np.arange(10)
    x, y = timeseries_dataset_from_array(data, data, sequence_length=3)
    assert x.shape == (8, 3, 1)
    np.testing.assert_array_equal(x[0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(x[-1, :, 0], [7, 8, 9])
    np.testing.assert_array_equal(y, np.arange(8))


def test_stride_sampling_rate_and_bounds():
    data = np.arange(20).reshape(10, 2)
    x = timeseries_dataset_from_array(data, None, sequence_length=2, sequence_stride=3,
                                      sampling_rate=2, start_index=1, end_index=9)
    # starts 1, 4 (7 would need step 9 >= end 9); each window takes rows s, s + 2
    np.testing.assert_array_equal(x[:, :, 0], [[2, 6], [8, 12]])


def test_targets_shifted_for_a_horizon():
    # the notes' setting: predict the value `horizon` steps after the window's last step
    data = np.arange(12.0)
    x, y = timeseries_dataset_from_array(data, data[4 + 2 - 1:], sequence_length=4)
    assert len(x) == 7 == len(y)                 # 12 - 4 - 2 + 1 windows have a target
    np.testing.assert_array_equal(y - x[:, -1, 0], 2)


def test_sliding_windows():
    s = np.arange(10.0)
    x, y = sliding_windows(s, timesteps=3, horizon=2)
    assert x.shape == (6, 3, 1) and y.shape == (6, 1)
    np.testing.assert_array_equal(x[:, :, 0], [[i, i + 1, i + 2] for i in range(6)])
    np.testing.assert_array_equal(y[:, 0], np.arange(6) + 4)   # last step i+2, plus 2


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="sequence_length"):
        timeseries_dataset_from_array(np.arange(3), None, sequence_length=5)
    with pytest.raises(ValueError, match="data"):
        timeseries_dataset_from_array(np.zeros((2, 2, 2)), None, sequence_length=1)
    with pytest.raises(ValueError, match="horizon"):
        sliding_windows(np.arange(4), timesteps=3, horizon=2)
    with pytest.raises(TypeError, match="timesteps"):
        sliding_windows(np.arange(4), timesteps=2.5)
