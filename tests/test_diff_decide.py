"""``allowlist-emulator diff`` and ``decide`` on states made for the purpose: an address removed (Talend), a range
narrowed (HDP), a flag cleared (CodeArts), a TTL expired on the emulator clock (B2Core); exit codes, ``--json``."""

from __future__ import annotations

import copy
import json
import re
import time
import uuid
from datetime import datetime, timezone

import pytest

from allowlist_emulator.cli import main

from .rehearsal_support import control, ns_url, state

NOW = int(time.time())


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat()


BEFORE = {
    "talend": {"policy": {"enabled": True, "description": "Paris", "ips": [
        {"ip": "203.0.113.10", "description": "office"},
        {"ip": "198.51.100.0/24", "description": "vpn"},
        {"ip": "192.0.2.7", "description": "ci egress"}]}},
    "hdp": {"whitelists": {"system": {"managementAPI": [{"startAddress": "10.0.0.0", "endAddress": "10.0.0.255"}]}},
            "filtering": "true"},
    "codearts": {"tenant": [
        {"ip_type": 0, "ip_start": "100.64.0.1", "view_flag": 1, "download_flag": 1, "upload_flag": 0, "remark": "office"},
        {"ip_type": 2, "ip_start": "100.65.0.0", "ip_end": "100.65.0.255", "view_flag": 1, "download_flag": 1,
         "upload_flag": 1, "remark": "ci"}]},
    "b2core": {"policies": [
        {"addressId": "0" * 23 + "1", "ipAddress": "192.0.2.1", "policy": "allow", "ttl": 60,
         "createTime": iso(NOW), "updateTime": iso(NOW)},
        {"addressId": "0" * 23 + "2", "ipAddress": "198.51.100.0/24", "policy": "allow", "ttl": 0,
         "createTime": iso(NOW), "updateTime": iso(NOW)}]},
}


def changed(before: dict) -> dict:
    after = copy.deepcopy(before)
    del after["talend"]["policy"]["ips"][0]  # the office address removed
    after["hdp"]["whitelists"]["system"]["managementAPI"][0]["endAddress"] = "10.0.0.127"  # a range narrowed
    after["codearts"]["tenant"][0]["view_flag"] = 0  # the office may no longer view
    return after


@pytest.fixture
def sides(server):
    """(before URL, after URL): two namespaces loaded with the states above; the after side's clock is 2 minutes on,
    so B2Core's 60-second policy has expired there."""
    before, after = (ns_url(server.url, f"{side}-{uuid.uuid4().hex[:8]}") for side in ("before", "after"))
    for url, vendors in ((before, BEFORE), (after, changed(BEFORE))):
        control(url, "POST", "/clock", {"freeze": True})
        control(url, "POST", "/clock", {"set": iso(NOW + 1)})
        control(url, "PUT", "/state", {"vendors": vendors, "clock": state(url)["clock"]})
    control(after, "POST", "/clock", {"advance": 120})
    return before, after


def test_diff_names_each_change_in_the_vendors_terms(sides, capsys):
    before, after = sides
    assert main(["diff", before, after]) == 1
    out = capsys.readouterr().out
    for line in ("  - entry 203.0.113.10  [description='office']",
                 "  - system managementAPI 10.0.0.0-10.0.0.255",
                 "  + system managementAPI 10.0.0.0-10.0.0.127",
                 "  ~ tenant rule 100.64.0.1 (ip_type 0): view_flag 1 -> 0",
                 "  ~ policy 192.0.2.1: expired False -> True"):
        assert line in out.splitlines(), out
    assert "tenant rule 100.65.0.0/24" not in out  # unchanged entries are not listed
    assert main(["diff", before, before]) == 0
    assert "Talend Cloud (talend): no changes" in capsys.readouterr().out


def test_diff_json_and_one_vendor(sides, capsys):
    before, after = sides
    assert main(["diff", before, after, "--vendor", "talend", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["equal"] is False and list(data["vendors"]) == ["talend"]
    assert data["vendors"]["talend"]["removed"] == 1 and data["vendors"]["talend"]["changes"] == [
        {"change": "removed", "entry": "entry 203.0.113.10", "before": {"description": "office"}}]
    assert main(["diff", before, after, "--vendor", "b2core", "--json"]) == 1
    change = json.loads(capsys.readouterr().out)["vendors"]["b2core"]["changes"][0]
    assert change == {"change": "changed", "entry": "policy 192.0.2.1", "before": {"expired": False}, "after": {"expired": True}}


def test_diff_sides_from_files(sides, tmp_path, capsys):
    """A JSON file of GET /_emulator/state, and a state file written by replicate, against a URL."""
    before, after = sides
    saved = tmp_path / "before.json"
    saved.write_text(json.dumps(state(before)))
    assert main(["diff", str(saved), before]) == 0
    assert main(["diff", str(saved), after, "--vendor", "hdp"]) == 1
    assert main(["diff", str(tmp_path / "missing.json"), after]) == 2
    (tmp_path / "junk.json").write_text("[1]")
    assert main(["diff", str(tmp_path / "junk.json"), after]) == 2
    assert "not an emulator state" in capsys.readouterr().err
    assert main(["replicate", "talend", "--url", before, "--state-file", str(tmp_path / "s.db")]) == 0
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "s.db"), before, "--vendor", "talend"]) == 0
    assert main(["diff", f"{tmp_path / 's.db'}#nowhere", before]) == 2
    assert "no namespace 'nowhere'" in capsys.readouterr().err


def test_decide_is_the_gate(sides, capsys):
    before, after = sides
    office = ["--ip", "203.0.113.10"]
    assert main(["decide", "--vendor", "talend", "--url", before, *office, "--ip", "198.51.100.7"]) == 0
    assert main(["decide", "--vendor", "talend", "--url", after, *office, "--ip", "198.51.100.7"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-2].split()[:4] == ["talend", "203.0.113.10", "-", "REFUSED"], out
    assert out.splitlines()[-1].split()[:4] == ["talend", "198.51.100.7", "-", "admitted"], out
    assert main(["decide", "--vendor", "hdp", "--url", after, "--ip", "10.0.0.200", "--resource", "managementAPI"]) == 1
    assert main(["decide", "--vendor", "hdp", "--url", before, "--ip", "10.0.0.200"]) == 0
    assert main(["decide", "--vendor", "codearts", "--url", after, "--ip", "100.64.0.1", "--action", "view"]) == 1
    assert main(["decide", "--vendor", "codearts", "--url", after, "--ip", "100.64.0.1", "--action", "download"]) == 0
    assert main(["decide", "--vendor", "b2core", "--url", before, "--ip", "192.0.2.1"]) == 0
    assert main(["decide", "--vendor", "b2core", "--url", after, "--ip", "192.0.2.1"]) == 1
    capsys.readouterr()
    assert main(["decide", "--url", after, "--ip", "198.51.100.7", "--json"]) == 1  # every vendor served
    verdicts = {v["vendor"]: v for v in json.loads(capsys.readouterr().out)}
    assert {key: v["allowed"] for key, v in verdicts.items()} == {"talend": True, "hdp": False, "codearts": False, "b2core": True}
    assert verdicts["hdp"]["reason"] == "198.51.100.7 is not on the system managementAPI whitelist"


def test_decide_usage_errors(sides, capsys):
    before, _ = sides
    assert main(["decide", "--vendor", "talend", "--url", before, "--ip", "not-an-ip"]) == 2
    assert "ip:" in capsys.readouterr().err
    assert main(["decide", "--url", before]) == 2  # --ip is required
    assert main(["decide", "--url", "ftp://x", "--ip", "1.2.3.4"]) == 2
    assert main(["decide", "--vendor", "hdp", "--url", before, "--ip", "1.2.3.4", "--user", "nobody"]) == 2


def test_decide_refuses_an_option_no_chosen_vendor_takes(sides, capsys):
    before, _ = sides
    assert main(["decide", "--vendor", "talend", "--url", before, "--ip", "1.2.3.4", "--resource", "adminAPI"]) == 2
    assert "--resource does not apply to talend" in capsys.readouterr().err
    # with several vendors, each takes what applies to it
    assert main(["decide", "--vendor", "talend", "--vendor", "hdp", "--url", before, "--ip", "10.0.0.1",
                 "--resource", "managementAPI"]) == 1  # talend refuses 10.0.0.1, hdp admits it
    out = capsys.readouterr().out
    assert re.search(r"hdp +10\.0\.0\.1 +resource=managementAPI +admitted", out), out


def test_diff_and_decide_need_no_extra_replicate_names_its_own(sides, tmp_path):
    """diff and decide use the standard library only; replicate needs the 'contract' extra (requests) and says so."""
    from .test_install import BLOCKER, EXTRA_MODULES, cli

    site = tmp_path / "blocker"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    env = {**__import__("os").environ, "PYTHONPATH": str(site), "BLOCK_MODULES": ",".join(EXTRA_MODULES)}
    before, after = sides
    assert cli(env, "diff", before, after).returncode == 1
    assert cli(env, "decide", "--vendor", "talend", "--url", before, "--ip", "203.0.113.10").returncode == 0
    result = cli(env, "replicate", "talend", "--url", before, "--into", after)
    assert result.returncode == 2 and result.stderr.strip().endswith("pip install 'allowlist-emulator[contract]'"), result.stderr


def test_diff_matches_entries_by_what_their_address_means():
    """Talend's 192.0.2.7 and 192.0.2.7/32 are one entry; two equal HDP ranges and one are not the same list."""
    from allowlist_emulator.rehearsal.diff import diff_states

    def side(ips, ranges):
        return {"vendors": {"talend": {"policy": {"enabled": True, "description": "", "ips": [
            {"ip": ip, "description": "x"} for ip in ips]}},
            "hdp": {"whitelists": {"system": {"managementAPI": [{"startAddress": r} for r in ranges]}}, "filtering": "true"}}}

    same = diff_states(side(["192.0.2.7"], ["10.0.0.1"]), side(["192.0.2.7/32"], ["10.0.0.1"]), ["talend"])
    assert same[0].changes == []
    twice = diff_states(side([], ["10.0.0.1"]), side([], ["10.0.0.1", "10.0.0.1"]), ["hdp"])
    assert [(c.kind, c.label) for c in twice[0].changes] == [("added", "system managementAPI 10.0.0.1 (#2)")]
