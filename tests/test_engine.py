"""The shared engine: spec loading, compiled validation, faults, clock, control plane, namespaces, serve."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from openapi_spec_validator import validate as validate_spec

from allowlist_emulator.app import Options
from allowlist_emulator.engine.spec import check_handlers, load_spec, resolve_refs, specs_dir
from allowlist_emulator.engine.validate import BodyValidator, RequestInvalid, compile_param, parse_query
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.vendors import REGISTRY

from .support import free_port, serve_cli

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "specs").glob("*.yaml"))


# -- specs ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_every_spec_is_valid_openapi_31_with_fidelity_and_docs(path):
    document = yaml.safe_load(path.read_text())
    validate_spec(document)
    assert document["openapi"].startswith("3.1")
    assert document["info"]["x-vendor"] == path.stem
    for api_path, item in document["paths"].items():
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            where = f"{method.upper()} {api_path}"
            assert op.get("operationId"), where
            assert isinstance(op.get("x-fidelity"), list), where
            for choice in op["x-fidelity"]:
                assert choice.get("gap") and choice.get("choice"), where
            assert op.get("externalDocs", {}).get("url", "").startswith("https://"), where
            assert op.get("security"), where


def test_the_packaged_specs_are_the_repository_specs():
    assert {p.name for p in specs_dir().glob("*.yaml")} >= {p.name for p in SPECS}


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_every_operation_has_exactly_one_handler(key):
    vendor = REGISTRY[key].loaded()
    assert set(vendor.handlers) == set(vendor.spec.by_id)


def test_a_missing_handler_stops_start_up():
    spec = load_spec(specs_dir() / "hdp.yaml")
    handlers = dict(REGISTRY["hdp"].handlers)
    handlers.pop("getSystemWhitelist")
    handlers["strayHandler"] = lambda ctx: None
    with pytest.raises(RuntimeError, match=r"getSystemWhitelist.*strayHandler"):
        check_handlers(spec, handlers)


def test_refs_are_resolved_with_siblings_overriding():
    doc = {"components": {"schemas": {"A": {"type": "string", "maxLength": 3}}},
           "x": {"$ref": "#/components/schemas/A", "description": "d"}}
    assert resolve_refs(doc)["x"] == {"type": "string", "maxLength": 3, "description": "d"}
    with pytest.raises(ValueError, match="recursive"):
        resolve_refs({"a": {"$ref": "#/a"}})


# -- compiled validation --------------------------------------------------------------------------------------------------


class Query(dict):
    def getall(self, key):
        return [self[key]]


def test_query_parameters_are_typed_checked_and_defaulted():
    params = (
        compile_param({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}),
        compile_param({"name": "detailed", "in": "query", "schema": {"type": "boolean"}}),
        compile_param({"name": "filter", "in": "query", "style": "deepObject", "explode": True,
                       "schema": {"type": "object", "additionalProperties": False,
                                  "properties": {"ttl": {"type": "integer"}, "ip": {"type": "string"}}}}),
    )
    assert parse_query(params, Query()) == {"limit": 20}
    assert parse_query(params, Query({"limit": "5", "detailed": "false", "filter[ttl]": "3"})) == {
        "limit": 5, "detailed": False, "filter": {"ttl": 3}}
    for query, field, fragment in (
        ({"limit": "0"}, "limit", "minimum"),
        ({"limit": "abc"}, "limit", "not an integer"),
        ({"limit": "9" * 40}, "limit", "not an integer"),
        ({"detailed": "yes"}, "detailed", "boolean"),
        ({"filter[nope]": "1"}, "filter[nope]", "not an allowed property"),
        ({"filter[ttl]": "x"}, "filter[ttl]", "not an integer"),
    ):
        with pytest.raises(RequestInvalid) as err:
            parse_query(params, Query(query))
        assert err.value.problem.field == field
        assert fragment in err.value.problem.message


def test_bodies_are_checked_with_the_field_named():
    body = BodyValidator({"type": "object", "required": ["ip"], "additionalProperties": False,
                          "properties": {"ip": {"type": "string"}, "ips": {"type": "array", "items": {"type": "object", "required": ["ip"]}}}},
                         required=True, media_types=("application/json",))
    assert body.parse(b'{"ip": "x"}', "application/json") == {"ip": "x"}
    cases = [
        (b"", "application/json", "body", "required"),
        (b'{"ips": []}', "application/json", "ip", "is required"),
        (b'{"ip": "x", "ips": [{}]}', "application/json", "ips[0].ip", "is required"),
        (b'{"ip": 1}', "application/json", "ip", "not of type"),
        (b'{"ip": "x", "extra": 1}', "application/json", "extra", "not an allowed property"),
        (b'{"ip": NaN}', "application/json", "body", "not valid JSON"),
        (b'{"ip": "\xff"}', "application/json", "body", "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", "body", ""),
        (b'{"ip": "x"}', "application/xml", "Content-Type", "not supported"),
    ]
    for raw, content_type, field, fragment in cases:
        with pytest.raises(RequestInvalid) as err:
            body.parse(raw, content_type)
        assert err.value.problem.field == field, raw[:40]
        assert fragment in err.value.problem.message
    # curl's default content type for --data still carries JSON (B2Core's own examples rely on it)
    assert body.parse(b'{"ip": "x"}', "application/x-www-form-urlencoded") == {"ip": "x"}


# -- a dedicated server for control-plane behaviour ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def emulator():
    with EmulatorServer(Options(seed=7, trust_forwarded_for=True, max_namespaces=50)) as running:
        yield running


def _session(namespace: str) -> requests.Session:
    session = requests.Session()
    session.headers["X-Emulator-Namespace"] = namespace
    return session


def test_health_lists_the_vendors(emulator):
    body = requests.get(emulator.url + "/_emulator/health").json()
    assert body["status"] == "ok" and set(body["vendors"]) == set(REGISTRY)
    assert body["version"]


def test_unknown_top_level_path_is_a_json_404(emulator):
    response = requests.get(emulator.url + "/nowhere")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_clock_freeze_advance_set(emulator):
    s = _session("clock")
    frozen = s.post(emulator.url + "/_emulator/clock", json={"set": "2021-01-01T00:00:00+00:00", "freeze": True}).json()
    assert frozen["now"].startswith("2021-01-01T00:00:00") and frozen["frozen"] is True
    time.sleep(0.05)
    assert s.get(emulator.url + "/_emulator/clock").json()["now"].startswith("2021-01-01T00:00:00")
    advanced = s.post(emulator.url + "/_emulator/clock", json={"advance": 3600}).json()
    assert advanced["now"].startswith("2021-01-01T01:00:00")
    assert _session("other-clock").get(emulator.url + "/_emulator/clock").json()["now"][:4] != "2021"
    for bad in ({"advance": "x"}, {"set": "yesterday"}, {"freeze": "yes"}, {}, {"tick": 1}, [1]):
        assert s.post(emulator.url + "/_emulator/clock", json=bad).status_code == 400


def test_fault_rules_error_latency_drop_and_scope(emulator):
    s = _session("faults")
    url = emulator.url
    auth = ("d2cadmin", "d2cadmin")
    rule = s.post(url + "/_emulator/faults", json={"vendor": "hdp", "operationId": "getSystemWhitelist", "status": 503}).json()
    response = s.get(url + "/api/admin/security/whitelist/system", auth=auth)
    assert response.status_code == 503 and response.json()["error"]["code"] == 222208712  # HDP's "problem getting"
    assert _session("faults-other").get(url + "/api/admin/security/whitelist/system", auth=auth).status_code == 200
    assert s.delete(url + f"/_emulator/faults/{rule['id']}").json()["removed"] == 1
    s.post(url + "/_emulator/faults", json={"vendor": "hdp", "latencyMs": 300, "times": 1})
    started = time.perf_counter()
    assert s.get(url + "/api/admin/security/whitelist/system", auth=auth).status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    s.get(url + "/api/admin/security/whitelist/system", auth=auth)
    assert time.perf_counter() - started < 0.3  # `times: 1` used the rule up
    s.post(url + "/_emulator/faults", json={"vendor": "hdp", "drop": True})
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/admin/security/whitelist/system", auth=auth, headers={"X-Emulator-Namespace": "faults"})
    s.delete(url + "/_emulator/faults")
    for bad in ({"vendor": "nope", "status": 500}, {"status": 200}, {"probability": 2, "status": 500}, {"operationId": "x", "status": 500},
                {"vendor": "hdp"}, {"latencyMs": -1}, {"wat": 1, "status": 500}):
        response = s.post(url + "/_emulator/faults", json=bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["message"]
    assert s.get(url + "/_emulator/faults").json()["faults"] == []


def test_probability_faults_are_seeded(emulator):
    def run():
        s = _session("prob")
        s.post(emulator.url + "/_emulator/reset", params={"all": "true"})
        emulator.emulator.faults.rng.seed(99)
        s.post(emulator.url + "/_emulator/faults", json={"vendor": "hdp", "status": 500, "probability": 0.5})
        return [s.get(emulator.url + "/api/admin/configurations", auth=("d2cadmin", "d2cadmin")).status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second and 500 in first and 200 in first


def test_namespace_limit_is_a_clear_error(emulator):
    emulator_url = emulator.url
    requests.post(emulator_url + "/_emulator/reset", params={"all": "true"})
    for i in range(50):
        assert _session(f"n{i}").get(emulator_url + "/_emulator/clock").status_code == 200
    response = _session("one-too-many").get(emulator_url + "/api/admin/configurations", auth=("d2cadmin", "d2cadmin"))
    assert response.status_code == 503
    assert "namespaces" in response.json()["error"]["message"]["value"]
    requests.post(emulator_url + "/_emulator/reset", params={"all": "true"})
    assert _session("one-too-many").get(emulator_url + "/_emulator/clock").status_code == 200


# -- serve on a fresh process ---------------------------------------------------------------------------------------------



def test_serve_prints_its_url_and_demo_credentials_and_answers():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = []
        deadline = time.time() + 20
        while time.time() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "dashboard:" in line:  # the banner's last line
                break
        banner = "".join(lines)
        assert f"http://127.0.0.1:{port}/_emulator/ui" in banner
        assert f"http://127.0.0.1:{port}" in banner
        assert "d2cadmin/d2cadmin" in banner
        assert "talend-service-account / talend-service-secret" in banner and "/security/oauth/token" in banner
        response = requests.get(f"http://127.0.0.1:{port}/api/admin/configurations/8", auth=("d2cadmin", "d2cadmin"))
        assert response.status_code == 200 and response.json()["value"] == "true"
        # the namespaces line names a base URL that works as printed, with <name> filled in
        assert f"http://127.0.0.1:{port}/_ns/<name> as the base URL" in banner
        written = requests.post(f"http://127.0.0.1:{port}/_ns/banner/api/admin/security/whitelist/system",
                                json={"managementAPI": [{"startAddress": "10.9.9.9"}]}, auth=("d2cadmin", "d2cadmin"))
        assert written.status_code == 201, written.text
        system = requests.get(f"http://127.0.0.1:{port}/api/admin/security/whitelist/system", auth=("d2cadmin", "d2cadmin"))
        assert system.json()["managementAPI"] == []  # the default namespace saw none of it
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)


def test_serve_logs_malformed_http_as_one_warning_line_not_a_traceback():
    """aiohttp answers a NUL in a header with 400 and logs an ERROR traceback, as if the emulator had failed; serve
    turns that into one line naming the client and the fault."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.time() + 20
        while time.time() < deadline and "control plane" not in process.stdout.readline():
            pass
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /api/admin/security/whitelist/tenants HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n")
            assert sock.recv(64).startswith(b"HTTP/1.0 400")
        # a well-formed request after it: its answer means the log line above has been written
        assert requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=10)[0]
    assert "127.0.0.1: malformed HTTP, answered 400 (Invalid header value char" in output
    assert "Traceback" not in output and "BadHttpMessage" not in output


def test_serve_refuses_to_bind_beyond_loopback_without_an_admin_token():
    result = serve_cli("--host", "0.0.0.0", "--port", "1")
    assert result.returncode == 2 and "--admin-token" in result.stderr


def test_admin_token_guards_the_control_plane():
    with EmulatorServer(Options(admin_token="s3cret")) as running:
        assert requests.get(running.url + "/_emulator/health").status_code == 401
        assert requests.get(running.url + "/_emulator/health", headers={"X-Emulator-Admin-Token": "s3cret"}).status_code == 200


def test_a_bad_vendor_config_stops_serve_with_the_key_named(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("vendors:\n  talend:\n    ip_limit: -3\n")
    result = serve_cli("--port", "1", "--config", str(config))
    assert result.returncode == 2
    assert "vendors.talend" in result.stderr and "ip_limit" in result.stderr
