"""Every vendor document the tests hold facts from (tests/vendor_artifacts/) is recorded in its spec's
``x-vendor-artifacts`` (title, url, what was checked), so a reader of the spec sees what it was checked against."""

from __future__ import annotations

import importlib

import pytest

from allowlist_emulator.engine.spec import vendor_spec
from allowlist_emulator.vendors import REGISTRY


@pytest.mark.parametrize("vendor", sorted(REGISTRY))
def test_every_artifact_the_tests_use_is_recorded_in_the_spec(vendor):
    module = importlib.import_module(f"tests.vendor_artifacts.{vendor}")
    recorded = vendor_spec(vendor).document.get("x-vendor-artifacts") or []
    assert recorded, f"specs/{vendor}.yaml has no x-vendor-artifacts"
    for entry in recorded:
        assert entry.get("title") and entry.get("url", "").startswith("https://") and entry.get("checked"), entry
    urls = {entry["url"] for entry in recorded}
    assert set(module.SOURCES) <= urls, set(module.SOURCES) - urls
