"""The recorder (proxy, redaction, drift, the CLI's SIGTERM) and the replay server (matching, nearest miss)."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import subprocess
import sys

import pytest
import requests
from aiohttp import web
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import yamlserializer

from allowlist_emulator.recording import cassette as cas
from allowlist_emulator.recording.cassette import PLACEHOLDER, Interaction, Redactor
from allowlist_emulator.recording.proxy import Recorder
from allowlist_emulator.recording.replay import Replayer
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.vendors.codearts import signing

NAMESPACE = "X-Emulator-Namespace"
DEMO_SECRETS = (
    "talend-admin-token", "emulator-sk", "codearts-token", "b2core-secret",
    base64.b64encode(b"d2cadmin:d2cadmin").decode(), "d2cadmin:d2cadmin",
    base64.b64encode(b"b2core-client:b2core-secret").decode(),
)


def _leaks(text: str, secrets) -> list[str]:
    return sorted(s for s in secrets if s and s in text)


# -- the cassette format -------------------------------------------------------------------------------------------------


def test_cassettes_load_unchanged_in_vcrpy(tmp_path):
    items = [
        Interaction("POST", "https://hdp.example.com/api/x?b=2&a=1", [("Content-Type", "application/json")],
                    b'{"value": "caf\xc3\xa9"}', 201, "Created",
                    [("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], b'{"ok":true}'),
        Interaction("GET", "https://hdp.example.com/api/y", [], None, 204, "No Content", [], b""),
        Interaction("GET", "https://hdp.example.com/bin", [], None, 200, "OK", [("Content-Type", "image/png")], b"\x89PNG\x00\xff"),
    ]
    path = cas.write(tmp_path / "c.yaml", items, comment="a comment\nover two lines")
    text = path.read_text()
    assert text.startswith("# a comment\n# over two lines\ninteractions:\n") and text.endswith("version: 1\n")
    requests_, responses = FilesystemPersister.load_cassette(path, yamlserializer)
    assert [r.method for r in requests_] == ["POST", "GET", "GET"]
    assert requests_[0].uri == items[0].uri and requests_[0].body == items[0].request_body and requests_[1].body is None
    assert requests_[0].headers["Content-Type"] == "application/json"
    assert responses[0]["status"] == {"code": 201, "message": "Created"}
    assert responses[0]["headers"]["Set-Cookie"] == ["a=1", "b=2"]
    assert responses[0]["body"]["string"] == b'{"ok":true}' and responses[2]["body"]["string"] == b"\x89PNG\x00\xff"
    assert cas.load(path) == items  # and back, exactly
    assert cas.dumps(cas.load(path), "a comment\nover two lines") == text


# -- redaction -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("Basic ZDJjYWRtaW46ZDJjYWRtaW4=", "Basic <REDACTED>"),
    ("Bearer talend-admin-token", "Bearer <REDACTED>"),
    ("SDK-HMAC-SHA256 Access=emulator-ak, SignedHeaders=content-type;host;x-sdk-date, Signature=0a1b2c3d4e",
     "SDK-HMAC-SHA256 Access=<REDACTED>, SignedHeaders=content-type;host;x-sdk-date, Signature=<REDACTED>"),
    ("AWS4-HMAC-SHA256 Credential=AKID/20250115/eu/s3/aws4_request, SignedHeaders=host, Signature=ffee",
     "AWS4-HMAC-SHA256 Credential=<REDACTED>, SignedHeaders=host, Signature=<REDACTED>"),
    ("just-a-token-value", "<REDACTED>"),
])
def test_authorization_keeps_the_scheme_word(value, expected):
    assert Redactor().authorization(value) == expected


def test_redaction_of_headers_bodies_queries_and_echoes():
    token = "3f2c1e0a9b8d7c6f5e4d3c2b1a0f9e8d"
    items = [
        Interaction("POST", "https://b2.example/tokens?access_token=query-secret-1", [
            ("Host", "127.0.0.1:9"), ("Authorization", "Basic " + base64.b64encode(b"client:s3cret-pass").decode()),
            (NAMESPACE, "ns-1"), ("X-Auth-Token", "header-token-123"), ("Cookie", "session=abcdef; theme=dark"),
            ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "52"),
        ], b"grant_type=client_credentials&client_secret=form-secret", 200, "OK",
            [("Content-Type", "application/json"), ("Content-Length", "77"), ("Set-Cookie", "sid=xyz123; Path=/; HttpOnly")],
            json.dumps({"access_token": token, "nested": {"password": "pw-123456"}, "token_type": "Bearer"}).encode()),
        Interaction("GET", "https://b2.example/echo", [("Authorization", f"Bearer {token}")], None, 200, "OK",
                    [("Content-Type", "text/plain")], f"you sent {token} and s3cret-pass".encode()),
    ]
    out = Redactor().scrub(items)
    first, second = out
    headers = dict(first.request_headers)
    assert "Host" not in headers and NAMESPACE not in headers
    assert headers["Authorization"] == "Basic <REDACTED>" and headers["X-Auth-Token"] == PLACEHOLDER
    assert headers["Cookie"] == "session=<REDACTED>; theme=<REDACTED>"
    assert dict(first.response_headers)["Set-Cookie"] == "sid=<REDACTED>; Path=/; HttpOnly"
    assert first.uri == "https://b2.example/tokens?access_token=%3CREDACTED%3E"
    assert first.request_body == b"grant_type=client_credentials&client_secret=%3CREDACTED%3E"
    body = json.loads(first.response_body)
    assert body == {"access_token": PLACEHOLDER, "nested": {"password": PLACEHOLDER}, "token_type": "Bearer"}
    assert dict(first.response_headers)["Content-Length"] == str(len(first.response_body))  # follows the body
    assert dict(first.request_headers)["Content-Length"] == str(len(first.request_body))
    assert second.response_body == b"you sent <REDACTED> and <REDACTED>"  # echoes are swept too
    text = cas.dumps(out)
    assert not _leaks(text, [token, "s3cret-pass", "query-secret-1", "form-secret", "header-token-123", "abcdef",
                             "xyz123", "pw-123456", base64.b64encode(b"client:s3cret-pass").decode()])


def test_a_password_equal_to_the_user_name_does_not_erase_the_name():
    basic = "Basic " + base64.b64encode(b"user1:user1").decode()
    item = Interaction("GET", "https://hdp.example.com/api/mgmt/security/whitelist/user?user=user1",
                       [("Authorization", basic)], None, 200, "OK", [], b'{"name":"user1"}')
    out = Redactor().scrub([item])[0]
    assert out.uri.endswith("?user=user1") and out.response_body == b'{"name":"user1"}'
    assert "dXNlcjE6dXNlcjE=" not in cas.dumps([out])


# -- recording through the proxy -------------------------------------------------------------------------------------------


@pytest.fixture
def record(tmp_path):
    """``record(vendor, target, **options)`` → (recorder, proxy URL); the proxy runs until the test ends."""
    running = []

    def start(vendor: str, target: str, **options):
        recorder = Recorder(vendor, target, tmp_path / f"{vendor}.yaml", stream=io.StringIO(), **options)
        proxy = EmulatorServer(app=recorder.app()).start()
        running.append(proxy)
        return recorder, proxy.url

    yield start
    for proxy in running:
        proxy.stop()


def test_recording_the_emulator_redacts_and_records_the_target_urls(server, record):
    namespace = {NAMESPACE: "recording-proxy-test"}
    hdp, hdp_url = record("hdp", server.url, record_as="https://hdp.example.com")
    response = requests.post(f"{hdp_url}/api/admin/security/whitelist/tenants/2", auth=("d2cadmin", "d2cadmin"),
                             json={"managementAPI": [{"startAddress": "192.0.2.1"}]}, headers=namespace, timeout=10)
    assert response.status_code == 201 and response.json()["managementAPI"] == [{"startAddress": "192.0.2.1"}]
    assert response.headers["Location"] == f"{hdp_url}/api/admin/security/whitelist/tenants/2"  # through the proxy
    assert requests.get(f"{hdp_url}/api/admin/security/whitelist/tenants/2?x=1", auth=("d2cadmin", "wrong-password-1"),
                        headers=namespace, timeout=10).status_code == 401

    b2, b2_url = record("b2core", server.url + "/b2core")  # recorded as the target itself
    token = requests.post(f"{b2_url}/tokens", auth=("b2core-client", "b2core-secret"),
                          json={"grant_type": "client_credentials"}, headers=namespace, timeout=10).json()["access_token"]
    assert requests.get(f"{b2_url}/addresses", headers={**namespace, "Authorization": f"Bearer {token}"},
                        timeout=10).status_code == 200

    ca, ca_url = record("codearts", server.url)
    path = "/v4/tenant/trusted-ip-addresses"
    headers = {"Content-Type": "application/json", "X-Sdk-Date": signing.format_date(server.emulator.store.namespace("x").clock.now())}
    headers["Authorization"] = signing.sign("GET", path, "", {**headers, "Host": server.url.split("//")[1]}, b"",
                                            "emulator-ak", "emulator-sk", headers["X-Sdk-Date"])
    signature = headers["Authorization"].rsplit("=", 1)[1]
    assert requests.get(ca_url + path, headers={**namespace, **headers}, timeout=10).status_code == 200
    assert requests.get(ca_url + path, headers={**namespace, "X-Auth-Token": "codearts-token"}, timeout=10).status_code == 200

    talend, talend_url = record("talend", server.url, record_as="https://api.eu.cloud.talend.com")
    assert requests.get(f"{talend_url}/security/ip-allowlist/ips", headers={**namespace, "Authorization": "Bearer talend-admin-token"},
                        timeout=10).status_code in (200, 404)

    texts = {}
    for recorder in (hdp, b2, ca, talend):
        text = recorder.cassette_path.read_text()  # written after every exchange, no need to stop
        texts[recorder.vendor] = text
        assert not _leaks(text, DEMO_SECRETS + (token, signature, "wrong-password-1", "recording-proxy-test")), recorder.vendor
        assert recorder.drift.findings == [], recorder.drift.summary()
        assert FilesystemPersister.load_cassette(recorder.cassette_path, yamlserializer)  # vcrpy reads it
    hdp_items = cas.load(hdp.cassette_path)
    assert [i.uri for i in hdp_items] == ["https://hdp.example.com/api/admin/security/whitelist/tenants/2",
                                          "https://hdp.example.com/api/admin/security/whitelist/tenants/2?x=1"]
    assert [i.status for i in hdp_items] == [201, 401] and hdp_items[0].request_header("Authorization") == "Basic <REDACTED>"
    assert dict(hdp_items[0].response_headers)["Location"] == "https://hdp.example.com/api/admin/security/whitelist/tenants/2"
    assert cas.load(b2.cassette_path)[0].uri == f"{server.url}/b2core/tokens"
    assert json.loads(cas.load(b2.cassette_path)[0].response_body)["access_token"] == PLACEHOLDER
    auth = cas.load(ca.cassette_path)[0].request_header("Authorization")
    assert auth == "SDK-HMAC-SHA256 Access=<REDACTED>, SignedHeaders=content-type;host;x-sdk-date, Signature=<REDACTED>"
    assert cas.load(ca.cassette_path)[1].request_header("X-Auth-Token") == PLACEHOLDER
    assert "X-Sdk-Date" in texts["codearts"]  # not a secret


async def _wrong_configuration(request: web.Request) -> web.Response:
    return web.json_response({"id": "eight", "value": True})


def test_drift_is_reported_without_failing_the_recording(record):
    upstream_app = web.Application()
    upstream_app.router.add_get("/api/admin/configurations/{id}", _wrong_configuration)
    with EmulatorServer(app=upstream_app) as upstream:
        recorder, url = record("hdp", upstream.url)
        response = requests.get(f"{url}/api/admin/configurations/8", auth=("d2cadmin", "d2cadmin"), timeout=10)
        assert response.status_code == 200 and response.json() == {"id": "eight", "value": True}  # passed through
        assert requests.get(f"{url}/api/not/in/the/spec", timeout=10).status_code == 404
    assert len(recorder.drift.findings) == 1 and len(cas.load(recorder.cassette_path)) == 2
    reported = recorder.stream.getvalue()
    assert "drift: #0 GET " in reported and "body.id: 'eight' is not of type 'integer'" in reported
    assert "'description' is a required property" in reported and "body.value: True is not of type 'string'" in reported
    summary = recorder.summary()
    assert "drift: 1 of 1 checked responses do not match specs/hdp.yaml (interactions #0)" in summary
    assert "1 request(s) to paths or methods the spec does not describe were not checked" in summary


def test_an_unreachable_target_answers_502_and_records_nothing(record):
    recorder, url = record("hdp", "http://127.0.0.1:9")
    response = requests.get(f"{url}/api/admin/configurations", timeout=10)
    assert response.status_code == 502 and "could not reach the target" in response.json()["error"]
    assert recorder.interactions == [] and recorder.failures == 1


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from allowlist_emulator.cli import main; sys.exit(main())", *args]


def _started(process: subprocess.Popen) -> str:
    line = process.stdout.readline()
    assert "listening on http://127.0.0.1:" in line or "on http://127.0.0.1:" in line, line
    return "http://127.0.0.1:" + line.split("http://127.0.0.1:", 1)[1].split()[0].rstrip(",")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_record_command_writes_the_cassette_on_a_signal_and_exits_0(server, tmp_path, sig):
    path = tmp_path / "hdp.yaml"
    process = subprocess.Popen(_command("record", "hdp", "--target", server.url, "--cassette", str(path), "--port", "0",
                                        "--record-as", "https://hdp.example.com"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = _started(process)
        response = requests.get(f"{url}/api/admin/configurations/8", auth=("d2cadmin", "d2cadmin"), timeout=10)
        assert response.status_code == 200
        process.send_signal(sig)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "recorded 1 interaction(s)" in err and "no drift: all 1 checked responses match specs/hdp.yaml" in err
    items = cas.load(path)
    assert [(i.method, i.uri, i.status) for i in items] == [("GET", "https://hdp.example.com/api/admin/configurations/8", 200)]
    assert "ZDJjYWRtaW46ZDJjYWRtaW4=" not in path.read_text()


def test_record_command_usage_errors_exit_2(tmp_path):
    result = subprocess.run(_command("record", "nosuchvendor", "--target", "http://x", "--cassette", str(tmp_path / "c.yaml")),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "unknown vendor 'nosuchvendor'" in result.stderr
    result = subprocess.run(_command("record", "hdp", "--target", "ftp://x", "--cassette", str(tmp_path / "c.yaml")),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "is not an http:// or https:// URL" in result.stderr


# -- replay ----------------------------------------------------------------------------------------------------------------


def _item(method, uri, body=None, status=200, response=b"{}", content_type="application/json"):
    headers = [("Content-Type", content_type)] if body is not None else []
    return Interaction(method, uri, headers, body, status, "OK", [("Content-Type", "application/json")], response)


@pytest.fixture
def replay():
    running = []

    def start(items):
        replayer = Replayer([("test.yaml", item) for item in items], stream=io.StringIO())
        running.append(EmulatorServer(app=replayer.app()).start())
        return replayer, running[-1].url

    yield start
    for server in running:
        server.stop()


def test_replay_matches_method_path_query_and_body(replay):
    base = "https://api.example.com"
    _, url = replay([
        _item("GET", f"{base}/items?limit=10&offset=0", response=b'{"page":1}'),
        _item("POST", f"{base}/items", b'{"ip": "10.0.0.1", "tags": ["a"]}', 201, b'{"id":1}'),
        _item("POST", f"{base}/items", b'{"ip": "10.0.0.2"}', 201, b'{"id":2}'),
        _item("POST", f"{base}/tokens", b"grant_type=client_credentials&client_secret=%3CREDACTED%3E",
              response=b'{"access_token":"<REDACTED>"}', content_type="application/x-www-form-urlencoded"),
        _item("POST", f"{base}/login", b'{"user": "u", "password": "<REDACTED>"}', response=b'{"ok":true}'),
    ])
    hit = requests.get(f"{url}/items?offset=0&limit=10", timeout=10)  # query order does not matter
    assert hit.status_code == 200 and hit.json() == {"page": 1} and hit.headers["X-Allowlist-Replay"] == "hit"
    assert hit.headers["X-Allowlist-Replay-Interaction"] == "0" and hit.headers["Content-Type"] == "application/json"
    second = requests.post(f"{url}/items", data='{"ip":"10.0.0.2"}', timeout=10)  # JSON-equal, other spacing
    assert second.status_code == 201 and second.json() == {"id": 2}
    assert requests.post(f"{url}/items", json={"tags": ["a"], "ip": "10.0.0.1"}, timeout=10).json() == {"id": 1}
    token = requests.post(f"{url}/tokens", data={"client_secret": "real-secret", "grant_type": "client_credentials"}, timeout=10)
    assert token.status_code == 200  # a redacted recording matches any value
    assert requests.post(f"{url}/login", json={"user": "u", "password": "hunter2"}, timeout=10).json() == {"ok": True}
    assert requests.post(f"{url}/login", json={"user": "v", "password": "hunter2"}, timeout=10).status_code == 404


def test_identical_requests_are_served_in_order_then_the_last_again(replay):
    base = "https://api.example.com"
    _replayer, url = replay([
        _item("GET", f"{base}/policy", status=404, response=b'{"error":"none"}'),
        _item("POST", f"{base}/policy", b'{"enabled": true}', 201, b'{"enabled":true}'),
        _item("GET", f"{base}/policy", response=b'{"enabled":true,"n":1}'),
        _item("GET", f"{base}/policy", response=b'{"enabled":true,"n":2}'),
    ])
    assert requests.get(f"{url}/policy", timeout=10).status_code == 404
    assert requests.post(f"{url}/policy", json={"enabled": True}, timeout=10).status_code == 201
    assert [requests.get(f"{url}/policy", timeout=10).json()["n"] for _ in range(3)] == [1, 2, 2]
    status = requests.get(f"{url}/_replay", timeout=10).json()
    assert status["played"] == [1, 1, 1, 2] and status["all_played"] and status["misses"] == 0


def test_an_unmatched_request_names_the_nearest_recorded_one(replay):
    base = "https://api.example.com"
    replayer, url = replay([
        _item("GET", f"{base}/v4/projects/1001/trusted-ip-addresses?limit=20"),
        _item("POST", f"{base}/v4/projects/1001/trusted-ip-addresses", b'{"ip_start": "10.0.0.1"}', 200),
        _item("DELETE", f"{base}/v4/projects/1001/trusted-ip-addresses/7"),
    ])
    miss = requests.post(f"{url}/v4/projects/1001/trusted-ip-addresses", json={"ip_start": "10.0.0.2"}, timeout=10)
    assert miss.status_code == 404 and miss.headers["X-Allowlist-Replay"] == "miss"
    body = miss.json()
    assert body["error"] == "no recorded interaction matches"
    assert body["request"] == {"method": "POST", "path": "/v4/projects/1001/trusted-ip-addresses", "query": "",
                               "body": '{"ip_start": "10.0.0.2"}'}
    assert body["nearest"]["interaction"] == 1 and body["nearest"]["method"] == "POST"
    assert body["nearest"]["uri"] == f"{base}/v4/projects/1001/trusted-ip-addresses"
    assert body["nearest"]["why"] == ['body differs: recorded {"ip_start": "10.0.0.1"}, got {"ip_start": "10.0.0.2"}']
    query_miss = requests.get(f"{url}/v4/projects/1001/trusted-ip-addresses?limit=50", timeout=10).json()
    assert query_miss["nearest"]["interaction"] == 0
    assert query_miss["nearest"]["why"] == ["query differs: recorded limit=20, got limit=50"]
    method_miss = requests.put(f"{url}/v4/projects/1001/trusted-ip-addresses/7", timeout=10).json()
    assert method_miss["nearest"]["interaction"] == 2 and method_miss["nearest"]["why"] == ["method differs: recorded DELETE, got PUT"]
    assert "replay miss: POST /v4/projects/1001/trusted-ip-addresses; nearest #1" in replayer.stream.getvalue()


def test_replay_command_serves_a_cassette_until_a_signal(tmp_path):
    path = cas.write(tmp_path / "c.yaml", [_item("GET", "https://hdp.example.com/api/admin/configurations", response=b'{"configurations":[]}')])
    process = subprocess.Popen(_command("replay", "--cassette", str(path), "--port", "0"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = _started(process)
        assert requests.get(f"{url}/api/admin/configurations", timeout=10).json() == {"configurations": []}
        assert requests.get(f"{url}/api/admin/nothing", timeout=10).headers["X-Allowlist-Replay"] == "miss"
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    bad = subprocess.run(_command("replay", "--cassette", str(tmp_path / "missing.yaml")), capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "missing.yaml: no such file" in bad.stderr


async def _hello(request: web.Request) -> web.Response:
    return web.json_response({"hello": request.query.get("who")})


def test_replay_serves_cassettes_recorded_by_vcrpy_itself(tmp_path):
    """A cassette vcrpy wrote (with requests) replays here too."""
    import vcr

    path = tmp_path / "vcr.yaml"
    upstream_app = web.Application()
    upstream_app.router.add_get("/hello", _hello)
    with EmulatorServer(app=upstream_app) as upstream:
        with vcr.use_cassette(str(path), record_mode="once"):
            assert requests.get(f"{upstream.url}/hello?who=vcr", timeout=10).json() == {"hello": "vcr"}
    replayer = Replayer.from_files([path])
    with EmulatorServer(app=replayer.app()) as replaying:
        assert requests.get(f"{replaying.url}/hello?who=vcr", timeout=10).json() == {"hello": "vcr"}


def test_append_keeps_earlier_interactions_and_redact_adds_secrets(server, record, tmp_path):
    first, url = record("hdp", server.url)
    requests.get(f"{url}/api/admin/configurations", auth=("d2cadmin", "d2cadmin"), timeout=10)
    second = Recorder("hdp", server.url, first.cassette_path, append=True, redact=["SystemTenant"], stream=io.StringIO())
    with EmulatorServer(app=second.app()) as proxy:
        requests.get(f"{proxy.url}/api/admin/security/whitelist/tenants", auth=("d2cadmin", "d2cadmin"),
                     headers={NAMESPACE: "append-test"}, timeout=10)
        requests.post(f"{proxy.url}/api/admin/security/whitelist/tenants/1", auth=("d2cadmin", "d2cadmin"),
                      json={"managementAPI": [{"startAddress": "10.0.0.1"}]}, headers={NAMESPACE: "append-test"}, timeout=10)
        requests.get(f"{proxy.url}/api/admin/security/whitelist/tenants", auth=("d2cadmin", "d2cadmin"),
                     headers={NAMESPACE: "append-test"}, timeout=10)
    items = cas.load(first.cassette_path)
    assert [i.path for i in items] == ["/api/admin/configurations"] + ["/api/admin/security/whitelist/tenants"] + \
        ["/api/admin/security/whitelist/tenants/1", "/api/admin/security/whitelist/tenants"]
    assert b'"name":"<REDACTED>"' in items[-1].response_body and "SystemTenant" not in first.cassette_path.read_text()
