"""lab.run: the library's optimizers move a 2-vector; trajectories, tolerance, divergence, batches."""

import numpy as np
import pytest

from deepgrad import optimizers
from deepgrad.lab import runs


def test_run_uses_the_optimizer_object_and_records_the_path():
    opt = optimizers.SGD(learning_rate=0.1)
    t = runs.run("bowl", opt, steps=3, start=(1.0, 0.0))
    # gradient of x^2 + xy + y^2 is (2x + y, x + 2y): (1,0) -> (2,1) -> step 0.1 -> (0.8, -0.1)
    np.testing.assert_allclose(t.points[1], [0.8, -0.1])
    assert t.points.shape == (4, 2) and t.losses.shape == (4,) and t.grad_norms.shape == (4,)
    assert t.losses[0] == pytest.approx(1.0)
    assert t.grad_norms[0] == pytest.approx(np.sqrt(5.0))
    assert opt.iterations == 3
    assert not t.diverged


def test_presets_build_the_notes_variants():
    m = runs.make_optimizer("nesterov", 0.05)
    assert isinstance(m, optimizers.SGD) and m.learning_rate == pytest.approx(0.05)
    a = runs.make_optimizer("adagrad", 0.1)
    assert isinstance(a, optimizers.Adagrad)
    with pytest.raises(ValueError, match="valid optimizers: .*adam.*momentum.*sgd"):
        runs.make_optimizer("sgdd", 0.1)


def test_momentum_preset_is_the_notes_update():
    # notes: v_t = gamma v_{t-1} + eta g_t ; w_{t+1} = w_t - v_t  (gamma 0.9), written out here
    prob_grad = lambda p: np.array([2 * p[0] + p[1], p[0] + 2 * p[1]])
    w, v = np.array([2.5, -1.0]), np.zeros(2)
    for _ in range(5):
        v = 0.9 * v + 0.1 * prob_grad(w)
        w = w - v
    t = runs.run("bowl", "momentum", 5, learning_rate=0.1)
    np.testing.assert_allclose(t.points[-1], w, rtol=1e-12)


def test_steps_to_tolerance_is_first_step_within_tol():
    t = runs.run("bowl", "sgd", 60, learning_rate=0.3, tol=1e-6)
    hit = np.nonzero(t.losses <= 1e-6)[0][0]
    assert t.steps_to_tol == hit and t.losses[hit - 1] > 1e-6


def test_divergence_stops_at_first_non_finite_value():
    t = runs.run("rosenbrock", "sgd", 200, learning_rate=0.05)
    assert t.diverged
    assert len(t.points) < 201
    assert np.all(np.isfinite(t.points)) and np.all(np.isfinite(t.losses))
    assert "diverged" in t.summary()


def test_saddle_has_no_tolerance_and_escapes_along_y():
    t = runs.run("saddle", "sgd", 50, learning_rate=0.1)
    assert t.steps_to_tol is None
    assert abs(t.points[-1, 0]) < 1e-3 and abs(t.points[-1, 1]) > abs(t.points[0, 1])


def test_stochastic_and_minibatch_are_the_same_optimizer_on_smaller_batches():
    # batch_size=1 on the notes' two points: step 1 uses point 0, step 2 point 1 (in order)
    from deepgrad.lab import problems
    prob = problems.get("sigmoid")
    t = runs.run(prob, "sgd", 2, batch_size=1, learning_rate=1.0)
    p = np.array([-2.0, -2.0])
    p = p - prob.grad(p, np.array([0]))
    np.testing.assert_allclose(t.points[1], p)
    p = p - prob.grad(p, np.array([1]))
    np.testing.assert_allclose(t.points[2], p)
    full = runs.run(prob, "sgd", 2, batch_size=2, learning_rate=1.0)
    np.testing.assert_allclose(full.points, runs.run(prob, "sgd", 2, learning_rate=1.0).points)


def test_minibatch_is_noisier_than_full_batch_on_sparse_data():
    full = runs.run("sparse", "sgd", 100, learning_rate=0.01)
    mini = runs.run("sparse", "sgd", 100, batch_size=10, learning_rate=0.1, shuffle=True, seed=1)
    # non-monotone loss = the oscillations of the notes' stochastic estimates
    assert np.all(np.diff(full.losses) <= 1e-12)
    assert np.any(np.diff(mini.losses) > 0)


def test_batch_size_rejected_on_a_function_problem():
    with pytest.raises(ValueError, match="batch_size"):
        runs.run("rosenbrock", "sgd", 5, batch_size=2)


def test_u_turn_count_counts_sign_changes():
    t = runs.Trajectory("x", "p", np.array([[0, 0], [1, 0], [0.5, 0], [0.7, 1.0], [0.7, 2.0]], float),
                        np.zeros(5), np.zeros(5), None, False, None)
    # x steps: +1, -0.5, +0.2, 0 -> two sign changes; y steps: 0, 0, +1, +1 -> none
    assert runs.count_u_turns(t) == 2
    assert runs.count_u_turns(t, axis=1) == 0


def test_run_many_same_start_and_per_optimizer_rates():
    ts = runs.run_many("beale", {"sgd": 1e-3, "adam": 0.05}, 20)
    assert [t.label for t in ts] == ["sgd", "adam"]
    assert ts[1].learning_rate == pytest.approx(0.05)
    np.testing.assert_array_equal(ts[0].points[0], ts[1].points[0])
