"""``deepgrad playground``: loopback by default, one-line errors."""

import socket

import pytest

from deepgrad import cli
from deepgrad.playground import server


@pytest.fixture
def served(monkeypatch):
    """Record where the command would serve instead of serving forever."""
    seen = []
    monkeypatch.setattr(server.PlaygroundServer, "serve_forever",
                        lambda self, *a, **k: seen.append(self.server_address))
    return seen


def test_default_binds_loopback_only(served, capsys):
    assert cli.main(["playground", "--no-browser", "--port", "0"]) == 0
    assert served[0][0] == "127.0.0.1"
    assert "deepgrad playground at http://127.0.0.1:" in capsys.readouterr().out


def test_explicit_host_binds_it_with_a_warning(served, capsys):
    assert cli.main(["playground", "--no-browser", "--port", "0", "--host", "0.0.0.0"]) == 0
    assert served[0][0] == "0.0.0.0"
    assert "reachable from other machines" in capsys.readouterr().err


def test_bad_port_and_busy_port_are_one_line(capsys):
    assert cli.main(["playground", "--no-browser", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--port must be from 0 to 65535" in err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert cli.main(["playground", "--no-browser", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot serve on 127.0.0.1:{port}" in err
