"""Helpers shared by the Talend tests: the two path families, the demo tokens, the error-body check, and creating a
policy or entries."""

from __future__ import annotations

import uuid

LEGACY = "/v1/management/ip-allowlist"
PUBLIC = "/security/ip-allowlist"
ADMIN = "Bearer talend-admin-token"
NO_PERMISSION = "Bearer talend-no-permission-token"


def assert_error(response, status: int, message: str, detail: str | None = None, detail_start: str | None = None):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "message", "detail", "requestId"}
    assert body["status"] == status
    assert body["message"] == message
    uuid.UUID(body["requestId"])
    if detail is not None:
        assert body["detail"] == detail
    if detail_start is not None:
        assert body["detail"].startswith(detail_start), body["detail"]
    return body


def create(client, base=PUBLIC, ips=(), enabled=False, description="test policy"):
    response = client.post(base, json={"enabled": enabled, "description": description, "ips": list(ips)})
    assert response.status_code == 201, response.text
    return response.json()


def add(client, *ips, base=PUBLIC):
    response = client.post(f"{base}/ips", json=[{"ip": ip, "description": f"entry {ip}"} for ip in ips])
    assert response.status_code == 201, response.text
    return response.json()
