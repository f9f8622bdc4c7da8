"""Pictures: files written (PNG + SVG, GIF), range extension, legend text, sweep."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

from deepgrad.lab import animation, plots, problems, runs, sweep  # noqa: E402


@pytest.fixture(scope="module")
def paths():
    return runs.run_many("rosenbrock", {"momentum": 1e-3, "sgd": 0.05}, 40)


def _is_png(p):
    with open(p, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_contour_writes_png_and_svg_with_legend(tmp_path, paths):
    out = plots.save_contour("rosenbrock", paths, tmp_path / "r.png")
    assert out == [str(tmp_path / "r.png"), str(tmp_path / "r.svg")]
    assert _is_png(out[0])
    assert "<svg" in open(out[1]).read(2000)
    assert paths[1].diverged  # sgd at 0.05 blows up on Rosenbrock


def test_legend_text_marks_divergence_and_tolerance(paths):
    # issue 14 wording: "diverged at step k", "first reached tol at step k" / "tol T not reached"
    assert "diverged at step" in plots.legend_label(paths[1])
    assert plots.legend_label(paths[0]).startswith("momentum lr=0.001: loss ")
    assert "tol 0.0001 not reached" in plots.legend_label(paths[0])


def test_range_extends_to_a_start_outside_the_bounds():
    prob = problems.get("bowl")
    t = runs.run(prob, "sgd", 5, start=(7.0, -9.0), learning_rate=0.1)
    (x0, x1), (y0, y1) = plots.plot_range(prob, [t])
    assert x1 >= 7.0 and y0 <= -9.0
    assert (x0, y1) == (-3.0, 3.0)


def test_axes_labels_and_titles(paths):
    ax = plots.contour("rosenbrock", paths)
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    assert "Rosenbrock" in ax.get_title()
    ax = plots.loss_curves(paths, problem="rosenbrock")
    assert ax.get_yscale() == "log" and "step" in ax.get_xlabel()


def test_palette_is_okabe_ito():
    colours = {st["color"] for st in plots.styles_for(
        ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])}
    assert colours <= set(plots.OKABE_ITO.values()) and len(colours) == 6


def test_surface_loss_and_gif(tmp_path, paths):
    assert _is_png(plots.save_surface3d("rosenbrock", paths, tmp_path / "s.png")[0])
    assert _is_png(plots.save_loss_curves(paths, tmp_path / "l.png", problem="rosenbrock")[0])
    gif = animation.save_gif("rosenbrock", paths, tmp_path / "a.gif", max_frames=5)
    with open(gif, "rb") as f:
        assert f.read(6) in (b"GIF89a", b"GIF87a")


def test_sweep_coarse_then_refined_around_best(tmp_path):
    pts = sweep.lr_sweep("bowl", ["sgd"], steps=30)
    coarse = [p.learning_rate for p in pts if p.stage == "coarse"]
    assert coarse == list(sweep.COARSE_RATES)
    # x^2+xy+y^2 has Hessian eigenvalues 1 and 3: GD diverges for lr > 2/3, so 1.0 blows up
    assert [p.diverged for p in pts if p.learning_rate == 1.0] == [True]
    best = min((p for p in pts if p.stage == "coarse"), key=lambda p: p.final_loss).learning_rate
    assert best == 0.1
    assert sorted(p.learning_rate for p in pts if p.stage == "refine") == [0.05, 0.2, 0.3]
    assert sweep.best_rates(pts)["sgd"] == 0.3     # the refined grid finds a better rate
    assert _is_png(sweep.save_sweep(pts, tmp_path / "sw.png", problem="bowl", steps=30)[0])
    assert "**best**" in sweep.sweep_table(pts)
    assert np.isinf([p.final_loss for p in pts if p.diverged]).all()
