"""pad_sequences (deepgrad.utils and deepgrad.preprocessing.sequence) against Keras's."""

import os

import numpy as np
import pytest

from deepgrad import preprocessing, utils

SEQS = [[1, 2, 3, 4], [5], [], [6, 7]]


@pytest.mark.parametrize("kwargs", [
    {}, {"maxlen": 3}, {"maxlen": 3, "padding": "post"}, {"maxlen": 3, "truncating": "post"},
    {"maxlen": 6, "value": -1}, {"dtype": "float32", "value": 0.5},
    {"maxlen": 2, "padding": "post", "truncating": "post"},
])
def test_matches_keras(kwargs):
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    ours = utils.pad_sequences(SEQS, **kwargs)
    theirs = keras.utils.pad_sequences(SEQS, **kwargs)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_by_hand_and_alias():
    # default "pre" padding and truncation: zeros first, the last maxlen steps kept
    np.testing.assert_array_equal(utils.pad_sequences([[1, 2, 3], [4]], maxlen=2), [[2, 3], [0, 4]])
    assert preprocessing.sequence.pad_sequences is utils.pad_sequences
    steps = utils.pad_sequences([np.ones((2, 3)), np.ones((1, 3))], dtype="float32")
    assert steps.shape == (2, 2, 3) and steps[1, 0].sum() == 0     # multi-feature steps
    text = utils.pad_sequences([["a"], ["b", "c"]], dtype=object, value="<pad>")
    assert text[0].tolist() == ["<pad>", "a"]


@pytest.mark.parametrize("kwargs, arg", [
    (dict(sequences=5), "sequences"), (dict(sequences=[1, 2]), "sequences"),
    (dict(sequences=SEQS, padding="mid"), "padding"), (dict(sequences=SEQS, truncating="x"), "truncating"),
    (dict(sequences=SEQS, maxlen=-1), "maxlen"), (dict(sequences=SEQS, maxlen=2.5), "maxlen"),
    (dict(sequences=SEQS, value="pad"), "value"),
    (dict(sequences=[np.ones((2, 3)), np.ones((1, 2))], dtype="float32"), "shape"),
])
def test_bad_input(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        utils.pad_sequences(**kwargs)
