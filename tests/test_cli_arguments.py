"""The ``deepgrad`` command's arguments beyond the one-line refusals of tests/test_cli_bad_input.py: a
scheduler that cannot be reached, the forms of address that can, a missing full dataset reported with the
library's whole message, the console script itself, and an empty lab path's NaN final loss."""

import math
import socket
import subprocess
import sys

import pytest

from deepgrad import cli
from deepgrad.lab import runs


def test_final_loss_of_an_empty_path_is_nan():
    # a non-finite start records no point at all (runs.run), so there is no last loss
    traj = runs.run("bowl", "sgd", steps=3, start=(float("nan"), 1.0))
    assert traj.diverged and len(traj.losses) == 0
    assert math.isnan(traj.final_loss)  # was IndexError
    assert traj.steps == 0  # was -1 ("diverged after -1 steps")


def _closed_port() -> int:
    """A local port nobody listens on: bound by the OS, then released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_TINY = ["--epochs", "1", "--train-samples", "10"]
_CMP = ["compare", "--out", "c", "--optimizers", "sgd", "--val-samples", "10"] + _TINY


def test_unreachable_scheduler_refused_before_the_folder_is_made(tmp_path, capsys):
    pytest.importorskip("distributed")
    out = tmp_path / "c"
    addr = f"tcp://127.0.0.1:{_closed_port()}"
    assert cli.main(_CMP[:2] + [str(out)] + _CMP[3:] + ["--scheduler", addr]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"deepgrad: error: --scheduler: cannot reach a scheduler at '{addr}'")
    assert err.count("\n") == 1 and not out.exists()


@pytest.mark.parametrize("form", ["tcp://127.0.0.1:{}", "127.0.0.1:{}", "localhost:{}"])
def test_scheduler_address_forms_that_reach_a_listener_pass(form):
    pytest.importorskip("distributed")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        cli._check_scheduler(form.format(server.getsockname()[1]))  # no UsageError


def test_positive_tol_still_accepted(tmp_path, capsys):
    assert cli.main(["lab", "--problem", "bowl", "--optimizers", "sgd", "--steps", "2",
                     "--tol", "0.5", "--out", str(tmp_path / "b.png")]) == 0
    assert (tmp_path / "b.png").exists()


def test_console_command_refuses_negative_train_samples_without_traceback():
    # before the fix x[:-1] silently trained on 4999 of the subset's 5000 images
    proc = subprocess.run([sys.executable, "-m", "deepgrad.cli", "train", "--train-samples", "-1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "deepgrad: error: --train-samples must be >= 1, got -1\n"
    assert proc.stdout == ""


@pytest.fixture
def no_full_dataset(tmp_path, monkeypatch):
    """A machine without the full Fashion-MNIST: no $DEEPGRAD_DATA, an empty home, no system dir."""
    from deepgrad.datasets import fashion_mnist
    from deepgrad.lab import compare
    monkeypatch.delenv("DEEPGRAD_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", (str(tmp_path / "nosys"),))
    compare.load_arrays.cache_clear()  # a full set loaded by an earlier test must not be reused
    yield
    compare.load_arrays.cache_clear()


@pytest.mark.parametrize("command", ["train", "compare"])
def test_full_without_dataset_prints_the_whole_loader_message(command, no_full_dataset, tmp_path,
                                                             capsys):
    out = tmp_path / "c"
    argv = ["train", "--full", "--epochs", "1"] if command == "train" else \
        ["compare", "--full", "--out", str(out), "--optimizers", "sgd", "--epochs", "1"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("deepgrad: error: fashion-mnist: the dataset's IDX files were not found")
    # the lines the first-line cut dropped: every place searched with the reason, and the hints
    assert "$DEEPGRAD_DATA  (not set)" in err
    assert f"{tmp_path / 'nosys'}  (no such directory)" in err
    assert "deepgrad never downloads data" in err and "apt-get install dataset-fashion-mnist" in err
    assert err.rstrip().endswith("leave out --full to use the embedded subset")
    assert "Traceback" not in err and not out.exists()
