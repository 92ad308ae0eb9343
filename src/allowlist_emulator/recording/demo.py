"""The built-in demo identities (docs/vendors.md lists them) and the production-like base URL each vendor's cassettes record,
as each vendor folder's ``demo.py`` gives them (``Vendor.demo_credentials``, ``Vendor.recorded_base``)."""

from __future__ import annotations

import copy
from typing import Any

from ..vendors import REGISTRY

# What a client of each vendor needs, for the emulator's built-in demo identities (no config file needed).
DEMO_CREDENTIALS: dict[str, dict[str, Any]] = {key: dict(vendor.demo_credentials) for key, vendor in REGISTRY.items()}

# Where the shipped cassettes say the requests went: each spec's first server with its default variables
# (what a client calls in production), so client suites replay them without rewriting hosts.
RECORDED_BASES: dict[str, str] = {key: vendor.recorded_base for key, vendor in REGISTRY.items() if vendor.recorded_base}


def demo_credentials() -> dict[str, dict[str, Any]]:
    """A fresh copy (callers may change theirs)."""
    return copy.deepcopy(DEMO_CREDENTIALS)
