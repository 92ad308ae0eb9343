"""Talend with configuration: the plan's IP limit (402), rate limiting (429), extra tokens, a seeded policy.

Each configuration gets its own emulator on a free port, started once per module and stopped at the end.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime

import pytest

from allowlist_emulator.app import Options
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.vendors.talend.models import Settings

from .support import VendorClient
from .talend_support import ADMIN, LEGACY, NO_PERMISSION, PUBLIC, add, assert_error, create

SEEDED_ID = "6f1c2d3e-4a5b-4c6d-8e7f-901234567890"
LIMIT_CONFIG = {
    "ip_limit": 3,
    "tokens": {"ci-admin-token": ["Users - Management"], "ci-reader-token": ["Projects - View"]},
    "policy": {"enabled": False, "description": "seeded",
               "ips": [{"id": SEEDED_ID, "ip": "203.0.113.10", "description": "office"}]},
}
RATE_CONFIG = {"rate_limit": {"requests": 3, "window_seconds": 60}}


def _server(config: dict):
    return EmulatorServer(Options(vendors=("talend",), config={"vendors": {"talend": config}}, trust_forwarded_for=True, seed=7))


@pytest.fixture(scope="module")
def limit_server():
    with _server(LIMIT_CONFIG) as running:
        yield running


@pytest.fixture(scope="module")
def rate_server():
    with _server(RATE_CONFIG) as running:
        yield running


def _client(server, token: str | None = ADMIN) -> VendorClient:
    client = VendorClient("talend", server.url)
    if token:
        client.session.headers["Authorization"] = token
    return client


# -- seeded policy and extra tokens --------------------------------------------------------------------------------------


def test_seeded_policy_and_extra_tokens(limit_server):
    client = _client(limit_server, "Bearer ci-admin-token")
    assert client.get(PUBLIC).json() == {
        "enabled": False, "description": "seeded", "ips": [{"id": SEEDED_ID, "ip": "203.0.113.10", "description": "office"}]}
    assert_error(client.get(PUBLIC, headers={"Authorization": "Bearer ci-reader-token"}), 403, "Forbidden",
                 'the "Users - Management" permission is required')
    assert client.get(PUBLIC, headers={"Authorization": NO_PERMISSION}).status_code == 403  # demo tokens stay
    assert client.get(PUBLIC, headers={"Authorization": ADMIN}).status_code == 200


# -- the IP limit ----------------------------------------------------------------------------------------------------------


def test_adding_over_the_limit_is_402_too(limit_server):
    client = _client(limit_server)
    client.delete(PUBLIC)
    four = [{"ip": f"10.0.0.{i}", "description": str(i)} for i in range(4)]
    assert_error(client.post(PUBLIC, json={"enabled": True, "ips": four}), 402, "Payment Required",
                 "ips: the IP allowlist would hold 4 IPs, above the limit of 3 of your plan")
    assert_error(client.get(PUBLIC), 404, "Not Found")
    create(client, ips=four[:3])
    assert_error(client.post(f"{LEGACY}/ips", json=four[3:]), 402, "Payment Required",
                 "ips: the IP allowlist would hold 4 IPs, above the limit of 3 of your plan")
    assert len(client.get(f"{PUBLIC}/ips").json()) == 3


def test_put_over_the_limit_counts_the_merged_list(limit_server):
    """The seeded policy holds one entry and the limit is 3: PUT adds, so stored + new entries are counted."""
    client = _client(limit_server)
    before = client.get(PUBLIC).json()
    three = [{"ip": f"10.0.0.{i}", "description": str(i)} for i in range(3)]
    for base in (PUBLIC, LEGACY):
        assert_error(client.put(base, json={"enabled": True, "ips": three}), 402, "Payment Required",
                     "ips: the IP allowlist would hold 4 IPs, above the limit of 3 of your plan")
    assert client.get(PUBLIC).json() == before  # nothing stored, enabled untouched
    # an address already listed does not count twice: 1 stored + 2 new = 3
    again = [{"ip": "203.0.113.10", "description": "office"}, *three[:2]]
    response = client.put(PUBLIC, json={"enabled": True, "ips": again})
    assert response.status_code == 200, response.text
    assert [e["ip"] for e in response.json()["ips"]] == ["203.0.113.10", "10.0.0.0", "10.0.0.1"]
    assert response.json()["ips"][0]["id"] == SEEDED_ID
    assert_error(client.put(LEGACY, json={"enabled": True, "ips": three[2:]}), 402, "Payment Required",
                 "ips: the IP allowlist would hold 4 IPs, above the limit of 3 of your plan")


def test_a_lowered_limit_answers_402_on_enable_and_updates(limit_server):
    client = _client(limit_server)
    # four entries stored under a higher limit (a snapshot restore stands in for a plan downgrade)
    ids = [str(uuid.UUID(int=i + 1, version=4)) for i in range(4)]
    ips = [{"id": ids[i], "ip": f"10.0.0.{i}", "description": str(i)} for i in range(4)]
    state = {"vendors": {"talend": {"policy": {"enabled": False, "description": "big", "ips": ips}}}}
    assert client.control("PUT", "/state", json=state).status_code == 200
    for base in (PUBLIC, LEGACY):
        assert_error(client.patch(base, json={"enabled": True}), 402, "Payment Required",
                     "ips: the IP allowlist holds 4 IPs, above the limit of 3 of your plan")
        assert_error(client.put(f"{base}/ips", json=[{"id": ids[0], "ip": "10.1.0.0", "description": "x"}]), 402,
                     "Payment Required", "ips: the IP allowlist would hold 4 IPs, above the limit of 3 of your plan")
        path = f"{base}/ips/{ids[1]}"
        assert_error(client.put(path, json={"ip": "10.1.0.1", "description": "x"}), 402, "Payment Required")
    assert client.patch(PUBLIC, json={"enabled": False}).status_code == 200  # disabling is never refused
    assert client.get(PUBLIC).json() == state["vendors"]["talend"]["policy"]
    # deleting back under the limit lifts it
    assert client.delete(f"{PUBLIC}/ips/{ids[3]}").status_code == 204
    assert client.patch(PUBLIC, json={"enabled": True}).status_code == 200
    assert client.put(f"{PUBLIC}/ips/{ids[1]}", json={"ip": "10.1.0.1", "description": "x"}).status_code == 200


def test_default_limit_is_100(server):
    client = VendorClient("talend", server.url)
    client.session.headers["Authorization"] = ADMIN
    create(client, ips=[{"ip": f"10.0.{i // 250}.{i % 250}", "description": "x"} for i in range(99)])
    add(client, "10.9.9.1")
    assert_error(client.post(f"{PUBLIC}/ips", json=[{"ip": "10.9.9.2", "description": "x"}]), 402, "Payment Required",
                 "ips: the IP allowlist would hold 101 IPs, above the limit of 100 of your plan")


# -- rate limiting -----------------------------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_the_three_headers(rate_server):
    client = _client(rate_server)
    now = client.control("POST", "/clock", json={"freeze": True}).json()["now"]
    window_end = math.ceil(datetime.fromisoformat(now).timestamp() + 60)
    create(client)
    for _ in range(2):
        assert client.get(f"{PUBLIC}/ips").status_code == 200
    for method, path in (("GET", LEGACY), ("DELETE", f"{PUBLIC}/ips/x"), ("POST", f"{PUBLIC}/ips")):
        response = client.request(method, path, json=[{"ip": "10.0.0.1", "description": "x"}] if method == "POST" else None)
        assert_error(response, 429, "Too Many Requests", "rate limit of 3 requests per 60 seconds exceeded")
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert response.headers["X-RateLimit-Reset"] == str(window_end)
    client.advance(60)
    assert client.get(f"{PUBLIC}/ips").json() == []  # the refused POST stored nothing


def test_rate_limit_is_per_token_and_per_window(rate_server):
    client = _client(rate_server)
    client.control("POST", "/clock", json={"freeze": True})
    for _ in range(3):
        client.get(f"{PUBLIC}/ips")
    assert client.get(f"{PUBLIC}/ips").status_code == 429
    # another token has its own window (and is then refused for its permission, not the rate)
    assert client.get(f"{PUBLIC}/ips", headers={"Authorization": NO_PERMISSION}).status_code == 403
    assert client.get(f"{PUBLIC}/ips", headers={"Authorization": "Bearer unknown"}).status_code == 401
    client.advance(59)
    assert client.get(f"{PUBLIC}/ips").status_code == 429
    client.advance(1)
    assert client.get(f"{PUBLIC}/ips").status_code == 200
    # another namespace has its own counters
    assert _client(rate_server).get(f"{PUBLIC}/ips").status_code == 200


def test_rate_limiting_is_off_by_default(server):
    client = VendorClient("talend", server.url)
    client.session.headers["Authorization"] = ADMIN
    statuses = {client.get(f"{PUBLIC}/ips", check=False).status_code for _ in range(80)}
    assert statuses == {200}


# -- configuration errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("config, field", [
    ({"ip_limit": -1}, "ip_limit"), ({"ip_limit": "10"}, "ip_limit"), ({"ip_limit": True}, "ip_limit"),
    ({"rate_limit": {"requests": 0}}, "rate_limit.requests"), ({"rate_limit": 5}, "rate_limit.requests"),
    ({"rate_limit": {"requests": 5, "window_seconds": 0}}, "rate_limit.window_seconds"),
    ({"tokens": ["a"]}, "tokens"), ({"tokens": {"a": "Users - Management"}}, "tokens.a"),
])
def test_bad_configuration_names_the_key(config, field):
    with pytest.raises(ValueError, match=f"talend.{field}"):
        Settings.from_config(config)


def test_defaults():
    settings = Settings.from_config({})
    assert settings.ip_limit == 100 and settings.rate_limit is None
    assert settings.tokens["talend-admin-token"].manages_users
    assert not settings.tokens["talend-no-permission-token"].manages_users
