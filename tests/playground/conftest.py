"""A playground server on a free loopback port, serving in a daemon thread for the module."""

import http.client
import io
import json
import os
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from deepgrad.playground import export, make_server

SRC = str(Path(__file__).resolve().parents[2] / "src")


class Client:
    """Plain HTTP to the server (http.client: paths are sent exactly as written)."""

    def __init__(self, server):
        self.server = server
        self.host, self.port = server.server_address[:2]

    def request(self, method, path):
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        c.request(method, path)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, r.getheader("Content-Type"), body

    def json(self, path, method="GET"):
        status, _, body = self.request(method, path)
        return status, json.loads(body)


@pytest.fixture(scope="module")
def server():
    srv = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def client(server):
    return Client(server)


@pytest.fixture
def run_exported():
    """``run(archive_bytes, folder) -> loss``: unzip an export, run its script in a fresh
    Python, return the test loss it prints."""
    def run(archive: bytes, folder: Path) -> float:
        zipfile.ZipFile(io.BytesIO(archive)).extractall(folder)
        env = dict(os.environ, PYTHONPATH=SRC)
        out = subprocess.run([sys.executable, str(folder / export.SCRIPT_NAME)], capture_output=True,
                             text=True, env=env, cwd=folder, timeout=120)
        assert out.returncode == 0, out.stderr
        return float(re.search(r"test loss ([-0-9.eE+]+)", out.stdout).group(1))
    return run
