"""Problems of the optimizer lab: analytic gradients vs float64 central differences, minima."""

import numpy as np
import pytest

from deepgrad.lab import problems


def central_diff(problem, p, h=1e-6, idx=None):
    """float64 central differences of the (batch) loss."""
    p = np.asarray(p, dtype=np.float64)
    g = np.zeros(2)
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        if idx is None:
            g[j] = (problem.value(p + e) - problem.value(p - e)) / (2 * h)
        else:
            sub = problems.SigmoidNeuron(problem.x[idx], problem.y[idx], minimum=(0, 0)) \
                if isinstance(problem, problems.SigmoidNeuron) else None
            g[j] = (sub.value(p + e) - sub.value(p - e)) / (2 * h)
    return g


@pytest.mark.parametrize("name", problems.names())
def test_gradient_matches_finite_differences(name):
    prob = problems.get(name)
    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = prob.bounds
    for _ in range(5):
        p = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)]) * 0.8
        num = central_diff(prob, p)
        np.testing.assert_allclose(prob.grad(p), num, rtol=1e-5, atol=1e-6 * (1 + np.abs(num).max()))


@pytest.mark.parametrize("name", [n for n in problems.names() if problems.get(n).minima])
def test_minima_are_stationary_with_min_value(name):
    prob = problems.get(name)
    for m in prob.minima:
        # minima given to 6 decimals (Himmelblau) -> gradient small, value ~ min_value
        assert np.linalg.norm(prob.grad(m)) < 1e-3
        assert prob.value(m) == pytest.approx(prob.min_value, abs=1e-8)


def test_value_grid_matches_pointwise_value():
    for name in problems.names():
        prob = problems.get(name)
        a, b = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-0.5, 0.5, 4))
        z = prob.value_grid(a, b)
        assert z.shape == a.shape
        assert z[2, 1] == pytest.approx(prob.value((a[2, 1], b[2, 1])), rel=1e-12)


def test_batch_gradient_is_sum_of_point_gradients():
    # the notes: dw = sum over points of grad_w(w, b, x, y)
    prob = problems.get("sparse")
    p = np.array([0.3, -0.7])
    full = prob.grad(p)
    parts = sum(prob.grad(p, np.array([i])) for i in range(prob.n_points))
    np.testing.assert_allclose(full, parts, rtol=1e-12)
    idx = np.array([3, 17, 40])
    np.testing.assert_allclose(prob.grad(p, idx), central_diff(prob, p, idx=idx), rtol=1e-6)


def test_sigmoid_neuron_exact_minimum():
    # sigma(0.5 w + b) = 0.2 and sigma(2.5 w + b) = 0.9  ->  w = (logit .9 - logit .2)/2
    prob = problems.get("sigmoid")
    logit = lambda q: np.log(q / (1 - q))
    w = (logit(0.9) - logit(0.2)) / 2
    assert prob.minima[0] == pytest.approx((w, logit(0.2) - 0.5 * w))
    assert prob.min_value == pytest.approx(0.0, abs=1e-20)


def test_sparse_data_is_about_80_percent_zero_and_fixed():
    x, y = problems.sparse_data()
    assert len(x) == 100
    assert 0.7 <= np.mean(x == 0) <= 0.9
    x2, _ = problems.sparse_data()
    np.testing.assert_array_equal(x, x2)


def test_unknown_problem_lists_valid_names():
    with pytest.raises(ValueError, match="valid problems: sigmoid, sparse, linreg"):
        problems.get("banana")
