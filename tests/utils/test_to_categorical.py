"""deepgrad.utils.to_categorical against an independent one-hot construction (rows of the identity)."""

import numpy as np
import pytest

from deepgrad.utils import to_categorical


def _eye_rows(y, n):
    # Independent construction: row k of the n x n identity is the one-hot code of class k.
    return np.eye(n)[np.asarray(y, dtype=np.int64)]


def test_values_and_default_dtype():
    y = [0, 2, 1, 2, 0]
    out = to_categorical(y)
    assert out.dtype == np.float32 and out.shape == (5, 3)  # num_classes = max(y) + 1 = 3
    np.testing.assert_array_equal(out, _eye_rows(y, 3))
    assert to_categorical([3]).tolist() == [[0.0, 0.0, 0.0, 1.0]]  # transcribed by hand


def test_num_classes_adds_zero_columns():
    out = to_categorical(np.array([1, 0]), num_classes=5)
    np.testing.assert_array_equal(out, _eye_rows([1, 0], 5))
    assert out[:, 2:].sum() == 0


@pytest.mark.parametrize("shape, out_shape", [
    ((6,), (6, 4)),
    ((6, 1), (6, 4)),        # a trailing axis of 1 is dropped, as Keras does
    ((2, 3), (2, 3, 4)),
    ((2, 3, 1), (2, 3, 4)),
    ((), (4,)),
])
def test_shapes(shape, out_shape):
    y = (np.arange(int(np.prod(shape))) % 4).reshape(shape)
    out = to_categorical(y, num_classes=4)
    assert out.shape == out_shape
    np.testing.assert_array_equal(out.reshape(-1, 4), _eye_rows(y.reshape(-1), 4))


@pytest.mark.parametrize("dtype", ["float64", "float16", "int32", "uint8", np.float64])
def test_dtype(dtype):
    out = to_categorical([1, 0], dtype=dtype)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, [[0, 1], [1, 0]])


def test_label_dtypes_accepted():
    expected = _eye_rows([2, 0, 1], 3)
    for y in (np.array([2, 0, 1], np.uint8), np.array([2, 0, 1], np.int64), np.array([2.0, 0.0, 1.0]),
              [2, 0, 1], (2, 0, 1)):
        np.testing.assert_array_equal(to_categorical(y), expected)


def test_empty_with_num_classes():
    assert to_categorical(np.array([], dtype=int), num_classes=3).shape == (0, 3)


@pytest.mark.parametrize("y, kwargs, exc, pattern", [
    ([0, -1, 2], {}, ValueError, "`y` labels must be >= 0, got -1"),
    ([0, 1.5], {}, ValueError, "`y` must hold integer class labels, got non-integer value 1.5"),
    ([0, np.nan], {}, ValueError, "`y` must hold integer class labels"),
    ([0, np.inf], {}, ValueError, "`y` must hold integer class labels"),
    ([0, 3], {"num_classes": 3}, ValueError, "`y` labels must be < num_classes=3, got 3"),
    ([0, 5], {"num_classes": 2}, ValueError, "max\\(y\\) \\+ 1 = 6"),
    ([], {}, ValueError, "`y` is empty"),
    ([[0, 1], [2]], {}, ValueError, "`y` must be a rectangular array"),
    (["a", "b"], {}, TypeError, "`y` must hold integer class labels, got dtype"),
    ([0, 1], {"num_classes": 0}, ValueError, "`num_classes` must be an int >= 1, got 0"),
    ([0, 1], {"num_classes": 2.0}, TypeError, "`num_classes` must be an int"),
    ([0, 1], {"dtype": "str"}, TypeError, "`dtype` must be a numeric dtype"),
    ([0, 1], {"dtype": "no-such-type"}, TypeError, "`dtype` must be a NumPy dtype name"),
])
def test_bad_input(y, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        to_categorical(y, **kwargs)
