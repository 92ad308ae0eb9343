"""The contract suites: schemathesis, driven by the project's specs, against the emulator or a real deployment.

``run_contract(vendor, base_url, ...)`` is the one entry point (CLI ``allowlist-emulator contract``, the project's
tests, the pytest fixture ``allowlist_contract``). See docs/contract.md.

Imported lazily (the names below load their module on first use): the pytest plugin registers ``pytest_hook`` from
here, and a user's pytest start-up must not pay for requests or schemathesis (the ``contract`` extra).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CHECKS", "PHASES", "CheckFailure", "Credentials", "OperationResult", "Result", "make_auth", "run_contract"]
_WHERE = {"Credentials": "choices", "make_auth": "auth"}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{_WHERE.get(name, 'runner')}", __name__), name)
