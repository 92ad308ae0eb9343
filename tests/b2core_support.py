"""Helpers shared by the B2Core tests: a client holding a bearer token, and the namespace's emulator clock."""

from __future__ import annotations

from datetime import datetime

CREDENTIALS = ("b2core-client", "b2core-secret")
GRANT = {"grant_type": "client_credentials"}
SEED_BODY = '{\n  "ipAddress": "185.155.96.184",\n  "policy": "allow",\n  "ttl": 1\n}'  # the seed's --data-raw
SEED_LIST_QUERY = (
    "?limit=10&offset=0&sort_by=createTime&sort_order=desc&filter[createTime]=2021-01-01&filter[expireTime]=2021-01-01"
    "&filter[ip]=185.155.96.184&filter[policy]=allow&filter[ttl]=1&filter[updateTime]=2021-01-01"
)


def token(client) -> str:
    response = client.post("/tokens", auth=CREDENTIALS, json=GRANT)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def authorised(client):
    client.session.headers["Authorization"] = f"Bearer {token(client)}"
    return client


def freeze_at(client, when: str) -> None:
    """Freeze the namespace's clock, then set it, so that times are exact to the second."""
    for body in ({"freeze": True}, {"set": when}):
        response = client.control("POST", "/clock", json=body)
        assert response.status_code == 200, response.text


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def create(client, ip: str, policy: str = "allow", ttl: int | None = None) -> dict:
    body = {"ipAddress": ip, "policy": policy}
    if ttl is not None:
        body["ttl"] = ttl
    response = client.post("/addresses", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def listing(client, query: str = "") -> list[dict]:
    response = client.get("/addresses" + query)
    assert response.status_code == 200, response.text
    return response.json()


def error(response, status: int, code: str) -> str:
    """Assert the B2Core error shape, status and code; return the message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "code", "message"} and body["status"] == status, body
    assert body["code"] == code, body
    return body["message"]
