"""``--body-timeout SECONDS``: a request body that stops arriving is answered 408 in the vendor's shape and the
connection closed after that long; nothing from it is stored. Driven with a raw socket that sends part of a body."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.server import EmulatorServer

from .support import free_port

TIMEOUT = 0.5
BODY = json.dumps({"managementAPI": [{"startAddress": "10.20.30.0", "endAddress": "10.20.30.10"}]}).encode()
BASIC = "Basic " + base64.b64encode(b"d2cadmin:d2cadmin").decode()
# vendor → (method, path, headers), each a write whose body the test cuts short
WRITES = {
    "hdp": ("POST", "/api/admin/security/whitelist/tenants/2", {"Authorization": BASIC}),
    "talend": ("POST", "/security/ip-allowlist", {"Authorization": "Bearer talend-admin-token"}),
    "codearts": ("POST", "/v4/tenant/trusted-ip-addresses", {"X-Auth-Token": "codearts-token"}),
    "b2core": ("POST", "/b2core/tokens", {}),
}


@pytest.fixture(scope="module")
def server():
    with EmulatorServer(Options(body_timeout=TIMEOUT)) as running:
        yield running


def send_partial(port: int, method: str, path: str, headers: dict, body: bytes, length: int, namespace: str):
    """Send the headers and ``body`` (fewer bytes than ``length``), then wait: (seconds to the answer, raw answer,
    whether the server closed the connection)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
             f"Content-Length: {length}", f"X-Emulator-Namespace: {namespace}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        data = b""
        closed = False
        answered = None
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            if b"Content-Length:" in head:
                size = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
                if len(rest) >= size:
                    answered = time.monotonic() - started
                    sock.settimeout(5)
                    try:
                        closed = sock.recv(1) == b""
                    except socket.timeout:
                        closed = False
                    break
        return answered if answered is not None else time.monotonic() - started, data, closed


def parse(data: bytes) -> tuple[int, dict, str]:
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    return status, json.loads(body), head.decode()


@pytest.mark.parametrize("vendor", list(WRITES))
def test_a_stalled_body_gets_408_in_the_vendors_shape_and_nothing_is_stored(server, vendor):
    method, path, headers = WRITES[vendor]
    namespace = f"stall-{vendor}"
    elapsed, data, closed = send_partial(server.port, method, path, headers, BODY[:38], 1000, namespace)
    status, body, head = parse(data)
    assert status == 408
    assert TIMEOUT <= elapsed < TIMEOUT + 5
    assert closed and "Connection: close" in head
    text = json.dumps(body)
    assert "body: stopped arriving; 38 of 1000 bytes received in 0.5 seconds" in text
    if vendor == "hdp":
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    elif vendor == "talend":
        assert body["status"] == 408 and body["message"] == "Request Timeout" and "requestId" in body
    elif vendor == "codearts":
        assert body["error_code"] == "CH.010001" and "error_msg" in body
    else:
        assert body["status"] == 408 and set(body) == {"status", "code", "message"}
    state = requests.get(server.url + "/_emulator/state", headers={"X-Emulator-Namespace": namespace}).json()
    if vendor == "hdp":
        assert state["vendors"]["hdp"]["whitelists"]["tenants"] == {}
    elif vendor == "talend":
        assert state["vendors"]["talend"]["policy"] is None
    elif vendor == "codearts":
        assert state["vendors"]["codearts"]["tenant"] == []
    else:
        assert state["vendors"]["b2core"]["tokens"] == []
    journal = requests.get(server.url + "/_emulator/requests", headers={"X-Emulator-Namespace": namespace}).json()
    assert [r["status"] for r in journal["requests"]] == [408]


def test_the_control_plane_times_out_too(server):
    _elapsed, data, closed = send_partial(server.port, "PUT", "/_emulator/state", {}, b'{"vendors": {', 500, "stall-ctl")
    status, body, _head = parse(data)
    assert status == 408 and "stopped arriving" in body["error"]["message"] and closed


def test_a_slow_body_that_completes_in_time_is_served(server):
    """The timer bounds the whole read, not each packet's arrival: a body in two parts, 0.2 s apart, is stored."""
    method, path, _headers = WRITES["hdp"]
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
             f"Content-Length: {len(BODY)}", "X-Emulator-Namespace: slow-ok", f"Authorization: {BASIC}", "Connection: close"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + BODY[:20])
        time.sleep(0.2)
        sock.sendall(BODY[20:])
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 201"), data[:200]
    stored = requests.get(server.url + path, auth=("d2cadmin", "d2cadmin"), headers={"X-Emulator-Namespace": "slow-ok"})
    assert stored.json()["managementAPI"][0]["startAddress"] == "10.20.30.0"


def test_serve_body_timeout_option_end_to_end():
    """The command-line option, as a user starts it: ``serve --body-timeout 0.3``."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), "--vendor",
                                "hdp", "--body-timeout", "0.3"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.time() + 30
        while time.time() < deadline and "control plane" not in process.stdout.readline():
            pass
        method, path, headers = WRITES["hdp"]
        elapsed, data, closed = send_partial(port, method, path, headers, BODY[:38], 1000, "cli")
        status, body, _head = parse(data)
        assert status == 408 and 0.3 <= elapsed < 5 and closed
        assert "received in 0.3 seconds" in body["error"]["message"]["value"]
    finally:
        process.terminate()
        process.communicate(timeout=10)
