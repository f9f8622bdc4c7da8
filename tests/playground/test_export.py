"""The exported script, run on its own, prints the test loss the playground showed."""

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from deepgrad.playground import export, network, params

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run_exported(archive: bytes, folder: Path) -> float:
    """Unzip ``archive`` into ``folder``, run its script with a fresh Python, return its loss."""
    zipfile.ZipFile(io.BytesIO(archive)).extractall(folder)
    env = dict(os.environ, PYTHONPATH=SRC)
    out = subprocess.run([sys.executable, str(folder / export.SCRIPT_NAME)], capture_output=True,
                         text=True, env=env, cwd=folder, timeout=120)
    assert out.returncode == 0, out.stderr
    return float(re.search(r"test loss ([-0-9.eE+]+)", out.stdout).group(1))


def test_exported_script_reproduces_the_test_loss(tmp_path):
    s = params.network_settings({"dataset": "spiral", "classes": "3", "layers": "6,5", "optimizer": "adam",
                                 "lr": "0.02", "regularization": "l1", "reg_rate": "0.0005",
                                 "features": "x1,x2,x1x2", "batch": "12", "seed": "5", "noise": "15"})
    run = network.NetworkRun(s)
    for _ in range(5):
        run.train_epoch()
    shown = run.history[0][-1]["val_loss"]
    assert abs(run_exported(export.export_zip(run), tmp_path) - shown) < 1e-6


def test_exported_regression_script(tmp_path):
    s = params.network_settings({"dataset": "multigauss", "layers": "5", "optimizer": "rmsprop",
                                 "lr": "0.01", "schedule": "cosine", "decay_epochs": "10"})
    run = network.NetworkRun(s)
    for _ in range(3):
        run.train_epoch()
    text = export.script(run)
    assert "cosine learning-rate schedule" in text and "mean_squared_error" in text
    assert abs(run_exported(export.export_zip(run), tmp_path) - run.history[0][-1]["val_loss"]) < 1e-6
