"""One table of bad command lines per ``deepgrad`` command (issue 12 item 5): train, lab, compare, explain,
figure, playground and the top-level parser. Each row: the argv and a regex the one error line must match (the
option's name and what was expected). Every row: exit status 2, exactly one line on stderr starting
``deepgrad: error:``, no traceback, nothing on stdout, no file or folder written. The argparse rows (a value
that is not an int, an unknown option or choice, a missing required option) used to print the usage lines too.
"""

import re

import pytest

from deepgrad import cli

_TINY = ["--epochs", "1", "--train-samples", "10"]
_LAB = ["lab", "--optimizers", "sgd", "--steps", "2", "--out", "lab.png"]
_CMP = ["compare", "--out", "c", "--optimizers", "sgd", "--val-samples", "10"] + _TINY
_FIG = ["figure", "schedules", "--out", "f.png"]

CASES = [
    ("no command", ["nope"], r"invalid choice: 'nope'"),
    ("top-level unknown option", ["--bogus"], r"unrecognized arguments: --bogus"),
    ("train epochs 0", ["train", "--epochs", "0"], r"--epochs must be >= 1, got 0"),
    ("train epochs not int", ["train", "--epochs", "x"], r"train: argument --epochs: invalid int value: 'x'"),
    ("train optimizer", ["train", "--optimizer", "bogus"] + _TINY, r"unknown optimizer run 'bogus'; valid runs"),
    ("train unknown option", ["train", "--bogus"], r"train: unrecognized arguments: --bogus"),
    ("lab steps negative", _LAB + ["--steps", "-1"], r"--steps must be >= 0, got -1"),
    ("lab steps huge", _LAB + ["--steps", str(10 ** 12)], r"--steps must be <= \d+, got 1000000000000"),
    ("lab problem", _LAB + ["--problem", "nope"], r"unknown problem 'nope'; valid problems"),
    ("lab optimizers unknown", _LAB + ["--optimizers", "nope"], r"unknown optimizer 'nope'; valid optimizers"),
    ("lab optimizers empty", _LAB + ["--optimizers", ""], r"--optimizers is empty"),
    ("lab lr negative", _LAB + ["--lr", "-1"], r"--lr must be a positive number, got '-1'"),
    ("lab lr NaN", _LAB + ["--lr", "nan"], r"--lr must be a positive number, got 'nan'"),
    ("lab optimizers-lr", _LAB + ["--optimizers-lr", "sgd=-1"], r"learning rate of 'sgd' must be a positive"),
    ("lab batch-size", _LAB + ["--batch-size", "0"], r"--batch-size must be >= 1, got 0"),
    ("lab jobs not int", _LAB + ["--jobs", "x"], r"lab: argument --jobs: invalid int value: 'x'"),
    ("lab start", _LAB + ["--start", "1"], r"--start must be two numbers X,Y, got '1'"),
    ("lab lesson", _LAB + ["--lesson", "x"], r"lab: argument --lesson: invalid choice: 'x'"),
    ("lab seed", _LAB + ["--seed", "-1"], r"--seed must be >= 0, got -1"),
    ("lab out suffix", _LAB + ["--out", "x.jpg"], r"--out must be a file name ending in .png or .svg"),
    ("compare epochs", _CMP + ["--epochs", "0"], r"--epochs must be >= 1, got 0"),
    ("compare jobs", _CMP + ["--jobs", "0"], r"--jobs must be >= 1, got 0"),
    ("compare optimizers", _CMP + ["--optimizers", "nope"], r"unknown optimizer run 'nope'"),
    ("compare out missing", ["compare"], r"compare: the following arguments are required: --out"),
    ("train train-samples 0", ["train", "--train-samples", "0", "--epochs", "1"],
     r"--train-samples must be >= 1, got 0"),
    ("train train-samples -1", ["train", "--train-samples", "-1", "--epochs", "1"],
     r"--train-samples must be >= 1, got -1"),
    ("train seed", ["train", "--seed", "-1"] + _TINY, r"--seed must be >= 0, got -1"),
    ("compare val-samples", _CMP + ["--val-samples", "0"], r"--val-samples must be >= 1, got 0"),
    ("compare train-samples", _CMP + ["--train-samples", "0"], r"--train-samples must be >= 1, got 0"),
    ("compare seed", _CMP + ["--seed", "-1"], r"--seed must be >= 0, got -1"),
    ("compare optimizers twice", _CMP + ["--optimizers", "sgd,SGD"], r"names the run sgd more than once"),
    ("compare scheduler word", _CMP + ["--scheduler", "bogus"], r"--scheduler must be a Dask scheduler address"),
    ("compare scheduler ftp", _CMP + ["--scheduler", "ftp://host:8786"],
     r"--scheduler must be a Dask scheduler address"),
    ("compare scheduler port", _CMP + ["--scheduler", "tcp://host:99999"],
     r"--scheduler must be a Dask scheduler address"),
    ("lab jobs", _LAB + ["--sweep-lr", "--jobs", "0"], r"--jobs must be >= 1, got 0"),
    ("lab start NaN", _LAB + ["--start", "nan,1"], r"--start must be two finite numbers"),
    ("lab start Inf", _LAB + ["--start", "1,inf"], r"--start must be two finite numbers"),
    # (1e200)^2 overflows: rosenbrock's loss 100 (y - x^2)^2 + (1 - x)^2 is inf there
    ("lab start overflowing", _LAB + ["--problem", "rosenbrock", "--start", "1e200,1"],
     r"loss or its gradient is not finite"),
    ("lab tol NaN", _LAB + ["--tol", "nan"], r"--tol must be a finite number > 0, got nan"),
    ("lab tol negative", _LAB + ["--tol", "-1"], r"--tol must be a finite number > 0, got -1"),
    ("lab tol 0", _LAB + ["--tol", "0"], r"--tol must be a finite number > 0, got 0"),
    ("lab tol Inf", _LAB + ["--tol", "inf"], r"--tol must be a finite number > 0, got inf"),
    ("lab optimizers-lr no rate", _LAB + ["--optimizers-lr", "0.5"],
     r"--optimizers-lr takes NAME=LR entries, got '0\.5'"),
    ("lab optimizers-lr no name", _LAB + ["--optimizers-lr", "adam"],
     r"--optimizers-lr takes NAME=LR entries, got 'adam'"),
    ("lab lr list", _LAB + ["--lr", "0.1,0.5"], r"--lr takes one default rate"),
    ("explain no command", ["explain"], r"explain needs a command: backprop or lstm"),
    ("explain backprop x1", ["explain", "backprop", "--x1", "nan"], r"--x1 must be finite, got 'nan'"),
    ("explain backprop lr", ["explain", "backprop", "--lr", "-1"], r"--lr must be > 0, got '-1'"),
    ("explain backprop weights", ["explain", "backprop", "--weights", "1,2"], r"--weights must be 9 comma-sep"),
    ("explain backprop activation", ["explain", "backprop", "--activation", "nope"], r"activation.*nope"),
    ("explain lstm x", ["explain", "lstm", "--x", "a,b"], r"--x must be a number, got 'a'"),
    ("explain lstm seed", ["explain", "lstm", "--seed", "-1"], r"--seed must be an integer >= 0"),
    ("figure name", ["figure", "nope", "--out", "f.png"], r"unknown figure 'nope'"),
    ("figure out suffix", _FIG[:2] + ["--out", "f.jpg"], r"--out must end in .png, .svg or .pdf, got 'f.jpg'"),
    ("figure dpi", _FIG + ["--dpi", "0"], r"--dpi must be >= 10, got 0"),
    ("figure steps", _FIG + ["--steps", "-5"], r"--steps must be >= 2, got -5"),
    ("figure out folder", _FIG[:2] + ["--out", "nodir/f.png"], r"--out: folder .*nodir' does not exist"),
    ("playground port negative", ["playground", "--port", "-1"], r"--port must be from 0 to 65535, got -1"),
    ("playground port huge", ["playground", "--port", "70000"], r"--port must be from 0 to 65535, got 70000"),
    ("playground port not int", ["playground", "--port", "x"], r"playground: argument --port: invalid int"),
]


@pytest.mark.parametrize("argv, pattern", [pytest.param(c[1], c[2], id=c[0]) for c in CASES])
def test_a_bad_command_line_is_refused_in_one_line_before_any_output(argv, pattern, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # relative --out paths: anything written would land here
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("deepgrad: error: ") and err.count("\n") == 1, err
    assert re.search(pattern, err), err
    assert "Traceback" not in err and captured.out == ""
    assert list(tmp_path.iterdir()) == []
