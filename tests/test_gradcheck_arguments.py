"""Review fixes of deepgrad.gradcheck: its arguments are checked (naming the argument, before any
state changes), and the documented advice about kinks holds."""

import numpy as np
import pytest

from deepgrad import gradcheck, layers


def _square(v):
    return np.sum(v ** 2)


def _grad_square(v):
    return 2 * v


@pytest.mark.parametrize("kw, exc, arg", [
    ({"eps": 0.0}, ValueError, "eps"),             # was ZeroDivisionError
    ({"eps": -1e-6}, ValueError, "eps"),
    ({"eps": float("nan")}, ValueError, "eps"),
    ({"eps": "a"}, TypeError, "eps"),
    ({"directions": 0}, ValueError, "directions"),  # was silently 8 directions
    ({"directions": -1}, ValueError, "directions"),
    ({"directions": 2.5}, TypeError, "directions"),
    ({"seed": -1}, ValueError, "seed"),
])
def test_check_function_validates_arguments(kw, exc, arg):
    with pytest.raises(exc, match=f"`{arg}`"):
        gradcheck.check_function(_square, _grad_square, np.ones(3), **kw)


def test_check_function_names_grad_f_of_the_wrong_size():
    with pytest.raises(ValueError, match="`grad_f`.*shape \\(3,\\).*got shape \\(4,\\)"):
        gradcheck.check_function(_square, lambda v: np.ones(4), np.ones(3))
    # vector-valued f: the VJP must also have x's size
    with pytest.raises(ValueError, match="`grad_f`"):
        gradcheck.check_function(np.sin, lambda v, dy: dy[:2], np.ones(3))


def test_directions_counts_the_random_directions():
    # f is evaluated once for its shape, then twice (theta +- eps d) per direction
    calls = []

    def f(v):
        calls.append(1)
        return np.sum(v ** 2)

    for k in (1, 3):
        calls.clear()
        assert gradcheck.check_function(f, _grad_square, np.linspace(0.1, 1.0, 600),
                                        directions=k) < 1e-7
        assert len(calls) == 1 + 2 * k


@pytest.mark.parametrize("fn", [gradcheck.check_layer, gradcheck.check_model])
def test_layer_checks_validate_before_any_state_changes(float64, fn):
    layer = layers.Dense(2)
    layer(np.ones((1, 3)))
    layer.kernel.grad[...] = 7.0
    before = (layer.kernel.value.copy(), layer.kernel.grad.copy())
    target = layer if fn is gradcheck.check_layer else [layer]
    for kw, exc in (({"eps": 0.0}, ValueError), ({"directions": 0}, ValueError),
                    ({"seed": 1.5}, TypeError)):
        with pytest.raises(exc, match=f"`{next(iter(kw))}`"):
            fn(target, np.ones((1, 3)), **kw)
    # weights and their gradient buffers untouched (the old code had zeroed .grad and run
    # forward/backward before failing in the differences)
    np.testing.assert_array_equal(layer.kernel.value, before[0])
    np.testing.assert_array_equal(layer.kernel.grad, before[1])


def test_kink_advice_in_the_docstring(float64):
    # x with an all-zero row: with Dense's zero bias the row's pre-activations are exactly 0,
    # relu's kink, where central differences give slope 1/2 and backward (PyTorch) gives 0
    x = np.random.default_rng(0).normal(size=(4, 3))
    x[0] = 0.0
    at_kink = gradcheck.check_layer(layers.Dense(4, activation="relu"), x)
    assert at_kink["input"] > 1e-3 and at_kink["bias"] > 1e-3
    assert at_kink["kernel"] < 1e-7      # the zero row contributes nothing to dL/dkernel
    # the documented fix: a nonzero bias moves the pre-activations off the kink
    layer = layers.Dense(4, activation="relu")
    layer.build(x.shape)
    layer.bias.value[...] = 0.1
    assert max(gradcheck.check_layer(layer, x).values()) < 1e-7
    assert "Kinks" in gradcheck.__doc__ and "bias.value[...] = 0.1" in gradcheck.__doc__
