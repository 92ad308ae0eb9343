"""The live feed (``GET /_emulator/events``) under readers that never read: bounded in number (``--max-feeds``),
bounded per reader (one shared ring, a cursor each), and a stalled reader costs the request path nothing.
``namespace=*`` is a namespace's name like any other, not "every namespace"."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.engine.journal import FEED_KEPT, MAX_FEEDS, Journal
from allowlist_emulator.server import EmulatorServer

TALEND = {"Authorization": "Bearer talend-admin-token"}


@pytest.fixture(scope="module")
def server():
    with EmulatorServer(Options(max_feeds=4)) as running:
        yield running


def stalled_stream(server, namespace: str) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.sendall(f"GET /_emulator/events?namespace={namespace} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


def wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_the_default_bound_is_documented_and_an_option():
    assert Options().max_feeds == MAX_FEEDS == 32
    journal = Journal(max_feeds=2)
    assert journal.subscribe("a") and journal.subscribe("a")
    assert journal.subscribe("a") is None


def test_subscribers_past_the_bound_get_503_and_a_slot_frees_when_one_leaves(server):
    journal = server.emulator.journal
    streams = [stalled_stream(server, "bound") for _ in range(4)]
    try:
        assert wait_for(lambda: len(journal.subscribers) == 4)
        response = requests.get(server.url + "/_emulator/events", params={"namespace": "bound"}, timeout=10)
        assert response.status_code == 503
        error = response.json()["error"]
        assert "--max-feeds" in error["message"] and error["status"] == 503
        streams.pop().close()
        assert wait_for(lambda: len(journal.subscribers) == 3, 20)
        with requests.get(server.url + "/_emulator/events", params={"namespace": "bound"}, stream=True, timeout=10) as ok:
            assert ok.status_code == 200
    finally:
        for sock in streams:
            sock.close()
    assert wait_for(lambda: not journal.subscribers, 20)


def test_stalled_readers_do_not_hold_requests_up_and_hold_bounded_memory(server):
    journal = server.emulator.journal
    namespace = f"stall-{uuid.uuid4().hex[:8]}"
    streams = [stalled_stream(server, namespace) for _ in range(4)]
    try:
        assert wait_for(lambda: len(journal.subscribers) == 4)

        def burst(count):
            for _ in range(count):
                journal.record(namespace, "talend", "getIpAllowlist", "GET", "/security/ip-allowlist", "", 404, 1.0,
                               "127.0.0.1", b"x" * 200)

        for _ in range(10):  # in bursts the streams take in turn, until every one waits on its full socket
            server.call(burst, FEED_KEPT // 2)
            time.sleep(0.15)
        assert len(journal._feed) <= FEED_KEPT  # one ring for all readers, whatever they read
        # every stream now waits on its own full socket: new requests wake nobody, nothing renders or writes for them
        calls = []
        take = journal.take
        journal.take = lambda *args: calls.append(1) or take(*args)  # type: ignore[method-assign]
        try:
            for _ in range(5):
                server.call(burst, 1000)
                time.sleep(0.1)
        finally:
            del journal.take
        assert calls == [], f"stalled streams read the feed {len(calls)} times"
        session = requests.Session()
        slowest = 0.0
        for _ in range(50):
            started = time.perf_counter()
            response = session.get(server.url + "/security/ip-allowlist", headers={**TALEND, "X-Emulator-Namespace": namespace}, timeout=10)
            assert response.status_code in (200, 404)
            slowest = max(slowest, time.perf_counter() - started)
        assert slowest < 1.0, f"a request took {slowest:.3f} s with stalled readers"
    finally:
        for sock in streams:
            sock.close()
    assert wait_for(lambda: not journal.subscribers, 20), "a closed reader stayed subscribed"


def test_a_reader_that_falls_behind_the_ring_is_told_to_reload_once():
    async def run():
        journal = Journal(limit=100)
        reader = journal.subscribe("a")
        elsewhere = journal.subscribe("b")
        for _ in range(FEED_KEPT + 50):
            journal.record("a", "hdp", "op", "GET", "/x", "", 200, 1.0, "127.0.0.1", b"", {"H": "v"}, {}, b"x" * 9000)
        assert journal.take(reader, 200) == ([], True)  # it missed some: reload, then on from now
        assert journal.take(reader, 200) == ([], False)
        assert journal.take(elsewhere, 200) == ([], True) or journal.take(elsewhere, 200)[0] == []
        journal.record("a", "hdp", "op", "GET", "/y", "", 200, 1.0, "127.0.0.1", b"")
        items, behind = journal.take(reader, 200)
        assert not behind and [item[6] for item in items] == ["/y"]
        kept = journal.kept()
        assert len(kept) == 100 and all(len(body) <= 4096 for _, _, body in kept.values())

    asyncio.run(run())


def test_readers_see_their_namespace_and_broadcasts_only():
    journal = Journal()
    a, b, star = journal.subscribe("a"), journal.subscribe("b"), journal.subscribe("*")
    journal.record("a", "hdp", "op", "GET", "/a", "", 200, 1.0, "127.0.0.1", b"")
    journal.record("b", "hdp", "op", "GET", "/b", "", 200, 1.0, "127.0.0.1", b"")
    journal.publish("*", {"namespace": "*", "path": "/_emulator/reset"}, everyone=True)
    assert [i[6] if isinstance(i, tuple) else i["path"] for i in journal.take(a, 10)[0]] == ["/a", "/_emulator/reset"]
    assert [i[6] if isinstance(i, tuple) else i["path"] for i in journal.take(b, 10)[0]] == ["/b", "/_emulator/reset"]
    # "*" is a name like any other: its reader does not see the other namespaces' requests
    assert [i[6] if isinstance(i, tuple) else i["path"] for i in journal.take(star, 10)[0]] == ["/_emulator/reset"]


def test_namespace_star_over_http_is_one_namespace(server):
    other = f"o-{uuid.uuid4().hex[:8]}"
    with requests.get(server.url + "/_emulator/events", params={"namespace": "*"}, stream=True, timeout=10) as feed:
        lines = feed.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 2000"
        requests.get(server.url + "/security/ip-allowlist", headers={**TALEND, "X-Emulator-Namespace": other}, timeout=10)
        requests.post(server.url + "/_emulator/reset", headers={"X-Emulator-Namespace": "*"}, timeout=10)
        seen = []
        for line in lines:
            if line.startswith("event: "):
                seen.append(line[7:])
            if line.startswith("data: ") and seen and seen[-1] != "hello":
                assert other not in line
                break
    assert seen[-1] == "control", seen


def test_a_reader_that_takes_nothing_for_the_write_bound_is_disconnected(monkeypatch):
    from allowlist_emulator.control import dashboard

    monkeypatch.setattr(dashboard, "WRITE_SECONDS", 0.5)
    with EmulatorServer() as running:
        journal = running.emulator.journal
        sock = stalled_stream(running, "slow")
        try:
            assert wait_for(lambda: len(journal.subscribers) == 1)

            def burst():
                for _ in range(FEED_KEPT):
                    journal.record("slow", "talend", "getIpAllowlist", "GET", "/security/ip-allowlist", "", 404, 1.0,
                                   "127.0.0.1", b"")

            deadline = time.time() + 20
            while journal.subscribers and time.time() < deadline:
                running.call(burst)
                time.sleep(0.1)
            assert not journal.subscribers, "a reader that read nothing kept its stream"
        finally:
            sock.close()


def test_a_quiet_stream_gets_keep_alives_while_other_namespaces_are_busy(monkeypatch):
    from allowlist_emulator.control import dashboard

    monkeypatch.setattr(dashboard, "KEEPALIVE_SECONDS", 0.5)
    with EmulatorServer() as running:
        journal = running.emulator.journal
        with requests.get(running.url + "/_emulator/events", params={"namespace": "quiet"}, stream=True, timeout=10) as feed:
            lines = feed.iter_lines(decode_unicode=True)
            assert next(lines) == "retry: 2000"

            def busy():
                journal.record("loud", "talend", "getIpAllowlist", "GET", "/security/ip-allowlist", "", 200, 1.0,
                               "127.0.0.1", b"")

            deadline = time.time() + 10
            seen = None
            for _ in range(30):
                running.call(busy)
                time.sleep(0.1)
            while time.time() < deadline:
                line = next(lines)
                if line.startswith((":", "event: request")):
                    seen = line
                    break
    assert seen == ": keep-alive", seen


def test_stalled_streams_do_not_hold_the_shutdown_up():
    import signal
    import subprocess
    import sys

    from .support import free_port

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), "--vendor", "talend"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    streams = []
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: _up(url), 60)
        for _ in range(3):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", port))
            sock.sendall(b"GET /_emulator/events?namespace=default HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            streams.append(sock)
        time.sleep(0.3)
        session = requests.Session()
        for _ in range(2000):  # far more than the streams' buffers hold: each waits on its reader
            session.get(url + "/security/ip-allowlist", headers=TALEND, timeout=10)
        time.sleep(0.5)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        assert time.monotonic() - started < 5, "stalled streams held the shutdown up"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for sock in streams:
            sock.close()


def _up(url: str) -> bool:
    try:
        return requests.get(url + "/_emulator/health", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False
