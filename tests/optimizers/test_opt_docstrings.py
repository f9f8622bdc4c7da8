"""Each optimizer's docstring states its update rule; these tests run the docstring's own lines.

For every optimizer (and variant) the listed equation lines must appear verbatim in the class
docstring; they are then translated mechanically (``<-`` to ``=``, ``^`` to ``**``,
``sqrt``/``max``/``|g|`` to NumPy, subscripts ``u_{t+1}`` to names) and executed step by step
beside the optimizer: the two trajectories must agree to 1e-12.
"""

import re

import numpy as np
import pytest

from deepgrad import optimizers as O


def _normalize(text):
    return re.sub(r"\s+", " ", text).strip()


def _to_python(line):
    code = re.split(r"\s{2,}\(", line)[0]                      # drop a trailing "(comment)"
    code = re.sub(r"^\s*(else|centered|momentum > 0)\s*:\s*", "", code)  # drop a branch label
    for a, b in (("u_{t+1}", "u_t1"), ("P_{t-1}", "P_prev"), ("<-", "="), ("^", "**"),
                 ("|g|", "np.abs(g)"), ("sqrt(", "np.sqrt("), ("max(", "np.maximum("), ("sign(", "np.sign("),
                 ("clip(", "np.clip("), ("||w||", "np.linalg.norm(w)"), ("||r||", "np.linalg.norm(r)")):
        code = code.replace(a, b)
    return code


CASES = {
    "sgd_momentum": (O.SGD, {"momentum": 0.9, "dampening": 0.3}, [
        "v <- momentum * v - (1 - dampening) * lr * g        (v_0 = 0)",
        "w <- w + v                                          (nesterov=False)"]),
    "sgd_nesterov": (O.SGD, {"momentum": 0.9, "nesterov": True}, [
        "v <- momentum * v - (1 - dampening) * lr * g        (v_0 = 0)",
        "w <- w + momentum * v - (1 - dampening) * lr * g    (nesterov=True, with the new v)"]),
    "adagrad": (O.Adagrad, {}, [
        "a <- a + g^2                       (a_0 = initial_accumulator_value)",
        "w <- w - lr * g / sqrt(a + epsilon)"]),
    "rmsprop": (O.RMSprop, {}, [
        "v <- rho * v + (1 - rho) * g^2",
        "else:      D = v + epsilon",
        "delta = lr * g / sqrt(D)",
        "else:          w <- w - delta"]),
    "rmsprop_centered_momentum": (O.RMSprop, {"centered": True, "momentum": 0.5}, [
        "v <- rho * v + (1 - rho) * g^2",
        "centered:  gbar <- rho * gbar + (1 - rho) * g;  D = v - gbar^2 + epsilon",
        "delta = lr * g / sqrt(D)",
        "momentum > 0:  M <- momentum * M + delta;  w <- w - M"]),
    "adam": (O.Adam, {}, [
        "m <- beta_1 * m + (1 - beta_1) * g",
        "v <- beta_2 * v + (1 - beta_2) * g^2",
        "alpha_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)",
        "w <- w - alpha_t * m / (sqrt(v) + epsilon)"]),
    "adam_amsgrad": (O.Adam, {"amsgrad": True}, [
        "m <- beta_1 * m + (1 - beta_1) * g",
        "v <- beta_2 * v + (1 - beta_2) * g^2",
        "vhat <- max(vhat, v)              (amsgrad; vhat replaces v below)",
        "alpha_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)",
        "w <- w - alpha_t * m / (sqrt(v) + epsilon)".replace("sqrt(v)", "sqrt(vhat)")]),
    "adamw": (O.AdamW, {"weight_decay": 0.2}, [
        "w <- w - lr * weight_decay * w      (then the Adam step above)",
        "m <- beta_1 * m + (1 - beta_1) * g",
        "v <- beta_2 * v + (1 - beta_2) * g^2",
        "alpha_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)",
        "w <- w - alpha_t * m / (sqrt(v) + epsilon)"]),
    "nadam": (O.Nadam, {}, [
        "u_t = beta_1 * (1 - 0.5 * 0.96^t);  u_{t+1} = beta_1 * (1 - 0.5 * 0.96^(t+1))",
        "P_t = P_{t-1} * u_t                 (P_0 = 1)",
        "m <- beta_1 * m + (1 - beta_1) * g;  v <- beta_2 * v + (1 - beta_2) * g^2",
        "mhat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)",
        "vhat = v / (1 - beta_2^t)",
        "w <- w - lr * mhat / (sqrt(vhat) + epsilon)"]),
    "adamax": (O.Adamax, {}, [
        "m <- beta_1 * m + (1 - beta_1) * g",
        "u <- max(beta_2 * u, |g|)",
        "w <- w - lr * m / ((1 - beta_1^t) * (u + epsilon))"]),
    "adadelta": (O.Adadelta, {"learning_rate": 1.0}, [
        "E_g <- rho * E_g + (1 - rho) * g^2",
        "delta = sqrt(E_d + epsilon) / sqrt(E_g + epsilon) * g",
        "E_d <- rho * E_d + (1 - rho) * delta^2",
        "w <- w - lr * delta"]),
    "lion": (O.Lion, {}, [
        "c = beta_1 * m + (1 - beta_1) * g",
        "w <- w - lr * sign(c)",
        "m <- beta_2 * m + (1 - beta_2) * g"]),
    "lamb": (O.Lamb, {}, [
        "m <- beta_1 * m + (1 - beta_1) * g",
        "v <- beta_2 * v + (1 - beta_2) * g^2",
        "r = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)",
        "ratio = ||w|| / ||r||          (1 if either norm is 0)",
        "w <- w - ratio * lr * r"]),
    "ftrl": (O.Ftrl, {"l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
                      "l2_shrinkage_regularization_strength": 0.03, "beta": 0.1}, [
        "l2 = l2_regularization_strength + beta / (2 * lr)",
        "g2 = g + 2 * l2_shrinkage_regularization_strength * w",
        "n_new = n + g^2                     (n_0 = initial_accumulator_value)",
        "z <- z + g2 - (n_new^(-p) - n^(-p)) / lr * w",
        "quadratic = n_new^(-p) / lr + 2 * l2",
        "w <- (clip(z, -l1, l1) - z) / quadratic",
        "n <- n_new"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_docstring_equations_are_the_code(case):
    cls, kwargs, lines = CASES[case]
    # a subclass's docstring may refer to its parent's (AdamW: "then the Adam step above")
    doc = _normalize(" ".join(c.__doc__ for c in cls.__mro__ if c is not O.Optimizer and c.__doc__
                              and issubclass(c, O.Optimizer)))
    for line in lines:
        if "sqrt(vhat)" in line and cls is O.Adam:
            line = line.replace("sqrt(vhat)", "sqrt(v)")
            assert "vhat replaces v below" in doc
        assert _normalize(line) in doc, f"{cls.__name__} docstring lacks: {line}"
    code = "\n".join(_to_python(line) for line in lines)

    opt = cls(**{"learning_rate": 0.05, **kwargs})
    rng = np.random.default_rng(0)
    w_opt = rng.standard_normal(5)
    zeros = np.zeros(5)
    ns = {"np": np, "w": w_opt.copy(), "v": zeros.copy(), "m": zeros.copy(), "vhat": zeros.copy(),
          "gbar": zeros.copy(), "M": zeros.copy(), "u": zeros.copy(), "E_g": zeros.copy(),
          "E_d": zeros.copy(), "a": np.full(5, getattr(opt, "initial_accumulator_value", 0.0)),
          "P_prev": 1.0, "n": np.full(5, getattr(opt, "initial_accumulator_value", 0.0)), "z": zeros.copy(),
          "p": getattr(opt, "learning_rate_power", None), "l1": getattr(opt, "l1_regularization_strength", None)}
    for name in ("momentum", "dampening", "rho", "epsilon", "beta_1", "beta_2", "weight_decay", "beta",
                 "l2_regularization_strength", "l2_shrinkage_regularization_strength"):
        if hasattr(opt, name):
            ns[name] = getattr(opt, name)
    for t in range(1, 41):
        g = rng.standard_normal(5)
        ns.update(g=g, t=t, lr=opt.learning_rate)
        exec(code, ns)
        if "P_t" in ns:
            ns["P_prev"] = ns["P_t"]
        opt.apply_gradients([(g, w_opt)])
        np.testing.assert_allclose(w_opt, ns["w"], rtol=1e-12, atol=1e-15)
