"""``deepgrad playground``: its argument parser and handler (registered by ``deepgrad.cli``)."""

from __future__ import annotations

import sys

__all__ = ["add_parser", "handler"]


def add_parser(subparsers):
    """Add the ``playground`` subcommand to ``subparsers``."""
    p = subparsers.add_parser(
        "playground", help="watch the optimizers and a small network learn, in the browser",
        description="Serve the playground page (error surfaces and a small network trained by\n"
                    "deepgrad's own layers and optimizers) and open it in the browser. The page and\n"
                    "all it loads ship with deepgrad: nothing is fetched from the network.")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free port)")
    p.add_argument("--host", default=None,
                   help="address to bind (default 127.0.0.1, this machine only); a non-loopback "
                        "address makes the playground reachable from other machines")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(handler=handler)
    return p


def handler(args, out=print) -> int:
    """Serve until Ctrl-C. A port in use or out of range: one line, exit status 2."""
    from ..cli import UsageError
    from .server import make_server, is_loopback
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535, got {args.port}")
    host = "127.0.0.1" if args.host is None else args.host
    try:
        server = make_server(host, args.port, allow_remote=args.host is not None)
    except OSError as e:
        raise UsageError(f"cannot serve on {host}:{args.port}: {e.strerror or e}") from None
    if not is_loopback(host):
        print(f"deepgrad: warning: serving on {host}, reachable from other machines", file=sys.stderr)
    out(f"deepgrad playground at {server.url} (Ctrl-C to stop)")
    if not args.no_browser:
        import webbrowser
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out("stopped")
    finally:
        server.server_close()
    return 0
