"""Issue 14: what the lab's pictures show, asserted through the matplotlib objects."""

import warnings

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

from deepgrad.lab import animation, lessons, plots, problems, runs, sweep  # noqa: E402


def _lines(ax, label):
    return [ln for ln in ax.get_lines() if ln.get_label() == label]


@pytest.fixture(scope="module")
def illcond_paths():
    # the command: NAG at 0.03 on kappa=50 diverges (|1 - 0.03*50| * momentum growth)
    return runs.run_many("illcond", [("sgd", 0.03), ("nesterov", 0.03), ("adam", 0.1)], 200)


def test_divergence_has_one_definition(illcond_paths):
    nag = illcond_paths[1]
    assert nag.diverged and nag.diverged_at == len(nag.points)  # stopped at the step it diverged
    # the last point kept is within the definition, the next one was beyond it
    assert not runs.is_diverged(nag.losses[-1], nag.losses[0], nag.points[-1])
    assert runs.is_diverged(runs.DIVERGENCE_FACTOR * nag.losses[0] * 2, nag.losses[0], (0, 0))
    assert runs.is_diverged(1.0, 1.0, (runs.DIVERGENCE_BOUND * 2, 0))
    assert f"diverged at step {nag.diverged_at}" in plots.legend_label(nag)
    # the sweep uses the same definition: its point for nesterov at 0.03 is diverged
    pt = sweep._one(("illcond", "nesterov", 0.03, 200, None, None, "coarse"))
    assert pt.diverged


def test_window_is_unchanged_by_a_diverging_path(illcond_paths):
    prob = problems.get("illcond")
    ax = plots.contour(prob, illcond_paths)
    assert (ax.get_xlim(), ax.get_ylim()) == prob.bounds
    calm = plots.contour(prob, [illcond_paths[0], illcond_paths[2]])
    assert (calm.get_xlim(), calm.get_ylim()) == (ax.get_xlim(), ax.get_ylim())
    # the diverged path ends in an X marker inside the window
    (x0, x1), (y0, y1) = prob.bounds
    xs = _lines(ax, "_diverged")
    assert len(xs) == 1 and xs[0].get_marker() == "X"
    x, y = xs[0].get_xdata()[0], xs[0].get_ydata()[0]
    assert x0 <= x <= x1 and y0 <= y <= y1
    # ... on the window's edge where the path left it (y = -2 or 2 here: NAG oscillates in the
    # steep y direction), not on its start (-4.5, 1.5), which it left in the first steps
    assert min(abs(y - y0), abs(y - y1)) < 1e-9 and (x, y) != tuple(illcond_paths[1].points[0])
    nag_line = [ln for ln in ax.get_lines() if ln.get_label().startswith("nesterov")][0]
    assert (nag_line.get_xdata()[-1], nag_line.get_ydata()[-1]) == (x, y)  # the line runs to it


def test_every_path_has_start_and_end_markers_and_minima_are_starred():
    paths = runs.run_many("himmelblau", ["sgd", "adam", "rmsprop"], 50)
    ax = plots.contour("himmelblau", paths)
    assert len(_lines(ax, "_start")) == 3 and len(_lines(ax, "_end")) == 3
    stars = _lines(ax, "minimum")
    assert len(stars) == 1 and len(stars[0].get_xdata()) == 4   # Himmelblau's four minima
    # dot spacing and tolerance stated: 51 points // 25 = every 2 steps
    assert "dots every 2 steps" in ax.get_title() and "tol: loss - min <= 0.0001" in ax.get_title()


def test_legend_says_first_reached_tol_at_step():
    t = runs.run("bowl", "sgd", 100, learning_rate=0.1)
    texts = [x.get_text() for x in plots.contour("bowl", [t]).get_legend().get_texts()]
    assert texts[0] == f"sgd lr=0.1: loss {t.final_loss:.3g}, first reached tol at step " \
                       f"{t.steps_to_tol}"
    assert texts[0].count("lr=") == 1


def test_contour_levels_are_log_spaced_where_the_range_is_wide():
    # linreg: loss 0 at the minimum up to ~300 at the corners: linear levels would leave no
    # line near the valley
    ax = plots.contour("linreg", [runs.run("linreg", "sgd", 5, learning_rate=0.05)])
    levels = np.asarray(ax.collections[-1].levels if hasattr(ax.collections[-1], "levels")
                        else [])
    if levels.size == 0:
        from matplotlib.contour import ContourSet
        levels = [c for c in ax.get_children() if isinstance(c, ContourSet)][-1].levels
    ratios = np.diff(np.log(levels))
    assert np.allclose(ratios, ratios[0])   # geometric spacing


@pytest.mark.parametrize("name", problems.names())
def test_default_rates_move_every_optimizer_without_diverging(name):
    prob = problems.get(name)
    size = float(np.max(np.ptp(np.asarray(prob.bounds), axis=1)))
    for t in runs.run_many(prob, list(runs.PRESETS)[:1] + ["momentum", "nesterov", "adagrad",
                                                            "rmsprop", "adam"], 200):
        assert not t.diverged, (name, t.label)
        # moved at least 2% of the window (Rastrigin: into the nearest local minimum)
        assert np.linalg.norm(t.points[-1] - t.points[0]) > 0.02 * size, (name, t.label)


def test_learning_rate_lesson_shows_small_right_oscillating_diverging():
    ts = lessons.learning_rate_runs("illcond", "sgd", 50)
    # illcond's largest curvature is kappa = 50, so the rates are 0.05/50, 1/50, 1.9/50, 2.5/50
    assert [t.learning_rate for t in ts] == [0.001, 0.02, 0.038, 0.05]
    small, right, big, bad = ts
    assert not small.diverged and small.final_loss > right.final_loss
    assert runs.count_u_turns(big, axis=1) > 20 and not big.diverged   # the zigzag
    assert bad.diverged
    ax = plots.contour("illcond", ts)
    assert [x.get_text().split(":")[0] for x in ax.get_legend().get_texts()][:4] == \
        [t.label for t in ts]


def test_batch_lesson_uses_mean_losses_and_a_fixed_seed():
    a = lessons.batch_runs("sparse", "sgd", steps=30, seed=3)
    b = lessons.batch_runs("sparse", "sgd", steps=30, seed=3)
    assert [t.batch_size for t in a] == [None, 10, 1]
    assert all(np.array_equal(x.points, y.points) for x, y in zip(a, b))
    # mean loss: the full-batch step is the sum's step divided by the 100 points
    prob = problems.get("sparse")
    g = prob.grad(np.array(prob.start)) / prob.n_points
    assert np.allclose(a[0].points[1], np.array(prob.start) - a[0].learning_rate * g)


def test_loss_plot_survives_large_finite_losses(tmp_path):
    # issue 13 item 8: saddle with NAG at lr 1 used to raise OverflowError in the loss plot
    t = runs.run("saddle", "nag", 300, learning_rate=1.0)
    big = runs.run("bowl", "sgd", 300, learning_rate=1e3)
    assert t.diverged and big.diverged
    ax = plots.loss_curves([big], problem="bowl")
    assert ax.get_ylim()[1] <= plots.LOSS_CLIP * big.losses[0] * 10
    files = plots.save_loss_curves([t], tmp_path / "s_loss.png", problem="saddle")
    assert len(files) == 2


def test_surface3d_has_paths_on_top_markers_and_a_saddle_surface():
    t = runs.run("saddle", "sgd", 50, learning_rate=0.02)
    ax = plots.surface3d("saddle", [t])
    assert ax.computed_zorder is False
    assert len(ax.collections) >= 1                       # the surface itself
    path = [ln for ln in ax.get_lines() if ln.get_label().startswith("sgd")][0]
    assert path.get_zorder() > ax.collections[0].get_zorder()
    assert len(_lines(ax, "_start")) == 1
    ax = plots.surface3d("rosenbrock", [runs.run("rosenbrock", "adam", 20, learning_rate=0.05)])
    assert len(_lines(ax, "minimum")) == 1


def test_gif_frames_show_current_step_and_loss():
    t = runs.run("bowl", "sgd", 30, learning_rate=0.1)
    assert list(animation.frame_steps([t], max_frames=4)) == [0, 10, 20, 30]
    assert animation.frame_label(t, 10) == f"sgd lr=0.1: step 10, loss {t.losses[10]:.3g}"
    bad = runs.run("bowl", "sgd", 40, learning_rate=0.9)
    assert animation.frame_label(bad, 0).startswith("sgd lr=0.9: step 0")
    assert "diverged at step" in animation.frame_label(bad, 1000)


def test_sweep_rule_fewest_steps_to_tol_then_lowest_loss_and_none_without_minimum():
    P = sweep.SweepPoint
    pts = [P("sgd", 0.1, 1e-9, False, 40, "coarse", 0.0), P("sgd", 0.3, 1e-30, False, 60,
           "coarse", 0.0), P("sgd", 1.0, np.inf, True, None, "coarse", 0.0),
           P("adam", 0.1, 0.5, False, None, "coarse", 0.0),
           P("adam", 0.01, 0.7, False, None, "coarse", 0.0)]
    assert sweep.best_rates(pts) == {"sgd": 0.1, "adam": 0.1}
    saddle = sweep.lr_sweep("saddle", ["sgd"], steps=20, refine=False)
    assert sweep.best_rates(saddle) == {"sgd": None}
    ax = sweep.plot_sweep(saddle, problem="saddle", steps=20)
    assert ax.get_yscale() == "symlog" and "no best rate" in ax.get_ylabel()


def test_no_global_matplotlib_state(tmp_path):
    before = matplotlib.get_backend()
    paths = runs.run_many("bowl", ["sgd", "adam"], 10)
    plots.save_contour("bowl", paths, tmp_path / "c.png")
    assert matplotlib.get_backend() == before
    plots.save_surface3d("bowl", paths, tmp_path / "s.png")
    assert matplotlib.get_backend() == before
    plots.save_loss_curves(paths, tmp_path / "l.png", problem="bowl")
    assert matplotlib.get_backend() == before
    animation.save_gif("bowl", paths, tmp_path / "a.gif", max_frames=3)
    assert matplotlib.get_backend() == before
    sweep.save_sweep(sweep.lr_sweep("bowl", ["sgd"], steps=5, refine=False),
                     tmp_path / "w.png", problem="bowl")
    assert matplotlib.get_backend() == before
    import sys
    assert "matplotlib.pyplot" not in sys.modules or before == matplotlib.get_backend()


def test_no_numpy_warning_for_any_rate_or_start():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in problems.names():
            prob = problems.get(name)
            for lr in (1e-6, 1.0, 100.0):
                for start in (None, (1e3, -1e3)):
                    runs.run_many(prob, ["sgd", "adam"], 30, start, learning_rate=lr)


def test_docs_show_every_command_of_make_figures():
    # scripts/lab_figures.py (make figures) regenerates docs/images from the commands that
    # docs/lab.md shows beside each picture: the two lists must agree
    import importlib.util
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("lab_figures", root / "scripts/lab_figures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    doc = (root / "docs/lab.md").read_text()
    for command, keep in mod.FIGURES:
        assert f"`{command}`" in doc
        for name in keep:
            assert f"`docs/images/{name}`" in doc
