"""Helpers shared by the namespace tests (URL prefix, listeners): fresh names, and one write and one read per vendor
through a spec-checking client."""

from __future__ import annotations

import uuid

from .b2core_support import CREDENTIALS, GRANT
from .support import VendorClient


def fresh(prefix: str = "u") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def b2core_token(client: VendorClient) -> None:
    response = client.post("/tokens", auth=CREDENTIALS, json=GRANT)
    assert response.status_code == 200, response.text
    client.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


# one write and one read per vendor: (defaults, write(client) → id, read(client) → the ids seen)
def talend_write(c):
    assert c.post("/security/ip-allowlist", json={"enabled": False, "description": "d", "ips": []}).status_code == 201
    response = c.post("/security/ip-allowlist/ips", json=[{"ip": "192.0.2.7", "description": "x"}])
    assert response.status_code == 201, response.text
    return "192.0.2.7"


def talend_read(c):
    response = c.get("/security/ip-allowlist/ips")
    if response.status_code == 404:  # no policy in this namespace
        return set()
    return {entry["ip"] for entry in response.json()}


def hdp_write(c):
    response = c.post("/api/admin/security/whitelist/tenants/2", json={"managementAPI": [{"startAddress": "192.0.2.7"}]})
    assert response.status_code == 201, response.text
    return "192.0.2.7"


def hdp_read(c):
    response = c.get("/api/admin/security/whitelist/tenants/2")
    if response.status_code == 404:
        return set()
    return {entry["startAddress"] for entry in response.json()["managementAPI"]}


def codearts_write(c):
    response = c.post("/v4/tenant/trusted-ip-addresses", json={"ip_type": 0, "ip_start": "192.0.2.7", "view_flag": 1})
    assert response.status_code == 200, response.text
    return "192.0.2.7"


def codearts_read(c):
    return {entry["ip_start"] for entry in c.get("/v4/tenant/trusted-ip-addresses").json()}


def b2core_write(c):
    b2core_token(c)
    response = c.post("/addresses", json={"ipAddress": "192.0.2.7", "policy": "allow"})
    assert response.status_code == 201, response.text
    return "192.0.2.7"


def b2core_read(c):
    b2core_token(c)
    return {entry["ipAddress"] for entry in c.get("/addresses").json()}


VENDORS = {
    "talend": ({"headers": {"Authorization": "Bearer talend-admin-token"}}, talend_write, talend_read),
    "hdp": ({"auth": ("d2cadmin", "d2cadmin")}, hdp_write, hdp_read),
    "codearts": ({"headers": {"X-Auth-Token": "codearts-token"}}, codearts_write, codearts_read),
    "b2core": ({}, b2core_write, b2core_read),
}
