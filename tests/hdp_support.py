"""Helpers shared by the HDP tests: paths, the demo users, the error body's code and text, and clients acting as
another user or from another address."""

from __future__ import annotations

SYSTEM = "/api/admin/security/whitelist/system"
TENANTS = "/api/admin/security/whitelist/tenants"
USERS = "/api/admin/security/whitelist/users"
USER = "/api/mgmt/security/whitelist/user"
CONFIGS = "/api/admin/configurations"

ADMIN = ("d2cadmin", "d2cadmin")
ORGADMIN = ("orgadmin", "orgadmin")
USER1 = ("user1", "user1")
VIEWER = ("viewer", "viewer")


def code(response) -> int:
    return response.json()["error"]["code"]


def text(response) -> str:
    body = response.json()["error"]["message"]
    assert body["lang"] == "en-US"
    return body["value"]


def as_user(hdp, client_for, auth):
    """Another HDP user's client, in the namespace of ``hdp``."""
    other = client_for("hdp", auth=auth)
    other.session.headers["X-Emulator-Namespace"] = hdp.namespace
    return other


def from_address(client, address):
    """``client``, calling from ``address`` (the test server trusts X-Forwarded-For)."""
    client.session.headers["X-Forwarded-For"] = address
    return client
