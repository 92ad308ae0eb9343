"""A client test suite using allowlist-emulator: the complete example of docs/client-test-suites.md.

    pip install /path/to/allowlist-emulator pytest requests vcrpy   # a checkout or a wheel: see the guide's Install
    pytest examples/test_client_example.py           # an emulator starts in-process, once per session
    pytest examples/test_client_example.py -n 2      # in parallel (pytest-xdist): every test has its own namespace

The project's own test suite runs this file (tests/test_client_example.py), so the example cannot rot.
"""

from __future__ import annotations

import pytest
import requests
import vcr

from allowlist_emulator.recording import cassette_path

# -- the code under test: a small client of HDP's tenant whitelists ---------------------------------------------------

NO_TENANT_WHITELIST = 222208719  # HDP's error code: "whiteList IPs does not exist for tenant id : {0}."


class HdpWhitelists:
    """Adds management-API address ranges to a tenant's whitelist on Progress DataDirect Hybrid Data Pipeline."""

    def __init__(self, base_url: str, user: str, password: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (user, password)

    def _url(self, tenant_id: int) -> str:
        return f"{self.base_url}/api/admin/security/whitelist/tenants/{tenant_id}"

    def tenant(self, tenant_id: int) -> dict | None:
        """The tenant's whitelists, or None when it has none yet."""
        response = self.session.get(self._url(tenant_id), timeout=10)
        if response.status_code == 404 and response.json()["error"]["code"] == NO_TENANT_WHITELIST:
            return None
        response.raise_for_status()
        return response.json()

    def allow(self, tenant_id: int, start: str, end: str | None = None) -> dict:
        """Admit ``start``..``end`` to the management API: create the whitelist, or add to the existing one."""
        entry = {"startAddress": start, **({"endAddress": end} if end else {})}
        response = self.session.post(self._url(tenant_id), json={"managementAPI": [entry]}, timeout=10)
        if response.status_code == 409:  # the tenant already has whitelists: extend them
            current = self.tenant(tenant_id) or {}
            ranges = list(current.get("managementAPI") or [])
            if entry not in ranges:
                ranges.append(entry)
            response = self.session.put(self._url(tenant_id), json={**current, "managementAPI": ranges}, timeout=10)
        response.raise_for_status()
        return response.json()


# -- tests against the emulator (or, with --allowlist-target=URL, against a real deployment) ---------------------------


@pytest.fixture
def hdp(allowlist_emulator) -> HdpWhitelists:
    """The client, as configured in production (a base URL and credentials), pointed at the emulator with the demo
    administrator. base("hdp") is http://127.0.0.1:<port>/_ns/<this test's namespace>: nothing else to send."""
    credentials = allowlist_emulator.credentials["hdp"]
    return HdpWhitelists(allowlist_emulator.base("hdp"), credentials["user"], credentials["password"])


def test_allow_creates_the_whitelist_then_extends_it(hdp):
    assert hdp.tenant(2) is None
    hdp.allow(2, "192.0.2.0", "192.0.2.255")
    whitelist = hdp.allow(2, "198.51.100.7")
    assert whitelist["managementAPI"] == [
        {"startAddress": "192.0.2.0", "endAddress": "192.0.2.255"},
        {"startAddress": "198.51.100.7"},
    ]
    assert hdp.tenant(2) == whitelist


def test_the_emulator_enforces_what_the_client_wrote(hdp, allowlist_emulator):
    hdp.allow(2, "192.0.2.0", "192.0.2.255")
    decide = allowlist_emulator.admin.decide
    assert decide("hdp", ip="192.0.2.7", user="user1")["allowed"]  # user1 belongs to tenant 2
    assert not decide("hdp", ip="203.0.113.9", user="user1")["allowed"]
    assert decide("hdp", ip="203.0.113.9", user="d2cadmin")["allowed"]  # tenant 1 has no whitelist


def test_a_server_error_reaches_the_caller(hdp, allowlist_emulator):
    allowlist_emulator.admin.add_fault(vendor="hdp", operationId="getTenantWhitelist", status=500)
    with pytest.raises(requests.HTTPError):
        hdp.tenant(2)


def test_the_journal_shows_what_the_client_sent(hdp, allowlist_emulator):
    hdp.allow(2, "192.0.2.1")
    hdp.allow(2, "192.0.2.2")
    sent = allowlist_emulator.admin.requests(vendor="hdp")
    assert [(entry["method"], entry["status"]) for entry in sent] == [("POST", 201), ("POST", 409), ("GET", 200), ("PUT", 200)]


def test_each_test_starts_from_the_seeded_state(hdp):
    assert hdp.tenant(2) is None  # what the other tests wrote lives in their own namespaces


# -- the same client against a shipped cassette: no server at all ----------------------------------------------------


def test_replay_a_shipped_cassette_with_vcrpy():
    """fixtures/hdp/tenant_whitelists.yaml was recorded as https://hdp.example.com: the URL a client uses in production."""
    with vcr.use_cassette(str(cassette_path("hdp", "tenant_whitelists")), record_mode="none"):
        hdp = HdpWhitelists("https://hdp.example.com", "d2cadmin", "d2cadmin")
        assert hdp.tenant(2) is None  # recorded: GET → 404 222208719
        created = hdp.allow(2, "192.0.2.0", "192.0.2.255")  # recorded: POST → 201
        assert created["managementAPI"] == [{"startAddress": "192.0.2.0", "endAddress": "192.0.2.255"}]
        assert hdp.tenant(2) == created  # recorded: GET → 200
