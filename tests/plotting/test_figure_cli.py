"""``deepgrad figure`` and the no-global-state promise of deepgrad.plotting."""

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from deepgrad.cli import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.mark.parametrize("name", ["activations", "schedules", "ewma"])
def test_figure_command_writes_a_png(name, tmp_path, capsys):
    out = tmp_path / f"{name}.png"
    assert main(["figure", name, "--out", str(out), "--dpi", "50"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    with Image.open(out) as im:
        assert im.format == "PNG" and min(im.size) > 100


@pytest.mark.parametrize("argv, text", [
    (["figure", "nope", "--out", "a.png"], "unknown figure"),
    (["figure", "ewma", "--out", "a.txt"], ".png, .svg or .pdf"),
    (["figure", "ewma", "--out", "/no/such/folder/a.png"], "does not exist"),
    (["figure", "ewma", "--out", "a.png", "--dpi", "x"], "--dpi must be an integer"),
    (["figure", "schedules", "--out", "a.png", "--steps", "1"], "--steps must be >= 2"),
    (["figure", "ewma"], "--out"),
    (["figure", "ewma", "--out", "a.png", "--what"], "unrecognized arguments: --what"),
])
def test_figure_bad_arguments_one_line_exit_2(argv, text, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("deepgrad: error:") and err.count("\n") == 1 and text in err
    assert list(tmp_path.iterdir()) == []


def test_plotting_leaves_pyplot_and_the_backend_alone():
    code = (
        "import matplotlib, sys\n"
        "before = matplotlib.get_backend()\n"
        "from deepgrad import plotting\n"
        "plotting.plot_activations(); plotting.plot_schedules(steps=50); plotting.plot_ewma()\n"
        "import numpy as np\n"
        "plotting.plot_gradient_norms({'grad_norm_d': [1.0, 0.5]})\n"
        "plotting.plot_time_profile({'lstm': np.ones(3)})\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
        "assert matplotlib.get_backend() == before\n"
        "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": SRC, "MPLBACKEND": "svg"})   # a non-Agg backend
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
