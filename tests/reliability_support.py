"""Shared by the reliability and hostile-input tests: concrete requests for every spec operation, valid credentials,
a few seeded entries per vendor, and a snapshot of a namespace's state to prove that nothing was stored."""

from __future__ import annotations

import base64
import re
from typing import Any

import requests

from allowlist_emulator.engine.spec import Operation, vendor_spec
from allowlist_emulator.vendors import REGISTRY

VENDORS = tuple(REGISTRY)
NAMESPACE_HEADER = "X-Emulator-Namespace"
HEX24 = "0123456789abcdef01234567"

# what may legitimately change in /_emulator/state while only invalid requests are sent (excluded from snapshots):
#   b2core.tokens — the bearer tokens POST /tokens issues (a snapshot is taken after the test's own token exists, so
#   this only matters if a hostile request were to obtain a token, which is not a write to the allowlist).
# CodeArts AK failure counters and lockouts, Talend rate-limit counters and request ids are not part of the state.
VOLATILE = {"b2core": ("tokens",), "talend": ("serviceTokens",)}  # issued tokens: a valid token request adds one


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def path_value(schema: dict) -> str:
    """A plausible value for a path parameter: integers → 1, a 24-hex pattern → 24 hex digits, other strings → x."""
    if schema.get("type") == "integer":
        return "1"
    if schema.get("pattern") == "^[0-9a-f]{24}$":
        return HEX24
    return "x"


def path_schemas(op: Operation) -> dict[str, dict]:
    item = vendor_spec(op.vendor).resolved["paths"][op.path]
    params = list(item.get("parameters", [])) + list(op.raw.get("parameters", []))
    return {p["name"]: p.get("schema", {}) for p in params if p["in"] == "path"}


def concrete_path(op: Operation, **values: str) -> str:
    """The operation's path (relative to the vendor's base) with every ``{param}`` filled in."""
    schemas = path_schemas(op)
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), path_value(schemas.get(m.group(1), {}))), op.path)


class Vendor:
    """One vendor of the session server in one namespace, with valid credentials (plain requests, no spec check)."""

    def __init__(self, key: str, server, namespace: str):
        self.key = key
        self.server = server
        self.namespace = namespace
        self.base = server.url + server.emulator.base_path(key)
        self.session = requests.Session()
        self.session.headers[NAMESPACE_HEADER] = namespace
        self.auth: dict[str, str] = {}
        if key == "talend":
            self.auth = {"Authorization": "Bearer talend-admin-token"}
        elif key == "hdp":
            self.auth = {"Authorization": basic("d2cadmin", "d2cadmin")}
        elif key == "codearts":
            self.auth = {"X-Auth-Token": "codearts-token"}
        else:
            response = self.session.post(self.base + "/tokens", json={"grant_type": "client_credentials"},
                                         headers={"Authorization": basic("b2core-client", "b2core-secret")}, timeout=30)
            assert response.status_code == 200, response.text
            self.auth = {"Authorization": "Bearer " + response.json()["access_token"]}
        self.session.headers.update(self.auth)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=60, **kwargs)

    def headers_for(self, op: Operation) -> dict[str, str]:
        """The valid credentials for ``op``: B2Core's POST /tokens and Talend's POST /security/oauth/token take Basic
        credentials (the client's, the service account's), not a token."""
        if "clientBasic" in op.security_schemes:
            return {"Authorization": basic("b2core-client", "b2core-secret")}
        if "serviceAccountBasic" in op.security_schemes:
            return {"Authorization": basic("talend-service-account", "talend-service-secret")}
        return dict(self.auth)

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.server.url}/_emulator{path}", timeout=60, **kwargs)

    def seed(self) -> None:
        """A few valid entries, so that a wrongful delete or change would show in the snapshot."""
        for method, path, body in SEEDS[self.key]:
            response = self.request(method, path, json=body)
            assert response.status_code in (200, 201), (method, path, response.status_code, response.text)

    def snapshot(self) -> dict:
        response = self.control("GET", "/state")
        assert response.status_code == 200, response.text
        state = response.json()["vendors"][self.key]
        for key in VOLATILE.get(self.key, ()):
            state.pop(key, None)
        return state

    def alive(self) -> None:
        response = requests.get(self.server.url + "/_emulator/health", timeout=30)
        assert response.status_code == 200 and response.json()["status"] == "ok"


SEEDS: dict[str, list[tuple[str, str, Any]]] = {
    "talend": [
        ("POST", "/security/ip-allowlist", {"enabled": False, "description": "seed",
                                           "ips": [{"ip": "10.0.0.1", "description": "one"}, {"ip": "10.0.1.0/24", "description": "net"}]}),
        ("POST", "/security/ip-allowlist/ips", [{"ip": "10.0.2.1", "description": "two"}, {"ip": "2001:db8::1", "description": "six"}]),
    ],
    "hdp": [
        ("POST", "/api/admin/security/whitelist/tenants/2", {"managementAPI": [{"startAddress": "10.0.0.1"}],
                                                            "adminAPI": [{"startAddress": "10.1.0.0", "endAddress": "10.1.0.255"}]}),
        ("POST", "/api/mgmt/security/whitelist/user?user=user1", {"dataAccess": [{"startAddress": "10.0.0.2"}]}),
    ],
    "codearts": [
        ("POST", "/v4/tenant/trusted-ip-addresses", {"ip_type": 0, "ip_start": "10.0.0.1", "view_flag": 1}),
        ("POST", "/v4/tenant/trusted-ip-addresses", {"ip_type": 2, "ip_start": "10.1.0.0/24", "download_flag": 1}),
        ("POST", "/v4/projects/1001/trusted-ip-addresses", {"ip_type": 1, "ip_start": "10.2.0.1", "ip_end": "10.2.0.9"}),
    ],
    "b2core": [
        ("POST", "/addresses", {"ipAddress": "10.0.0.1", "policy": "allow"}),
        ("POST", "/addresses", {"ipAddress": "10.1.0.0/16", "policy": "deny", "ttl": 3600}),
        ("POST", "/addresses", {"ipAddress": "2001:db8::/32", "policy": "allow", "ttl": 0}),
    ],
}


def stored_ids(vendor: Vendor) -> dict[str, str]:
    """An existing entry's id per path parameter name, so that hostile requests can also aim at real entries."""
    state = vendor.control("GET", "/state").json()["vendors"][vendor.key]
    if vendor.key == "talend":
        policy = state.get("policy") or {}
        entries = policy.get("ips") or policy.get("entries") or []
        first = entries[0]["id"] if entries and isinstance(entries[0], dict) and "id" in entries[0] else "x"
        return {"id": str(first), "ipEntryId": str(first)}
    if vendor.key == "codearts":
        return {"id": "1001", "ip_id": str(state["tenant"][0]["id"])}
    if vendor.key == "b2core":
        return {"addressId": state["policies"][0]["addressId"]}
    return {"id": "2"}


def error_shape(vendor: str, response: requests.Response) -> dict:
    """The vendor's error body, asserted: Talend {status, message, detail, requestId}; HDP {error: {code, message}};
    CodeArts {error_code, error_msg}; B2Core {status, code, message}."""
    assert response.headers.get("Content-Type", "").startswith("application/json"), (response.status_code, response.headers)
    body = response.json()
    status = response.status_code
    if vendor == "talend":
        assert {"status", "message", "detail", "requestId"} <= set(body) and body["status"] == status, body
    elif vendor == "hdp":
        error = body["error"]
        assert isinstance(error["code"], int) and error["message"]["lang"] == "en-US" and error["message"]["value"], body
    elif vendor == "codearts":
        assert isinstance(body["error_code"], str) and isinstance(body["error_msg"], str), body
        assert response.headers.get("X-Request-Id"), response.headers
    else:
        assert set(body) == {"status", "code", "message"} and body["status"] == status, body
    return body
