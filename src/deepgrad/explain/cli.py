"""``deepgrad explain``: the notes' worked examples, step by step, in the terminal.

    deepgrad explain backprop [--x1 1] [--x2 2] [--y 0] [--weights w01,w11,w21,w02,w12,w22,w0,w1,w2]
                              [--activation relu] [--lr 0.1]
    deepgrad explain lstm [--x 0.5,-1] [--h 0.1,0.2] [--c 0.3,-0.2] [--seed 0]

Bad values print one line ``deepgrad: error: ...`` on stderr and exit with status 2.
"""

from __future__ import annotations

import math
import sys

from .._argparse_one_line import one_line_errors

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Register ``explain`` (with its ``backprop`` and ``lstm`` commands) on ``subparsers``."""
    explain = one_line_errors(subparsers.add_parser(
        "explain", help="the notes' worked examples step by step (backprop, lstm)",
        description="Print the notes' worked examples with every intermediate number, computed "
                    "by the library's own layers."), "explain")
    explain.set_defaults(handler=run, explain=None)
    sub = explain.add_subparsers(dest="explain", metavar="{backprop,lstm}")
    bp = one_line_errors(sub.add_parser(
        "backprop", help="deck 000's 2-2-1 network: forward pass, errors, gradient, SGD update",
        description="Forward pass, errors eps^(2) and eps_h^(1), every partial derivative and the "
                    "SGD update of the nine weights of the notes' 2-2-1 network (L = (y-hat - y)^2), "
                    "read from two Dense layers' backward."), "explain backprop")
    bp.add_argument("--x1", default="1", help="input x1 (default 1)")
    bp.add_argument("--x2", default="2", help="input x2 (default 2)")
    bp.add_argument("--y", default="0", help="target y (default 0)")
    bp.add_argument("--weights", default=None, metavar="W01,W11,W21,W02,W12,W22,W0,W1,W2",
                    help="the nine weights in the notes' order, comma-separated (default "
                         "0.1,0.2,0.3,-0.1,-0.4,0.1,0.1,0.5,-0.6)")
    bp.add_argument("--activation", default="relu",
                    help="f of every unit: any deepgrad activation name (default relu)")
    bp.add_argument("--lr", default="0.1", help="learning rate alpha of the SGD step (default 0.1)")
    ls = one_line_errors(sub.add_parser(
        "lstm", help="one step of deck 000's LSTM cell: gates i, f, o, g and the states",
        description="One LSTM step by deck 000's equations, next to the library's LSTM layer."),
        "explain lstm")
    ls.add_argument("--x", default="0.5,-1", help="input vector x_t, comma-separated (default 0.5,-1)")
    ls.add_argument("--h", default="0.1,0.2", help="previous h, comma-separated (default 0.1,0.2)")
    ls.add_argument("--c", default="0.3,-0.2", help="previous c, comma-separated (default 0.3,-0.2)")
    ls.add_argument("--seed", default="0", help="seed of the layer's weights (default 0)")
    return explain


def _number(text, option):
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{option} must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{option} must be finite, got {text!r}")
    return value


def _numbers(text, option, count=None):
    parts = [p.strip() for p in text.split(",")]
    if count is not None and len(parts) != count:
        raise ValueError(f"{option} must be {count} comma-separated numbers, got {len(parts)}: {text!r}")
    return [_number(p, option) for p in parts]


def run(args, out=print) -> int:
    """Handler of ``deepgrad explain``: prints the tables; returns the exit status."""
    from . import backprop, lstm_step

    try:
        if args.explain == "backprop":
            lr = _number(args.lr, "--lr")
            if lr <= 0:
                raise ValueError(f"--lr must be > 0, got {args.lr!r}")
            explanation = backprop(
                x1=_number(args.x1, "--x1"), x2=_number(args.x2, "--x2"), y=_number(args.y, "--y"),
                weights=None if args.weights is None else _numbers(args.weights, "--weights", 9),
                activation=args.activation, lr=lr)
        elif args.explain == "lstm":
            h = _numbers(args.h, "--h")
            c = _numbers(args.c, "--c", len(h))
            seed = _number(args.seed, "--seed")
            if seed != int(seed) or seed < 0:
                raise ValueError(f"--seed must be an integer >= 0, got {args.seed!r}")
            explanation = lstm_step(_numbers(args.x, "--x"), h_prev=h, c_prev=c, seed=int(seed))
        else:
            print("deepgrad: error: explain needs a command: backprop or lstm", file=sys.stderr)
            return 2
    except (ValueError, TypeError) as e:
        message = str(e).replace("explain.backprop: ", "").replace("`", "")
        print(f"deepgrad: error: {message}".splitlines()[0], file=sys.stderr)
        return 2
    out(explanation.table())
    return 0
