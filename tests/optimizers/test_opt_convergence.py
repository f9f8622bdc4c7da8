"""Every optimizer reaches the minimum of an ill-conditioned quadratic and of Rosenbrock's valley.

Points are 2-vectors updated in place, as the optimizer lab moves them. Settings are per
optimizer (Keras's defaults are tuned for networks, not for these surfaces); each must get
within the tolerance before its step budget.
"""

import numpy as np
import pytest

from deepgrad import optimizers as O
from deepgrad.optimizers import schedules as S


def quadratic_grad(p):
    """f(x, y) = (x^2 + 10 y^2) / 2, minimum at 0."""
    return np.array([p[0], 10.0 * p[1]])


def rosenbrock_grad(p):
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum at (1, 1)."""
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def _steps_to(opt, grad, start, target, tol, budget):
    p = np.array(start, dtype=float)
    for k in range(budget):
        opt.apply_gradients([(grad(p), p)])
        if np.linalg.norm(p - target) < tol:
            return k + 1
    raise AssertionError(f"{opt!r} ended at {p}, {np.linalg.norm(p - target):.3g} from {target} "
                         f"after {budget} steps")


QUADRATIC = {
    "SGD": lambda: O.SGD(0.1),
    "SGD momentum": lambda: O.SGD(0.05, momentum=0.9),
    "SGD nesterov": lambda: O.SGD(0.05, momentum=0.9, nesterov=True),
    "SGD Sutskever momentum": lambda: O.SGD(0.05, momentum=S.SutskeverMomentum(0.9, steps_per_stage=20)),
    "Adagrad": lambda: O.Adagrad(0.5),
    "RMSprop": lambda: O.RMSprop(S.ExponentialDecay(0.05, 50, 0.5)),
    "RMSprop centered momentum": lambda: O.RMSprop(0.01, momentum=0.9, centered=True),
    "Adam": lambda: O.Adam(0.1),
    "Adam amsgrad": lambda: O.Adam(0.1, amsgrad=True),
    "AdamW": lambda: O.AdamW(0.1),
    "Nadam": lambda: O.Nadam(0.1),
    "Adamax": lambda: O.Adamax(0.1),
    "Adadelta": lambda: O.Adadelta(1.0, epsilon=1e-6),
}

ROSENBROCK = {
    "SGD": lambda: O.SGD(2e-3),
    "SGD momentum": lambda: O.SGD(1e-3, momentum=0.9),
    "SGD nesterov": lambda: O.SGD(1e-3, momentum=0.9, nesterov=True),
    "SGD Sutskever momentum": lambda: O.SGD(1e-3, momentum=S.SutskeverMomentum(0.9, steps_per_stage=100)),
    "Adagrad": lambda: O.Adagrad(0.5),  # the slowest here: its rate only shrinks
    "RMSprop": lambda: O.RMSprop(S.ExponentialDecay(1e-2, 500, 0.5)),
    "RMSprop centered momentum": lambda: O.RMSprop(1e-3, momentum=0.9, centered=True),
    "Adam": lambda: O.Adam(0.05),
    "Adam amsgrad": lambda: O.Adam(0.05, amsgrad=True),
    "AdamW": lambda: O.AdamW(0.05, weight_decay=0.0),
    "Nadam": lambda: O.Nadam(0.02),
    "Adamax": lambda: O.Adamax(0.1),
    "Adadelta": lambda: O.Adadelta(S.ExponentialDecay(1.0, 1000, 0.5), epsilon=1e-6),
}


@pytest.mark.parametrize("name", list(QUADRATIC))
def test_quadratic(name):
    _steps_to(QUADRATIC[name](), quadratic_grad, [1.5, -1.0], np.zeros(2), 1e-3, 3000)


@pytest.mark.parametrize("name", list(ROSENBROCK))
def test_rosenbrock(name):
    budget = 10_000 if name == "Adagrad" else 6000
    _steps_to(ROSENBROCK[name](), rosenbrock_grad, [-1.5, 2.0], np.ones(2), 1e-2, budget)


def test_weight_decay_pulls_towards_zero():
    # the quadratic shifted to (1, 0): Adam's normalized step is at most ~lr, the decay pulls
    # lr * wd * x, so AdamW settles where |mhat / sqrt(vhat)| = wd * x < 1, i.e. x < 1 / wd = 0.2
    grad = lambda p: np.array([p[0] - 1.0, 10.0 * p[1]])  # noqa: E731
    p_plain, p_decay = np.zeros(2), np.zeros(2)
    a, b = O.Adam(0.01), O.AdamW(0.01, weight_decay=5.0)
    for _ in range(2000):
        a.apply_gradients([(grad(p_plain), p_plain)])
        b.apply_gradients([(grad(p_decay), p_decay)])
    assert abs(p_plain[0] - 1.0) < 0.02 and 0.0 < p_decay[0] < 0.2
