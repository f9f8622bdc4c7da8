"""The notes' other spellings: EMA momentum (dampening), the look-ahead Nesterov loop, functional Adam."""

import math

import numpy as np
import pytest
import torch

from deepgrad import optimizers as O
from deepgrad.optimizers import functional as F
from deepgrad.optimizers import transforms as T


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13 * max(np.abs(b).max(), 1e-300))


def grad_f(w):
    """Gradient of the ill-conditioned quadratic (w0^2 + 10 w1^2) / 2."""
    return np.array([w[0], 10.0 * w[1]])


# ----------------------------------------------------------------------------- dampening
def test_ema_momentum_of_the_notes_equals_dampening():
    # notes 002/004: v = beta v + (1 - beta) g; w -= lr v   (v_0 = 0)
    beta, lr = 0.9, 0.05
    w_notes, v = np.array([1.5, -1.0]), np.zeros(2)
    w = w_notes.copy()
    opt = O.SGD(lr, momentum=beta, dampening=beta)
    for _ in range(80):
        v = beta * v + (1 - beta) * grad_f(w_notes)
        w_notes = w_notes - lr * v
        opt.apply_gradients([(grad_f(w), w)])
        _close(w, w_notes)


def test_dampening_equals_classical_momentum_with_scaled_rate():
    # with V = -lr v: V = beta V - (1 - beta) lr g: Keras momentum at rate lr (1 - beta)
    beta, lr = 0.8, 0.1
    a, b = np.array([1.5, -1.0]), np.array([1.5, -1.0])
    damp, classic = O.SGD(lr, momentum=beta, dampening=beta), O.SGD(lr * (1 - beta), momentum=beta)
    for _ in range(80):
        damp.apply_gradients([(grad_f(a), a)])
        classic.apply_gradients([(grad_f(b), b)])
        _close(a, b)


def test_dampening_differs_from_torch_on_the_first_step_only_by_its_init():
    # torch starts its buffer at the first gradient undamped (b_1 = g_1); ours at 0
    # (v_1 = (1 - beta) g_1): torch's first step is 1 / (1 - beta) = 10x larger.
    beta, lr = 0.9, 0.1
    w = np.array([1.0, 1.0])
    O.SGD(lr, momentum=beta, dampening=beta).apply_gradients([(grad_f(w), w)])
    p = torch.nn.Parameter(torch.tensor([1.0, 1.0], dtype=torch.float64))
    p.grad = torch.tensor(grad_f(np.array([1.0, 1.0])))
    torch.optim.SGD([p], lr=lr, momentum=beta, dampening=beta).step()
    step_ours, step_torch = 1.0 - w, 1.0 - p.detach().numpy()
    _close(step_ours, lr * (1 - beta) * grad_f(np.ones(2)))
    _close(step_torch, lr * grad_f(np.ones(2)))


# ----------------------------------------------------------------------------- Nesterov
def test_notes_lookahead_nesterov_equals_keras_after_change_of_variable():
    # notes 003:  w_la = w - gamma v;  v = gamma v + eta grad(w_la);  w = w - v
    # Keras:      V = gamma V - eta grad(u);  u = u + gamma V - eta grad(u)
    # with u = w - gamma v (the look-ahead point) and V = -v the two loops coincide.
    gamma, eta = 0.9, 0.02
    w, v = np.array([1.5, -1.0]), np.zeros(2)
    u = w.copy()  # u_0 = w_0 - gamma v_0 = w_0
    opt = O.SGD(eta, momentum=gamma, nesterov=True)
    for _ in range(200):
        w_la = w - gamma * v
        v = gamma * v + eta * grad_f(w_la)
        w = w - v
        opt.apply_gradients([(grad_f(u), u)])
        _close(u, w - gamma * v)
        _close(opt.get_state()["momentum/velocity/0"], -v)
    assert np.linalg.norm(w) < 1e-3 and np.linalg.norm(u) < 1e-3  # both reached the minimum


# ----------------------------------------------------------------------------- functional Adam
def test_initialize_adam_shapes():
    out = F.initialize_adam(4, 3, 2)
    assert [a.shape for a in out] == [(3, 4), (3, 1), (2, 3), (2, 1)] * 2
    assert all(not a.any() for a in out)
    with pytest.raises(ValueError, match="n_h"):
        F.initialize_adam(4, 0, 2)


def test_functional_adam_matches_textbook_adam_and_torch():
    n_x, n_h, n_y = 4, 3, 2
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(s) for s in [(n_h, n_x), (n_h, 1), (n_y, n_h), (n_y, 1)]]
    moments = list(F.initialize_adam(n_x, n_h, n_y))
    ours = [p.copy() for p in params]
    wrapped = O.TransformOptimizer(T.scale_by_adam(0.9, 0.999, 1e-8, learning_rate=0.01,
                                                   epsilon_placement="textbook"))
    tp = [torch.nn.Parameter(torch.tensor(p)) for p in params]
    topt = torch.optim.Adam(tp, lr=0.01, betas=(0.9, 0.999), eps=1e-8)  # textbook epsilon placement
    w = [p.copy() for p in params]
    for t in range(1, 61):
        scale = 1e-6 if t > 30 else 1.0  # tiny gradients: where the epsilon placement matters
        grads = [rng.standard_normal(p.shape) * scale for p in params]
        before = [a.copy() for a in (*w, *grads, *moments)]
        out = F.update_parameters_with_adam(*w, *grads, *moments, t, learning_rate=0.01)
        for a, b in zip(before, (*w, *grads, *moments)):
            np.testing.assert_array_equal(a, b)  # inputs untouched
        w, moments = list(out[:4]), list(out[4:])
        wrapped.apply_gradients(zip(grads, ours))
        for p, g in zip(tp, grads):
            p.grad = torch.tensor(g)
        topt.step()
        for a, b, c in zip(w, ours, tp):
            _close(a, b)
            _close(a, c.detach().numpy())
    # Keras's Adam (epsilon on the uncorrected root) is a different rule at tiny gradients
    keras = [p.copy() for p in params]
    k = O.Adam(0.01, epsilon=1e-8)
    for t in range(1, 61):
        k.apply_gradients(zip([np.full(p.shape, 1e-6) for p in params], keras))
    t_ = [p.copy() for p in params]
    m = list(F.initialize_adam(n_x, n_h, n_y))
    for t in range(1, 61):
        out = F.update_parameters_with_adam(*t_, *[np.full(p.shape, 1e-6) for p in params], *m, t,
                                            learning_rate=0.01)
        t_, m = list(out[:4]), list(out[4:])
    assert max(np.abs(a - b).max() for a, b in zip(keras, t_)) > 1e-4


def test_functional_adam_bad_input():
    z = F.initialize_adam(2, 2, 1)
    w = [np.zeros(a.shape) for a in z[:4]]
    with pytest.raises(ValueError, match="`t`"):
        F.update_parameters_with_adam(*w, *w, *z, 0)
    with pytest.raises(ValueError, match="shape"):
        F.update_parameters_with_adam(*w, np.zeros((5, 5)), *w[1:], *z, 1)
    for kwargs, name in (({"beta1": 1.0}, "beta1"), ({"beta2": -0.1}, "beta2"), ({"epsilon": 0.0}, "epsilon"),
                         ({"learning_rate": -1.0}, "learning_rate")):
        with pytest.raises(ValueError, match=name):
            F.update_parameters_with_adam(*w, *w, *z, 1, **kwargs)


def test_slide_slip_would_multiply_by_the_gradient_twice():
    # one step from zero moments with g = 0.5: textbook step = lr * 1 / (1 + eps'), the slide's
    # extra "* dw" would give lr * 0.5: the functional API gives the textbook value
    g = 0.5
    out = F.update_parameters_with_adam(*[np.zeros((1, 1))] * 4, *[np.full((1, 1), g)] * 4,
                                        *F.initialize_adam(1, 1, 1), 1, learning_rate=0.1)
    assert out[0][0, 0] == pytest.approx(-0.1 * g / (math.sqrt(g * g) + 1e-8), rel=1e-12)
