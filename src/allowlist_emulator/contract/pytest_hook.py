"""The contract suite inside the user's own pytest session: fixture ``allowlist_contract``.

Registered through ``allowlist_emulator.pytest_plugin`` (entry point ``pytest11``), so it is there once the package
is installed::

    def test_hdp_contract(allowlist_contract):
        allowlist_contract.check("hdp")            # fails the test with the per-operation summary

    def test_codearts_reads(allowlist_contract):
        result = allowlist_contract.run("codearts", allow_writes=False, max_examples=5)
        assert result.ok, result.summary()

By default each vendor runs against an emulator started in-process for the session (all four vendors, free loopback
port; each run in its own namespace). To point the same tests at a deployment:

* ``--allowlist-contract-url=URL`` (every vendor's paths start at URL; B2Core: its ``[base]``) or
  ``--allowlist-contract-url=VENDOR=URL`` (repeatable), or the environment variable ``ALLOWLIST_CONTRACT_URL``
  with the same syntax, comma separated;
* credentials from ``ALLOWLIST_CONTRACT_TOKEN``, ``_USER``, ``_PASSWORD``, ``_AK``, ``_SK``, ``_CLIENT_ID``,
  ``_CLIENT_SECRET`` (the CLI's options; unset → the demo identities);
* writes only with ``--allowlist-contract-allow-writes`` (or ``ALLOWLIST_CONTRACT_ALLOW_WRITES=1``) on such a target;
  against the in-process emulator they are on. Snapshot/restore and the live-target guards apply as in the CLI.
* ``--allowlist-contract-max-examples=N`` (default 20) and ``--allowlist-contract-report=DIR`` (JUnit XML per run).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from .auth import Credentials
    from .runner import Result

# Nothing from runner/auth at import time: they need requests and schemathesis (the 'contract' extra), and this
# module is loaded at every pytest start-up of a user's suite. The constant is repeated from runner.py
# (tests/test_install.py checks they agree); the vendors are read from the registry when first needed.
ENV_PREFIX = "ALLOWLIST_CONTRACT_"
DEFAULT_MAX_EXAMPLES = 20


def _vendors() -> tuple[str, ...]:
    from ..vendors import REGISTRY

    return tuple(key for key, vendor in REGISTRY.items() if vendor.has("contract"))


def __getattr__(name: str) -> Any:
    if name == "VENDORS":
        return _vendors()
    raise AttributeError(name)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("allowlist-contract", "allowlist-emulator contract suites (fixture allowlist_contract)")
    group.addoption("--allowlist-contract-url", action="append", default=[], metavar="[VENDOR=]URL",
                    help="run the allowlist_contract fixture against this deployment instead of an in-process emulator "
                         "(env ALLOWLIST_CONTRACT_URL). Repeatable.")
    group.addoption("--allowlist-contract-allow-writes", action="store_true", default=False,
                    help="let allowlist_contract write to a deployment given with --allowlist-contract-url "
                         "(snapshotted and restored)")
    group.addoption("--allowlist-contract-max-examples", type=int, default=None, metavar="N",
                    help=f"examples per operation and phase (default {DEFAULT_MAX_EXAMPLES})")
    group.addoption("--allowlist-contract-report", default=None, metavar="DIR",
                    help="write a JUnit XML report per contract run into DIR")


def parse_targets(values: list[str]) -> dict[str, str]:
    """``["URL"]`` / ``["hdp=URL", ...]`` → {vendor: base URL}; a bare URL applies to every vendor; later wins."""
    out: dict[str, str] = {}
    known = _vendors()
    for value in values:
        for item in filter(None, (part.strip() for part in value.split(","))):
            head, sep, tail = item.partition("=")
            if sep and head in known:
                out[head] = tail.rstrip("/")
            else:
                for vendor in known:
                    out[vendor] = item.rstrip("/")
    return out


def credentials_from_env(environ: Any = os.environ) -> "Credentials":
    from .auth import Credentials

    names = ("token", "user", "password", "ak", "sk", "client_id", "client_secret")
    return Credentials(**{name: environ.get(ENV_PREFIX + name.upper()) or None for name in names})


class ContractRunner:
    """What the ``allowlist_contract`` fixture gives: ``run(vendor, ...) -> Result`` and ``check(vendor, ...)``."""

    def __init__(self, targets: dict[str, str], credentials: "Credentials", allow_writes_live: bool,
                 max_examples: int, report_dir: str | None, emulator_factory):
        self.targets = targets
        self.credentials = credentials
        self.allow_writes_live = allow_writes_live
        self.max_examples = max_examples
        self.report_dir = report_dir
        self._emulator_factory = emulator_factory
        self.results: list["Result"] = []

    def is_live(self, vendor: str) -> bool:
        return vendor in self.targets

    def url_for(self, vendor: str) -> str:
        if vendor in self.targets:
            return self.targets[vendor]
        server = self._emulator_factory()
        return server.url + server.emulator.base_path(vendor)

    def run(self, vendor: str, **options: Any) -> "Result":
        """``run_contract`` against the configured target; keyword options override the session's settings."""
        from .runner import run_contract

        live = self.is_live(vendor)
        options.setdefault("allow_writes", self.allow_writes_live if live else True)
        options.setdefault("max_examples", self.max_examples)
        options.setdefault("auth", self.credentials if live else None)
        if self.report_dir and "report" not in options:
            options["report"] = Path(self.report_dir) / f"contract-{vendor}-{len(self.results) + 1}.xml"
        result = run_contract(vendor, self.url_for(vendor), **options)
        self.results.append(result)
        return result

    def check(self, vendor: str, **options: Any) -> "Result":
        """Run and fail the calling test (with the per-operation summary) unless everything passes."""
        result = self.run(vendor, **options)
        if not result.ok:
            pytest.fail(result.summary(), pytrace=False)
        return result


@pytest.fixture(scope="session")
def _allowlist_contract_emulator():
    servers: list = []

    def get():
        if not servers:
            from ..server import EmulatorServer

            servers.append(EmulatorServer().start())
        return servers[0]

    yield get
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def allowlist_contract(pytestconfig: pytest.Config, _allowlist_contract_emulator) -> ContractRunner:
    """Run the contract suite of a vendor from a test: ``allowlist_contract.check("hdp")``."""
    from ..extras import MissingExtra, require

    try:
        require("contract", "the allowlist_contract fixture")
    except MissingExtra as exc:
        pytest.fail(str(exc), pytrace=False)
    values = list(pytestconfig.getoption("allowlist_contract_url") or [])
    if os.environ.get(ENV_PREFIX + "URL"):
        values.insert(0, os.environ[ENV_PREFIX + "URL"])
    allow = bool(pytestconfig.getoption("allowlist_contract_allow_writes")) or \
        os.environ.get(ENV_PREFIX + "ALLOW_WRITES", "").lower() in ("1", "true", "yes")
    return ContractRunner(
        targets=parse_targets(values),
        credentials=credentials_from_env(),
        allow_writes_live=allow,
        max_examples=pytestconfig.getoption("allowlist_contract_max_examples") or DEFAULT_MAX_EXAMPLES,
        report_dir=pytestconfig.getoption("allowlist_contract_report"),
        emulator_factory=_allowlist_contract_emulator,
    )
