"""The deepgrad command: lab and compare, in-process (main([...])) and one subprocess smoke."""

import subprocess
import sys

import pytest

pytest.importorskip("matplotlib")

from deepgrad.cli import main  # noqa: E402


def test_lab_writes_pictures_and_prints_table(tmp_path, capsys):
    out = tmp_path / "r.png"
    code = main(["lab", "--problem", "rosenbrock", "--optimizers", "sgd,momentum,adam=0.05",
                 "--lr", "1e-3", "--steps", "30", "--out", str(out), "--surface3d"])
    assert code == 0
    for name in ("r.png", "r.svg", "r_loss.png", "r_3d.png"):
        assert (tmp_path / name).exists()
    text = capsys.readouterr().out
    assert "adam" in text and "0.05" in text and "final loss" in text


def test_lab_per_optimizer_rate_in_lr_flag(tmp_path, capsys):
    assert main(["lab", "--problem", "bowl", "--optimizers", "sgd,adam", "--lr", "0.1,adam=0.2",
                 "--steps", "5", "--out", str(tmp_path / "b.png")]) == 0
    lines = [ln.split() for ln in capsys.readouterr().out.splitlines()]
    rates = {ln[0]: float(ln[1]) for ln in lines if ln and ln[0] in ("sgd", "adam")}
    assert rates == {"sgd": 0.1, "adam": 0.2}


def test_lab_diverging_run_is_marked(tmp_path, capsys):
    assert main(["lab", "--problem", "rosenbrock", "--optimizers", "sgd", "--lr", "0.05",
                 "--steps", "100", "--out", str(tmp_path / "d.png")]) == 0
    assert "diverged" in capsys.readouterr().out


def test_lab_start_outside_range_is_accepted(tmp_path):
    assert main(["lab", "--problem", "sigmoid", "--optimizers", "sgd", "--lr", "1", "--steps", "3",
                 "--start=-9,8", "--out", str(tmp_path / "s.png")]) == 0


@pytest.mark.parametrize("argv, message", [
    (["lab", "--problem", "banana"], "valid problems: sigmoid"),
    (["lab", "--optimizers", "sgd,adamm"], "valid optimizers:"),
    (["lab", "--lr", "fast"], "--lr must be a number"),
    (["lab", "--start", "1,2,3"], "--start must be two numbers"),
    (["lab", "--problem", "rosenbrock", "--batch-size", "2"], "needs a data problem"),
    (["compare", "--out", "x", "--optimizers", "sgd,lion"], "valid runs: sgd, sgd-0.05"),
    (["compare", "--out", "x", "--epochs", "0"], "--epochs must be >= 1"),
])
def test_bad_input_one_line_exit_2(argv, message, capsys, tmp_path):
    argv = [a if a != "x" else str(tmp_path / "o") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.startswith("deepgrad: error:") and "\n" not in err
    assert "Traceback" not in err


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["lab", "--steps", "1", "--out", str(blocker / "sub" / "p.png")]) == 2
    assert "cannot write to the output folder" in capsys.readouterr().err
    assert main(["compare", "--out", str(blocker / "d")]) == 2
    assert "cannot write to the output folder" in capsys.readouterr().err


def test_help_lists_problems_and_runs(capsys):
    assert main(["lab", "--help"]) == 0
    text = capsys.readouterr().out
    assert "rosenbrock" in text and "momentum" in text and "examples:" in text
    assert main(["compare", "--help"]) == 0
    text = capsys.readouterr().out
    assert "SGD(learning_rate=0.05, momentum=0.9, nesterov=True)" in text


def test_subprocess_smoke(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "deepgrad.cli", "lab", "--problem", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("deepgrad: error: unknown problem 'nope'")


# --- issue 14 / issue 13 items 8, 9, 13, 14 ---------------------------------------------------

import os  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

from deepgrad.lab import problems as _problems, runs as _runs  # noqa: E402

_GRID_RATES = ("1e-6", "1e-2", "1", "100")
_GRID_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


def _grid_starts(prob):
    far = np.asarray(prob.start, dtype=float) + 1e3
    return [None, f"{far[0]:g},{far[1]:g}",
            f"{prob.minima[0][0]:g},{prob.minima[0][1]:g}" if prob.minima else "0,0"]


@pytest.mark.parametrize("name", _problems.names())
def test_bad_input_grid_exits_0_with_every_file_or_2_with_one_line(name, tmp_path, capsys):
    # every problem x optimizer x start in {default, 1e3 away, the minimum} through the CLI,
    # in-process: the default start runs all 24 (optimizer, rate in {1e-6, 1e-2, 1, 100}) pairs
    # side by side, the other starts the extreme rates {1e-6, 100} (rendering 24-entry legends
    # is what costs time); the step count cycles over {0, 1, 25}. The full product of rates,
    # starts and steps {0, 1, 60} runs without drawing in test_run_grid_never_warns below.
    prob = _problems.get(name)
    for i, start in enumerate(_grid_starts(prob)):
        spec = ",".join(f"{o}={r}" for o in _GRID_OPTIMIZERS
                        for r in (_GRID_RATES if i == 0 else ("1e-6", "100")))
        out = tmp_path / f"g{i}.png"
        argv = ["lab", "--problem", name, "--optimizers", spec, "--steps", str((0, 1, 25)[i]),
                "--out", str(out)] + ([f"--start={start}"] if start else [])
        with warnings.catch_warnings():
            warnings.simplefilter("error")   # no NumPy warning for any rate or start
            code = main(argv)
        err = capsys.readouterr().err
        if code == 0:
            assert err == ""
            for f in (f"g{i}.png", f"g{i}.svg", f"g{i}_loss.png", f"g{i}_loss.svg"):
                assert (tmp_path / f).stat().st_size > 0
        else:
            assert code == 2 and err.startswith("deepgrad: error: ") and err.count("\n") == 1
            assert not list(tmp_path.glob(f"g{i}*"))


@pytest.mark.parametrize("name", _problems.names())
def test_run_grid_never_warns_and_stops_where_it_diverges(name):
    prob = _problems.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for start in _grid_starts(prob):
            p0 = None if start is None else tuple(float(v) for v in start.split(","))
            for steps in (0, 1, 60):
                for t in _runs.run_many(prob, [(o, float(r)) for o in _GRID_OPTIMIZERS
                                               for r in _GRID_RATES], steps, p0):
                    assert len(t.points) == len(t.losses) >= 1
                    assert np.all(np.isfinite(t.points)) and np.all(np.isfinite(t.losses))
                    if t.diverged:
                        assert t.diverged_at == len(t.points) and t.steps < steps
                    else:
                        assert t.steps == steps


def test_steps_are_bounded(tmp_path, capsys):
    assert main(["lab", "--steps", str(10 ** 12), "--out", str(tmp_path / "x.png")]) == 2
    assert f"--steps must be <= {_runs.MAX_STEPS}" in capsys.readouterr().err
    with pytest.raises(ValueError, match="MAX_STEPS"):
        _runs.run("bowl", "sgd", _runs.MAX_STEPS + 1)
    assert os.listdir(tmp_path) == []


def test_beale_with_defaults_prints_no_numpy_warning(tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["lab", "--problem", "beale", "--out", str(tmp_path / "b.png")]) == 0
    assert capsys.readouterr().err == ""


def test_one_optimizer_at_two_rates_runs_twice_with_distinct_labels(tmp_path, capsys):
    assert main(["lab", "--problem", "bowl", "--optimizers", "sgd=0.1,sgd=1", "--steps", "20",
                 "--out", str(tmp_path / "b.png")]) == 0
    text = capsys.readouterr().out
    assert "sgd lr=0.1 " in text and "sgd lr=1 " in text
    # the same (optimizer, rate) twice is refused, as compare refuses a run named twice
    assert main(["lab", "--optimizers", "sgd=0.1,sgd=0.1", "--out", str(tmp_path / "c.png")]) == 2
    assert "twice" in capsys.readouterr().err


def test_bare_lab_moves_every_optimizer(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["lab", "--steps", "50"]) == 0
    rows = [ln.split() for ln in capsys.readouterr().out.splitlines()[2:8]]
    start_loss = _problems.get("sigmoid").value(_problems.get("sigmoid").start)
    assert len(rows) == 6 and all(float(r[2]) < 0.5 * start_loss for r in rows)


@pytest.mark.parametrize("out", [".", "", "/", "..", "x.", "x.jpg", "noext", "outdir/", ".png",
                                 "missing/x.png"])
def test_output_path_forms_are_refused_in_one_line(out, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["lab", "--steps", "1", "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deepgrad: error: --out") and err.count("\n") == 1
    assert os.listdir(tmp_path) == []


def test_a_folder_named_like_an_output_refuses_the_whole_set(tmp_path, capsys):
    (tmp_path / "y.png").write_bytes(b"old")
    (tmp_path / "y.svg").mkdir()
    assert main(["lab", "--steps", "1", "--out", str(tmp_path / "y.png")]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert (tmp_path / "y.png").read_bytes() == b"old"          # not replaced
    (tmp_path / "z_loss.svg").mkdir()
    assert main(["lab", "--steps", "1", "--out", str(tmp_path / "z.png")]) == 2
    assert not (tmp_path / "z.png").exists()                     # nothing of the set written


def test_long_legal_names_are_written(tmp_path, capsys):
    # a 250-byte stem + "_loss.svg" would be 259 bytes: refused up front; a name whose
    # outputs all fit (<= 255 bytes) is written although the temporary name is 14 bytes longer
    long = "a" * 246 + ".png"                       # 250 bytes; "_loss.png" makes 255
    assert main(["lab", "--steps", "1", "--out", str(tmp_path / long)]) == 0
    assert (tmp_path / ("a" * 246 + "_loss.svg")).exists()
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    capsys.readouterr()
    assert main(["lab", "--steps", "1", "--out", str(tmp_path / ("b" * 250 + ".png"))]) == 2
    assert "255-byte limit" in capsys.readouterr().err


def test_loss_plot_crash_cases_of_issue_13_write_the_whole_set(tmp_path, capsys):
    # issue 13 item 8: NAG at lr 1 on the saddle, and every optimizer at lr 1e3
    assert main(["lab", "--problem", "saddle", "--optimizers", "nag", "--lr", "1", "--steps",
                 "300", "--out", str(tmp_path / "s.png")]) == 0
    assert main(["lab", "--lr", "1e3", "--steps", "300", "--out", str(tmp_path / "k.png")]) == 0
    names = set(os.listdir(tmp_path))
    assert {"s.png", "s.svg", "s_loss.png", "s_loss.svg", "k.png", "k_loss.png"} <= names
