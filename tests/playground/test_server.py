"""The server: only its assets, loopback by default, bad input answered with a message."""

import http.client
import threading
from pathlib import Path

import pytest

import deepgrad.playground as pg
from deepgrad.playground import server as server_mod, sessions

STATIC = Path(pg.__file__).parent / "static"


def test_page_and_every_shipped_asset_are_served(client):
    status, ctype, body = client.request("GET", "/")
    assert status == 200 and ctype.startswith("text/html") and b"deepgrad playground" in body
    for f in STATIC.iterdir():
        status, ctype, body = client.request("GET", f"/static/{f.name}")
        assert status == 200 and body == f.read_bytes(), f.name


def test_page_loads_nothing_from_the_network():
    for f in STATIC.iterdir():
        text = f.read_text()
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text, f.name


@pytest.mark.parametrize("path", [
    "/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fserver.py", "/../../../etc/passwd",
    "/static//etc/passwd", "/static/../../cli.py", "/etc/passwd", "/static/", "/static/app.js/../../server.py",
    "/server.py", "/static/.%2e/__init__.py", "/static/%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
])
def test_no_file_outside_the_assets_is_served(client, path):
    status, _, body = client.request("GET", path)
    assert status == 404
    assert b"import" not in body and b"root:" not in body


def test_non_loopback_binding_needs_an_explicit_host():
    with pytest.raises(ValueError, match="not a loopback address"):
        pg.make_server("0.0.0.0", 0)
    with pytest.raises(ValueError, match="not a loopback address"):
        pg.make_server("192.168.1.10", 0)
    srv = pg.make_server("0.0.0.0", 0, allow_remote=True)  # what an explicit --host does
    assert srv.server_address[0] == "0.0.0.0"
    srv.server_close()
    assert server_mod.is_loopback("127.0.0.1") and server_mod.is_loopback("::1")
    assert server_mod.is_loopback("localhost") and not server_mod.is_loopback("example.org")


@pytest.mark.parametrize("path, words", [
    ("/api/paths?problem=nope", "problem must be one of"),
    ("/api/paths?problem=bowl&sgd.lr=1e9&optimizers=sgd", "sgd.lr must be from 1e-05 to 10"),
    ("/api/paths?problem=bowl&steps=99999", "steps must be from 0 to 2000"),
    ("/api/paths?problem=bowl&steps=abc", "steps must be an integer"),
    ("/api/paths?problem=bowl&optimizers=sgd,lion", "unknown optimizer 'lion'"),
    ("/api/paths?problem=bowl&start=nan,1", "start must be two numbers"),
    ("/api/paths?problem=bowl&batch=3", "batch needs a data problem"),
    ("/api/paths?problem=bowl&colour=red", "unknown setting 'colour'"),
    ("/api/paths?problem=bowl&steps=1&steps=2", "given twice"),
    ("/api/surface?problem=bowl&grid=5000", "grid must be from 10 to 200"),
    ("/api/network/check?layers=1,2,3,4,5,6,7", "at most 6 hidden layers"),
    ("/api/network/check?layers=4,9", "layers[1]: units must be from 1 to 8"),
    ("/api/network/check?points=100000", "points must be from 20 to 2000"),
    ("/api/network/check?dataset=moons", "dataset must be one of"),
    ("/api/network/check?dataset=xor&classes=3", "classes must be 2 for xor"),
    ("/api/network/check?features=x1,x3", "features must be distinct names"),
    ("/api/network/check?batch=400", "batch must be from 1 to 250"),
    ("/api/network/check?race=adam&race_lr=-1", "race_lr must be from"),
    ("/api/network/stream?session=a/b", "session must be"),
])
def test_bad_settings_get_a_message_naming_them(client, path, words):
    status, body = client.json(path)
    assert status == 400 and words in body["error"], body
    assert client.request("GET", "/api/problems")[0] == 200  # the server keeps serving


def test_conflicting_requests_get_a_message(client, monkeypatch):
    c = http.client.HTTPConnection(client.host, client.port, timeout=30)
    c.request("GET", "/api/network/stream?session=busy1&dataset=circle")
    r = c.getresponse()
    assert r.read1(100).startswith(b"event: start")
    try:
        status, body = client.json("/api/network/stream?session=busy1&dataset=circle")
        assert status == 409 and "already has a run going" in body["error"]
        client.request("POST", "/api/network/control?session=busy1&action=play")
        status, body = client.json("/api/network/control?session=busy1&action=jump", "POST")
        assert status == 400 and "action must be" in body["error"]
        status, body = client.json("/api/network/control?session=busy1&action=optimizer&lr=50", "POST")
        assert status == 400 and "lr must be from" in body["error"]
        monkeypatch.setattr(sessions, "MAX_SESSIONS", 1)
        status, body = client.json("/api/network/stream?session=other&dataset=circle")
        assert status == 409 and "runs are going already" in body["error"]
    finally:
        client.request("POST", "/api/network/control?session=busy1&action=stop")
        r.close()
        c.close()
    status, body = client.json("/api/network/control?session=nobody&action=play", "POST")
    assert status == 409 and "no run is going" in body["error"]
    status, body = client.json("/api/network/export?session=nobody")
    assert status == 409


def test_overlong_address_is_refused(client):
    status, _, body = client.request("GET", "/api/paths?problem=" + "x" * 5000)
    assert status == 414 and b"longer than" in body


def _raw(client, method, path, headers):
    """A request with exactly these headers (no automatic Host)."""
    c = http.client.HTTPConnection(client.host, client.port, timeout=30)
    c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers.items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


@pytest.mark.parametrize("headers", [
    {"Host": "evil.example"}, {"Host": "evil.example:8000"}, {"Host": "127.0.0.1.evil.example"},
    {"Host": "[2001:db8::1]:8000"}, {},  # DNS rebinding: another name resolved to 127.0.0.1; no Host at all
    {"Host": "127.0.0.1", "Origin": "http://evil.example"},  # another site's page posting here
    {"Host": "localhost", "Origin": "null"},
])
def test_a_request_addressed_to_another_name_or_from_another_site_is_refused(client, headers):
    for method, path in (("GET", "/"), ("GET", "/api/problems"),
                         ("POST", "/api/network/control?session=x&action=pause")):
        status, body = _raw(client, method, path, headers)
        assert status == 403, (method, path, headers)
        assert b"deepgrad playground" not in body and b"problems" not in body


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "localhost:8000", "127.0.0.1:1234", "[::1]:8000"])
def test_loopback_names_and_the_page_itself_are_answered(client, host):
    assert _raw(client, "GET", "/", {"Host": host})[0] == 200
    assert _raw(client, "GET", "/api/problems", {"Host": host, "Origin": f"http://{host}"})[0] == 200


def test_an_explicit_host_serves_any_name():
    # `deepgrad playground --host H` (allow_remote): the user chose to serve other machines
    srv = server_mod.make_server("127.0.0.1", 0, allow_remote=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        class _Client:
            host, port = srv.server_address[:2]
        assert _raw(_Client, "GET", "/", {"Host": "playground.lan:8000"})[0] == 200
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)
