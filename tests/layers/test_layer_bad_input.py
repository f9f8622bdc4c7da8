"""One table of bad input to the layer constructors (issue 12 item 5).

Each row: the constructor call, the exception class, a regex the message must match (the argument's name and
what was expected). A refused constructor must not advance deepgrad's global generator or NumPy's, and a layer
made before it is untouched. The ``dtype`` rows are issue 13 item 15: a non-float dtype (what a config with
``"dtype": "object"`` hands in) is refused at construction instead of when the first weight is made.
"""

import re

import numpy as np
import pytest

from deepgrad import config, layers as L

CASES = [
    ("Dense units 0", lambda: L.Dense(0), ValueError, r"`units`.*>= 1|`units`.*positive"),
    ("Dense units float", lambda: L.Dense(2.5), ValueError, r"`units`"),
    ("Dense units str", lambda: L.Dense("3"), (TypeError, ValueError), r"`units`"),
    ("Dense activation", lambda: L.Dense(3, activation="relux"), ValueError, r"activation.*relux"),
    ("Dense kernel_initializer", lambda: L.Dense(3, kernel_initializer="glorot"), ValueError, r"kernel_initializer"),
    ("Dense kernel_regularizer", lambda: L.Dense(3, kernel_regularizer="l3"), ValueError, r"kernel_regularizer"),
    ("Dense use_bias", lambda: L.Dense(2, use_bias="no"), TypeError, r"`use_bias` must be a bool"),
    ("Dense dtype object", lambda: L.Dense(2, dtype="object"), TypeError, r"`dtype` must be a float type.*object"),
    ("Dense dtype int32", lambda: L.Dense(2, dtype="int32"), TypeError, r"`dtype` must be a float type.*int32"),
    ("Dense dtype complex", lambda: L.Dense(2, dtype="complex64"), TypeError, r"`dtype` must be a float.*complex64"),
    ("Dense dtype unknown", lambda: L.Dense(2, dtype="nope"), TypeError, r"`dtype` must be a float type.*nope"),
    ("Dense input_shape", lambda: L.Dense(3, input_shape=(0,)), ValueError, r"input_shape"),
    ("Dense name", lambda: L.Dense(3, name=5), TypeError, r"`name` must be a str"),
    ("Dense unknown kwarg", lambda: L.Dense(3, unitz=4), TypeError, r"unitz"),
    ("Dense batch_size", lambda: L.Dense(3, batch_size=0), ValueError, r"batch_size"),
    ("LSTM units 0", lambda: L.LSTM(0), ValueError, r"`units` must be an int >= 1"),
    ("LSTM dropout", lambda: L.LSTM(3, dropout=1.5), ValueError, r"`dropout` must be a finite float in \[0.0, 1.0\)"),
    ("LSTM recurrent_dropout", lambda: L.LSTM(3, recurrent_dropout=-0.1), ValueError, r"`recurrent_dropout`"),
    ("LSTM activation", lambda: L.LSTM(3, activation="nope"), ValueError, r"activation.*nope"),
    ("LSTM dtype", lambda: L.LSTM(3, dtype="object"), TypeError, r"`dtype` must be a float type"),
    ("GRU units str", lambda: L.GRU("3"), TypeError, r"`units` must be an int"),
    ("GRU reset_after", lambda: L.GRU(3, reset_after="yes"), TypeError, r"`reset_after` must be a bool"),
    ("SimpleRNN units -1", lambda: L.SimpleRNN(-1), ValueError, r"`units` must be an int >= 1"),
    ("SimpleRNN return_sequences", lambda: L.SimpleRNN(2, return_sequences=1), TypeError,
     r"`return_sequences` must be a bool"),
    ("Dropout rate 1", lambda: L.Dropout(1.0), ValueError, r"`rate`.*\[0.0, 1.0\)"),
    ("Dropout rate NaN", lambda: L.Dropout(float("nan")), ValueError, r"`rate` must be a finite float"),
    ("Dropout rate str", lambda: L.Dropout("0.5"), TypeError, r"`rate`"),
    ("Dropout seed", lambda: L.Dropout(0.5, seed=-1), ValueError, r"`seed`"),
    ("BatchNormalization momentum", lambda: L.BatchNormalization(momentum=1.5), ValueError,
     r"`momentum` must be a finite float in \[0.0, 1.0\]"),
    ("BatchNormalization epsilon", lambda: L.BatchNormalization(epsilon=-1), ValueError, r"`epsilon`.*\(0.0, inf\)"),
    ("BatchNormalization axis", lambda: L.BatchNormalization(axis="x"), TypeError, r"`axis` must be an int"),
    ("Embedding input_dim", lambda: L.Embedding(0, 3), ValueError, r"`input_dim` must be a positive int"),
    ("Embedding output_dim", lambda: L.Embedding(5, 2.5), ValueError, r"`output_dim` must be a positive int"),
]


@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_a_bad_constructor_argument_is_refused_with_its_name(call, exc, pattern):
    other = L.Dense(2)
    other.build((None, 3))
    kernel = other.kernel.value.copy()
    rng, np_rng = config.rng().bit_generator.state, np.random.get_state()[1].copy()
    with pytest.raises(exc) as info:
        call()
    assert re.search(pattern, str(info.value)), str(info.value)
    assert config.rng().bit_generator.state == rng
    np.testing.assert_array_equal(np.random.get_state()[1], np_rng)
    np.testing.assert_array_equal(other.kernel.value, kernel)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", np.float32, None])
def test_every_float_dtype_is_still_accepted(dtype):
    # the other side of the dtype rows: None means config.floatx() (float32 by default)
    layer = L.Dense(2, dtype=dtype)
    layer.build((None, 3))
    assert layer.kernel.value.dtype == np.dtype(dtype or config.floatx())


def test_a_saved_config_with_an_object_dtype_is_refused_when_loaded():
    # issue 13 item 15: the config loads through the same constructor, so the refusal comes at load, not at fit
    cfg = L.Dense(2).get_config()
    cfg["dtype"] = "object"
    with pytest.raises(TypeError, match=r"`dtype` must be a float type"):
        L.Dense.from_config(cfg)
