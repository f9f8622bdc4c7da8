"""One table of bad input per ``deepgrad.utils`` function (issue 12 item 5): to_categorical, pad_sequences,
timeseries_dataset_from_array. Each row: the call, the exception class, a regex the message must match (the
argument's name and what was expected); the caller's arrays are not modified and no random number is drawn."""

import re

import numpy as np
import pytest

from deepgrad import config
from deepgrad.utils import pad_sequences, timeseries_dataset_from_array, to_categorical

CASES = [
    ("to_categorical negative", lambda a: to_categorical(a[:2] - 1), ValueError, r"`y` labels must be >= 0"),
    ("to_categorical num_classes", lambda a: to_categorical(a[:3], num_classes=2), ValueError,
     r"`y` labels must be < num_classes=2"),
    ("to_categorical float", lambda a: to_categorical(a[:3] + 0.5), ValueError, r"`y` must hold integer class"),
    ("to_categorical NaN", lambda a: to_categorical(a[:3] * np.nan), ValueError, r"`y` must hold integer class"),
    ("to_categorical dtype", lambda a: to_categorical(a[:3], dtype="nope"), TypeError, r"`dtype` must be a NumPy"),
    ("pad_sequences maxlen", lambda a: pad_sequences([a[:3]], maxlen=-1), ValueError,
     r"`maxlen` must be None or an int >= 0"),
    ("pad_sequences padding", lambda a: pad_sequences([a[:3]], padding="mid"), ValueError, r"`padding` must be"),
    ("pad_sequences truncating", lambda a: pad_sequences([a[:3]], truncating="mid"), ValueError,
     r"`truncating` must be"),
    ("pad_sequences sequences", lambda a: pad_sequences(3), ValueError, r"`sequences` must be a list"),
    ("pad_sequences value", lambda a: pad_sequences([a[:3]], value="x"), ValueError, r"`value`"),
    ("timeseries sequence_length", lambda a: timeseries_dataset_from_array(a, None, 0), ValueError,
     r"`sequence_length` must be an int >= 1"),
    ("timeseries sequence_stride", lambda a: timeseries_dataset_from_array(a, None, 3, sequence_stride=0),
     ValueError, r"`sequence_stride`"),
    ("timeseries sampling_rate", lambda a: timeseries_dataset_from_array(a, None, 3, sampling_rate=0), ValueError,
     r"`sampling_rate`"),
    ("timeseries batch_size", lambda a: timeseries_dataset_from_array(a, None, 3, batch_size=0), ValueError,
     r"`batch_size`"),
    ("timeseries start_index", lambda a: timeseries_dataset_from_array(a, None, 3, start_index=20), ValueError,
     r"`start_index` must be lower than the length of the data"),
    ("timeseries end_index", lambda a: timeseries_dataset_from_array(a, None, 3, start_index=5, end_index=2),
     ValueError, r"`end_index` must be higher than `start_index`"),
]


@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_a_bad_argument_is_refused_with_its_name(call, exc, pattern):
    a = np.arange(10)
    rng = config.rng().bit_generator.state
    with pytest.raises(exc) as info:
        call(a)
    assert re.search(pattern, str(info.value)), str(info.value)
    np.testing.assert_array_equal(a, np.arange(10))
    assert config.rng().bit_generator.state == rng
