"""Stock schemathesis, not the project's runner: ``schemathesis run specs/<vendor>.yaml --checks all --phases
examples,coverage,fuzzing,stateful`` (credentials per security scheme in ``schemathesis.toml``) against ``serve``
finds nothing beyond what the spec's ``x-fidelity`` expects, for several seeds per vendor. Whole suites: ``deep``."""

from __future__ import annotations

import pytest

from allowlist_emulator.contract.choices import vendors
from allowlist_emulator.vendors import REGISTRY

from .contract_support import served, stock_schemathesis

pytestmark = pytest.mark.deep

SEEDS = (1, 2)


@pytest.fixture(scope="module")
def emulator():
    with served() as running:
        yield running


@pytest.mark.timeout(600)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("vendor", vendors())
def test_stock_schemathesis_finds_nothing_unexpected(emulator, tmp_path, vendor, seed):
    run, unexpected, _expected = stock_schemathesis(vendor, emulator.url + (REGISTRY[vendor].mount or ""), seed,
                                                   tmp_path, max_examples=10)
    assert "Tested:" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]
    assert not unexpected, "\n".join(unexpected) + "\n\n" + run.stdout[-3000:]
