"""Review fixes of the lab: atomic outputs, the plotting window, distinct colours, lab.run's
checks of its arguments."""

import os

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from deepgrad import optimizers  # noqa: E402
from deepgrad.lab import animation, compare, plots, problems, runs  # noqa: E402


# --- 1. every output file is written atomically (temporary file, fsync, rename) -------------

def _failing_fsync(fd):
    raise OSError(5, "simulated disk error at fsync")


def _result(key="sgd", seconds=(0.5,)):
    return {"key": key, "optimizer": "SGD(learning_rate=0.01)", "settings": {},
            "history": {"loss": [1.0], "val_loss": [2.0]}, "epoch": [0],
            "seconds_per_epoch": list(seconds), "final": {"loss": 1.0, "val_loss": 2.0},
            "diverged": False}


def _assert_untouched(folder, old):
    """Every file in ``old`` still has its old bytes, and nothing else (no temporary file) is there."""
    assert sorted(os.listdir(folder)) == sorted(old)
    for name, data in old.items():
        assert (folder / name).read_bytes() == data


def test_write_result_is_atomic_and_durable(tmp_path, monkeypatch):
    compare.write_result(_result(), tmp_path)
    d = tmp_path / "histories"
    old = {"sgd.json": b"OLD JSON", "sgd.csv": b"OLD CSV"}
    for name, data in old.items():
        (d / name).write_bytes(data)
    # A write whose fsync fails must not replace the finished files (a plain write + rename
    # without fsync would have replaced them with data a power cut could still lose).
    monkeypatch.setattr(os, "fsync", _failing_fsync)
    with pytest.raises(OSError, match="simulated"):
        compare.write_result(_result(), tmp_path)
    _assert_untouched(d, old)


def test_write_result_leaves_no_temporary_file_on_error(tmp_path):
    # A bad per-epoch time fails while the CSV text is built: nothing may be left behind
    # (the old code had already written `.sgd.json.tmp` by then).
    with pytest.raises(ValueError):
        compare.write_result(_result(seconds=("not a number",)), tmp_path)
    assert os.listdir(tmp_path / "histories") == []


def test_results_md_is_written_atomically(tmp_path, monkeypatch):
    tiny = dict(epochs=1, n_train=64, n_val=32, progress=lambda line: None)
    compare.compare(tmp_path, ["sgd"], **tiny)
    (tmp_path / "results.md").write_bytes(b"OLD TABLE")
    monkeypatch.setattr(os, "fsync", _failing_fsync)
    # resume: the run is finished, so the first file written is results.md
    with pytest.raises(OSError, match="simulated"):
        compare.compare(tmp_path, ["sgd"], resume=True, **tiny)
    assert (tmp_path / "results.md").read_bytes() == b"OLD TABLE"
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_compare_header_states_the_batch_size(tmp_path):
    compare.compare(tmp_path, ["sgd"], epochs=1, n_train=64, n_val=32, batch_size=32,
                    progress=lambda line: None)
    assert "batch 32," in (tmp_path / "results.md").read_text()


@pytest.fixture(scope="module")
def bowl_paths():
    return runs.run_many("bowl", {"sgd": 0.1, "momentum": 0.05}, 10)


def test_pictures_are_written_atomically(tmp_path, monkeypatch, bowl_paths):
    old = {"p.png": b"OLD PNG", "p.svg": b"OLD SVG"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.setattr(os, "fsync", _failing_fsync)
    with pytest.raises(OSError, match="simulated"):
        plots.save_contour("bowl", bowl_paths, tmp_path / "p.png")
    _assert_untouched(tmp_path, old)


def test_gif_is_written_atomically(tmp_path, monkeypatch, bowl_paths):
    old = {"a.gif": b"OLD GIF"}
    (tmp_path / "a.gif").write_bytes(b"OLD GIF")
    monkeypatch.setattr(os, "fsync", _failing_fsync)
    with pytest.raises(OSError, match="simulated"):
        animation.save_gif("bowl", bowl_paths, tmp_path / "a.gif", max_frames=3)
    _assert_untouched(tmp_path, old)
    monkeypatch.undo()
    animation.save_gif("bowl", bowl_paths, tmp_path / "a.gif", max_frames=3)
    assert (tmp_path / "a.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    assert os.listdir(tmp_path) == ["a.gif"]


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
