"""Regularizers: Keras defaults, penalties, gradients (checked by central differences)."""

import numpy as np
import pytest

from deepgrad import gradcheck, regularizers

W = np.array([[0.5, -2.0], [1.5, -0.25]])


def test_defaults_and_values():
    assert regularizers.L1().l1 == 0.01 and regularizers.L2().l2 == 0.01
    both = regularizers.L1L2()
    assert both.l1 == 0.0 and both.l2 == 0.0 and both(W) == 0.0
    # l2 * sum w^2 = 0.01 * (0.25 + 4 + 2.25 + 0.0625); l1 * sum |w| = 0.01 * 4.25
    assert regularizers.L2()(W) == pytest.approx(0.065625)
    assert regularizers.L1()(W) == pytest.approx(0.0425)
    assert regularizers.L1L2(l1=0.1, l2=0.2)(W) == pytest.approx(0.1 * 4.25 + 0.2 * 6.5625)


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.7), regularizers.L1L2(0.2, 0.5)])
def test_gradient(reg):
    assert gradcheck.check_function(reg, reg.grad, W) < 1e-8
    np.testing.assert_allclose(reg.grad(W), 2 * getattr(reg, "l2", 0) * W + getattr(reg, "l1", 0) * np.sign(W))


def test_get_and_validation():
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert regularizers.get(None) is None
    reg = regularizers.get({"class_name": "L2", "config": {"l2": 1e-4}})
    assert reg.l2 == 1e-4 and regularizers.serialize(reg) == {"class_name": "L2", "config": {"l2": 1e-4}}
    with pytest.raises(ValueError, match="`l2`"):
        regularizers.L2(-1.0)
    with pytest.raises(ValueError, match="Valid names"):
        regularizers.get("l3")
    with pytest.raises(TypeError, match="`regularizer`"):
        regularizers.get(0.01)
