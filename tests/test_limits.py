"""Bounded memory and exposure: the journal and each namespace have configurable limits with clear errors, 10,000
namespaces fit in a bounded amount of memory, and serving beyond loopback warns in the banner and guards /_emulator.

Where each vendor's data is bounded, per namespace:
  talend   ip_limit (config, default 100): one more entry → 402 (tests/test_talend_config.py)
  hdp      one whitelist document per level (system, each tenant, each user: fixed by config), each at most a 1 MiB
           body (413 beyond); so no separate count is needed
  codearts max_entries rules per list (config, default 100,000) → 400 CH.010001 (below)
  b2core   max_entries policies (config, default 100,000) → 400 EMULATOR_LIMIT (below); bearer tokens at most 10,000
           (the oldest forgotten)
and the number of namespaces by max_namespaces (default 10,000) → 503 (tests/test_engine.py).
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
import tracemalloc

import pytest
import requests

from allowlist_emulator.app import Emulator, Options
from allowlist_emulator.engine.errors import ApiError
from allowlist_emulator.engine.journal import BODY_KEPT, Journal
from allowlist_emulator.server import EmulatorServer

from .reliability_support import VENDORS, error_shape
from .support import VendorClient, free_port

NAMESPACES = 10_000
NAMESPACE_BUDGET = 150 * 1024 * 1024  # bytes; see test_10000_namespaces_fit_in_bounded_memory


# -- the journal --------------------------------------------------------------------------------------------------------


def test_the_journal_keeps_the_last_journal_limit_requests():
    with EmulatorServer(Options(journal_limit=25, seed=1)) as server:
        session = requests.Session()
        session.headers.update({"X-Emulator-Namespace": "journal", "Authorization": "Bearer talend-admin-token"})
        big = b'{"description": "' + b"x" * 200_000 + b'"}'
        for _i in range(40):
            session.post(server.url + "/security/ip-allowlist", data=big, headers={"Content-Type": "application/json"})
        journal = session.get(server.url + "/_emulator/requests").json()
        assert journal["limit"] == 25 and journal["count"] == 25
        seqs = [entry["seq"] for entry in journal["requests"]]
        assert seqs == sorted(seqs) and len(set(seqs)) == 25  # the last 25, in order
        assert all(len(entry["body"]) <= BODY_KEPT for entry in journal["requests"])
    assert Emulator(Options(config={"journal_limit": 7})).journal.limit == 7  # --config journal_limit


def test_the_journal_does_not_hold_whole_bodies():
    """10,000 entries of 1 MiB bodies would be 10 GB; each keeps its first 4 KiB, all that GET /_emulator/requests shows."""
    journal = Journal(limit=200)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _i in range(400):
            body = os.urandom(256 * 1024)  # a distinct object each time, freed unless the journal keeps it
            journal.record("ns", "talend", "addIps", "POST", "/x", "", 400, 1.0, "127.0.0.1", body)
            del body
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert len(list(journal.select("ns"))) == 200
    assert held < 200 * (BODY_KEPT + 2048), f"the journal holds {held / 1e6:.1f} MB for 200 entries"


# -- namespaces -----------------------------------------------------------------------------------------------------------


def test_10000_namespaces_fit_in_bounded_memory():
    """10,000 namespaces, each touching one vendor (2,500 each), measured with tracemalloc.

    The budget, 150 MB, is 15 KB per namespace: a seeded model is a few KB (HDP's default tenants and users, CodeArts'
    identities and two repositories, B2Core's client and id counters, Talend's settings), plus the Namespace, its
    Clock and a random.Random (~2.5 KB of Mersenne Twister state) per vendor touched. Measured: see the report line.
    """
    emulator = Emulator(Options(seed=3, max_namespaces=NAMESPACES))
    store = emulator.store
    store.drop_all()  # start-up seeded the default namespace (to check the config)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        for i in range(NAMESPACES):
            store.namespace(f"ns-{i}").model(VENDORS[i % 4])
        elapsed = time.perf_counter() - started
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    print(f"\n10,000 namespaces (one vendor each): {used / 1e6:.1f} MB, {used / NAMESPACES / 1e3:.1f} KB each, {elapsed:.1f} s")
    assert len(store.names()) == NAMESPACES
    assert used < NAMESPACE_BUDGET, f"{used / 1e6:.1f} MB for {NAMESPACES} namespaces"
    with pytest.raises(ApiError) as refused:  # the limit: a clear error (503 over HTTP, in tests/test_engine.py)
        store.namespace("one-too-many")
    assert refused.value.status == 503 and "max_namespaces" in refused.value.message
    store.drop_all()
    assert store.namespace("one-too-many").name == "one-too-many"


# -- entries per namespace --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    config = {"vendors": {"codearts": {"max_entries": 3}, "b2core": {"max_entries": 3}}}
    with EmulatorServer(Options(seed=9, config=config)) as running:
        yield running


def test_codearts_max_entries_per_list(small):
    api = VendorClient("codearts", small.url, headers={"X-Auth-Token": "codearts-token"})
    ids = [api.post("/v4/tenant/trusted-ip-addresses", json={"ip_start": f"10.0.0.{i}"}).json()["id"] for i in range(3)]
    refused = api.post("/v4/tenant/trusted-ip-addresses", json={"ip_start": "10.0.0.9"})
    assert refused.status_code == 400
    assert error_shape("codearts", refused)["error_msg"] == (
        "Invalid parameter: the tenant list already holds 3 rules, the emulator's limit (max_entries in --config)")
    assert api.get("/v4/tenant/trusted-ip-addresses").headers["X-Total"] == "3"  # nothing stored
    # each list has its own limit
    assert api.post("/v4/projects/1001/trusted-ip-addresses", json={"ip_start": "10.0.0.9"}).status_code == 200
    api.delete(f"/v4/tenant/trusted-ip-addresses/{ids[0]}")
    assert api.post("/v4/tenant/trusted-ip-addresses", json={"ip_start": "10.0.0.9"}).status_code == 200


def test_b2core_max_entries_per_namespace(small):
    api = VendorClient("b2core", small.url, "/b2core")
    token = api.post("/tokens", auth=("b2core-client", "b2core-secret"), json={"grant_type": "client_credentials"}).json()
    api.session.headers["Authorization"] = f"Bearer {token['access_token']}"
    ids = [api.post("/addresses", json={"ipAddress": f"10.0.0.{i}", "policy": "allow"}).json()["addressId"] for i in range(3)]
    refused = api.post("/addresses", json={"ipAddress": "10.0.0.9", "policy": "deny"})
    assert refused.status_code == 400
    body = error_shape("b2core", refused)
    assert body["code"] == "EMULATOR_LIMIT" and "max_entries" in body["message"] and "3 policies" in body["message"]
    assert len(api.get("/addresses").json()) == 3  # nothing stored
    api.delete(f"/addresses/{ids[0]}")
    assert api.post("/addresses", json={"ipAddress": "10.0.0.9", "policy": "deny"}).status_code == 201


@pytest.mark.parametrize("vendor", ["codearts", "b2core"])
@pytest.mark.parametrize("bad", [0, -1, "many", True])
def test_a_bad_max_entries_stops_start_up_with_the_key_named(vendor, bad):
    with pytest.raises(ValueError, match="max_entries"):
        Emulator(Options(config={"vendors": {vendor: {"max_entries": bad}}}))


# -- exposure -------------------------------------------------------------------------------------------------------------



def test_serving_beyond_loopback_warns_in_the_banner_and_guards_the_control_plane():
    """``serve --host 0.0.0.0 --admin-token t``: the banner warns; traffic is sent to 127.0.0.1 only."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "allowlist_emulator.cli", "serve", "--host", "0.0.0.0", "--port", str(port), "--admin-token", "t",
         "--vendor", "hdp"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines: list[str] = []
        deadline = time.time() + 30
        while time.time() < deadline and not any("WARNING" in line for line in lines):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        banner = "".join(lines)
        assert "WARNING" in banner and "beyond loopback" in banner and "X-Emulator-Admin-Token" in banner, banner
        local = f"http://127.0.0.1:{port}/_emulator/health"
        assert requests.get(local, timeout=10).status_code == 401
        assert requests.get(local, headers={"X-Emulator-Admin-Token": "wrong"}, timeout=10).status_code == 401
        assert requests.get(local, headers={"X-Emulator-Admin-Token": "t"}, timeout=10).status_code == 200
        # vendor routes keep their own credentials; the admin token is for /_emulator only
        assert requests.get(f"http://127.0.0.1:{port}/api/admin/configurations/8", auth=("d2cadmin", "d2cadmin"), timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)


def test_loopback_is_the_default_host():
    from allowlist_emulator.cli import parser

    assert parser().parse_args(["serve"]).host == "127.0.0.1"
