"""``allowlist-emulator contract``: exit codes 0 / 1 / 2, the summary, and the JUnit XML report."""

from __future__ import annotations

import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests

from allowlist_emulator.cli import main

from .tier_support import vendors_deep_except

QUICK = ["--max-examples", "2", "--phases", "examples,coverage", "--seed", "3"]


def test_exit_0_and_junit_report(server, tmp_path, capsys):
    report = tmp_path / "reports" / "hdp.xml"
    code = main(["contract", "hdp", "--url", server.url, "--report", str(report), *QUICK])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASSED" in out and "getSystemWhitelist" in out and "seed 3" in out
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("errors") == "0"
    cases = suite.findall("testcase")
    assert len(cases) == 19  # every HDP operation (getPermission the 19th), the writes as skipped (no --allow-writes)
    assert int(suite.get("skipped")) == sum(case.find("skipped") is not None for case in cases) == 10
    assert {p.get("name"): p.get("value") for p in suite.find("properties")}["emulator"] == "true"


def test_exit_1_names_the_failing_check(server, tmp_path, capsys):
    namespace = f"cli-{uuid.uuid4().hex[:8]}"
    rule = {"vendor": "hdp", "operationId": "listTenantWhitelists", "status": 418}
    assert requests.post(f"{server.url}/_emulator/faults", json=rule, headers={"X-Emulator-Namespace": namespace},
                         timeout=10).status_code == 201
    report = tmp_path / "fail.xml"
    code = main(["contract", "hdp", "--url", server.url, "--namespace", namespace, "--operation", "listTenantWhitelists",
                 "--report", str(report), *QUICK])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "FAILED" in out and "status_code_conformance" in out
    failures = ET.parse(report).getroot().iter("failure")
    assert "status_code_conformance" in {failure.get("type") for failure in failures}


@pytest.mark.parametrize("argv", [
    ["contract"],  # no vendor, no --url
    ["contract", "nosuchvendor", "--url", "http://127.0.0.1:9"],
    ["contract", "hdp"],  # --url missing
    ["contract", "hdp", "--url", "ftp://example.com"],
    ["contract", "hdp", "--url", "http://127.0.0.1:9", "--user", "d2cadmin"],  # password missing
    ["contract", "hdp", "--url", "http://127.0.0.1:9", "--token", "x"],  # a Talend/CodeArts option
    ["contract", "codearts", "--url", "http://127.0.0.1:9", "--ak", "only-ak"],
    ["contract", "b2core", "--url", "http://127.0.0.1:9", "--client-id", "only-id"],
    ["contract", "talend", "--url", "http://127.0.0.1:9", "--max-examples", "0"],
    ["contract", "talend", "--url", "http://127.0.0.1:9", "--phases", "examples,warp"],
    ["contract", "talend", "--url", "http://127.0.0.1:9", "--operation", "noSuchOperation"],
])
def test_exit_2_for_usage_errors(argv, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err


def test_unreachable_target_is_a_failure_not_a_crash(capsys):
    code = main(["contract", "talend", "--url", "http://127.0.0.1:9", "--request-timeout", "2", *QUICK])
    out = capsys.readouterr().out
    assert code == 1, out


def test_exit_codes_from_a_real_process():
    done = subprocess.run([sys.executable, "-m", "allowlist_emulator.cli", "contract", "hdp", "--url", "nope"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    done = subprocess.run([sys.executable, "-m", "allowlist_emulator.cli", "contract", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "--allow-writes" in done.stdout


@pytest.mark.parametrize("vendor", vendors_deep_except("hdp"))  # one vendor proves the wiring; the rest are deep
def test_read_only_run_passes_as_a_user_runs_it(server, vendor, tmp_path):
    """``allowlist-emulator contract VENDOR --url URL`` without --allow-writes, every phase (stateful included: its
    create → get links have no create to start from in a read-only run, which is no failure), as a separate
    process from a fresh folder: exit 0, and no ``.hypothesis/`` left in that folder."""
    url = server.url + server.emulator.base_path(vendor)
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run([sys.executable, "-m", "allowlist_emulator.cli", "contract", vendor, "--url", url,
                           "--max-examples", "2", "--seed", "5", "-q"], capture_output=True, text=True, timeout=600,
                          cwd=work, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "read-only (no --allow-writes); phases examples, coverage, fuzzing, stateful" in done.stdout
    assert "PASSED:" in done.stdout and "Missing Open API links" not in done.stdout
    assert list(work.iterdir()) == [], "contract left files in the working folder"


@pytest.mark.deep  # the page's example is a whole read-only CodeArts suite
def test_docs_read_only_pytest_example_passes(pytester):
    """docs/contract.md's ``test_codearts_reads``, copied from the page, run as a user's test."""
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "contract.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", page, re.S) if "def test_codearts_reads" in b)
    pytester.makepyfile(test_docs=block)
    outcome = pytester.runpytest_subprocess("-p", "no:randomly", "-q", "-k", "test_codearts_reads")
    outcome.assert_outcomes(passed=1)


pytest_plugins = ["pytester"]
