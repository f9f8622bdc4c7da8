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
