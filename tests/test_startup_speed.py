"""Start-up with a large --state-file: a file only the emulator wrote is read without re-validating each entry (the
``validated`` marker its triggers keep), and reads back exactly what validation would build; anything else is
validated entry by entry and refused cleanly. bench/startup_cost.py measures the time."""

from __future__ import annotations

import ipaddress
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from allowlist_emulator.addresses import known_block, parse_address_or_cidr, parse_block
from allowlist_emulator.app import Emulator, Options
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.state.persistence import VALIDATED, StateFileError

from .support import need_tool

B2CORE_POLICIES = ["10.0.0.0/8", "10.6.6.6", "2001:db8::/32", "2001:db8::7", "::ffff:192.0.2.9", "192.0.2.0/24"]
TALEND_IPS = ["203.0.113.10", "198.51.100.0/24", "2001:db8:1::/48", "2001:db8:2::5", "::ffff:203.0.113.77"]
CODEARTS_RULES = [
    {"ip_type": 0, "ip_start": "10.9.8.7"},
    {"ip_type": 0, "ip_start": "2001:db8::9"},
    {"ip_type": 1, "ip_start": "10.1.0.1", "ip_end": "10.1.0.200"},
    {"ip_type": 1, "ip_start": "2001:db8::1", "ip_end": "2001:db8::ff"},
    {"ip_type": 2, "ip_start": "172.16.0.0/12"},
    {"ip_type": 2, "ip_start": "192.168.4.0", "ip_end": "192.168.4.255"},
]
HDP_SYSTEM = {"managementAPI": [{"startAddress": "10.20.30.0", "endAddress": "10.20.30.10"}],
              "dataAccess": [{"startAddress": "2001:db8::1"}, {"startAddress": "::ffff:10.1.1.1", "endAddress": "::ffff:10.1.1.9"}]}


def _b2core_headers(url: str, namespace: str = "default") -> dict:
    namespaced = {"X-Emulator-Namespace": namespace}
    token = requests.post(url + "/b2core/tokens", auth=("b2core-client", "b2core-secret"), headers=namespaced,
                          json={"grant_type": "client_credentials"}, timeout=10).json()["access_token"]
    return {"Authorization": f"Bearer {token}", **namespaced}


def write_everything(path: Path) -> None:
    """A state file written through the vendors' APIs: every address form each vendor takes."""
    with EmulatorServer(Options(state_file=str(path), seed=5)) as server:
        url = server.url
        headers = _b2core_headers(url)
        for i, ip in enumerate(B2CORE_POLICIES):
            body = {"ipAddress": ip, "policy": "deny" if i % 3 == 1 else "allow", "ttl": 0 if i % 2 else 3600}
            assert requests.post(url + "/b2core/addresses", json=body, headers=headers, timeout=10).status_code == 201
        talend = {"Authorization": "Bearer talend-admin-token"}
        answer = requests.post(url + "/security/ip-allowlist", headers=talend, timeout=10, json={
            "enabled": True, "description": "office", "ips": [{"ip": ip, "description": f"entry {i}"} for i, ip in enumerate(TALEND_IPS)]})
        assert answer.status_code in (200, 201), answer.text
        codearts = {"X-Auth-Token": "codearts-token"}
        for i, rule in enumerate(CODEARTS_RULES):
            body = {**rule, "view_flag": i % 2, "download_flag": 1, "upload_flag": (i + 1) % 2, "remark": f"rule {i}"}
            for where in ("/v4/tenant/trusted-ip-addresses", "/v4/projects/1001/trusted-ip-addresses"):
                answer = requests.post(url + where, json=body, headers=codearts, timeout=10)
                assert answer.status_code == 200, answer.text
        hdp = ("d2cadmin", "d2cadmin")
        assert requests.post(url + "/api/admin/security/whitelist/system", json=HDP_SYSTEM, auth=hdp, timeout=10).status_code in (200, 201)
        assert requests.post(url + "/api/admin/security/whitelist/tenants/2", auth=hdp, timeout=10,
                             json={"adminAPI": [{"startAddress": "192.0.2.1", "endAddress": "192.0.2.50"}]}).status_code in (200, 201)
        for name in ("second", "third"):  # more namespaces than the default
            assert requests.post(url + "/b2core/addresses", json={"ipAddress": f"10.{len(name)}.0.1", "policy": "allow"},
                                 headers=_b2core_headers(url, name), timeout=10).status_code == 201


def marker(path: Path) -> str | None:
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (VALIDATED,)).fetchone()
    return row[0] if row else None


def edit(path: Path, *statements: str) -> None:
    """What a user does with the sqlite3 shell: another connection, our triggers firing."""
    db = sqlite3.connect(path)
    try:
        for statement in statements:
            db.execute(statement)
        db.commit()
    finally:
        db.close()


def load(path: Path) -> tuple[dict, dict]:
    """Start on the file: every namespace's state, and what each model built from the addresses (blocks, spans)."""
    emulator = Emulator(Options(state_file=str(path), seed=5))
    try:
        states = {name: emulator.store.namespace(name).to_json() for name in emulator.store.names()}
        for state in states.values():
            del state["clock"]["now"]  # real time passes between two loads
        built = {}
        for name in emulator.store.names():
            namespace = emulator.store.namespace(name)
            b2core, talend, codearts = (namespace.model(key) for key in ("b2core", "talend", "codearts"))
            built[name] = {
                "b2core": [(p.id, p.block) for p in b2core.policies.values()],
                "b2core_ordered": b2core.ordered,
                "talend": [(e.id, e.block) for e in talend.policy.entries.values()] if talend.policy else None,
                "codearts": [(r.id, r.span, r.ip_range) for wl in [codearts.tenant, *codearts.repositories.values()]
                             for r in wl.rules.values()],
                "codearts_next": codearts.next_id,
            }
        return states, built
    finally:
        emulator.state_file.close()


# -- the fast path reads back exactly what validation builds ---------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_known_block_reads_every_form_as_the_validating_parsers_do(seed):
    rng = random.Random(seed)
    for _ in range(3000):
        kind = rng.randrange(6)
        if kind == 0:
            text = str(ipaddress.IPv4Address(rng.getrandbits(32)))
        elif kind == 1:
            prefix = rng.randrange(33)
            text = f"{ipaddress.IPv4Address(rng.getrandbits(32) >> (32 - prefix) << (32 - prefix) if prefix else 0)}/{prefix}"
        elif kind == 2:
            text = str(ipaddress.IPv6Address(rng.getrandbits(128)))
        elif kind == 3:
            text = f"::ffff:{ipaddress.IPv4Address(rng.getrandbits(32))}"
        elif kind == 4:
            prefix = rng.randrange(96, 129)
            value = (0xFFFF << 32 | rng.getrandbits(32)) >> (128 - prefix) << (128 - prefix)
            text = f"{ipaddress.IPv6Address(value)}/{prefix}"
        else:
            prefix = rng.randrange(129)
            text = f"{ipaddress.IPv6Address(rng.getrandbits(128) >> (128 - prefix) << (128 - prefix) if prefix else 0)}/{prefix}"
        assert known_block(text) == parse_address_or_cidr(text), text
        if "/" not in text:
            for mapped in (True, False):
                assert known_block(text, mapped) == parse_block(text, mapped), (text, mapped)


def test_a_trusted_load_builds_what_a_validated_load_builds(tmp_path):
    path = tmp_path / "state.db"
    write_everything(path)
    assert marker(path) == "1"  # only the emulator wrote it
    trusted = load(path)
    edit(path, f"UPDATE meta SET value = '0' WHERE key = '{VALIDATED}'")  # as after an outside edit
    validated = load(path)
    assert trusted == validated
    assert marker(path) == "1"  # validated at start-up: trusted again from here on
    assert len(trusted[0]) == 3 and len(trusted[1]["default"]["codearts"]) == 2 * len(CODEARTS_RULES)


def test_a_trusted_file_is_read_without_the_vendors_validation_and_an_untrusted_one_with_it(tmp_path, monkeypatch):
    path = tmp_path / "state.db"
    write_everything(path)
    expected = load(path)

    def refuse(*args, **kwargs):
        raise AssertionError("validated an entry of a trusted file")

    from allowlist_emulator.vendors.b2core import models as b2core
    from allowlist_emulator.vendors.codearts import models as codearts
    from allowlist_emulator.vendors.hdp import models as hdp
    from allowlist_emulator.vendors.talend import models as talend

    with monkeypatch.context() as patched:
        for module, name in ((b2core, "check_ip"), (talend, "parse_ip"), (codearts, "parse_rule_address"), (hdp, "check_document")):
            patched.setattr(module, name, refuse)
        assert load(path) == expected
        edit(path, f"UPDATE meta SET value = '0' WHERE key = '{VALIDATED}'")
        with pytest.raises(AssertionError, match="validated an entry"):
            load(path)


# -- what the emulator did not write is checked ----------------------------------------------------------------------------
def test_an_outside_edit_clears_the_marker_and_a_bad_entry_is_refused_naming_it(tmp_path):
    path = tmp_path / "state.db"
    write_everything(path)
    edit(path, "UPDATE entries SET value = json_set(value, '$.ipAddress', '10.0.0.300') "
               "WHERE vendor = 'b2core' AND namespace = 'default' AND seq = 1")
    assert marker(path) == "0"
    before = path.read_bytes()
    with pytest.raises(StateFileError, match=r"namespace 'default': vendors\.b2core: ipAddress: must be an IPv4"):
        Emulator(Options(state_file=str(path)))
    assert path.read_bytes() == before  # refused, left as it was


def test_a_valid_outside_edit_is_accepted_after_validation(tmp_path):
    path = tmp_path / "state.db"
    write_everything(path)
    edit(path, "UPDATE entries SET value = json_set(value, '$.description', 'edited by hand') "
               "WHERE vendor = 'talend' AND seq = 0")
    assert marker(path) == "0"
    states, _ = load(path)
    assert states["default"]["vendors"]["talend"]["policy"]["ips"][0]["description"] == "edited by hand"
    assert marker(path) == "1"


def test_a_dropped_trigger_means_validation_even_with_the_marker_set(tmp_path):
    path = tmp_path / "state.db"
    write_everything(path)
    edit(path, "DROP TRIGGER edited_entries_update",
         "UPDATE entries SET value = json_set(value, '$.ip_start', 'not-an-address') WHERE vendor = 'codearts' AND seq = 0")
    assert marker(path) == "1"  # the edit went unnoticed by the file ...
    with pytest.raises(StateFileError, match=r"vendors\.codearts"):  # ... but not by start-up
        Emulator(Options(state_file=str(path)))


@pytest.mark.parametrize("damage, message", [
    ("UPDATE entries SET value = '{\"addressId\": ' WHERE vendor = 'b2core' AND seq = 0", "not JSON"),
    ("UPDATE entries SET value = '1, 2' WHERE vendor = 'b2core' AND seq = 0", "not one JSON value"),
    ("UPDATE entries SET value = json_set(value, '$.ipAddress', 'nonsense') WHERE vendor = 'b2core' AND seq = 0", "vendors.b2core"),
    ("UPDATE entries SET value = json_remove(value, '$.ip') WHERE vendor = 'talend' AND seq = 0", "vendors.talend"),
])
def test_a_marked_file_that_does_not_read_back_is_refused_cleanly(tmp_path, damage, message):
    """Damage the triggers cannot see (the marker set again by hand): the fast path fails, validation names it."""
    path = tmp_path / "state.db"
    write_everything(path)
    edit(path, damage, f"UPDATE meta SET value = '1' WHERE key = '{VALIDATED}'")
    with pytest.raises(StateFileError, match=message):
        Emulator(Options(state_file=str(path)))


def test_the_emulators_own_writes_keep_the_marker_and_an_outside_write_meanwhile_clears_it(tmp_path):
    path = tmp_path / "state.db"
    with EmulatorServer(Options(vendors=("b2core",), state_file=str(path))) as server:
        headers = _b2core_headers(server.url)

        def post(ip: str) -> requests.Response:
            return requests.post(server.url + "/b2core/addresses", json={"ipAddress": ip, "policy": "allow"},
                                 headers=headers, timeout=10)

        assert post("10.0.0.1").status_code == 201
        assert marker(path) == "1"
        edit(path, "UPDATE namespaces SET clock = clock")  # someone else writes while it runs
        assert post("10.0.0.2").status_code == 201
        assert marker(path) == "0"  # the emulator's write does not vouch for theirs


# -- the config is not made up again for a default namespace the file holds ---------------------------------------------------
def test_a_restart_with_generate_does_not_generate_again_and_still_checks_the_config(tmp_path, monkeypatch):
    pytest.importorskip("faker")
    path = tmp_path / "state.db"
    config = {"vendors": {"b2core": {"generate": 50, "policies": [{"ipAddress": "10.0.0.0/8", "policy": "allow"}]}}}
    first = Emulator(Options(vendors=("b2core",), config=config, state_file=str(path), seed=3))
    saved = first.store.namespace(None).to_json()
    first.state_file.close()
    assert len(saved["vendors"]["b2core"]["policies"]) == 51

    from allowlist_emulator.state import namespaces

    def no_faker(*args, **kwargs):
        raise AssertionError("generated again")

    monkeypatch.setattr(namespaces, "generated_config", no_faker)
    again = Emulator(Options(vendors=("b2core",), config=config, state_file=str(path), seed=3))
    assert again.store.namespace(None).to_json()["vendors"]["b2core"]["policies"] == saved["vendors"]["b2core"]["policies"]
    again.state_file.close()
    bad = {"vendors": {"b2core": {"generate": 50, "policies": [{"ipAddress": "10.0.0.1/8", "policy": "allow"}]}}}
    with pytest.raises(ValueError, match=r"--config vendors\.b2core: policies\[0\]"):
        Emulator(Options(vendors=("b2core",), config=bad, state_file=str(path), seed=3))


def test_a_vendor_the_file_lacks_is_seeded_and_saved_at_start_up(tmp_path):
    path = tmp_path / "state.db"
    Emulator(Options(vendors=("b2core",), state_file=str(path))).state_file.close()
    config = {"vendors": {"talend": {"policy": {"enabled": True, "ips": [{"ip": "10.1.1.1"}]}}}}
    emulator = Emulator(Options(vendors=("b2core", "talend"), config=config, state_file=str(path)))
    emulator.state_file.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM entries WHERE vendor = 'talend'").fetchone() == (1,)


def test_a_collection_read_in_many_chunks_reads_back_the_same(tmp_path, monkeypatch):
    """Start-up reads each collection in chunks of seq numbers (CHUNK entries, so that no joined text nears SQLite's
    size limit); with chunks of 2 every collection of the file is split, and an edited list (seq gaps, moved
    entries) keeps its order."""
    from allowlist_emulator.state import persistence

    path = tmp_path / "state.db"
    write_everything(path)
    with EmulatorServer(Options(state_file=str(path), seed=5)) as server:
        headers = _b2core_headers(server.url)
        listed = requests.get(server.url + "/b2core/addresses", headers=headers, timeout=10).json()
        first = listed[0]["addressId"]
        assert requests.put(server.url + f"/b2core/addresses/{first}", json={"ipAddress": "10.77.0.0/16", "policy": "deny", "ttl": 5},
                            headers=headers, timeout=10).status_code == 200
        assert requests.delete(server.url + f"/b2core/addresses/{listed[2]['addressId']}", headers=headers, timeout=10).status_code in (200, 204)
    expected = load(path)
    monkeypatch.setattr(persistence, "CHUNK", 2)
    assert load(path) == expected


# -- aiohttp's TLS client contexts load the CA files when first used (lazy_tls.py) ------------------------------------------
LAZY_TLS = r"""
import asyncio, ssl, sys
from allowlist_emulator.lazy_tls import import_aiohttp
import_aiohttp()
import aiohttp
from aiohttp import connector, web

verified, unverified = connector._SSL_CONTEXT_VERIFIED, connector._SSL_CONTEXT_UNVERIFIED
assert type(verified).__name__ == type(unverified).__name__ == "_Deferred", type(verified)
assert isinstance(verified, ssl.SSLContext) and verified.verify_mode == ssl.CERT_REQUIRED and verified.check_hostname
assert unverified.verify_mode == ssl.CERT_NONE
assert ssl.SSLContext.set_default_verify_paths.__name__ == "set_default_verify_paths"  # put back


async def answer(request):
    return web.Response(text="hello over TLS")


async def main(trusted, untrusted):
    results = []
    for cert in (trusted, untrusted):
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(cert + ".pem", cert + ".key")
        app = web.Application()
        app.router.add_get("/", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "localhost", 0, ssl_context=server_context)
        await site.start()
        port = runner.addresses[0][1]
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(f"https://localhost:{port}/") as response:
                    results.append(await response.text())
        except aiohttp.ClientConnectorCertificateError:
            results.append("refused: certificate not trusted")
        finally:
            await runner.cleanup()
    return results


print(asyncio.run(main(sys.argv[1], sys.argv[2])))
assert type(verified) is ssl.SSLContext  # loaded, and a plain context again
"""


def _certificate(path: Path) -> None:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", f"{path}.key", "-out", f"{path}.pem", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)


def test_aiohttps_default_client_contexts_still_verify_once_loaded_lazily(tmp_path):
    need_tool("openssl", shutil.which("openssl") is not None, "apt-get install openssl")
    trusted, untrusted = tmp_path / "trusted", tmp_path / "untrusted"
    _certificate(trusted)
    _certificate(untrusted)
    env = {**os.environ, "SSL_CERT_FILE": f"{trusted}.pem", "SSL_CERT_DIR": str(tmp_path / "none")}
    result = subprocess.run([sys.executable, "-c", LAZY_TLS, str(trusted), str(untrusted)], capture_output=True, text=True,
                            env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    # the CA file named by SSL_CERT_FILE was loaded when the first connection needed it, and verification is on
    assert result.stdout.strip() == "['hello over TLS', 'refused: certificate not trusted']"


def test_rows_of_a_vendor_not_served_are_not_vouched_for(tmp_path):
    """A run serving only B2Core validates B2Core's rows: an edited Talend row stays unchecked, so the file is not
    marked validated, and the next run serving Talend checks it (and refuses it)."""
    path = tmp_path / "state.db"
    write_everything(path)
    edit(path, "UPDATE entries SET value = json_set(value, '$.ip', '10.0.0.999') WHERE vendor = 'talend' AND seq = 0")
    Emulator(Options(vendors=("b2core",), state_file=str(path))).state_file.close()
    assert marker(path) == "0"
    with pytest.raises(StateFileError, match=r"vendors\.talend"):
        Emulator(Options(state_file=str(path)))
