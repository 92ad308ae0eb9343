"""The control plane is specified like the vendors (specs/control/control.yaml): the document is valid OpenAPI 3.1,
every control route has its operation and every operation a route, every control response fits it, and schemathesis
runs against it with every check (a small run here; the deep run marked ``deep``)."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate as validate_spec

from allowlist_emulator.app import Options
from allowlist_emulator.control.spec import control_spec, operations
from allowlist_emulator.engine.spec import specs_dir
from allowlist_emulator.server import EmulatorServer

from .control_support import ControlClient, schemathesis_run

B2CORE_STATE_POLICY = {"addressId": "0123456789abcdef01234567", "ipAddress": "10.1.2.3", "policy": "allow", "ttl": 0,
                       "createTime": "2026-01-01T00:00:00.000Z", "updateTime": "2026-01-01T00:00:00.000Z"}


def test_the_control_spec_is_valid_openapi_31_and_shipped():
    path = specs_dir() / "control" / "control.yaml"
    document = yaml.safe_load(path.read_text())
    validate_spec(document)
    assert document["openapi"].startswith("3.1")
    assert control_spec().path == path
    for api_path, item in document["paths"].items():
        assert api_path.startswith("/_emulator/")
        for method, op in item.items():
            assert op.get("operationId") and op.get("summary"), f"{method} {api_path}"
            assert "400" in op["responses"] or not op.get("parameters"), f"{method} {api_path}: a checked input needs its 400"


def test_a_route_without_an_operation_or_an_operation_without_a_route_stops_start_up():
    with pytest.raises(RuntimeError, match=r"routes without an operation \['GET /_emulator/nope'\]"):
        operations([("GET", "/health"), ("GET", "/nope")], "/_emulator")
    with pytest.raises(RuntimeError, match="operations without a route"):
        operations([("GET", "/health")], "/_emulator")


def test_every_control_response_fits_the_spec():
    with EmulatorServer(Options(seed=3)) as server:
        c = ControlClient(server.url, namespace="spec-check")
        c("GET", "/health")
        c("GET", "/namespaces")
        state = c("GET", "/state").json()
        c("GET", "/state", params={"redact": "true"})
        state["vendors"]["b2core"]["policies"] = [B2CORE_STATE_POLICY]
        assert c("PUT", "/state", json=state).status_code == 200
        assert c("PUT", "/state", json={"vendors": {"hdp": {"users": 5}}}).status_code == 400
        assert c("PUT", "/state", data="{").status_code == 400
        assert c("PUT", "/state", data="{}", headers={"Content-Type": "image/png"}).status_code == 415
        c("GET", "/clock")
        assert c("POST", "/clock", json={"advance": 60, "freeze": True}).status_code == 200
        assert c("POST", "/clock", json={"set": "3000-01-01T00:00:00Z"}).status_code == 400
        one = c("POST", "/faults", json={"vendor": "hdp", "status": 503, "times": 1}).json()
        c("POST", "/faults", json=[{"latencyMs": 1}, {"drop": True, "probability": 0}])
        assert c("POST", "/faults", json={"vendor": "nope", "status": 500}).status_code == 400
        c("GET", "/faults")
        c("DELETE", f"/faults/{one['id']}")
        c("DELETE", "/faults")
        server_session = ControlClient(server.url, namespace="spec-check").session
        server_session.get(server.url + "/api/admin/security/whitelist/system", auth=("d2cadmin", "d2cadmin"))
        listed = c("GET", "/requests", params={"limit": "5", "redact": "true"}).json()
        c("GET", "/requests", params={"status": "200", "vendor": "hdp", "method": "get"})
        c("GET", f"/requests/{listed['requests'][-1]['seq']}")
        assert c("GET", "/requests/999999").status_code == 404
        assert c("GET", "/requests", params={"limit": "x"}).status_code == 400
        c("DELETE", "/requests")
        c("GET", "/decide/hdp", params={"ip": "10.0.0.1", "api": "adminAPI"})
        assert c("GET", "/decide/nope", params={"ip": "10.0.0.1"}).status_code == 404
        assert c("GET", "/decide/hdp").status_code == 400
        c("GET", "/listeners")
        assert c("POST", "/listeners").status_code == 201
        assert c("POST", "/listeners").status_code == 200
        c("DELETE", "/listeners")
        c("GET", "/ui/app.js")
        assert c("GET", "/ui/nope.js").status_code == 404
        c("GET", "/ui/vendors/hdp/view.js")
        assert c("POST", "/reset", params={"vendor": "nope"}).status_code == 400
        c("POST", "/reset", params={"vendor": "hdp"})
        c("POST", "/reset", params={"all": "true"})


def test_schemathesis_finds_nothing_against_the_control_spec():
    """Every operation but the endless event stream, positive and negative data, every check, a fixed seed."""
    with EmulatorServer(Options()) as server:
        assert schemathesis_run(server.url, max_examples=10, seed=24) == []


@pytest.mark.deep
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_schemathesis_deep_against_the_control_spec(seed):
    with EmulatorServer(Options(seed=seed)) as server:
        assert schemathesis_run(server.url, max_examples=100, seed=seed) == []
