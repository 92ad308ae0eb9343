"""The test tiers: the default run proves wiring with the fewest vendors, the deep tier (``-m deep``) runs the rest."""

from __future__ import annotations

import pytest

from allowlist_emulator.vendors import REGISTRY


def vendors_deep_except(*default: str) -> list:
    """Every registered vendor as a parameter: those named run in the default tier, the others are marked deep."""
    unknown = set(default) - set(REGISTRY)
    assert not unknown, f"not registered: {sorted(unknown)}"
    return [key if key in default else pytest.param(key, marks=pytest.mark.deep) for key in REGISTRY]
