"""The playground's HTTP server (Python's ``ThreadingHTTPServer``): the page, its assets and
the JSON / server-sent-event endpoints.

========================================  ==================================================
``GET /``, ``GET /static/NAME``           the page; NAME must be one of the files shipped in
                                          ``static/`` (nothing else on disk is ever served)
``GET /api/problems``                     problems, optimizers and their sliders, datasets
``GET /api/surface?problem=P&grid=N``     the loss on an N x N grid, contour levels
``GET /api/paths?problem=P&...``          one ``lab.run`` per optimizer (``params.surface_settings``)
``GET /api/network/check?...``            check network settings (a URL) without running
``GET /api/network/stream?session=S&...`` a run as server-sent events (``sessions``)
``POST /api/network/control?session=S&action=A``  play, pause, step, stop, optimizer
``GET /api/network/export?session=S``     zip: runnable script + safetensors weights
========================================  ==================================================

Bad input answers 400 (a setting) or 409 (a run conflict) with ``{"error": message}``; the
page shows the message. The server binds to loopback unless told otherwise explicitly; bound to
loopback, it answers 403 to a request whose ``Host`` is not a loopback name (a page elsewhere that
re-points its own domain at 127.0.0.1, "DNS rebinding") or whose ``Origin`` is another site's.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qsl, urlsplit

from . import datasets, export, params as _params, sessions, surface

__all__ = ["make_server", "PlaygroundServer", "is_loopback", "STATIC_TYPES"]

STATIC_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
MAX_URL = 4096


def _assets() -> dict:
    """name -> bytes of every file shipped in ``static/`` (read once, at start)."""
    root = resources.files(__package__) / "static"
    return {f.name: f.read_bytes() for f in root.iterdir()
            if f.is_file() and any(f.name.endswith(e) for e in STATIC_TYPES)}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PlaygroundServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, local_only=True):
        self.assets = _assets()
        self.local_only = local_only  # answer only requests addressed to this machine by a loopback name
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


def make_server(host: str = "127.0.0.1", port: int = 8000, allow_remote: bool = False) -> PlaygroundServer:
    """A server bound to ``host:port`` (port 0: any free port), not yet serving. A host that
    is not loopback is refused unless ``allow_remote`` (the CLI's explicit ``--host``)."""
    if not allow_remote and not is_loopback(host):
        raise ValueError(f"make_server: `host` {host!r} is not a loopback address; the playground "
                         f"serves this machine only unless a host is given explicitly (--host)")
    return PlaygroundServer((host, port), Handler, local_only=not allow_remote)


def _host_name(value: str) -> str:
    """The host of a ``Host`` header or an ``Origin``'s authority: ``[::1]:8000`` -> ``::1``."""
    value = value.strip()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Handler(BaseHTTPRequestHandler):
    server_version = "deepgrad-playground"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # quiet: the page shows every error itself

    # ------------------------------------------------------------------ replies
    def _send(self, status: int, body: bytes, ctype: str, extra=()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj) -> None:
        self._send(status, json.dumps(obj, allow_nan=False).encode(), "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _query(self) -> dict:
        pairs = parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
        out = {}
        for k, v in pairs:
            if k in out:
                raise _params.SettingError(f"setting {k!r} is given twice")
            out[k] = v
        return out

    # ------------------------------------------------------------------ routes
    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("GET")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 65536))
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        if len(self.path) > MAX_URL:
            return self._error(414, f"the address is longer than {MAX_URL} characters")
        refused = self._foreign_request()
        if refused:
            return self._error(403, refused)
        path = urlsplit(self.path).path
        routes = {("GET", "/api/problems"): self._problems, ("GET", "/api/surface"): self._surface,
                  ("GET", "/api/paths"): self._paths, ("GET", "/api/network/check"): self._check,
                  ("GET", "/api/network/stream"): self._stream,
                  ("POST", "/api/network/control"): self._control,
                  ("GET", "/api/network/export"): self._export}
        try:
            if (method, path) in routes:
                return routes[(method, path)]()
            if method == "GET":
                return self._static(path)
            self._error(405, f"{method} {path} is not served")
        except _params.SettingError as e:
            self._error(400, str(e))
        except sessions.SessionError as e:
            self._error(409, str(e))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away mid-reply

    def _foreign_request(self):
        """Why a loopback-only server refuses this request (None: it does not): a ``Host`` that is
        not a loopback name, or an ``Origin`` (sent by browsers) of another site."""
        if not self.server.local_only:
            return None
        host = self.headers.get("Host")
        if host is None or not is_loopback(_host_name(host)):
            return (f"this playground answers requests addressed to localhost or 127.0.0.1 only, "
                    f"got Host {host!r}")
        origin = self.headers.get("Origin")
        if origin is not None:
            authority = urlsplit(origin).netloc
            if not (origin.startswith("http://") and is_loopback(_host_name(authority))):
                return f"this playground answers its own page only, got a request from {origin!r}"
        return None

    def _static(self, path: str) -> None:
        name = "index.html" if path in ("/", "/index.html") else \
            path[len("/static/"):] if path.startswith("/static/") else None
        body = self.server.assets.get(name) if name else None
        if body is None:  # only the shipped files' exact names: no path is ever joined
            return self._error(404, f"not found: {path}")
        ctype = STATIC_TYPES["." + name.rsplit(".", 1)[-1]]
        self._send(200, body, ctype)

    def _problems(self):
        self._json(200, {
            "problems": surface.problem_list(),
            "optimizers": {k: {"sliders": {s: list(r) for s, r in v[2].items()}}
                           for k, v in _params.OPTIMIZERS.items()},
            "lr_range": list(_params.LR_RANGE), "datasets": list(datasets.DATASETS),
            "regression": list(datasets.REGRESSION), "features": list(datasets.FEATURES),
            "activations": list(_params.ACTIVATIONS), "schedules": list(_params.SCHEDULES),
            "limits": {k: v for k, v in _params.LIMITS.items()}})

    def _surface(self):
        q = self._query()
        names = [p["name"] for p in surface.problem_list()]
        problem = q.get("problem", "rosenbrock")
        if problem not in names:
            raise _params.SettingError(f"problem must be one of {', '.join(names)}, got {problem!r}")
        n = _params._number(q, "grid", *_params.LIMITS["grid"], 120, int)
        self._json(200, surface.surface_grid(problem, n))

    def _paths(self):
        names = [p["name"] for p in surface.problem_list()]
        self._json(200, surface.paths(_params.surface_settings(self._query(), names)))

    def _check(self):
        q = self._query()
        q.pop("session", None)
        _params.network_settings(q)
        self._json(200, {"ok": True})

    def _stream(self):
        q = self._query()
        sid = q.pop("session", "")
        session = sessions.open_session(sid, q)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True

            def send(event, data):
                if event is None:
                    msg = b": keep-alive\n\n"
                else:
                    msg = f"event: {event}\ndata: {json.dumps(data, allow_nan=False)}\n\n".encode()
                self.wfile.write(msg)
                self.wfile.flush()

            try:
                session.loop(send)
            except OSError:
                pass  # the page went away: the run ends with it
            except Exception as e:  # a failure inside training: tell the page, keep serving
                try:
                    send("failure", {"message": f"the run stopped: {type(e).__name__}: {e}"})
                except OSError:
                    pass
        finally:
            sessions.close_session(session)

    def _control(self):
        q = self._query()
        sid, action = q.pop("session", ""), q.pop("action", "")
        sessions.control(sid, action, q)
        self._json(200, {"ok": True})

    def _export(self):
        session = sessions.find(self._query().get("session", ""))
        with session.busy:  # between two epochs: the weights of the last one done, while it plays too
            body = export.export_zip(session.run)
        self._send(200, body, "application/zip",
                   [("Content-Disposition", 'attachment; filename="playground_model.zip"')])
