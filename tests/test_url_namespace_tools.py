"""Base URLs under ``/_ns/<name>`` with the project's tools: the contract suites, the recorder, replay."""

from __future__ import annotations

import io
import uuid

import pytest
import requests

from allowlist_emulator.cli import main
from allowlist_emulator.recording import cassette as cas
from allowlist_emulator.recording.proxy import Recorder
from allowlist_emulator.recording.replay import REPLAY_HEADER, Replayer
from allowlist_emulator.server import EmulatorServer

from .support import NAMESPACE_HEADER
from .tier_support import vendors_deep_except

QUICK = ["--max-examples", "2", "--phases", "examples,coverage", "--seed", "3"]


def journal(server, name: str, **query) -> list[dict]:
    response = requests.get(f"{server.url}/_emulator/requests", params=query, headers={NAMESPACE_HEADER: name}, timeout=10)
    return response.json()["requests"]


# HDP (Basic) and CodeArts (AK/SK signed over the prefix) prove the wiring; the others run in the deep tier
@pytest.mark.parametrize("vendor", vendors_deep_except("hdp", "codearts"))
def test_contract_suite_under_a_namespaced_base_url(server, vendor, capsys):
    name = f"contract-url-{uuid.uuid4().hex[:8]}"
    url = f"{server.url}/_ns/{name}{server.emulator.base_path(vendor)}"
    code = main(["contract", vendor, "--url", url, "--allow-writes", *QUICK])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"(emulator, namespace {name})" in out, out
    sent = journal(server, name, vendor=vendor)
    assert len(sent) >= 5 and {e["namespace"] for e in sent} == {name}
    assert all(e["path"].startswith(f"/_ns/{name}/") for e in sent), [e["path"] for e in sent][:5]
    assert any(e["method"] != "GET" and e["status"] < 300 for e in sent)  # the writes ran, in this namespace
    if vendor == "codearts":  # the demo identity signs with AK/SK: the signatures covered the prefix
        assert any(e["status"] == 200 for e in sent)


def test_contract_refuses_two_namespaces(server, capsys):
    code = main(["contract", "hdp", "--url", f"{server.url}/_ns/a", "--namespace", "b", *QUICK])
    assert code == 2
    assert "--namespace 'b'" in capsys.readouterr().err


# -- recording and replay ------------------------------------------------------------------------------------------------


@pytest.fixture
def serve_app():
    running = []

    def start(app):
        running.append(EmulatorServer(app=app).start())
        return running[-1].url

    yield start
    for item in running:
        item.stop()


def test_recording_a_namespaced_target(server, serve_app, tmp_path):
    name = f"rec-{uuid.uuid4().hex[:8]}"
    target = f"{server.url}/_ns/{name}"
    recorder = Recorder("hdp", target, tmp_path / "hdp.yaml", stream=io.StringIO())
    proxy = serve_app(recorder.app())
    path = "/api/admin/security/whitelist/tenants/2"
    auth = ("d2cadmin", "d2cadmin")
    assert requests.get(proxy + path, auth=auth, timeout=10).status_code == 404
    assert requests.post(proxy + path, auth=auth, json={"managementAPI": [{"startAddress": "192.0.2.1"}]},
                         timeout=10).status_code == 201
    assert requests.get(proxy + path, auth=auth, timeout=10).status_code == 200
    # the writes went to the target's namespace, and only there
    assert [e["method"] for e in journal(server, name, vendor="hdp")] == ["GET", "POST", "GET"]
    assert requests.get(server.url + path, auth=auth, headers={NAMESPACE_HEADER: f"other-{name}"}, timeout=10).status_code == 404
    items = cas.load(recorder.cassette_path)
    assert [i.uri for i in items] == [target + path] * 3  # the target's URLs
    assert recorder.drift.findings == [], recorder.drift.summary()  # resolved against the spec under the prefix

    # --record-as: the production host, without the prefix
    production = Recorder("hdp", target, tmp_path / "prod.yaml", record_as="https://hdp.example.com", stream=io.StringIO())
    proxy = serve_app(production.app())
    assert requests.get(proxy + path, auth=auth, timeout=10).status_code == 200
    assert [i.uri for i in cas.load(production.cassette_path)] == ["https://hdp.example.com" + path]


def test_replay_ignores_the_prefix_and_plays_each_namespace_from_the_start(serve_app, tmp_path):
    items = [
        cas.Interaction(method="GET", uri="https://hdp.example.com/api/x", request_headers=[], request_body=None,
                        status=404, reason="Not Found", response_headers=[("Content-Type", "application/json")],
                        response_body=b'{"n": 1}'),
        cas.Interaction(method="GET", uri="https://hdp.example.com/api/x", request_headers=[], request_body=None,
                        status=200, reason="OK", response_headers=[("Content-Type", "application/json")],
                        response_body=b'{"n": 2}'),
        cas.Interaction(method="GET", uri="http://127.0.0.1:1/_ns/rec/api/y", request_headers=[], request_body=None,
                        status=200, reason="OK", response_headers=[], response_body=b"y"),
    ]
    replayer = Replayer([("t.yaml", item) for item in items], stream=io.StringIO())
    url = serve_app(replayer.app())

    def play(path, **headers):
        response = requests.get(url + path, headers=headers, timeout=10)
        return response.status_code, response.headers.get(REPLAY_HEADER)

    assert play("/_ns/a/api/x") == (404, "hit")  # a: first recorded answer
    assert play("/_ns/a/api/x") == (200, "hit")  # a: then the next
    assert play("/_ns/b/api/x") == (404, "hit")  # b starts from the start
    assert play("/api/x", **{NAMESPACE_HEADER: "c"}) == (404, "hit")  # the header works as the prefix does
    assert play("/_ns/c/api/x", **{NAMESPACE_HEADER: "c"}) == (200, "hit")
    assert play("/api/x") == (404, "hit")  # the default namespace
    assert play("/_ns/zz/api/y") == (200, "hit")  # a recorded prefix is not matched either
    assert play("/api/y") == (200, "hit")
    assert play("/_ns/a/api/x", **{NAMESPACE_HEADER: "b"})[0] == 400
    status = requests.get(f"{url}/_replay", timeout=10).json()
    assert status["played"] == [4, 2, 2] and status["misses"] == 0
