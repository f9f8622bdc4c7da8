"""deepgrad.explain: deck 000's 2-2-1 backprop example and one LSTM step.

The numbers come from the library's Dense.backward; here they are checked against the notes'
formulas written out by hand, against float64 central finite differences, and against a hand
computation of the default example.
"""

import math

import numpy as np
import pytest

from deepgrad import activations
from deepgrad.cli import main
from deepgrad.explain import backprop, lstm_step
from deepgrad.explain.backprop import DEFAULT_WEIGHTS, WEIGHT_NAMES, loss_at


def test_default_example_equals_the_hand_computation():
    # x1 = 1, x2 = 2, y = 0, f = ReLU, alpha = 0.1, weights (notes' order)
    # w_01 w_11 w_21 = 0.1 0.2 0.3;  w_02 w_12 w_22 = -0.1 -0.4 0.1;  w_0 w_1 w_2 = 0.1 0.5 -0.6
    e = backprop()
    # forward: z_1 = 0.1 + 0.2*1 + 0.3*2 = 0.9 -> u_1 = 0.9
    #          z_2 = -0.1 - 0.4*1 + 0.1*2 = -0.3 -> u_2 = ReLU(-0.3) = 0
    #          z^(2) = 0.1 + 0.5*0.9 - 0.6*0 = 0.55 -> y-hat = 0.55, L = 0.55^2 = 0.3025
    expected_forward = {"z_1^(1)": 0.9, "z_2^(1)": -0.3, "u_1": 0.9, "u_2": 0.0,
                        "z^(2)": 0.55, "y-hat": 0.55, "L": 0.3025}
    for k, v in expected_forward.items():
        assert e.forward[k] == pytest.approx(v, abs=1e-14), k
    # errors: eps^(2) = 2 (0.55 - 0) = 1.1; f'(z^(2)) = 1 (z^(2) > 0)
    #         eps_1^(1) = 1.1 * 1 * 0.5 = 0.55;  eps_2^(1) = 1.1 * 1 * (-0.6) = -0.66
    assert e.errors["eps^(2)"] == pytest.approx(1.1, abs=1e-14)
    assert e.errors["eps_1^(1)"] == pytest.approx(0.55, abs=1e-14)
    assert e.errors["eps_2^(1)"] == pytest.approx(-0.66, abs=1e-14)
    assert e.derivatives == {"f'(z_1^(1))": 1.0, "f'(z_2^(1))": 0.0, "f'(z^(2))": 1.0}
    # output layer: dL/dw_h^(2) = eps^(2) f'(z^(2)) u_h, u_0 = 1: 1.1, 1.1*0.9 = 0.99, 1.1*0 = 0
    # hidden unit 1: eps_1 f'(z_1) x_j = 0.55 * (1, 1, 2) = 0.55, 0.55, 1.1
    # hidden unit 2: f'(z_2) = 0 -> 0, 0, 0 (the dead ReLU unit gets no gradient)
    expected_grad = [0.55, 0.55, 1.1, 0.0, 0.0, 0.0, 1.1, 0.99, 0.0]
    # SGD: w - 0.1 * grad
    expected_new = [0.1 - 0.055, 0.2 - 0.055, 0.3 - 0.11, -0.1, -0.4, 0.1,
                    0.1 - 0.11, 0.5 - 0.099, -0.6]
    for name, g, w in zip(WEIGHT_NAMES, expected_grad, expected_new):
        assert e.gradient[name] == pytest.approx(g, abs=1e-14), name
        assert e.updated[name] == pytest.approx(w, abs=1e-14), name
    table = e.table()
    assert "eps_2^(1)" in table and "-0.66" in table and "0.401" in table   # 0.5 - 0.099


def _f_and_fprime(name, z):
    """The activations' formulas written out by hand (not the library's)."""
    sig = 1 / (1 + math.exp(-z))
    if name == "sigmoid":
        return sig, sig * (1 - sig)
    if name == "tanh":
        return math.tanh(z), 1 - math.tanh(z) ** 2
    if name == "relu":
        return max(z, 0.0), float(z > 0)
    if name == "elu":
        return (z, 1.0) if z > 0 else (math.exp(z) - 1, math.exp(z))
    if name == "softplus":
        return math.log1p(math.exp(z)), sig
    if name == "swish":
        return z * sig, sig + z * sig * (1 - sig)
    if name == "gelu":
        phi = 0.5 * (1 + math.erf(z / math.sqrt(2)))
        return z * phi, phi + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    raise KeyError(name)


def _notes_formulas(x1, x2, y, w, name, lr):
    """Deck 000's equations, term by term."""
    w01, w11, w21, w02, w12, w22, w0, w1, w2 = w
    z1 = w01 + w11 * x1 + w21 * x2
    z2 = w02 + w12 * x1 + w22 * x2
    u1, fp1 = _f_and_fprime(name, z1)
    u2, fp2 = _f_and_fprime(name, z2)
    zo = w0 + w1 * u1 + w2 * u2
    yhat, fpo = _f_and_fprime(name, zo)
    eps2 = 2 * (yhat - y)
    eps11, eps12 = eps2 * fpo * w1, eps2 * fpo * w2
    grad = [eps11 * fp1 * 1, eps11 * fp1 * x1, eps11 * fp1 * x2,
            eps12 * fp2 * 1, eps12 * fp2 * x1, eps12 * fp2 * x2,
            eps2 * fpo * 1, eps2 * fpo * u1, eps2 * fpo * u2]
    return dict(z1=z1, z2=z2, u1=u1, u2=u2, zo=zo, yhat=yhat, eps2=eps2, eps11=eps11,
                eps12=eps12, grad=grad, new=[wi - lr * g for wi, g in zip(w, grad)])


ACTS = ["sigmoid", "tanh", "relu", "elu", "softplus", "swish", "gelu"]


@pytest.mark.parametrize("name", ACTS)
def test_library_numbers_equal_the_notes_formulas(name):
    rng = np.random.default_rng(ACTS.index(name))
    for _ in range(3):
        w = rng.normal(0, 0.8, 9)
        x1, x2, y = rng.normal(size=3)
        e = backprop(x1, x2, y, weights=w, activation=name, lr=0.05)
        ref = _notes_formulas(x1, x2, y, w, name, 0.05)
        got = [e.forward[k] for k in ("z_1^(1)", "z_2^(1)", "u_1", "u_2", "z^(2)", "y-hat")]
        want = [ref[k] for k in ("z1", "z2", "u1", "u2", "zo", "yhat")]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose([e.errors[k] for k in ("eps^(2)", "eps_1^(1)", "eps_2^(1)")],
                                   [ref["eps2"], ref["eps11"], ref["eps12"]], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose([e.gradient[k] for k in WEIGHT_NAMES], ref["grad"],
                                   rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose([e.updated[k] for k in WEIGHT_NAMES], ref["new"],
                                   rtol=1e-12, atol=1e-14)


def _assert_central_differences(name, w, x1, x2, y, rel):
    """Every dL/dw of ``backprop`` against (L(w + h e_i) - L(w - h e_i)) / 2h, h = 1e-6."""
    e = backprop(x1, x2, y, weights=w, activation=name)
    h = 1e-6
    for i, key in enumerate(WEIGHT_NAMES):
        wp, wm = w.copy(), w.copy()
        wp[i] += h
        wm[i] -= h
        fd = (loss_at(wp, x1, x2, y, name) - loss_at(wm, x1, x2, y, name)) / (2 * h)
        assert e.gradient[key] == pytest.approx(fd, rel=rel, abs=1e-9), key


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "softplus", "swish", "gelu", "mish"])
def test_gradient_equals_central_finite_differences(name):
    # smooth activations: the central difference's O(h^2) error allows rel 1e-6
    _assert_central_differences(name, np.random.default_rng(7).normal(0, 0.8, 9), 0.7, -1.3, 0.4, 1e-6)


@pytest.mark.parametrize("name", [n for n in activations.ACTIVATIONS.names()
                                  if n not in ("softmax", "log_softmax", "glu")])
def test_every_library_activation_matches_finite_differences(name):
    # random weights: no pre-activation sits exactly on a kink (relu, abs, hard_sigmoid)
    _assert_central_differences(name, np.random.default_rng(11).normal(0, 0.7, 9), 0.3, -0.8, 0.25, 1e-5)


def test_activation_objects_and_parameters_are_accepted():
    # leaky ReLU with slope 0.1 on the default example: z_2^(1) = -0.3 -> u_2 = -0.03, f' = 0.1
    e = backprop(activation=activations.LeakyRelu(negative_slope=0.1))
    assert e.forward["u_2"] == pytest.approx(-0.03, abs=1e-15)
    assert e.derivatives["f'(z_2^(1))"] == pytest.approx(0.1)
    assert "LeakyRelu" in e.activation


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(x1="a"), TypeError, "`x1`"),
    (dict(weights=[1, 2]), ValueError, "9 numbers"),
    (dict(weights=[1] * 8 + [float("nan")]), ValueError, "weights[8]"),
    (dict(lr=0), ValueError, "`lr` must be > 0"),
    (dict(activation="softmax"), ValueError, "softmax"),
    (dict(activation="glu"), ValueError, "halves its axis"),
    (dict(activation="log_softmax"), ValueError, "constant 0"),
    (dict(activation="nope"), ValueError, "nope"),
    (dict(activation=lambda z: z), TypeError, "derivative"),
])
def test_bad_arguments_are_refused_with_their_name(kwargs, error, text):
    with pytest.raises(error) as info:
        backprop(**kwargs)
    assert text in str(info.value)


def test_lstm_step_gates_by_the_notes_equations_match_the_library_layer():
    e = lstm_step([0.5, -1.0], h_prev=[0.1, 0.2], c_prev=[0.3, -0.2], seed=3)
    assert e.matches_library
    # the gates are sigmoids (in (0, 1)), g a tanh; c and h by deck 000's last two equations
    for gate in (e.i, e.f, e.o):
        assert np.all((gate > 0) & (gate < 1))
    np.testing.assert_allclose(e.c, e.f * np.array([0.3, -0.2]) + e.i * e.g, rtol=1e-14)
    np.testing.assert_allclose(e.h, e.o * np.tanh(e.c), rtol=1e-14)
    with pytest.raises(ValueError, match="h_prev"):
        lstm_step([1.0], h_prev=[0.0, 0.0], c_prev=[0.0])


def test_cli_prints_the_table(capsys):
    assert main(["explain", "backprop", "--activation", "sigmoid", "--weights",
                 ",".join(map(str, DEFAULT_WEIGHTS)), "--lr", "0.1"]) == 0
    out = capsys.readouterr().out
    e = backprop(activation="sigmoid")
    assert f"{e.gradient['w_21^(1)']:.6g}" in out and "f = sigmoid" in out
    assert main(["explain", "lstm"]) == 0
    assert "match the library" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["explain", "backprop", "--x1", "abc"],
    ["explain", "backprop", "--weights", "1,2,3"],
    ["explain", "backprop", "--activation", "nope"],
    ["explain", "backprop", "--lr", "-1"],
    ["explain", "backprop", "--y"],
    ["explain", "lstm", "--h", "0,0", "--c", "0"],
    ["explain"],
    ["explain", "nope"],
    ["explain", "backprop", "--bogus", "1"],      # argparse alone would print usage + error
])
def test_cli_bad_arguments_one_line_exit_2(argv, capsys):
    assert main(argv) == 2          # main turns argparse's SystemExit into the status
    err = capsys.readouterr().err
    assert err.startswith("deepgrad: error:") and err.count("\n") == 1
