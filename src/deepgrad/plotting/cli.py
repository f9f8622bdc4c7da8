"""``deepgrad figure``: draw one of the notes' pictures into a file.

    deepgrad figure activations --out activations.png
    deepgrad figure schedules --out schedules.png [--steps 1000]
    deepgrad figure ewma --out ewma.png
    deepgrad figure gradient-norms --out gradient_norms.png      (trains 6 small MLPs, ~10 s)

Bad values print one line ``deepgrad: error: ...`` on stderr and exit with status 2, before
anything is drawn or written.
"""

from __future__ import annotations

import os
import sys

from .._argparse_one_line import one_line_errors

__all__ = ["FIGURES", "add_parser", "run"]

#: figure name -> (function name in deepgrad.plotting, what it shows)
FIGURES = {
    "activations": ("plot_activations", "deck 001's activations and their derivatives"),
    "schedules": ("plot_schedules", "learning-rate schedules against the step"),
    "ewma": ("plot_ewma", "deck 002's moving average, beta 0.5/0.9/0.98, with/without bias correction"),
    "gradient-norms": ("plot_deep_gradient_norms",
                       "per-layer gradient norms of a deep MLP: sigmoid/ReLU, He, BN, clipnorm"),
}
_FORMATS = ("png", "svg", "pdf")


def add_parser(subparsers):
    """Register ``figure`` on ``subparsers``."""
    listing = "\n".join(f"  {k:<15}{v[1]}" for k, v in FIGURES.items())
    import argparse

    fig = subparsers.add_parser(
        "figure", help="draw one of the notes' pictures (activations, schedules, ewma, gradient-norms)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Draw one of the notes' pictures into a PNG/SVG/PDF file.\n\nfigures:\n" + listing)
    one_line_errors(fig, "figure")
    fig.set_defaults(handler=run)
    fig.add_argument("name", metavar="NAME", help="one of: " + ", ".join(FIGURES))
    fig.add_argument("--out", required=True, help="output file (.png, .svg or .pdf); its folder must exist")
    fig.add_argument("--dpi", default="100", help="resolution of a PNG (default 100)")
    fig.add_argument("--steps", default="1000", help="steps drawn by 'schedules' (default 1000)")
    return fig


def _check(args):
    if args.name not in FIGURES:
        raise ValueError(f"unknown figure {args.name!r}; choose one of {', '.join(FIGURES)}")
    ext = os.path.splitext(args.out)[1].lstrip(".").lower()
    if ext not in _FORMATS:
        raise ValueError(f"--out must end in .png, .svg or .pdf, got {args.out!r}")
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder):
        raise ValueError(f"--out: folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"--out: folder {folder!r} is not writable")
    values = {}
    for option, low in (("dpi", 10), ("steps", 2)):
        text = getattr(args, option)
        try:
            values[option] = int(text)
        except ValueError:
            raise ValueError(f"--{option} must be an integer, got {text!r}") from None
        if values[option] < low:
            raise ValueError(f"--{option} must be >= {low}, got {values[option]}")
    return values


def run(args, out=print) -> int:
    """Handler of ``deepgrad figure``; returns the exit status."""
    from .. import plotting

    try:
        values = _check(args)
    except ValueError as e:
        print(f"deepgrad: error: {e}", file=sys.stderr)
        return 2
    function = getattr(plotting, FIGURES[args.name][0])
    fig = function(steps=values["steps"]) if args.name == "schedules" else function()
    try:
        plotting.save(fig, args.out, dpi=values["dpi"])
    except OSError as e:
        print(f"deepgrad: error: cannot write {args.out!r}: {e.strerror or e}", file=sys.stderr)
        return 2
    out(f"wrote {args.out}")
    return 0
