"""Make an argparse (sub)parser report every usage error in one line, exit status 2.

argparse prints the usage and then the error (two or more lines); deepgrad's commands print
``deepgrad: error: <command>: <message>`` only. Unrecognised arguments are reported by the
sub-command's own parser too (argparse would leave them to the top-level parser).
"""

from __future__ import annotations

import sys


def one_line_errors(parser, command):
    """Patch ``parser`` (an ``argparse.ArgumentParser`` built for ``command``) in place; returns it."""
    where = f"{command}: " if command else ""  # None: the top-level ``deepgrad`` parser

    def error(message):
        print(f"deepgrad: error: {where}{message}", file=sys.stderr)
        sys.exit(2)

    parse_known = parser.parse_known_args

    def parse_known_args(args=None, namespace=None):
        namespace, extras = parse_known(args, namespace)
        if extras:
            error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras

    parser.error = error
    parser.parse_known_args = parse_known_args
    return parser
