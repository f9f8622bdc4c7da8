"""A None gradient given to an optimizer is named as such (Keras: "No gradients provided")."""

import numpy as np
import pytest

from deepgrad import optimizers


def test_all_none_uses_keras_message():
    w = np.ones(2)
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        optimizers.SGD().apply_gradients([(None, w)])
    np.testing.assert_array_equal(w, 1.0)


def test_one_none_is_named():
    a, b = np.ones(2), np.ones(3)
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match=r"\[1\]: the gradient is None"):
        opt.apply_gradients([(np.ones(2), a), (None, b)])
    np.testing.assert_array_equal(a, 1.0)   # nothing moved
    assert opt.iterations == 0
