"""``allowlist-emulator contract`` as a new user meets it: a passing run reads as a pass, a skipped phase says why, a
closed port or a wrong base stops at once saying what to do, B2Core's server root finds its base, the server's
console stays quiet about schemathesis' probes, and ``--help`` works without the 'contract' extra."""

from __future__ import annotations

import re
import time

import pytest

from allowlist_emulator.contract.choices import vendors
from allowlist_emulator.vendors import REGISTRY

from .contract_support import contract, served, without_modules
from .support import free_port


MOUNTED = next(key for key in vendors() if REGISTRY[key].mount)  # a vendor served below a mount (B2Core's /b2core)
AT_ROOT = next(key for key in vendors() if not REGISTRY[key].mount)


@pytest.fixture(scope="module")
def emulator():
    with served() as running:
        yield running


def test_a_passing_run_reads_as_a_pass_and_the_server_console_stays_quiet(emulator):
    run = contract(AT_ROOT, "--url", emulator.url, "--seed", "3", "--max-examples", "3")
    assert run.returncode == 0, run.stdout + run.stderr
    progress = run.stderr
    assert not re.search(r"\b(failure|error)\b", progress, re.IGNORECASE), progress
    assert "probing" not in progress and "schema_analysis" not in progress, progress
    for phase in ("examples", "coverage", "fuzzing"):
        assert re.search(rf"phase {phase}: \d+ requests?, passed", progress), progress
    assert run.stdout.strip().splitlines()[-1].startswith("PASSED: ")
    # schemathesis' NUL-header probe was answered 400 without a line on the server's console
    console = emulator.output()
    assert "Error handling request" not in console and "X-Schemathesis-Probe" not in console, console


def test_a_skipped_phase_says_why_in_words(emulator):
    read_only = contract(AT_ROOT, "--url", emulator.url, "--seed", "1", "--max-examples", "2",
                         "--operation", _a_get(AT_ROOT))
    assert read_only.returncode == 0, read_only.stdout + read_only.stderr
    assert "phase stateful: skipped, no OpenAPI link between the operations run" in read_only.stderr, read_only.stderr
    left_out = contract(AT_ROOT, "--url", emulator.url, "--seed", "1", "--max-examples", "2", "--no-stateful",
                        "--operation", _a_get(AT_ROOT))
    assert "phase stateful: skipped, left out (--phases, --no-stateful)" in left_out.stderr, left_out.stderr


def test_a_closed_port_stops_at_once_saying_nothing_answers():
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    run = contract(AT_ROOT, "--url", url)
    assert time.monotonic() - started < 15
    assert run.returncode == 1
    assert f"FAILED: nothing was run: nothing answers at {url} (connection refused)" in run.stdout, run.stdout
    assert "probing" not in run.stderr and "success" not in run.stderr + run.stdout, run.stderr


def test_the_server_root_finds_a_mounted_vendor_s_base(emulator):
    wanted = emulator.url + REGISTRY[MOUNTED].mount
    run = contract(MOUNTED, "--url", emulator.url, "--seed", "2", "--max-examples", "2", "--no-stateful")
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{MOUNTED} is served at {wanted} (its base, from /_emulator/health)" in run.stderr
    assert f"contract {MOUNTED} against {wanted} " in run.stdout


def test_a_wrong_base_stops_at_once_naming_the_url_to_use(emulator):
    wanted = emulator.url + REGISTRY[MOUNTED].mount
    started = time.monotonic()
    run = contract(MOUNTED, "--url", emulator.url + "/elsewhere")
    assert time.monotonic() - started < 15
    assert run.returncode == 1
    assert f"use --url {wanted}" in run.stdout, run.stdout


def test_help_works_without_the_extra_and_says_what_a_run_needs(tmp_path):
    env = without_modules(tmp_path, "schemathesis", "hypothesis", "requests")
    shown = contract("--help", env=env, cwd=str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: allowlist-emulator contract"), shown.stdout
    text = " ".join(shown.stdout.split())
    assert "needs the 'contract' extra (schemathesis is not installed)" in text, text
    refused = contract(AT_ROOT, "--url", "http://127.0.0.1:1", env=env, cwd=str(tmp_path))
    assert refused.returncode == 2
    line = refused.stderr.strip()
    assert len(line.splitlines()) == 1, line
    assert line.startswith("allowlist-emulator contract needs the 'contract' extra"), line
    assert "allowlist-emulator: allowlist-emulator" not in line
    # from this checkout: an editable install of it (works from any folder), then the index form
    assert re.search(r"pip install -e '?/\S+\[contract\]'? \(this checkout\)", line), line
    assert line.endswith("pip install 'allowlist-emulator[contract]'"), line


def _a_get(vendor: str) -> str:
    from allowlist_emulator.engine.spec import vendor_spec

    return next(op.operation_id for op in vendor_spec(vendor).operations if op.method == "GET" and "{" in op.path)
