"""Regression tests for the optimizer review (issue 4): each asserts Keras's behaviour and failed
on the code before its fix."""

from __future__ import annotations

import numpy as np
import pytest

from deepgrad import optimizers as O
from deepgrad.optimizers import transforms as T


def _run(opt, w0, grad_f, steps):
    w = np.array(w0, dtype=np.float64)
    for _ in range(steps):
        opt.apply_gradients([(grad_f(w), w)])
    return w


# ----------------------------------------------------------------------------- scale_by_rms sign
@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9}, {"centered": True},
                                    {"momentum": 0.5, "centered": True}])
def test_scale_by_rms_without_rate_is_the_plus_direction(kwargs):
    # Every scale_by_* returns +direction without a learning rate, so the chain ending in
    # scale_by_learning_rate(lr) is the preset at a constant rate (Keras's RMSprop: the rate
    # inside the momentum buffer is a constant factor then). Minimising |w|^2 from (1, -2).
    grad = lambda w: 2 * w  # noqa: E731
    mine = O.TransformOptimizer(T.chain(T.scale_by_rms(**kwargs), T.scale_by_learning_rate(0.01)))
    preset = O.RMSprop(0.01, **kwargs)
    w_chain = _run(mine, [1.0, -2.0], grad, 20)
    w_preset = _run(preset, [1.0, -2.0], grad, 20)
    np.testing.assert_allclose(w_chain, w_preset, rtol=1e-12)
    assert np.all(np.abs(w_chain) < [1.0, 2.0])  # it descends


def test_scale_by_rms_direction_of_one_step():
    # One step from v = 0 on g = 3 (rho 0.9, eps 1e-7): v = 0.1 * 9 = 0.9, the direction is
    # g / sqrt(v + eps) = 3 / sqrt(0.9000001) > 0 (the update without a rate, Keras's delta at lr = 1).
    t = T.scale_by_rms()
    g = [np.array([3.0])]
    d, _ = t.update(g, t.init(g), g)
    np.testing.assert_allclose(d[0], 3.0 / np.sqrt(0.9 + 1e-7), rtol=1e-14)


# ----------------------------------------------------------------------------- dampening without momentum
def test_dampening_is_ignored_without_momentum():
    # torch.optim.SGD applies dampening to the momentum buffer only; with momentum=0 the step is
    # w - lr * g (the docstring's rule). Compared with torch over 5 steps on |w|^2.
    import torch
    w = _run(O.SGD(0.1, momentum=0.0, dampening=0.5), [1.0, -2.0], lambda w: 2 * w, 5)
    tw = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([tw], lr=0.1, momentum=0.0, dampening=0.5)
    for _ in range(5):
        tw.grad = 2 * tw.detach()
        topt.step()
    np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(w, np.array([1.0, -2.0]) * 0.8 ** 5, rtol=1e-14)  # w <- w - 0.1 * 2w
