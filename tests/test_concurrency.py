"""32 concurrent clients (threads, each with its own keep-alive session) against one server with --state-file, across
all four vendors, creating and deleting entries in one shared namespace per vendor; then everything is counted through
the API: exactly the expected survivors, no duplicate id, no lost write, no lost delete; and the state file, loaded
into a fresh emulator, holds exactly the same state.

HDP has one whitelist per level (system, tenant, user) rather than a list of entries, so its 8 clients each own one of
the 8 levels (system, tenants 1-3, the 4 users) and run create → read → replace → read → delete cycles on it; a lost
or crossed write shows as a read that does not return what that client just wrote, or a wrong final document. A
9th scenario has the 8 HDP clients race to create the same tenant whitelist: exactly one may win.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from allowlist_emulator.app import Emulator, Options
from allowlist_emulator.server import EmulatorServer

from .reliability_support import basic

CLIENTS_PER_VENDOR = 8  # × 4 vendors = 32 concurrent clients
CREATES = 20  # per client; the even-numbered half is deleted again
NAMESPACE = "concurrency"
RACE_NAMESPACE = "concurrency-race"
HDP_LEVELS = ["/api/admin/security/whitelist/system"] + [f"/api/admin/security/whitelist/tenants/{t}" for t in (1, 2, 3)] + [
    f"/api/mgmt/security/whitelist/user?user={u}" for u in ("d2cadmin", "orgadmin", "user1", "viewer")]


def _session(headers: dict[str, str], namespace: str = NAMESPACE) -> requests.Session:
    session = requests.Session()
    session.headers.update({"X-Emulator-Namespace": namespace, **headers})
    return session


def _ok(response: requests.Response, *statuses: int) -> requests.Response:
    assert response.status_code in statuses, f"{response.request.method} {response.request.url} → {response.status_code} {response.text[:300]}"
    return response


def _talend(url: str, client: int, barrier: threading.Barrier) -> dict:
    s = _session({"Authorization": "Bearer talend-admin-token"})
    barrier.wait()
    created = []
    for i in range(CREATES):
        entry = _ok(s.post(url + "/security/ip-allowlist/ips", json=[{"ip": f"10.{client}.{i}.1", "description": f"c{client}"}]), 201).json()[0]
        created.append((entry["id"], entry["ip"]))
    for entry_id, _ in created[::2]:
        _ok(s.delete(f"{url}/security/ip-allowlist/ips/{entry_id}"), 204)
    return {"created": created, "kept": created[1::2]}


def _codearts(url: str, client: int, barrier: threading.Barrier) -> dict:
    s = _session({"X-Auth-Token": "codearts-token"})
    barrier.wait()
    created = []
    for i in range(CREATES):
        rule = _ok(s.post(url + "/v4/tenant/trusted-ip-addresses", json={"ip_type": 0, "ip_start": f"10.{client}.{i}.1"}), 200).json()
        created.append((rule["id"], rule["ip_start"]))
    for rule_id, _ in created[::2]:
        _ok(s.delete(f"{url}/v4/tenant/trusted-ip-addresses/{rule_id}"), 200, 204)
    return {"created": created, "kept": created[1::2]}


def _b2core(url: str, client: int, barrier: threading.Barrier) -> dict:
    s = _session({"Authorization": basic("b2core-client", "b2core-secret")})
    barrier.wait()
    token = _ok(s.post(url + "/b2core/tokens", json={"grant_type": "client_credentials"}), 200).json()["access_token"]
    s.headers["Authorization"] = f"Bearer {token}"
    created = []
    for i in range(CREATES):
        policy = _ok(s.post(url + "/b2core/addresses", json={"ipAddress": f"10.{client}.{i}.1", "policy": "allow"}), 201).json()
        created.append((policy["addressId"], policy["ipAddress"]))
    for address_id, _ in created[::2]:
        _ok(s.delete(f"{url}/b2core/addresses/{address_id}"), 204)
    return {"created": created, "kept": created[1::2]}


def _hdp_document(client: int, cycle: int) -> dict:
    return {"dataAccess": [{"startAddress": f"10.{client}.{cycle}.1", "endAddress": f"10.{client}.{cycle}.9"}]}


def _hdp(url: str, client: int, barrier: threading.Barrier) -> dict:
    s = _session({"Authorization": basic("d2cadmin", "d2cadmin")})
    level = url + HDP_LEVELS[client]
    race = _session({"Authorization": basic("d2cadmin", "d2cadmin")}, RACE_NAMESPACE)
    barrier.wait()
    raced = race.post(url + "/api/admin/security/whitelist/tenants/3", json=_hdp_document(client, 99)).status_code
    mismatches = 0
    for cycle in range(CREATES // 2):
        first, second = _hdp_document(client, 2 * cycle), _hdp_document(client, 2 * cycle + 1)
        _ok(s.post(level, json=first), 201)
        mismatches += _ok(s.get(level), 200).json() != first
        _ok(s.put(level, json=second), 200)
        mismatches += _ok(s.get(level), 200).json() != second
        if cycle < CREATES // 2 - 1 or client % 2:
            _ok(s.delete(level), 204)
    return {"mismatches": mismatches, "raced": raced, "kept": _hdp_document(client, CREATES - 1) if client % 2 == 0 else None}


WORKERS = {"talend": _talend, "codearts": _codearts, "b2core": _b2core, "hdp": _hdp}


def test_32_concurrent_clients_lose_nothing_and_never_duplicate_an_id(tmp_path):
    state_file = tmp_path / "state.jsonl"
    options = Options(seed=5, state_file=str(state_file), config={"vendors": {"talend": {"ip_limit": 10_000}}})
    with EmulatorServer(options) as server:
        url = server.url
        admin = _session({"Authorization": "Bearer talend-admin-token"})
        _ok(admin.post(url + "/security/ip-allowlist", json={"enabled": False, "description": "concurrency", "ips": []}), 201)

        barrier = threading.Barrier(4 * CLIENTS_PER_VENDOR)
        with ThreadPoolExecutor(4 * CLIENTS_PER_VENDOR) as pool:
            futures = {(vendor, client): pool.submit(work, url, client, barrier)
                       for vendor, work in WORKERS.items() for client in range(CLIENTS_PER_VENDOR)}
            results = {key: future.result(timeout=120) for key, future in futures.items()}

        def created(vendor: str) -> list[tuple[str, str]]:
            return [item for (v, _), r in results.items() if v == vendor for item in r["created"]]

        def kept(vendor: str) -> set[tuple[str, str]]:
            return {item for (v, _), r in results.items() if v == vendor for item in r["kept"]}

        for vendor in ("talend", "codearts", "b2core"):
            ids = [entry_id for entry_id, _ in created(vendor)]
            assert len(ids) == CLIENTS_PER_VENDOR * CREATES, vendor
            duplicates = [i for i, n in Counter(ids).items() if n > 1]
            assert not duplicates, f"{vendor}: ids handed out twice: {duplicates}"

        # count through each vendor's own list operation: exactly the survivors, nothing lost, nothing resurrected
        talend = _ok(admin.get(url + "/security/ip-allowlist/ips"), 200).json()
        assert {(e["id"], e["ip"]) for e in talend} == kept("talend") and len(talend) == CLIENTS_PER_VENDOR * CREATES // 2

        codearts = _session({"X-Auth-Token": "codearts-token"})
        page = _ok(codearts.get(url + "/v4/tenant/trusted-ip-addresses", params={"limit": 100}), 200)
        assert int(page.headers["X-Total"]) == CLIENTS_PER_VENDOR * CREATES // 2
        assert {(r["id"], r["ip_start"]) for r in page.json()} == kept("codearts")

        b2 = _session({"Authorization": basic("b2core-client", "b2core-secret")})
        b2.headers["Authorization"] = "Bearer " + _ok(b2.post(url + "/b2core/tokens", json={"grant_type": "client_credentials"}), 200).json()["access_token"]
        policies = _ok(b2.get(url + "/b2core/addresses", params={"limit": 1000}), 200).json()
        assert {(p["addressId"], p["ipAddress"]) for p in policies} == kept("b2core") and len(policies) == CLIENTS_PER_VENDOR * CREATES // 2

        hdp = _session({"Authorization": basic("d2cadmin", "d2cadmin")})
        assert sum(r["mismatches"] for (v, _), r in results.items() if v == "hdp") == 0, "an HDP read did not return the client's own write"
        for client in range(CLIENTS_PER_VENDOR):
            response = hdp.get(url + HDP_LEVELS[client])
            expected = results[("hdp", client)]["kept"]
            if expected is None:
                assert response.status_code == 404, (HDP_LEVELS[client], response.text)
            else:
                assert response.status_code == 200 and response.json() == expected, (HDP_LEVELS[client], response.text)
        raced = Counter(r["raced"] for (v, _), r in results.items() if v == "hdp")
        assert raced[201] == 1 and sum(raced.values()) == CLIENTS_PER_VENDOR, f"tenant 3 created by {raced[201]} racers: {raced}"
        winner = _session({"Authorization": basic("d2cadmin", "d2cadmin")}, RACE_NAMESPACE).get(url + "/api/admin/security/whitelist/tenants/3").json()
        assert winner in [_hdp_document(client, 99) for client in range(CLIENTS_PER_VENDOR)]

        live = {name: server.call(lambda n: server.emulator.store.namespace(n).to_json(), name) for name in (NAMESPACE, RACE_NAMESPACE)}

    # every acknowledged write of the 32 clients is in the state file, in order: a fresh emulator loads the same state
    reloaded = Emulator(Options(seed=5, state_file=str(state_file), config={"vendors": {"talend": {"ip_limit": 10_000}}}))
    try:
        for name, state in live.items():
            again = reloaded.store.namespace(name).to_json()
            for vendor in ("talend", "hdp", "codearts"):
                assert again["vendors"][vendor] == state["vendors"][vendor], f"{name}/{vendor} differs after reloading the state file"
            assert again["vendors"]["b2core"]["policies"] == state["vendors"]["b2core"]["policies"], name
    finally:
        reloaded.state_file.close()
