"""No secret in any journal view, the live feed, a log line or a cassette, whatever its size, encoding or key
spelling; tokens from ``secrets``; the admin token from the environment."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.redaction import Interaction, Redactor, masked, secret_name
from allowlist_emulator.recording.replay import Replayer
from allowlist_emulator.server import EmulatorServer

from .b2core_support import CREDENTIALS, GRANT
from .support import free_port

SECRET = "Sup3r-" + uuid.uuid4().hex  # distinctive: any occurrence is a leak


@pytest.fixture(scope="module")
def server():
    with EmulatorServer() as running:
        yield running


def leaks(text: str) -> int:
    return text.count(SECRET[:16])


# (what was sent, requests' keyword arguments): every way a secret reaches a request
SENT = {
    "JSON over 4 KiB": dict(data=json.dumps({"client_id": "x", "client_secret": SECRET, "pad": "x" * 5000}),
                            headers={"Content-Type": "application/json"}),
    "JSON with the secret past 4 KiB": dict(data=json.dumps({"pad": "x" * 5000, "client_secret": SECRET}),
                                           headers={"Content-Type": "application/json"}),
    "form": dict(data=f"client_id=x&client_secret={SECRET}", headers={"Content-Type": "application/x-www-form-urlencoded"}),
    "form over 4 KiB": dict(data=f"pad={'x' * 5000}&client_secret={SECRET}",
                            headers={"Content-Type": "application/x-www-form-urlencoded"}),
    "form without a Content-Type": dict(data=f"client_id=x&client-secret={SECRET}".encode()),
    "JSON as text/plain": dict(data=json.dumps({"client_secret": SECRET}), headers={"Content-Type": "text/plain"}),
    "client-secret": dict(json={"client-secret": SECRET}),
    "clientSecret": dict(json={"clientSecret": SECRET}),
    "Password nested": dict(json={"user": {"name": "u", "Password": SECRET}}),
    "a list under a secret's name": dict(json={"client_secret": [SECRET], "token": {"value": SECRET}}),
    "X-Client-Secret header": dict(headers={"X-Client-Secret": SECRET}),
    "access_token in the query": dict(params={"access_token": SECRET}),
    "accessToken in the query": dict(params={"accessToken": SECRET}),
}


@pytest.mark.parametrize("case", list(SENT))
def test_no_journal_view_shows_a_secret(server, case):
    namespace = {"X-Emulator-Namespace": f"s-{uuid.uuid4().hex[:10]}"}
    kwargs = dict(SENT[case])
    kwargs["headers"] = {**kwargs.get("headers", {}), **namespace}
    requests.post(server.url + "/b2core/tokens", timeout=10, **kwargs)
    for view in ("/_emulator/requests", "/_emulator/requests?redact=true"):
        text = requests.get(server.url + view, headers=namespace, timeout=10).text
        assert leaks(text) == 0, (view, text[:600])
    entries = requests.get(server.url + "/_emulator/requests", headers=namespace, timeout=10).json()["requests"]
    assert entries
    for entry in entries:
        detail = requests.get(f"{server.url}/_emulator/requests/{entry['seq']}", headers=namespace, timeout=10)
        assert detail.status_code == 200 and leaks(detail.text) == 0, detail.text[:600]


def test_the_live_feed_shows_no_secret(server):
    name = f"f-{uuid.uuid4().hex[:10]}"
    with requests.get(server.url + "/_emulator/events", params={"namespace": name}, stream=True, timeout=10) as feed:
        lines = feed.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 2000"
        requests.get(server.url + "/b2core/addresses", params={"access_token": SECRET, "client-secret": SECRET},
                     headers={"X-Emulator-Namespace": name}, timeout=10)
        for line in lines:
            if line.startswith("data: ") and '"seq"' in line:
                assert leaks(line) == 0 and "REDACTED" in line, line
                break


def test_the_malformed_http_log_line_does_not_print_authorization(server, caplog):
    with caplog.at_level(logging.WARNING, logger="aiohttp.server"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nAuthorization : Basic {SECRET}\r\n\r\n".encode())
            assert sock.recv(1000).split(b" ")[1] == b"400"  # the answer may quote it: the client's own data
        deadline = time.time() + 5
        while not caplog.records and time.time() < deadline:
            time.sleep(0.05)
    assert caplog.records, "the malformed request was not logged"
    assert all(leaks(record.getMessage()) == 0 for record in caplog.records), [r.getMessage() for r in caplog.records]


def test_a_replay_miss_logs_no_token():
    stream = io.StringIO()
    item = Interaction("POST", "https://api.example.com/tokens", [("Content-Type", "application/x-www-form-urlencoded")],
                       b"grant_type=client_credentials&client_secret=%3CREDACTED%3E", 200, "OK",
                       [("Content-Type", "application/json")], b'{"access_token": "<REDACTED>"}')
    with EmulatorServer(app=Replayer([("t.yaml", item)], stream=stream).app()) as replay:
        requests.post(replay.url + "/tokenz", params={"access_token": SECRET}, timeout=10,
                      data={"grant_type": "client_credentials", "client_secret": SECRET})
        requests.get(replay.url + "/tokens", params={"access_token": SECRET, "apiKey": SECRET}, timeout=10)
    assert "replay miss" in stream.getvalue() and leaks(stream.getvalue()) == 0, stream.getvalue()


@pytest.mark.parametrize("case", list(SENT))
def test_a_cassette_holds_no_secret_whatever_the_spelling_or_size(case):
    kwargs = SENT[case]
    prepared = requests.Request("POST", "https://api.example.com/tokens", **kwargs).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    item = Interaction("POST", prepared.url, list(prepared.headers.items()), body, 200, "OK",
                       [("Content-Type", "application/json")], json.dumps({"echo": SECRET}).encode())
    scrubbed = Redactor().scrub([item])[0]
    assert leaks(json.dumps(scrubbed.to_vcr())) == 0, scrubbed.to_vcr()


def test_secret_names_in_any_spelling():
    for name in ("client_secret", "client-secret", "clientSecret", "X-Client-Secret", "password", "PASSWORD",
                 "access_token", "accessToken", "refresh-token", "X-Subject-Token", "api_key", "x-api-key", "privateKey"):
        assert secret_name(name), name
    for name in ("token_type", "expires_in", "client_id", "X-Sdk-Date", "Content-Type", "ipAddress", "description"):
        assert not secret_name(name), name
    assert masked({"a": {"clientSecret": "x", "token_type": "Bearer"}}) == {"a": {"clientSecret": "<REDACTED>", "token_type": "Bearer"}}
    assert masked({"password": ["x", {"y": 1, "z": None}], "ok": True}) == {"password": ["<REDACTED>", {"y": "<REDACTED>", "z": None}], "ok": True}


def test_issued_tokens_do_not_follow_the_seed():
    tokens = []
    for _ in range(2):
        with EmulatorServer(Options(vendors=("b2core",), seed=7)) as running:
            response = requests.post(running.url + "/b2core/tokens", auth=CREDENTIALS, json=GRANT, timeout=10)
            tokens.append(response.json()["access_token"])
    assert tokens[0] != tokens[1] and len(tokens[0]) == 48


def test_the_admin_token_can_come_from_the_environment():
    port = free_port()
    env = {**os.environ, "ALLOWLIST_EMULATOR_ADMIN_TOKEN": "env-" + SECRET}
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), "--vendor", "hdp"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/_emulator/health"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                first = requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert first.status_code == 401
        assert requests.get(url, headers={"X-Emulator-Admin-Token": "env-" + SECRET}, timeout=10).status_code == 200
        with open(f"/proc/{process.pid}/cmdline", "rb") as handle:
            assert SECRET.encode() not in handle.read()
    finally:
        process.terminate()
        process.wait(30)


def test_log_lines_are_redacted_by_header_and_parameter_names():
    from allowlist_emulator.redaction import redact_text

    line = (f"record: GET https://api.example.com/x?access_token={SECRET}&limit=5 failed; "
            f"Authorization : Basic {SECRET}; X-Client-Secret: {SECRET}; client_secret={SECRET}")
    shown = redact_text(line)
    assert leaks(shown) == 0 and "limit=5" in shown and "Authorization : <REDACTED>" in shown, shown
