# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ApiClient against a scripted local HTTP server (no external service)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiClient, ApiError


class Script(BaseHTTPRequestHandler):
    """Answers each request with the next scripted (status, body, headers); records what it got."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.server.seen.append((self.command, self.path, self.rfile.read(length) if length else b""))
        status, body, headers = self.server.script.pop(0) if self.server.script else (200, {}, {})
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), Script)
    httpd.script = []
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = "http://127.0.0.1:%d/api" % httpd.server_address[1]
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def client(url, **kwargs):
    sleeps = []
    kwargs.setdefault("retries", 3)
    kwargs.setdefault("backoff", 0.5)
    api = ApiClient(url, sleep=sleeps.append, timeout=5, **kwargs)
    return api, sleeps


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_connection_errors_are_retried_with_backoff_then_reported():
    api, sleeps = client("http://127.0.0.1:%d/api" % closed_port(), retries=2)
    with pytest.raises(ApiError) as info:
        api.request("POST", "things", json_body={})  # never reached the server: safe to retry even a POST
    assert api.attempts == 3 and sleeps == [0.5, 1.0]
    assert "cannot reach the server after 3 attempt(s)" in str(info.value)


def test_5xx_is_retried_for_idempotent_methods(server):
    server.script = [(503, {"reason": "busy"}, None), (502, None, None), (200, {"ok": True}, None)]
    api, sleeps = client(server.url)
    assert api.get_json("overview") == {"ok": True}
    assert api.attempts == 3 and sleeps == [0.5, 1.0]


def test_5xx_retries_are_bounded(server):
    server.script = [(500, {"reason": "down"}, None)] * 5
    api, sleeps = client(server.url, retries=2)
    with pytest.raises(ApiError) as info:
        api.request("PUT", "vhosts/x", json_body={})
    assert api.attempts == 3 and info.value.status == 500 and "down" in str(info.value)


def test_post_is_not_retried_on_5xx(server):
    server.script = [(503, {"reason": "busy"}, None), (201, {}, None)]
    api, sleeps = client(server.url)
    with pytest.raises(ApiError) as info:
        api.request("POST", "bindings/x", json_body={})
    assert info.value.status == 503 and api.attempts == 1 and sleeps == []
    assert [s[0] for s in server.seen] == ["POST"]


def test_error_carries_status_and_server_reason(server):
    server.script = [(400, {"error": "bad_request", "reason": "vhost_or_user_not_found"}, None)]
    api = client(server.url)[0]
    with pytest.raises(ApiError) as info:
        api.send_json("PUT", "permissions/v/u", {"configure": ".*"})
    text = str(info.value)
    assert "PUT %s/permissions/v/u" % server.url in text and "HTTP 400" in text
    assert info.value.reason == "vhost_or_user_not_found; bad_request"
    assert info.value.to_result()["status"] == 400


def test_plain_text_reason(server):
    server.script = [(401, b"Login failed", {"Content-Type": "text/plain"})]
    api = client(server.url)[0]
    with pytest.raises(ApiError) as info:
        api.get_json("whoami")
    assert info.value.status == 401 and info.value.reason == "Login failed"


def test_redirects_are_not_followed(server):
    server.script = [(302, None, {"Location": "http://elsewhere.invalid/login"})]
    api = client(server.url)[0]
    with pytest.raises(ApiError) as info:
        api.get_json("overview")
    assert info.value.status == 302 and "unexpected redirect to http://elsewhere.invalid/login" in str(info.value)
    assert len(server.seen) == 1


def test_missing_is_none_and_empty_204_is_success(server):
    server.script = [(404, {"error": "Object Not Found", "reason": "Not Found"}, None), (204, None, None)]
    api = client(server.url)[0]
    assert api.get_json("vhosts/x") is None
    assert api.send_json("PUT", "vhosts/x", {"description": ""}) is None
    assert json.loads(server.seen[1][2]) == {"description": ""}


def test_non_json_answer_is_an_error(server):
    server.script = [(200, b"<html>proxy</html>", {"Content-Type": "text/html"})]
    api = client(server.url)[0]
    with pytest.raises(ApiError) as info:
        api.get_json("overview")
    assert "not JSON" in str(info.value)


def test_ca_path_wins_over_requests_ca_bundle(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    api = client("https://127.0.0.1:%d" % closed_port(), ca_path="/tmp/our-ca.pem", retries=0)[0]
    seen = {}

    def request(method, url, **kwargs):
        seen.update(kwargs)
        raise ApiError("stop")

    monkeypatch.setattr(api.session, "request", request)
    with pytest.raises(ApiError):
        api.request("GET", "/")
    assert seen["verify"] == "/tmp/our-ca.pem"
