"""The contract suites hold for any seed: ``allowlist-emulator contract <vendor>`` against a served emulator, read-only
and with writes, passes for a handful of seeds per vendor (among them the ones that once failed: HDP 7, 13 and 14,
CodeArts 7). ``bench/contract_seeds.py`` sweeps many more; the examples are few here to keep the suite fast.

Each run is the command a user types, against ``serve`` in its own process."""

from __future__ import annotations

import pytest

from allowlist_emulator.contract.choices import vendors
from allowlist_emulator.vendors import REGISTRY

from .contract_support import contract, served

pytestmark = pytest.mark.deep

SEEDS = (7, 14)
MAX_EXAMPLES = "3"


@pytest.fixture(scope="module")
def emulator():
    with served() as running:
        yield running


def base(emulator, vendor: str) -> str:
    return emulator.url + (REGISTRY[vendor].mount or "")


@pytest.mark.parametrize("writes", [False, True], ids=["read-only", "writes"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("vendor", vendors())
def test_the_suite_passes_for_any_seed(emulator, vendor, seed, writes):
    args = [vendor, "--url", base(emulator, vendor), "--seed", str(seed), "--max-examples", MAX_EXAMPLES, "-q"]
    run = contract(*args, *(["--allow-writes"] if writes else []))
    assert run.returncode == 0, run.stdout + run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("PASSED: "), run.stdout
    assert "Failures:" not in run.stdout


def test_the_seeds_that_once_failed_pass_with_the_issue_s_options(emulator):
    """The runs the issue names: HDP with writes, 10 examples, seed 13 (a path id beyond any bound was schema-valid)."""
    run = contract("hdp", "--url", base(emulator, "hdp"), "--allow-writes", "--max-examples", "10", "--seed", "13", "-q")
    assert run.returncode == 0, run.stdout
