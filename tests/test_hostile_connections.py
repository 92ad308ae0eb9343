"""Slow and silent connections are closed, not held (engine/connections.py): idle ones (before a first request or
between two) after ``idle_timeout`` (75 s by default), headers that do not all arrive within ``--body-timeout``, and
a sign-in body that stops arriving. Timeouts are lowered here so that the tests are quick."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.cli import parser
from allowlist_emulator.engine.connections import KEEPALIVE_SECONDS
from allowlist_emulator.server import EmulatorServer

BODY = 0.5
IDLE = 2.0


@pytest.fixture(scope="module")
def server():
    with EmulatorServer(Options(body_timeout=BODY, idle_timeout=IDLE)) as running:
        yield running


def connect(server, data: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    if data:
        sock.sendall(data)
    return sock


def closed_after(sock: socket.socket, limit: float) -> float | None:
    """Seconds until the server closed ``sock`` (reading whatever it answered), None if still open after ``limit``."""
    started = time.monotonic()
    sock.settimeout(0.05)
    while time.monotonic() - started < limit:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionError:
            return time.monotonic() - started
        if not chunk:
            return time.monotonic() - started
    return None


def test_the_defaults():
    assert Options().idle_timeout == KEEPALIVE_SECONDS == 75
    args = parser().parse_args(["serve"])
    assert args.idle_timeout == 75 and args.body_timeout == 30


def test_a_connection_that_never_sends_is_closed_after_the_idle_timeout(server):
    with connect(server) as sock:
        took = closed_after(sock, IDLE + 3)
    assert took is not None and IDLE - 0.5 < took < IDLE + 3


def test_a_connection_idle_after_a_request_is_closed(server):
    with connect(server, b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") as sock:
        took = closed_after(sock, IDLE + 3)
    assert took is not None and took < IDLE + 3


@pytest.mark.parametrize("head", [b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: ",
                                  b"G", b"GET /api/admin/security/whitelist/system HTTP/1.1\r\n"])
def test_headers_that_stop_arriving_close_the_connection_within_the_body_timeout(server, head):
    with connect(server, head) as sock:
        took = closed_after(sock, IDLE + 3)
    assert took is not None and took < BODY + 1.0 < IDLE, took


def test_headers_trickled_a_byte_at_a_time_are_bounded_as_a_whole(server):
    """A slowloris sends each byte well within the timeout; the headers as a whole still must come within it."""
    head = b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 100
    with connect(server) as sock:
        started = time.monotonic()
        gone = False
        for byte in head:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                gone = True
                break
            time.sleep(0.05)
            if time.monotonic() - started > BODY + 2:
                break
        took = time.monotonic() - started if gone else closed_after(sock, 2)
    assert gone or took is not None, "trickled headers held the connection"


def test_a_second_request_in_pieces_is_bounded_too(server):
    with connect(server, b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") as sock:
        time.sleep(0.2)
        sock.recv(65536)
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHo")
        took = closed_after(sock, IDLE + 3)
    assert took is not None and took < BODY + 1.0, took


def test_a_sign_in_body_that_stops_arriving_gets_408_and_the_connection_closes(server):
    head = (b"POST /_emulator/ui/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntoken=ab")
    with connect(server, head) as sock:
        sock.settimeout(BODY + 5)
        answer = b""
        started = time.monotonic()
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"field": "body"' in answer or b'"field":"body"' in answer
    assert took < BODY + 2


def test_requests_that_keep_coming_are_not_cut(server):
    session = requests.Session()
    for _ in range(5):
        assert session.get(server.url + "/_emulator/health", timeout=10).status_code == 200
        time.sleep(IDLE / 4)


def test_a_live_feed_outlives_the_idle_timeout(server):
    with requests.get(server.url + "/_emulator/events", params={"namespace": "idle"}, stream=True, timeout=10) as feed:
        lines = feed.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 2000"
        time.sleep(IDLE + 1)
        requests.post(server.url + "/_emulator/reset", headers={"X-Emulator-Namespace": "idle"}, timeout=10)
        assert any(line == "event: control" for line, _ in zip(lines, range(20), strict=False))
