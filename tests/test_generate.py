"""``generate: N``: fake seed entries made with Faker, the same for the same --seed, valid under each vendor's spec."""

from __future__ import annotations

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.vendors import REGISTRY

from .support import VendorClient

CONFIG = {"vendors": {key: {"generate": 40} for key in REGISTRY}}


def _snapshot(seed: int) -> dict:
    with EmulatorServer(Options(config=CONFIG, seed=seed)) as server:
        talend = VendorClient("talend", server.url, namespace="gen", headers={"Authorization": "Bearer talend-admin-token"})
        codearts = VendorClient("codearts", server.url, namespace="gen", headers={"X-Auth-Token": "codearts-token"})
        b2core = VendorClient("b2core", server.url, "/b2core", namespace="gen")
        hdp = VendorClient("hdp", server.url, namespace="gen", auth=("d2cadmin", "d2cadmin"))
        token = b2core.post("/tokens", auth=("b2core-client", "b2core-secret"), json={"grant_type": "client_credentials"}).json()
        b2core.session.headers["Authorization"] = f"Bearer {token['access_token']}"
        codearts_page = codearts.get("/v4/tenant/trusted-ip-addresses", params={"limit": 100})
        return {
            "talend": [e["ip"] for e in talend.get("/security/ip-allowlist/ips").json()],
            "codearts": [e["ip_start"] for e in codearts_page.json()],
            "codearts_total": codearts_page.headers["X-Total"],
            "b2core": [p["ipAddress"] for p in b2core.get("/addresses", params={"limit": 1000}).json()],
            "hdp": [r["startAddress"] for r in hdp.get("/api/admin/security/whitelist/system").json()["dataAccess"]],
        }


def test_generated_data_is_seeded_valid_and_counted():
    first, again, other = _snapshot(5), _snapshot(5), _snapshot(6)
    assert first == again  # the same seed, the same data
    assert first != other
    for key in ("talend", "codearts", "b2core", "hdp"):
        assert len(first[key]) == 40 and len(set(first[key])) == 40, key
    assert first["codearts_total"] == "40"


@pytest.mark.parametrize("count", ["lots", -1, True, 2_000_000])
def test_a_bad_generate_value_stops_start_up_with_the_key_named(count):
    with pytest.raises(ValueError, match=r"vendors\.b2core(: |\.)generate"):
        EmulatorServer(Options(config={"vendors": {"b2core": {"generate": count}}})).start()


def test_generated_entries_do_not_lock_anybody_out():
    with EmulatorServer(Options(config={"vendors": {"hdp": {"generate": 20}}}, trust_forwarded_for=True)) as server:
        response = requests.get(server.url + "/api/admin/security/whitelist/tenants", auth=("d2cadmin", "d2cadmin"),
                                headers={"X-Forwarded-For": "198.51.100.7"})
        assert response.status_code == 200
