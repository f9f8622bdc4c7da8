"""Pictures: files written (PNG + SVG, GIF), range extension, legend text, sweep."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

from deepgrad.lab import animation, compare, plots, problems, runs, sweep  # noqa: E402


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


# --- 2. the plotting window always holds the start and the minimum -------------------------

def _inside(window, pts):
    (x0, x1), (y0, y1) = window
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
    return bool(np.all((pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)))


def test_window_holds_a_far_start_and_the_minimum():
    # bowl bounds are [-3, 3]^2: a start 100 away used to be clipped by the 10x growth cap,
    # leaving 0 of the 6 path points in the picture
    prob = problems.get("bowl")
    t = runs.run(prob, "sgd", 5, start=(-100.0, 0.0), learning_rate=0.01)
    window = plots.plot_range(prob, [t])
    assert _inside(window, t.points[:1])     # the start (the path itself may be clipped)
    assert _inside(window, prob.minima)


def test_a_diverging_path_never_widens_the_window():
    # issue 14: the window stays on the problem's region; a path leaving it is clipped
    prob = problems.get("bowl")
    t = runs.run(prob, "sgd", 40, learning_rate=0.9)   # GD diverges for lr > 2/3 (eigenvalue 3)
    assert t.diverged and np.abs(t.points).max() > 100
    assert plots.plot_range(prob, [t]) == prob.bounds   # bowl's bounds hold start and minimum
    ax = plots.contour(prob, [t])
    assert (ax.get_xlim(), ax.get_ylim()) == prob.bounds


# --- 3. colours within one figure are distinct ------------------------------------------------

@pytest.mark.parametrize("labels", [
    ["nadam", "sgd"],                   # nadam used to take the palette's first, GD's black
    ["momentum", "adamax"],             # adamax used to take the second, momentum's vermillion
    ["sgd", "momentum", "nesterov", "adadelta"],
    ["adamw", "adam", "nadam", "sgd lr=0.1", "sgd lr=0.5"],   # a preset twice
    list(compare.NOTES_RUNS),           # the eight runs of `deepgrad compare`
])
def test_colours_in_one_figure_are_distinct(labels):
    colours = [st["color"] for st in plots.styles_for(labels)]
    assert len(set(colours)) == len(labels)
    assert set(colours) <= set(plots.PATH_COLOURS.values())
    assert plots.OKABE_ITO["yellow"] not in colours   # faint on white


def test_presets_keep_the_notes_colours_next_to_other_optimizers():
    st = plots.styles_for(["adamax", "nesterov", "sgd", "momentum", "adadelta"])
    ok = plots.OKABE_ITO
    assert [s["color"] for s in st[1:4]] == [ok["blue"], ok["black"], ok["vermillion"]]
    # the others take free colours, sky blue (no preset's) first
    assert st[0]["color"] == ok["sky_blue"] and st[4]["color"] not in {
        ok["blue"], ok["black"], ok["vermillion"], ok["sky_blue"]}
    # every path also has its own line style and marker
    assert len({str(s["linestyle"]) for s in st}) == 5 and len({s["marker"] for s in st}) == 5


def test_figure_lines_use_distinct_colours(bowl_paths):
    extra = runs.run("bowl", "nadam", 10, learning_rate=0.1)
    ax = plots.loss_curves([extra, *bowl_paths], problem="bowl")
    colours = [ln.get_color() for ln in ax.get_lines()]
    assert len(colours) == 3 and len(set(colours)) == 3
