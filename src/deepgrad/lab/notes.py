"""The notes' numbers, recomputed with deepgrad's problems and optimizers.

Each function returns plain numbers; ``examples/lab_*.py`` print them and the tests in
``tests/lab/`` compare them with the notes.

* :func:`guess_table`       the "guess work" table (w, b, L) of the sigmoid neuron
* :func:`linreg_first_step` one gradient-descent step of the linear-regression example
* :func:`momentum_vs_gd`    loss after N steps from w = b = -2 for GD, momentum and NAG
* :func:`u_turns`           sign changes of the steps of momentum and NAG
* :func:`sparse_movement`   how far w and b move on the sparse data, per optimizer
* :func:`adam_bias`         E[m_t] vs E[m_hat_t] vs E[g] for Adam's first moment
"""

from __future__ import annotations

import numpy as np

from . import problems as _problems
from . import runs as _runs

__all__ = ["NOTES_GUESSES", "guess_table", "linreg_first_step", "momentum_vs_gd", "u_turns",
           "sparse_movement", "adam_bias"]

#: the notes' table of guesses (w, b, L(w, b)), as printed
NOTES_GUESSES = ((0.50, 0.00, 0.0730), (-0.10, 0.00, 0.1481), (0.94, -0.94, 0.0214),
                 (1.42, -1.73, 0.0028), (1.65, -2.08, 0.0003), (1.78, -2.27, 0.0000))


def guess_table():
    """``[(w, b, notes_L, our_L), ...]`` with our ``L = 1/2 sum (y - f(x))^2`` at the notes' (w, b)."""
    p = _problems.get("sigmoid")
    return [(w, b, L, p.value((w, b))) for w, b, L in NOTES_GUESSES]


def linreg_first_step(learning_rate=0.01):
    """The notes' step from (b0, b1) = (0, 0) on (1, 1), (2, 3), taken by ``SGD``.

    Returns ``{"grad": (-8, -14), "point": (0.08, 0.14), "sse_before": 10.0,
    "sse_after": 7.578}`` (computed). The notes print 4.2948 for the SSE after the step:
    they add 0.6084 + 3.6864, but the second residual is 3 - 0.08 - 0.14*2 = 2.64, whose
    square is 6.9696, so SSE = 0.6084 + 6.9696 = 7.578.
    """
    p = _problems.get("linreg")
    point = np.zeros(2)
    g = p.grad(point)
    before = p.value(point)
    _runs.make_optimizer("sgd", learning_rate).apply_gradients([(g.copy(), point)])
    return {"grad": tuple(map(float, g)), "point": tuple(map(float, point)), "sse_before": before,
            "sse_after": p.value(point)}


def momentum_vs_gd(steps=100, learning_rate=1.0, start=(-2.0, -2.0)):
    """Full loss after ``steps`` updates on the sigmoid neuron for ``sgd``, ``momentum``
    (gamma 0.9) and ``nesterov``, the notes' settings (eta = 1). NAG's loss is at Keras's
    variable, the notes' look-ahead point w_t - gamma v_{t-1}, not at their w_t."""
    return {name: _runs.run("sigmoid", name, steps, start, learning_rate=learning_rate)
            for name in ("sgd", "momentum", "nesterov")}


def u_turns(steps=300, learning_rate=1.0, start=(-2.0, -2.0)):
    """``{"momentum": n, "nesterov": m}``: U-turns (sign changes of a coordinate's step)."""
    return {name: _runs.count_u_turns(_runs.run("sigmoid", name, steps, start,
                                                 learning_rate=learning_rate))
            for name in ("momentum", "nesterov")}


def sparse_movement(steps=10, rates=None):
    """``{name: (|dw|, |db|)}`` after ``steps`` updates on the sparse data from (-2, -2).

    Default rates: 0.01 for GD, momentum and NAG, the notes' 0.1 for AdaGrad. With 80% of the
    x_i = 0 the gradient of w is small, so GD, momentum and NAG move mostly along b (|dw|/|db|
    about 0.05 after 10 steps); AdaGrad divides each coordinate by its own accumulated
    gradient size and moves w about as far as b (ratio about 1).
    """
    rates = rates or {"sgd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.1}
    out = {}
    for name, lr in rates.items():
        t = _runs.run("sparse", name, steps, learning_rate=lr)
        d = np.abs(t.points[-1] - t.points[0])
        out[name] = (float(d[0]), float(d[1]))
    return out


def adam_bias(t=5, beta_1=0.9, mean=0.5, std=1.0, copies=20000, seed=0):
    """Adam's first moment after ``t`` steps of i.i.d. gradients ``g ~ N(mean, std^2)``.

    ``copies`` independent parameters are updated by one ``Adam`` object (each coordinate is
    an independent run); ``m_t`` is read from the optimizer's state. The notes' derivation:
    ``E[m_t] = (1 - beta_1^t) E[g]`` and ``E[m_hat_t] = E[m_t / (1 - beta_1^t)] = E[g]``.
    Returns ``{"mean_m", "mean_m_hat", "expected_m", "E_g", "stderr_m_hat"}``.
    """
    from ..optimizers import Adam
    gen = np.random.default_rng(seed)
    opt = Adam(learning_rate=1e-3, beta_1=beta_1)
    w = np.zeros(copies)
    for _ in range(t):
        opt.apply_gradients([(gen.normal(mean, std, copies), w)])
    m = opt.get_state()["adam/m/0"]
    m_hat = m / (1 - beta_1 ** t)
    return {"mean_m": float(m.mean()), "mean_m_hat": float(m_hat.mean()),
            "expected_m": mean * (1 - beta_1 ** t), "E_g": mean,
            "stderr_m_hat": float(m_hat.std(ddof=1) / np.sqrt(copies))}
