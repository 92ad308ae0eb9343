"""The contract suites: schemathesis, driven by the project's specs, against the emulator or a real deployment.

``run_contract(vendor, base_url, ...)`` is the one entry point (CLI ``allowlist-emulator contract``, the project's
tests, the pytest fixture ``allowlist_contract``). See docs/contract.md.
"""

from .auth import Credentials, make_auth
from .runner import CHECKS, PHASES, CheckFailure, OperationResult, Result, run_contract

__all__ = ["CHECKS", "PHASES", "CheckFailure", "Credentials", "OperationResult", "Result", "make_auth", "run_contract"]
