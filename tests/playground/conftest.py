"""A playground server on a free loopback port, serving in a daemon thread for the module."""

import http.client
import json
import threading

import pytest

from deepgrad.playground import make_server


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
