"""One emulator per test session (all four vendors, X-Forwarded-For trusted, deterministic seed) on a free port.

Tests isolate themselves with a fresh namespace each (``VendorClient`` does that), so they can run in parallel
against one server, as users' test suites do.
"""

from __future__ import annotations

import pytest

from allowlist_emulator.app import Options
from allowlist_emulator.server import EmulatorServer

from .support import VendorClient


@pytest.fixture(scope="session")
def server():
    with EmulatorServer(Options(trust_forwarded_for=True, seed=1234)) as running:
        yield running


@pytest.fixture
def client_for(server):
    """``client_for("hdp", auth=("d2cadmin", "d2cadmin"))`` → a spec-checking client in a fresh namespace."""

    def make(vendor: str, **session_defaults) -> VendorClient:
        return VendorClient(vendor, server.url, server.emulator.base_path(vendor), **session_defaults)

    return make
