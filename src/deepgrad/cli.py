"""The ``deepgrad`` command.

    deepgrad lab --problem rosenbrock --optimizers sgd,momentum,adam=0.05 --lr 1e-3 --out r.png
    deepgrad compare --epochs 2 --out runs/compare

Bad input (unknown names, unwritable folders, malformed or out-of-range numbers, an
unreachable ``--scheduler``) prints one line ``deepgrad: error: ...`` on stderr and exits with
status 2; no traceback. Every value is checked before any file or folder is written. A missing
full dataset (``--full``) is refused with the same prefix and status but the loader's whole,
several-line message (where it looked and why, how to get the files).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import re
import socket
import sys

__all__ = ["main", "build_parser"]


class UsageError(Exception):
    """A user mistake: reported in one line, exit status 2."""


_LAB_EPILOG = """\
optimizers (all built from deepgrad.optimizers, the classes that train networks):
  sgd       SGD(lr)                                plain gradient descent (also: gd)
  momentum  SGD(lr, momentum=0.9)
  nesterov  SGD(lr, momentum=0.9, nesterov=True)   (also: nag)
  adagrad   Adagrad(lr, initial_accumulator_value=0.0, epsilon=1e-8)   as in the notes
  rmsprop   RMSprop(lr, rho=0.9, epsilon=1e-8)
  adam      Adam(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
  Give one optimizer its own learning rate with NAME=LR, e.g. --optimizers sgd,adam=0.05;
  one optimizer at several rates side by side: --optimizers sgd=0.1,sgd=1 (labelled by rate).
  Without --lr every optimizer takes the problem's default rate (deepgrad.lab.runs.DEFAULT_RATES).

divergence: a path diverges when its loss is not finite or exceeds 1e6 x max(1, |start loss|),
  or its point leaves |x|, |y| <= 1e6; it stops there ("diverged at step k", an X marker).
lessons: --lesson learning-rate draws the first optimizer at four rates (too small, right,
  too big, diverging); --lesson batch (data problems) draws it with all points, a mini-batch of
  10 and one point per step, on mean losses, shuffled with --seed.

problems:
{problems}

examples:
  deepgrad lab --problem sigmoid --optimizers sgd,momentum,nesterov --lr 1 --steps 100 --out sigmoid.png
  deepgrad lab --problem rosenbrock --optimizers sgd,momentum,nesterov,adagrad,rmsprop,adam \\
      --lr 1e-3 --optimizers-lr adam=0.05 --steps 500 --out rosenbrock.png --gif --surface3d
  deepgrad lab --problem sigmoid --batch-size 1 --optimizers sgd --lr 1 --out sgd_stochastic.png
  deepgrad lab --problem bowl --optimizers sgd,adam --sweep-lr --out bowl.png
  deepgrad lab --problem illcond --lesson learning-rate --steps 50 --out lr.png
  deepgrad lab --problem sparse --lesson batch --steps 100 --out batch.png
"""

_COMPARE_EPILOG = """\
runs (the optimizer calls of the notes, in the notes' order):
{runs}

outputs in DIR: curves.png/.svg (training dashed, validation solid: loss and accuracy per
epoch), results.md
(final losses, accuracies, seconds per epoch), histories/<run>.json and .csv (written as each
run finishes; --resume skips finished runs).

examples:
  deepgrad compare --epochs 2 --out runs/compare                  (under a minute, 2 cores)
  deepgrad compare --optimizers sgd,adam --epochs 5 --jobs 2 --out runs/two
  deepgrad compare --full --epochs 35 --jobs 8 --out runs/full    (needs the Fashion-MNIST files)
  deepgrad compare --scheduler tcp://10.0.0.5:8786 --out runs/dask
"""


def build_parser() -> argparse.ArgumentParser:
    from .lab import compare as _compare
    from .lab import problems as _problems
    probs = "\n".join(f"  {n:<11}{_problems.get(n).title}" for n in _problems.names())
    runs = "\n".join(f"  {k:<10}{_compare.call_string(k)}" for k in _compare.NOTES_RUNS)
    parser = argparse.ArgumentParser(
        prog="deepgrad",
        description="deepgrad: deep learning from scratch on NumPy. Watch the optimizers "
                    "move on 2-D problems (lab), train the notes' network (train) or compare the "
                    "notes' optimizers on it (compare).")
    sub = parser.add_subparsers(dest="command", metavar="{train,lab,compare,explain,figure,playground}")

    train = sub.add_parser(
        "train", help="train the notes' MLP once: summary, progress bar, test accuracy",
        description="Train the notes' MLP (784-512-512-10, relu, dropout 0.2, softmax, batch 128)\n"
                    "on Fashion-MNIST with one optimizer call of the notes, printing Keras's\n"
                    "model summary and progress bar, then the test loss and accuracy.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="optimizer calls:\n" + runs)
    train.add_argument("--optimizer", default="momentum", metavar="RUN",
                       help="one of the runs listed below (default: momentum)")
    train.add_argument("--epochs", type=int, default=3, help="epochs (default 3; the notes: 35)")
    train.add_argument("--full", action="store_true",
                       help="use the full Fashion-MNIST (60000/10000) instead of the embedded subset")
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument("--train-samples", type=int, default=None,
                       help="use only the first N training images (quick tries)")

    lab = sub.add_parser(
        "lab", formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_LAB_EPILOG.format(problems=probs),
        help="draw optimizer paths on a 2-D problem (contour, 3-D, loss, GIF, LR sweep)",
        description="Run several optimizers from the same start on a 2-D problem and draw\n"
                    "their paths: a contour map (OUT), the loss against step (OUT_loss.png)\n"
                    "and, on request, a 3-D surface, an animated GIF and a learning-rate\n"
                    "sweep. PNG and SVG are written; a table of the runs is printed.")
    lab.add_argument("--problem", default="sigmoid", metavar="NAME", help="problem name (default: sigmoid)")
    lab.add_argument("--optimizers", default="sgd,momentum,nesterov,adagrad,rmsprop,adam",
                     metavar="LIST",
                     help="comma-separated optimizer names, NAME=LR for its own rate")
    lab.add_argument("--lr", default="", help="learning rate for every optimizer "
                     "(default: the problem's rate per optimizer); NAME=LR entries may "
                     "follow: 1e-3,adam=0.05")
    lab.add_argument("--optimizers-lr", default="", help="per-optimizer rates, e.g. adam=0.05,rmsprop=0.01")
    lab.add_argument("--steps", type=int, default=200,
                     help="number of updates (default 200, at most 100000)")
    lab.add_argument("--start", default=None, help="start point X,Y (default: the problem's "
                     "usual start); write --start=-5,7 when X is negative")
    lab.add_argument("--batch-size", type=int, default=None,
                     help="data problems only: 1 = stochastic, k = mini-batch (default: all points)")
    lab.add_argument("--tol", type=float, default=None,
                     help="count steps until loss - minimum <= TOL (default: per problem)")
    lab.add_argument("--out", default="lab.png", help="contour map file (.png; .svg beside it)")
    lab.add_argument("--gif", action="store_true", help="also write OUT.gif, the paths growing")
    lab.add_argument("--surface3d", action="store_true", help="also write OUT_3d.png")
    lab.add_argument("--sweep-lr", action="store_true",
                     help="also sweep the learning rate 1e-4..1 and refine (OUT_sweep.png)")
    lab.add_argument("--jobs", type=int, default=1, help="parallel processes for the sweep")
    lab.add_argument("--lesson", choices=("learning-rate", "batch"), default=None,
                     help="draw the notes' learning-rate or batch-size figure (see below)")
    lab.add_argument("--seed", type=int, default=0, help="shuffling seed for --lesson batch "
                     "and --batch-size (default 0)")

    cmp_ = sub.add_parser(
        "compare", formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_COMPARE_EPILOG.format(runs=runs),
        help="train the notes' MLP on Fashion-MNIST with each optimizer of the notes",
        description="Train the notes' MLP (784-512-512-10, relu, dropout 0.2, softmax,\n"
                    "batch 128) on Fashion-MNIST once per optimizer call of the notes, and\n"
                    "write a figure, a Markdown table and each run's History.")
    cmp_.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    cmp_.add_argument("--epochs", type=int, default=2, help="epochs per run (default 2; the notes: 35)")
    cmp_.add_argument("--optimizers", default=",".join(_compare.NOTES_RUNS),
                      help="comma-separated runs (default: all, listed below)")
    cmp_.add_argument("--full", action="store_true",
                      help="use the full Fashion-MNIST (60000/10000) instead of the embedded subset")
    cmp_.add_argument("--jobs", type=int, default=1, help="parallel worker processes (default 1)")
    cmp_.add_argument("--scheduler", default=None, metavar="ADDR",
                      help="run on a Dask cluster, e.g. tcp://host:8786")
    cmp_.add_argument("--resume", action="store_true", help="skip runs already finished in DIR")
    cmp_.add_argument("--seed", type=int, default=0, help="seed of every run (default 0)")
    cmp_.add_argument("--train-samples", type=int, default=None,
                      help="use only the first N training images (quick tries)")
    cmp_.add_argument("--val-samples", type=int, default=None,
                      help="use only the first N validation images")
    from .explain.cli import add_parser as _explain_parser
    from .plotting.cli import add_parser as _figure_parser
    from .playground.cli import add_parser as _playground
    _explain_parser(sub)
    _figure_parser(sub)
    _playground(sub)
    from ._argparse_one_line import one_line_errors  # usage errors in one line, like every other refusal
    for name in ("train", "lab", "compare", "playground"):  # explain and figure do it themselves
        one_line_errors(sub.choices[name], name)
    return one_line_errors(parser, None)


def _check_min(args, minimum: int, *options: str) -> None:
    """Refuse an integer option (``--train-samples`` -> ``args.train_samples``) below ``minimum``;
    options left at None are skipped."""
    for option in options:
        value = getattr(args, option.replace("-", "_"))
        if value is not None and value < minimum:
            raise UsageError(f"--{option} must be >= {minimum}, got {value}")


#: [SCHEME://]HOST:PORT; HOST may be a bracketed IPv6 address
_ADDRESS = re.compile(r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
                      r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):(?P<port>[0-9]{1,5})/?")


def _check_scheduler(addr) -> None:
    """Refuse a ``--scheduler`` that is not ``[tcp://|tls://]HOST:PORT``, needs a missing
    dask.distributed, or does not accept a TCP connection (5 s), before anything is written."""
    if addr is None:
        return
    m = _ADDRESS.fullmatch(addr.strip())
    if m is None or (m["scheme"] or "tcp").lower() not in ("tcp", "tls") \
            or not 0 < int(m["port"]) < 65536:
        raise UsageError(f"--scheduler must be a Dask scheduler address [tcp://]HOST:PORT, "
                         f"e.g. tcp://10.0.0.5:8786, got {addr!r}")
    if importlib.util.find_spec("distributed") is None:
        raise UsageError('--scheduler needs dask.distributed: pip install "deepgrad[dask]"')
    try:
        socket.create_connection((m["host"].strip("[]"), int(m["port"])), timeout=5).close()
    except OSError as e:
        raise UsageError(f"--scheduler: cannot reach a scheduler at {addr!r} "
                         f"({e.strerror or e})") from None


def _load_arrays(args, n_val=None):
    """``compare.load_arrays`` for the CLI: a missing full dataset becomes a UsageError that
    keeps the loader's whole message (where it looked and why, how to get the files)."""
    from .lab import compare
    from .datasets.mnist import DatasetNotFoundError
    try:
        return compare.load_arrays(args.full, args.train_samples, n_val)
    except DatasetNotFoundError as e:
        raise UsageError(f"{e}\n  - with this command: leave out --full to use the embedded "
                         f"subset") from None


def _split(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _float(text: str, what: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise UsageError(f"{what} must be a number, got {text!r}") from None
    if not v > 0 or v != v or v == float("inf"):
        raise UsageError(f"{what} must be a positive number, got {text!r}")
    return v


def _lab_rates(args, problem) -> list:
    """[(optimizer name, learning rate)] from --optimizers, --lr and --optimizers-lr; an
    optimizer named twice (sgd=0.1,sgd=1) runs twice, labelled by its rate."""
    from .lab import runs as _runs
    default, bare = None, 0
    overrides = {}
    for option, parts in (("--lr", _split(args.lr)), ("--optimizers-lr", _split(args.optimizers_lr))):
        for part in parts:
            if "=" in part:
                name, val = part.split("=", 1)
                overrides[name.strip().lower()] = _float(val, f"the learning rate of {name.strip()!r}")
            elif option == "--optimizers-lr":
                raise UsageError(f"--optimizers-lr takes NAME=LR entries, got {part!r}")
            else:
                bare += 1
                if bare > 1:
                    raise UsageError(f"--lr takes one default rate (then NAME=LR entries), got {args.lr!r}")
                default = _float(part, "--lr")
    rates = []
    for part in _split(args.optimizers):
        name, _, val = part.partition("=")
        name = name.strip().lower()
        try:
            _runs.make_optimizer(name, 0.01)
        except ValueError as e:
            raise UsageError(str(e)) from None
        lr = _float(val, f"the learning rate of {name!r}") if val else \
            overrides.get(name, default if default is not None else _runs.default_rate(problem, name))
        if (name, lr) in rates:
            raise UsageError(f"--optimizers names {name} at lr={lr:g} twice; give each "
                             f"(optimizer, rate) once")
        rates.append((name, lr))
    if not rates:
        raise UsageError("--optimizers is empty; give at least one name, e.g. sgd,adam")
    unknown = set(overrides) - {n for n, _ in rates}
    if unknown:
        raise UsageError(f"learning rate given for {', '.join(sorted(unknown))}, which is not "
                         f"in --optimizers ({', '.join(n for n, _ in rates)})")
    return rates


def _start(text, problem):
    """``--start X,Y`` as a tuple (None: the problem's own start). Refused: not two finite
    numbers, or a point where ``problem``'s loss or gradient is not finite (no step could be
    taken from it)."""
    if text is None:
        return None
    parts = _split(text)
    try:
        x, y = (float(v) for v in parts)
    except ValueError:
        raise UsageError(f"--start must be two numbers X,Y, got {text!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise UsageError(f"--start must be two finite numbers X,Y, got {text!r}")
    import numpy as np
    point = np.array([x, y], dtype=np.float64)
    with np.errstate(all="ignore"):
        loss, grad = problem.value(point), problem.grad(point)
    if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
        raise UsageError(f"--start {text}: the {problem.name} loss or its gradient is not "
                         f"finite there (loss {float(loss):g}); choose a start nearer the "
                         f"minimum")
    return (x, y)


def _cmd_lab(args, out=print) -> int:
    from .lab import animation, lessons, outputs, plots, problems, runs, sweep
    try:
        problem = problems.get(args.problem)
    except ValueError as e:
        raise UsageError(str(e)) from None
    rates = _lab_rates(args, problem)
    start = _start(args.start, problem)
    _check_min(args, 0, "steps", "seed")
    _check_min(args, 1, "jobs")
    if args.steps > runs.MAX_STEPS:
        raise UsageError(f"--steps must be <= {runs.MAX_STEPS}, got {args.steps}")
    if args.tol is not None and not (math.isfinite(args.tol) and args.tol > 0):
        raise UsageError(f"--tol must be a finite number > 0, got {args.tol:g}")
    data = isinstance(problem, problems.DataProblem)
    if args.batch_size is not None:
        if not data:
            raise UsageError(f"--batch-size needs a data problem (sigmoid, sparse, linreg), "
                             f"got {problem.name!r}")
        if args.batch_size < 1:
            raise UsageError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.lesson == "batch" and not data:
        raise UsageError(f"--lesson batch needs a data problem (sigmoid, sparse, linreg), "
                         f"got {problem.name!r}")
    try:
        files = outputs.output_set(args.out, surface3d=args.surface3d, gif=args.gif,
                                   sweep=args.sweep_lr)
    except ValueError as e:
        raise UsageError(str(e)) from None
    name, lr = rates[0]
    if args.lesson == "learning-rate":
        paths = lessons.learning_rate_runs(problem, name, args.steps, start, tol=args.tol)
    elif args.lesson == "batch":
        given = bool(_split(args.lr)) or "=" in args.optimizers or bool(args.optimizers_lr)
        paths = lessons.batch_runs(problem, name, lr if given else None, args.steps, start,
                                   seed=args.seed, tol=args.tol)
    else:
        paths = runs.run_many(problem, rates, args.steps, start, batch_size=args.batch_size,
                              tol=args.tol, shuffle=args.batch_size is not None,
                              seed=args.seed)
    # Every figure is built before any file is written: a failure leaves no mixed set.
    figures = [(plots.contour(problem, paths).figure, files["contour"]),
               (plots.loss_curves(paths, problem=problem).figure, files["loss"])]
    if args.surface3d:
        figures.append((plots.surface3d(problem, paths).figure, files["surface3d"]))
    pts = None
    if args.sweep_lr:
        pts = sweep.lr_sweep(problem, list(dict.fromkeys(n for n, _ in rates)),
                             steps=args.steps, start=start, batch_size=args.batch_size,
                             jobs=args.jobs)
        figures.append((sweep.plot_sweep(pts, problem=problem, steps=args.steps).figure,
                        files["sweep"]))
    written = []
    for fig, path in figures:
        written += plots.save_figure(fig, path)
    if args.gif:
        written.append(animation.save_gif(problem, paths, files["gif"]))
    p0 = problem.start if start is None else start
    tol = paths[0].tol if paths else problem.tol
    out(f"{problem.name}: {problem.title}; start ({p0[0]:g}, {p0[1]:g}), {args.steps} steps"
        + (f", batch size {args.batch_size}" if args.batch_size else "")
        + (f"; tol: loss - minimum <= {tol:g}" if problem.min_value is not None else
           "; no minimum (unbounded below)"))
    width = max([10] + [len(t.label) for t in paths])
    out(f"{'optimizer':<{width}} {'lr':>8} {'final loss':>12} {'first reached tol':>18}  note")
    for t in paths:
        note = f"diverged at step {t.diverged_at}" if t.diverged else ""
        reached = "-" if t.steps_to_tol is None else f"step {t.steps_to_tol}"
        out(f"{t.label:<{width}} {t.learning_rate:>8g} {t.final_loss:>12.4g} {reached:>18}  {note}")
    if pts is not None:
        out(sweep.sweep_table(pts))
    out("wrote " + ", ".join(written))
    return 0


def _cmd_train(args, out=print) -> int:
    from .lab import compare
    from .utils import set_random_seed
    key = args.optimizer.lower()
    if key not in compare.NOTES_RUNS:
        raise UsageError(f"unknown optimizer run {key!r}; valid runs: {', '.join(compare.NOTES_RUNS)}")
    _check_min(args, 1, "epochs", "train-samples")
    _check_min(args, 0, "seed")
    x, y, x_test, y_test = _load_arrays(args)
    set_random_seed(args.seed)
    model = compare.build_model()
    model.summary(print_fn=out)
    model.compile(optimizer=compare.build_optimizer(key), loss="categorical_crossentropy", metrics=["accuracy"])
    out(f"Training with {compare.call_string(key)} on {len(x)} images, batch 128:")
    model.fit(x, y, batch_size=128, epochs=args.epochs, verbose=1, validation_data=(x_test, y_test))
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    out(f"Test loss {loss:.4f}, test accuracy {accuracy:.4f} ({len(x_test)} test images)")
    return 0


def _cmd_compare(args, out=print) -> int:
    from .lab import compare
    keys = [k.lower() for k in _split(args.optimizers)]
    bad = [k for k in keys if k not in compare.NOTES_RUNS]
    if bad or not keys:
        raise UsageError(f"unknown optimizer run {(bad or [''])[0]!r}; valid runs: "
                         f"{', '.join(compare.NOTES_RUNS)}")
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise UsageError(f"--optimizers names the run {', '.join(twice)} more than once; "
                         f"give each run once")
    _check_min(args, 1, "epochs", "jobs", "train-samples", "val-samples")
    _check_min(args, 0, "seed")
    _check_scheduler(args.scheduler)
    _load_arrays(args, args.val_samples)
    try:
        compare.check_writable(args.out)
    except PermissionError as e:
        raise UsageError(str(e)) from None
    compare.compare(args.out, keys, epochs=args.epochs, full=args.full, jobs=args.jobs,
                    scheduler=args.scheduler, resume=args.resume, seed=args.seed,
                    n_train=args.train_samples, n_val=args.val_samples, progress=out)
    return 0


def main(argv=None) -> int:
    """Entry point of the ``deepgrad`` console script; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse printed its message (or --help)
        return int(e.code or 0)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        command = getattr(args, "handler", None) or {
            "train": _cmd_train, "lab": _cmd_lab, "compare": _cmd_compare}[args.command]
        return command(args)
    except UsageError as e:
        print(f"deepgrad: error: {e}", file=sys.stderr)
        return 2
    except (PermissionError, FileNotFoundError) as e:
        print(f"deepgrad: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("deepgrad: interrupted; finished runs are kept (use --resume)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
