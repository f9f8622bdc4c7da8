"""lab.run: the library's optimizers move a 2-vector; trajectories, tolerance, divergence, batches."""

import numpy as np
import pytest

from deepgrad import optimizers
from deepgrad.lab import problems, runs


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


# --- 4. lab.run checks its arguments before anything changes --------------------------------

def test_run_refuses_an_optimizer_that_is_neither_name_nor_object():
    with pytest.raises(TypeError, match="`optimizer`.*int 42"):
        runs.run("bowl", 42, 3)


@pytest.mark.parametrize("tol, exc", [(-1, ValueError), (0.0, ValueError),
                                      (float("nan"), ValueError), (float("inf"), ValueError),
                                      ("1e-3", TypeError), (True, TypeError)])
def test_run_checks_tol(tol, exc):
    with pytest.raises(exc, match="`tol`"):
        runs.run("bowl", "sgd", 3, tol=tol)


def test_run_accepts_a_positive_tol():
    # bowl minimum 0: GD at lr 0.1 from (2.5, -1) has loss 5.25 at the start, below 10 at once
    assert runs.run("bowl", "sgd", 3, tol=10, learning_rate=0.1).steps_to_tol == 0


def test_run_refuses_an_optimizer_that_has_stepped():
    opt = optimizers.SGD(learning_rate=0.01, momentum=0.9)
    first = runs.run("bowl", opt, 5)
    # the second run would have started with the first run's velocity and step count
    with pytest.raises(ValueError, match="already made 5 step.*from_config"):
        runs.run("bowl", opt, 5)
    assert opt.iterations == 5      # refused before any step
    # the advice in the message gives the same path as the first run
    again = runs.run("bowl", type(opt).from_config(opt.get_config()), 5)
    np.testing.assert_array_equal(again.points, first.points)


def test_run_many_refuses_one_optimizer_object_twice():
    opt = optimizers.Adam(learning_rate=0.1)
    with pytest.raises(ValueError, match="already made"):
        runs.run_many("bowl", {"a": opt, "b": opt}, 4)


# --- 5. docs/lab.md's NAG numbers: the lab's points are the notes' look-ahead points ------

def _notes_nag(grad, eta, steps, w0=(-2.0, -2.0), gamma=0.9):
    """The notes' NAG loop, literally: w_look = w - gamma v; v = gamma v + eta grad(w_look);
    w = w - v. Returns the points w_t and the look-ahead points w_t - gamma v_{t-1}."""
    w, v = np.array(w0, dtype=np.float64), np.zeros(2)
    ws, looks = [w.copy()], [w.copy()]
    for _ in range(steps):
        v = gamma * v + eta * grad(w - gamma * v)
        w = w - v
        ws.append(w.copy())
        looks.append(w - gamma * v)
    return np.array(ws), np.array(looks)


def test_nag_points_are_the_notes_look_ahead_points():
    prob = problems.get("sigmoid")
    lab_nag = runs.run(prob, "nesterov", 200, learning_rate=1.0)
    ws, looks = _notes_nag(prob.grad, 1.0, 200)
    np.testing.assert_allclose(lab_nag.points, looks, rtol=0, atol=1e-12)
    at_w = np.array([prob.value(p) for p in ws])
    # docs/lab.md: the NAG column 0.0072 / 1.0e-5 / 5.0e-10 is at the look-ahead point,
    # 0.00734 / 8.5e-6 / 6.4e-10 at the notes' w_t
    looks_loss = f"{lab_nag.losses[50]:.2g} {lab_nag.losses[100]:.2g} {lab_nag.losses[200]:.2g}"
    assert looks_loss == "0.0072 1e-05 5e-10"
    assert f"{at_w[50]:.3g} {at_w[100]:.2g} {at_w[200]:.2g}" == "0.00734 8.5e-06 6.4e-10"
    # first step with loss <= 1e-5: 99 at the look-ahead point, 100 at w_t (docs said 95)
    assert int(np.argmax(lab_nag.losses <= 1e-5)) == 99 and int(np.argmax(at_w <= 1e-5)) == 100


def test_sparse_nag_movement_at_look_ahead_and_at_w():
    prob = problems.get("sparse")
    ws, looks = _notes_nag(prob.grad, 0.01, 10)
    lab_nag = runs.run(prob, "nesterov", 10, learning_rate=0.01)
    np.testing.assert_allclose(lab_nag.points, looks, rtol=0, atol=1e-12)
    assert np.round(np.abs(looks[-1] - looks[0]), 3).tolist() == [0.103, 1.911]
    assert np.round(np.abs(ws[-1] - ws[0]), 3).tolist() == [0.087, 1.685]
