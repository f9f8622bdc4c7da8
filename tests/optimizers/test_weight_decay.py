"""The weight-decay selection (optimizers/_weight_decay.py) on its own: which variables
``exclude_from_weight_decay`` spares, and the ``decays`` lookup the chain's decay step reads."""

import numpy as np
import pytest

from deepgrad import optimizers as O
from deepgrad.optimizers import _weight_decay as WD


class W:  # a layer Weight: .name and .value
    def __init__(self, name, value):
        self.name, self.value = name, value


def test_takes_decay_by_identity_and_by_name():
    k, b = W("dense/kernel", np.ones(3)), W("dense/bias", np.ones(2))
    bare = np.ones(2)
    # excluded: the Weight object itself, its .value array, a Weight whose array is excluded
    assert not WD.takes_decay(k, [k], [])
    assert not WD.takes_decay(k.value, [k], [])
    assert not WD.takes_decay(k, [k.value], [])
    # an equal but distinct array is not the same variable (identity, not value)
    assert WD.takes_decay(np.ones(3), [k], [])
    # by name: a substring of a Weight's name; a bare array has no name
    assert not WD.takes_decay(b, [], ["bias"])
    assert WD.takes_decay(k, [], ["bias"])
    assert WD.takes_decay(bare, [], ["bias"])


def test_decay_selection_is_none_when_all_decay():
    k, b = W("dense/kernel", np.ones(3)), W("dense/bias", np.ones(2))
    assert WD.decay_selection([k, b], [], ["gamma"]) is None  # no exclusion matches: decay everywhere
    decays = WD.decay_selection([k, b], [], ["bias"])
    assert (decays(0), decays(1)) == (True, False)


def test_check_exclusions_refuses_before_recording():
    opt = O.SGD(0.1, weight_decay=0.5)
    with pytest.raises(TypeError, match=r"`var_list`\[1\] must be a NumPy array"):
        opt.exclude_from_weight_decay(var_list=[np.ones(2), 3])
    with pytest.raises(TypeError, match=r"`var_names`\[0\] must be a str"):
        opt.exclude_from_weight_decay(var_names=[b"bias"])
    assert opt._exclude_vars == [] and opt._exclude_names == []  # nothing recorded by a refused call
    x = np.ones(2)
    opt.apply_gradients([(np.zeros(2), x)])
    np.testing.assert_allclose(x, 1 - 0.1 * 0.5)  # still decays: w - lr * wd * w
