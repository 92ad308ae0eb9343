"""``allowlist-emulator replicate``: a "live" emulator filled through the vendor APIs is copied, with GETs only, into
another emulator's namespace (by /_ns/ URL or a listener) or a state file; the replica equals the source field by
field, identities aside. A live side that fails mid-way leaves nothing loaded."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.cli import main
from allowlist_emulator.contract.readonly import WriteRefused, read_only_session
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.vendors import REGISTRY

from .rehearsal_support import (
    LIVE_CONFIG,
    SpyProxy,
    control,
    fill,
    lists,
    ns_url,
    state,
)

VENDORS = list(REGISTRY)
N = 250  # entries per list: CodeArts and (with a page of 50) B2Core read over several pages
CODEARTS_OPTIONS = ["--repository", "1001", "--repository", "2001"]


@pytest.fixture(scope="module")
def live():
    """A "production" stand-in: its own emulator, filled through the vendor APIs in namespace ``prod``."""
    with EmulatorServer(Options(config=LIVE_CONFIG, seed=7)) as server:
        url = ns_url(server.url, "prod")
        fill(url, server.emulator.base_path("b2core"), N)
        yield server, url


@pytest.fixture(autouse=True)
def small_b2core_pages(monkeypatch):
    """B2Core pages of 50 (the real 1000 would read N policies in one page); the deep test keeps 1000."""
    monkeypatch.setattr(REGISTRY["b2core"].part("replication"), "PAGE", 50)


def live_url(server, url: str, vendor: str) -> str:
    return url + server.emulator.base_path(vendor)


def vendor_options(vendor: str) -> list[str]:
    return CODEARTS_OPTIONS if vendor == "codearts" else []


def replicate(*args: str) -> int:
    return main(["replicate", *args])


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_replica_equals_the_source_through_a_namespace_url(live, server, vendor, capsys):
    live_server, url = live
    target = ns_url(server.url, f"replica-{uuid.uuid4().hex[:8]}")
    code = replicate(vendor, "--url", live_url(live_server, url, vendor), *vendor_options(vendor), "--into", target)
    out, err = capsys.readouterr()
    assert code == 0, err
    source, replica = state(url)["vendors"][vendor], state(target)["vendors"][vendor]
    assert lists(replica, vendor) == lists(source, vendor)
    assert "loaded into" in out and target in out, out
    if vendor == "codearts":
        assert re.search(r"tenant rules +250\n", out) and re.search(r"repository 2001 rules +25\n", out), out
        assert replica["tenant"][0]["created_at"] == source["tenant"][0]["created_at"]
    if vendor == "b2core":
        assert re.search(r"policies +250\n", out) and any(p["ttl"] == 60 for p in replica["policies"])
    live_now = control(url, "GET", "/clock")["now"]  # B2Core's expiry is judged on each side's own clock
    control(target, "POST", "/clock", {"freeze": True})
    control(target, "POST", "/clock", {"set": live_now})
    assert main(["diff", url, target, "--vendor", vendor]) == 0, capsys.readouterr().out


def test_identities_stay_the_replicas(live, server, capsys):
    """No live credential is copied: HDP's unknown user arrives without permissions or a known password; tokens,
    clients and keys are the replica's."""
    live_server, url = live
    target = ns_url(server.url, f"replica-{uuid.uuid4().hex[:8]}")
    before = state(target)["vendors"]
    for vendor in VENDORS:
        assert replicate(vendor, "--url", live_url(live_server, url, vendor), *vendor_options(vendor), "--into", target) == 0
    capsys.readouterr()
    after = state(target)["vendors"]
    users = {user["name"]: user for user in after["hdp"]["users"]}
    assert users["d2cadmin"] == next(u for u in before["hdp"]["users"] if u["name"] == "d2cadmin")
    assert users["ops"]["permissions"] == [] and users["ops"]["password"] != "ops-secret"
    assert {"id": 4, "name": "OrgC"} in after["hdp"]["tenants"]
    assert after["b2core"]["tokens"] == before["b2core"]["tokens"]
    assert "ops-secret" not in str(after)
    # the replica's own identities still work against the copied lists
    response = requests.get(f"{target}/api/admin/security/whitelist/users", auth=("d2cadmin", "d2cadmin"), timeout=10)
    assert {row["name"] for row in response.json()["appliedWhiteLists"]} == {"user1", "ops"}


@pytest.mark.parametrize("vendor", VENDORS)
def test_through_a_listener_url(live, server, vendor, capsys):
    """Into a namespace listener's URL (the port is the namespace), from the live side's listener too."""
    live_server, url = live
    name = f"replica-{uuid.uuid4().hex[:8]}"
    port = requests.post(f"{server.url}/_emulator/listeners", headers={"X-Emulator-Namespace": name}, timeout=10).json()["port"]
    live_port = requests.post(f"{url}/_emulator/listeners", timeout=10).json()["port"]
    try:
        source = f"http://127.0.0.1:{live_port}" + live_server.emulator.base_path(vendor)
        code = replicate(vendor, "--url", source, *vendor_options(vendor), "--into", f"http://127.0.0.1:{port}")
        assert code == 0, capsys.readouterr().err
        assert lists(state(ns_url(server.url, name))["vendors"][vendor], vendor) == lists(state(url)["vendors"][vendor], vendor)
    finally:
        requests.delete(f"{server.url}/_emulator/listeners", headers={"X-Emulator-Namespace": name}, timeout=10)


def test_into_a_state_file(live, tmp_path, capsys):
    live_server, url = live
    path = tmp_path / "replica.db"
    for vendor in ("talend", "codearts"):
        assert replicate(vendor, "--url", live_url(live_server, url, vendor), *vendor_options(vendor),
                         "--state-file", str(path), "--namespace", "rehearsal") == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert f"{path} (namespace 'rehearsal')" in out
    assert replicate("talend", "--url", url, "--state-file", str(path), "--namespace", "rehearsal", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"policy": 1, "entries": 251} and report["methods"] == ["GET"] and report["requests"] == 1
    assert main(["diff", url, f"{path}#rehearsal", "--vendor", "talend", "--vendor", "codearts"]) == 0, capsys.readouterr().out
    with EmulatorServer(Options(state_file=str(path))) as served:  # the file serves as it was copied
        replica = state(ns_url(served.url, "rehearsal"))["vendors"]
        assert lists(replica["talend"], "talend") == lists(state(url)["vendors"]["talend"], "talend")


# -- failures: nothing loaded, exit 1 -----------------------------------------------------------------------------------

def _tenant_page(n: int, method: str, path: str) -> bool:
    return "/v4/tenant/trusted-ip-addresses" in path


FAULTS = {
    "page 3 fails": lambda n, method, path: "500" if n == 3 else None,
    "500 once": lambda n, method, path: "500" if n == 1 else None,
    "dropped connection": lambda n, method, path: "drop" if n == 2 else None,
    "X-Total lies on page 2": lambda n, method, path: ("total", 999) if n == 2 else None,
    "X-Total lies throughout": lambda n, method, path: ("total", 251),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failure_mid_way_loads_nothing(live, server, fault, tmp_path, capsys):
    """CodeArts' tenant list is 250 rules: pages of 20, 100, 100, 30; the fault hits one of them."""
    target = ns_url(server.url, f"replica-{uuid.uuid4().hex[:8]}")
    before = state(target)
    path = tmp_path / "replica.db"
    for into in (["--into", target], ["--state-file", str(path)]):
        with SpyProxy(live[0].url, FAULTS[fault]) as proxy:
            assert replicate("codearts", "--url", proxy.url + "/_ns/prod", *into) == 1
        err = capsys.readouterr().err
        assert "nothing was loaded" in err and WHY[fault] in err, err
        assert {method for method, _ in proxy.seen} == {"GET"}
    assert state(target)["vendors"] == before["vendors"]
    assert not path.exists()


WHY = {
    "page 3 fails": "answered 500",
    "500 once": "answered 500",
    "dropped connection": "connection failed or dropped",
    "X-Total lies on page 2": "X-Total says 999, an earlier page said 250",
    "X-Total lies throughout": "an empty page at offset 250, but X-Total says 251",
}


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_spy_on_the_live_side_sees_only_gets(live, server, vendor, capsys):
    live_server, _ = live
    target = ns_url(server.url, f"replica-{uuid.uuid4().hex[:8]}")
    with SpyProxy(live_server.url) as proxy:
        url = proxy.url + "/_ns/prod" + live_server.emulator.base_path(vendor)
        assert replicate(vendor, "--url", url, *vendor_options(vendor), "--into", target) == 0, capsys.readouterr().err
    methods = {(method, path.split("?")[0]) for method, path in proxy.seen if method != "GET"}
    # B2Core's one exception: the client-credentials exchange for a bearer token
    assert methods == ({("POST", "/_ns/prod" + live_server.emulator.base_path("b2core") + "/tokens")} if vendor == "b2core" else set())
    assert len(proxy.seen) >= (4 if vendor in ("codearts", "b2core") else 1)


def test_the_read_only_transport_refuses_writes_whatever_the_code_path(live):
    live_server, _ = live
    with SpyProxy(live_server.url) as proxy:
        session = read_only_session([("POST", "/tokens")])
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            with pytest.raises(WriteRefused):
                session.request(method, proxy.url + "/_ns/prod/security/ip-allowlist", json={"enabled": False})
        with pytest.raises(WriteRefused):
            session.post(proxy.url + "/_ns/prod/tokens/x")  # only the declared path
        session.get(proxy.url + "/_ns/prod/security/ip-allowlist", headers={"Authorization": "Bearer talend-admin-token"})
    assert [method for method, _ in proxy.seen] == ["GET"]


def test_usage_errors(capsys):
    assert replicate("talend", "--url", "ftp://x", "--into", "http://127.0.0.1:1") == 2
    assert replicate("talend", "--url", "http://x", "--ak", "a", "--sk", "b", "--into", "http://127.0.0.1:1") == 2
    assert replicate("talend", "--url", "http://x", "--repository", "1", "--into", "http://127.0.0.1:1") == 2
    assert replicate("codearts", "--url", "http://x", "--repository", "abc", "--into", "http://127.0.0.1:1") == 2
    assert replicate("talend", "--url", "http://x") == 2  # --into or --state-file
    assert replicate("talend", "--url", "http://x", "--into", "http://h/_ns/a", "--namespace", "b") == 2
    assert replicate("talend", "--url", "http://x", "--state-file", "/nonexistent-folder/s.db") == 2
    assert replicate("talend", "--url", "http://x", "--into", "http://h", "--request-timeout", "-1") == 2
    err = capsys.readouterr().err
    assert "do(es) not apply to talend" in err and "name different namespaces" in err


def test_an_unreachable_target_loads_nothing(live, capsys):
    _, url = live
    assert replicate("talend", "--url", url, "--into", "http://127.0.0.1:9/_ns/x") == 1
    assert "cannot reach the emulator" in capsys.readouterr().err


@pytest.fixture(scope="module")
def big_live():
    """2,500 entries per list, filled through the vendor APIs once for the deep tests."""
    with EmulatorServer(Options(config=LIVE_CONFIG, seed=11)) as server:
        url = ns_url(server.url, "prod")
        fill(url, server.emulator.base_path("b2core"), 2500)
        yield server, url


@pytest.mark.deep
@pytest.mark.parametrize("vendor", VENDORS)
def test_thousands_of_entries_replicate_exactly(big_live, server, vendor, monkeypatch, capsys):
    monkeypatch.setattr(REGISTRY["b2core"].part("replication"), "PAGE", 1000)  # the vendor's own page size
    live_server, url = big_live
    target = ns_url(server.url, f"replica-{uuid.uuid4().hex[:8]}")
    assert replicate(vendor, "--url", live_url(live_server, url, vendor), *vendor_options(vendor), "--into", target) == 0
    assert lists(state(target)["vendors"][vendor], vendor) == lists(state(url)["vendors"][vendor], vendor)


# -- from a replay server of the shipped cassettes -------------------------------------------------------------------
# Each replicate run in one replay namespace gets the next recorded answer to its GET, so running it once per recorded
# answer follows the cassette's story (no list, created, changed, ...). HDP is not among them: its cassettes hold no
# GET .../whitelist/users, which replicate needs (every user whitelist the caller can see).
REPLAYED = {"talend": ("policy.yaml", "/security/ip-allowlist"),
            "codearts": ("tenant_whitelist.yaml", "/v4/tenant/trusted-ip-addresses"),
            "b2core": ("addresses.yaml", "/addresses")}


def _recorded_gets(path, list_path: str) -> list:
    from urllib.parse import urlsplit

    from allowlist_emulator.recording import cassette as cas

    return [item for item in cas.load(path)
            if item.method == "GET" and urlsplit(item.uri).path.endswith(list_path) and not urlsplit(item.uri).query]


@pytest.mark.parametrize("vendor", list(REPLAYED))
def test_from_a_replay_of_the_shipped_cassettes(server, vendor, capsys):
    from pathlib import Path

    from allowlist_emulator.recording.replay import Replayer

    name, list_path = REPLAYED[vendor]
    cassette = Path(__file__).resolve().parents[1] / "fixtures" / vendor / name
    answers = _recorded_gets(cassette, list_path)
    assert len(answers) >= 2
    target = ns_url(server.url, f"replica-{uuid.uuid4().hex[:8]}")
    with EmulatorServer(app=Replayer.from_files([cassette], stream=__import__("io").StringIO()).app()) as replay:
        copied_something = False
        for answer in answers:
            code = replicate(vendor, "--url", f"{replay.url}/_ns/replicate", "--into", target)
            assert code == 0, capsys.readouterr().err
            replica = state(target)["vendors"][vendor]
            body = json.loads(answer.response_body) if answer.status == 200 else None
            if vendor == "talend":
                expected = None if body is None else [(e["id"], e["ip"], e.get("description", "")) for e in body["ips"]]
                got = None if replica["policy"] is None else [(e["id"], e["ip"], e["description"]) for e in replica["policy"]["ips"]]
            elif vendor == "codearts":
                expected = [(int(e["id"]), e["ip_start"], e["remark"]) for e in body]
                got = [(e["id"], e["ip_start"], e["remark"]) for e in replica["tenant"]]
            else:
                expected = [(e["addressId"], e["ipAddress"], e["ttl"]) for e in body]
                got = [(e["addressId"], e["ipAddress"], e["ttl"]) for e in replica["policies"]]
            assert got == expected
            copied_something = copied_something or bool(got)
        assert copied_something
    capsys.readouterr()


def test_a_state_above_the_request_body_limit_loads(server):
    """replicate loads whole lists through PUT /_emulator/state: its bound is the state's (64 MiB), not the 1 MiB of a
    vendor request body."""
    target = ns_url(server.url, f"big-{uuid.uuid4().hex[:8]}")
    ips = [{"ip": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", "description": "x" * 60} for i in range(20_000)]
    body = {"vendors": {"talend": {"policy": {"enabled": False, "description": "", "ips": ips}}}}
    response = requests.put(f"{target}/_emulator/state", json=body, timeout=60)
    assert response.status_code == 200, response.text[:300]
    assert len(response.request.body) > 1024 * 1024
    vendor_body = requests.put(f"{target}/security/ip-allowlist", json=body["vendors"]["talend"]["policy"],
                               headers={"Authorization": "Bearer talend-admin-token"}, timeout=60)
    assert vendor_body.status_code == 413


def test_hdp_copies_what_the_caller_can_see(live, server, capsys):
    """orgadmin manages tenant 2's whitelists only and may not read configurations: the replica gets the system list,
    tenant 2 and its users' lists, keeps its own configurations, and says so."""
    _, url = live
    target = ns_url(server.url, f"replica-{uuid.uuid4().hex[:8]}")
    assert replicate("hdp", "--url", url, "--user", "orgadmin", "--password", "orgadmin", "--into", target) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "note: configurations not read (403" in out, out
    copied = state(target)["vendors"]["hdp"]
    source = state(url)["vendors"]["hdp"]
    assert copied["whitelists"]["system"] == source["whitelists"]["system"]
    assert list(copied["whitelists"]["tenants"]) == ["2"] and copied["whitelists"]["tenants"]["2"] == source["whitelists"]["tenants"]["2"]
    assert copied["filtering"] == "true" and source["filtering"] == "false"  # the replica's own configuration 8


def test_a_state_file_takes_its_identities_from_the_serve_config(live, tmp_path, capsys):
    _, url = live
    config = tmp_path / "config.json"
    config.write_text('{"vendors": {"hdp": {"users": [{"id": 9, "name": "ci", "password": "ci-pass", "tenant": 1, "permissions": [12]}]}}}')
    path = tmp_path / "replica.db"
    assert replicate("hdp", "--url", url, "--state-file", str(path), "--config", str(config)) == 0, capsys.readouterr().err
    with EmulatorServer(Options(state_file=str(path))) as served:
        response = requests.get(f"{served.url}/api/admin/security/whitelist/system", auth=("ci", "ci-pass"), timeout=10)
        assert response.status_code == 200 and response.json() == state(url)["vendors"]["hdp"]["whitelists"]["system"]
    assert replicate("hdp", "--url", url, "--into", "http://127.0.0.1:1", "--config", str(config)) == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_codearts_times_read_back_exactly(seed):
    """What CodeArts shows (``Aug 21, 2023 10:27:09 PM``, UTC, to the second) reads back to the instant it shows,
    midnight and noon included; anything else is refused."""
    import random
    from datetime import datetime, timedelta, timezone

    from allowlist_emulator.vendors.codearts.models import format_time
    from allowlist_emulator.vendors.codearts.replicate import _iso

    rng = random.Random(seed)
    start = datetime(1970, 1, 1, tzinfo=timezone.utc)
    instants = [start + timedelta(seconds=rng.randrange(4_000_000_000)) for _ in range(2000)]
    instants += [datetime(2024, 2, 29, h, 0, 0, tzinfo=timezone.utc) for h in (0, 11, 12, 23)]
    for when in instants:
        assert _iso(format_time(when)) == when.isoformat()
    for bad in ("Foo 1, 2020 1:00:00 AM", "Aug 1, 2020 13:00:00 PM", "Feb 30, 2021 1:00:00 AM", "2021-01-01T00:00:00Z"):
        with pytest.raises(ValueError):
            _iso(bad)


@pytest.mark.parametrize("vendor, how", [(vendor, ("500", "drop")[i % 2]) for i, vendor in enumerate(VENDORS)])
def test_any_vendor_failing_on_its_last_read_loads_nothing(live, server, vendor, how, capsys):
    """Everything read but the last answer (an error, or the connection dropped): still nothing loaded, whatever the
    vendor."""
    live_server, _ = live
    target = ns_url(server.url, f"replica-{uuid.uuid4().hex[:8]}")
    path = "/_ns/prod" + live_server.emulator.base_path(vendor)
    with SpyProxy(live_server.url) as clean:
        assert replicate(vendor, "--url", clean.url + path, *vendor_options(vendor), "--into", target) == 0
    last = len(clean.seen)
    reset = ns_url(server.url, f"replica-{uuid.uuid4().hex[:8]}")
    before = state(reset)["vendors"]
    with SpyProxy(live_server.url, lambda n, method, p: how if n == last else None) as proxy:
        assert replicate(vendor, "--url", proxy.url + path, *vendor_options(vendor), "--into", reset) == 1
    assert "nothing was loaded" in capsys.readouterr().err
    assert state(reset)["vendors"] == before


def test_hdp_merge_keeps_the_replicas_identities():
    """Unit: the replica's users stay as they are; a live user it lacks gets no permissions, an unknown password and
    a free id; a live tenant name wins."""
    from allowlist_emulator.vendors.hdp.replicate import merge

    current = {"tenants": [{"id": 1, "name": "SystemTenant"}, {"id": 2, "name": "OrgA"}],
               "users": [{"id": 7, "name": "admin", "password": "pw", "tenant": 1, "permissions": [12], "administers": []}],
               "filtering": "true", "configurations": {"1": None}}
    copied = {"system": {"webUI": []}, "tenants": {2: {"name": "Org A (live)", "document": {}}},
              "users": {"admin": {"id": 1, "document": {}}, "ops": {"id": 7, "document": {"managementAPI": []}}},
              "configurations": {8: "false", 1: "#"}}
    merged = merge(copied, current)
    assert merged["users"][0] == current["users"][0]
    ops = merged["users"][1]
    assert ops["name"] == "ops" and ops["id"] == 8 and ops["permissions"] == [] and len(ops["password"]) >= 24
    assert {"id": 2, "name": "Org A (live)"} in merged["tenants"]
    assert merged["filtering"] == "false" and merged["configurations"] == {"1": "#"}
    assert merged["whitelists"] == {"system": {"webUI": []}, "tenants": {"2": {}},
                                    "users": {"admin": {}, "ops": {"managementAPI": []}}}
