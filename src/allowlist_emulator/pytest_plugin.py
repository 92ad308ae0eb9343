"""pytest plugin (entry point ``pytest11``, active once the package is installed): fixtures for client test suites.

* ``allowlist_emulator``: a handle on an emulator started in-process, on a free loopback port, once per test
  session (once per pytest-xdist worker), serving every vendor. Each test gets its own fresh namespace, so tests
  never see each other's state, also in parallel. The handle has ``url``, ``base(vendor)`` (where the vendor's paths
  start, inside the test's namespace: ``url/_ns/<namespace>``, so a client given only that base URL is isolated),
  ``endpoint(vendor)`` (the same, with the namespace chosen by a port of its own: for clients that drop a URL's
  path, such as the Huawei SDK),
  ``credentials[vendor]`` (the demo identities), ``namespace``, ``headers`` (the same namespace as a header, for
  clients given ``url``), and ``admin`` (reset, state, requests, faults, clock, decide). The namespaces a test
  created are dropped when it ends.
* ``allowlist_emulator_url``: just the base URL (session scope).
* ``--allowlist-target=URL``: run the same tests against a running deployment instead (another emulator, or a real
  vendor API): no server starts; ``URL`` is used as is. ``--allowlist-target=VENDOR=URL`` (repeatable) sets one
  vendor's base; ``--allowlist-credentials=FILE`` (YAML or JSON, ``{vendor: {...}}``) replaces demo credentials.
  A target that is an emulator gets namespaced bases too; a real API gets its own URLs (and ignores the header).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

NAMESPACE_HEADER = "X-Emulator-Namespace"
ADMIN_HEADER = "X-Emulator-Admin-Token"


def _vendor_keys() -> tuple[str, ...]:
    """The registered vendors (imported as any library is, see ``_start_in_process``)."""
    with _plain_imports():
        from .vendors import REGISTRY
    return tuple(REGISTRY)


def __getattr__(name: str) -> Any:
    if name == "VENDORS":
        return _vendor_keys()
    raise AttributeError(name)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("allowlist-emulator", "allowlist-emulator fixtures")
    group.addoption("--allowlist-target", action="append", default=[], metavar="[VENDOR=]URL",
                    help="run against this deployment instead of an in-process emulator (URL: every vendor, or the "
                         "emulator's root; VENDOR=URL: where that vendor's paths start). Repeatable.")
    group.addoption("--allowlist-credentials", metavar="FILE",
                    help="YAML or JSON mapping vendor → credentials, replacing the demo identities per vendor")
    group.addoption("--allowlist-admin-token", metavar="TOKEN",
                    help="X-Emulator-Admin-Token for a target emulator started with --admin-token")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allowlist_emulator: uses the allowlist-emulator fixtures")
    path = config.getoption("allowlist_credentials", None)
    if path:  # a bad file stops the run once, here, naming the option, instead of failing every test that uses it
        _load_credentials(path)


# -- the control plane client --------------------------------------------------------------------------------------------


class AdminError(RuntimeError):
    def __init__(self, status: int, body: Any, url: str):
        super().__init__(f"{url} → {status}: {body}")
        self.status = status
        self.body = body


class AdminClient:
    """The emulator's ``/_emulator`` control plane, in one namespace (stdlib only)."""

    def __init__(self, url: str, namespace: str, admin_token: str | None = None, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.namespace = namespace
        self.admin_token = admin_token
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        import urllib.error  # here: urllib.request costs more at import than the rest of the plugin (pytest start-up)
        import urllib.parse
        import urllib.request

        params = {k: v for k, v in query.items() if v is not None}
        url = f"{self.url}/_emulator{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        headers = {NAMESPACE_HEADER: self.namespace, "Accept": "application/json"}
        if self.admin_token:
            headers[ADMIN_HEADER] = self.admin_token
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                detail: Any = json.loads(raw)
            except ValueError:
                detail = raw.decode("utf-8", "replace")
            raise AdminError(exc.code, detail, url) from None
        return json.loads(raw) if raw else None

    def health(self) -> dict:
        return self.call("GET", "/health")

    def reset(self, vendor: str | None = None) -> dict:
        return self.call("POST", "/reset", vendor=vendor)

    def state(self) -> dict:
        return self.call("GET", "/state")

    def restore(self, state: dict) -> dict:
        return self.call("PUT", "/state", state)

    def requests(self, **filters: Any) -> list[dict]:
        """The journal of this namespace; filters: vendor, method, path, status, operationId."""
        return self.call("GET", "/requests", **filters)["requests"]

    def clear_requests(self) -> int:
        return self.call("DELETE", "/requests")["removed"]

    def faults(self) -> list[dict]:
        return self.call("GET", "/faults")["faults"]

    def add_fault(self, rule: dict | list[dict] | None = None, **fields: Any) -> Any:
        """``add_fault(vendor="hdp", operationId="getSystemWhitelist", status=500)``."""
        return self.call("POST", "/faults", rule if rule is not None else fields)

    def clear_faults(self, rule_id: str | None = None) -> Any:
        return self.call("DELETE", f"/faults/{rule_id}" if rule_id else "/faults")

    def clock(self) -> dict:
        return self.call("GET", "/clock")

    def advance(self, seconds: float) -> dict:
        return self.call("POST", "/clock", {"advance": seconds})

    def set_clock(self, when: str, freeze: bool | None = None) -> dict:
        if freeze:
            self.call("POST", "/clock", {"freeze": True})
        result = self.call("POST", "/clock", {"set": when})
        return self.call("POST", "/clock", {"freeze": False}) if freeze is False else result

    def freeze(self, frozen: bool = True) -> dict:
        return self.call("POST", "/clock", {"freeze": frozen})

    def decide(self, vendor: str, ip: str, **query: Any) -> dict:
        """Would ``ip`` be admitted right now? HDP takes ``resource=`` and ``user=``, CodeArts ``action=`` and
        ``repository=``."""
        return self.call("GET", f"/decide/{vendor}", ip=ip, **query)


# -- the handle ----------------------------------------------------------------------------------------------------------


class Target:
    """Where the session's tests go: an in-process server, or ``--allowlist-target``."""

    def __init__(self, url: str, bases: dict[str, str], credentials: dict[str, dict], server: Any = None,
                 admin_token: str | None = None, worker: str = "main", emulator: bool = True,
                 mounts: dict[str, str] | None = None):
        self.emulator = emulator  # False: a real deployment, which has no control plane
        self.url = url.rstrip("/")
        self.bases = bases
        self.mounts = mounts or {}  # vendor → where an emulator at ``url`` serves it: those bases take /_ns/<name>
        self.credentials = credentials
        self.server = server
        self.admin_token = admin_token
        self.worker = worker
        self._counter = itertools.count(1)
        self._session = os.urandom(4).hex()  # two sessions against one target emulator never share a name

    @property
    def external(self) -> bool:
        return self.server is None

    def base(self, vendor: str, namespace: str | None = None) -> str:
        if vendor not in self.bases:
            raise KeyError(f"unknown vendor {vendor!r}; known: {', '.join(self.bases)}")
        mount = self.mounts.get(vendor)
        if namespace is None or mount is None:
            return self.bases[vendor]
        return self.url + _namespace_path(namespace) + mount

    def new_namespace(self) -> str:
        return f"pytest-{self.worker}-{self._session}-{next(self._counter)}"

    def mark(self) -> int:
        """Where the in-process store's count of created namespaces stands (before a test)."""
        return self.server.emulator.store.created if self.server is not None else 0

    def drop(self, namespace: str, mark: int = 0, listener: bool = False) -> None:
        """In-process: forget every namespace created since ``mark`` (the test's own, and any other it made; nothing to
        do, and no call, when it made none), with their listeners. A target emulator: reset the test's namespace and
        close its ``listener`` if it opened one. Never fails a test."""
        if self.server is not None:
            if self.server.emulator.store.created != mark:
                self.server.call(_forget_since, self.server.emulator, mark)
            return
        if not self.emulator:
            return
        admin = AdminClient(self.url, namespace, self.admin_token, timeout=5)
        try:
            admin.reset()
            if listener:
                admin.call("DELETE", "/listeners")
        except (AdminError, OSError, ValueError):
            pass


async def _forget_since(emulator: Any, mark: int) -> None:
    """On the server's loop: drop the namespaces created since ``mark``, with their fault rules and listeners."""
    names = emulator.store.drop_created_since(mark)
    if emulator.faults.rules:
        for name in names:
            emulator.faults.remove(name)
    if emulator.listeners.ports:
        await emulator.listeners.close(names)


def _namespace_path(name: str) -> str:
    from .state import namespace_path  # loaded with the emulator anyway; not at plugin import

    return namespace_path(name)


class AllowlistEmulator:
    """What a test gets from the ``allowlist_emulator`` fixture."""

    def __init__(self, target: Target, namespace: str):
        self._target = target
        self.url = target.url
        self.namespace = namespace
        self.headers = {NAMESPACE_HEADER: namespace}
        self.credentials = target.credentials
        self.external = target.external  # True with --allowlist-target
        self._admin: AdminClient | None = None
        self._endpoint: str | None = None

    @property
    def admin(self) -> AdminClient:
        """The control plane in this test's namespace (made on first use: most tests never ask)."""
        if self._admin is None:
            self._admin = AdminClient(self._target.url, self.namespace, self._target.admin_token)
        return self._admin

    def base(self, vendor: str) -> str:
        """Where ``vendor``'s spec paths start, in this test's namespace: ``url + "/_ns/<namespace>"`` (+ ``"/b2core"``
        for B2Core). A client given only this base URL is isolated. Against a real deployment: its own URL."""
        return self._target.base(vendor, self.namespace)

    def endpoint(self, vendor: str) -> str:
        """Where ``vendor``'s spec paths start, in this test's namespace, selected by the **port** alone: for a client
        that keeps only the scheme, host and port of the URL it is given, such as the official Huawei SDK's
        ``with_endpoints``. A namespace listener of the emulator (``POST /_emulator/listeners``), opened on first use
        and closed when the test ends. Against a real deployment: its own URL."""
        target = self._target
        mount = target.mounts.get(vendor)
        if vendor not in target.bases or not target.emulator or mount is None:
            return target.base(vendor)
        if self._endpoint is None:
            self._endpoint = str(self.admin.call("POST", "/listeners")["url"])
        return self._endpoint + mount

    @staticmethod
    def cassette(vendor: str, name: str) -> Path:
        """A shipped cassette, e.g. ``cassette("hdp", "tenant_whitelists")`` (see ``fixtures/<vendor>/README.md``)."""
        from .recording import cassette_path

        return cassette_path(vendor, name)

    def __repr__(self) -> str:
        return f"<AllowlistEmulator {self.url} namespace={self.namespace}>"


# -- fixtures ------------------------------------------------------------------------------------------------------------


def _worker(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    if workerinput:
        return str(workerinput.get("workerid", "gw"))
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _load_credentials(path: str | None) -> dict[str, dict]:
    with _plain_imports():  # the vendor registry, imported as any library is (see _start_in_process)
        from .recording.demo import demo_credentials

    credentials = demo_credentials()
    if path:
        import yaml

        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise pytest.UsageError(f"--allowlist-credentials {path}: {exc.strerror or exc}") from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise pytest.UsageError(f"--allowlist-credentials {path}: not YAML or JSON: {' '.join(str(exc).split())[:200]}") from None
        if not isinstance(data, dict):
            raise pytest.UsageError(f"--allowlist-credentials {path}: expected a mapping vendor → credentials")
        for vendor, values in data.items():
            if not isinstance(values, dict):
                raise pytest.UsageError(f"--allowlist-credentials {path}: {vendor}: expected a mapping")
            credentials[str(vendor)] = dict(values)
    return credentials


def _external_bases(values: list[str], admin_token: str | None) -> tuple[str, dict[str, str], bool, dict[str, str]]:
    default = None
    per_vendor: dict[str, str] = {}
    known = _vendor_keys()
    for value in values:
        vendor, sep, url = value.partition("=")
        if sep and vendor in known:
            per_vendor[vendor] = url.rstrip("/")
        else:
            default = value.rstrip("/")
    root = default or next(iter(per_vendor.values()))
    bases = {vendor: root for vendor in known}
    emulator = False
    mounts: dict[str, str] = {}
    if default is not None:
        try:  # an emulator tells where each vendor is mounted (B2Core's [base])
            health = AdminClient(default, "default", admin_token, timeout=5).health()
            for vendor, mount in (health.get("bases") or {}).items():
                mounts[vendor] = "" if mount in ("", "/") else mount
                bases[vendor] = default + mounts[vendor]
            # a namespace listener's port serves one namespace: the tests share it, as on a real deployment
            emulator = health.get("status") == "ok" and not health.get("listener")
        except (AdminError, OSError, ValueError, AttributeError):
            pass  # not an emulator: every vendor at the URL itself
    bases.update(per_vendor)
    for vendor in per_vendor:  # VENDOR=URL: that URL as it is
        mounts.pop(vendor, None)
    return root, bases, emulator, (mounts if emulator else {})


@pytest.fixture(scope="session")
def _allowlist_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    config = request.config
    credentials = _load_credentials(config.getoption("allowlist_credentials"))
    admin_token = config.getoption("allowlist_admin_token")
    targets = config.getoption("allowlist_target") or []
    worker = _worker(config)
    if targets:
        url, bases, emulator, mounts = _external_bases(targets, admin_token)
        yield Target(url, bases, credentials, None, admin_token, worker, emulator, mounts)
        return
    server = _start_in_process()
    try:
        mounts = {vendor: server.emulator.base_path(vendor) for vendor in server.emulator.vendors}
        bases = {vendor: server.url + mount for vendor, mount in mounts.items()}
        yield Target(server.url, bases, credentials, server, None, worker, mounts=mounts)
    finally:
        server.stop()


def _start_in_process() -> Any:
    """Import, build and start the session's emulator: most of what a short session pays for it, so two things keep
    it down (bench/fixture_cost.py measures the whole):

    * the garbage collector is off meanwhile, and what is alive when the server is up is then frozen
      (``gc.freeze``): the ~40,000 objects made here (aiohttp's modules, most of them) live to the session's end, and
      left to the collector, every full collection of the session would walk them again; without the freeze they
      cost a 300-test session as much again as the start-up itself;
    * the emulator's own modules are imported as any library is, not through pytest's assertion rewriting, which
      pytest applies to the whole package of every plugin: a slower loader per module, and under
      ``PYTHONDONTWRITEBYTECODE`` a parse and rewrite of every module in every session (the plugin module itself,
      already imported, keeps its rewritten asserts).

    * aiohttp's two TLS client contexts, which it builds from the system's CA files when ``aiohttp.connector`` is
      imported, load those files when first used instead (``lazy_tls.py``): the emulator never uses them.

    What is left is mostly aiohttp's own import (about four fifths of the start: bench/startup_cost.py's floor).
    """
    with _collection_paused_then_frozen(), _plain_imports():
        from .lazy_tls import import_aiohttp

        import_aiohttp()  # aiohttp's TLS client contexts load the CA files when first used, not now
        from .app import Options
        from .server import EmulatorServer

        return EmulatorServer(Options(trust_forwarded_for=True)).start()


@contextlib.contextmanager
def _collection_paused_then_frozen() -> Iterator[None]:
    """The garbage collector off for the block, then back as it was; what is alive when the block ends goes to the
    collector's permanent generation, never walked again (the session's objects that exist by then too: pytest's
    items and fixtures, which live to the session's end as well)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _plain_imports() -> Iterator[None]:
    """pytest's assertion-rewriting import hook out of ``sys.meta_path`` for the block, then back where it was."""
    hooks = [(i, finder) for i, finder in enumerate(sys.meta_path)
             if type(finder).__module__ == "_pytest.assertion.rewrite"]
    for _, finder in reversed(hooks):
        sys.meta_path.remove(finder)
    try:
        yield
    finally:
        for i, finder in hooks:
            sys.meta_path.insert(i, finder)


@pytest.fixture(scope="session")
def allowlist_emulator_url(_allowlist_target: Target) -> str:
    """The base URL of the session's emulator (or of ``--allowlist-target``)."""
    return _allowlist_target.url


@pytest.fixture
def allowlist_emulator(request: pytest.FixtureRequest) -> Iterator[AllowlistEmulator]:
    """The session's emulator, seen through a fresh namespace for this test (dropped afterwards, with any other
    namespace the test created)."""
    # Looked up, not taken as an argument: pytest hangs a finalizer of every function-scoped fixture on each fixture
    # it takes as an argument, and a session fixture keeps them (each with the test's request) until the session
    # ends, ~0.9 KB a test that never goes away (bench/fixture_cost.py --rss).
    target: Target = request.getfixturevalue("_allowlist_target")
    namespace = target.new_namespace()
    mark = target.mark()
    handle = AllowlistEmulator(target, namespace)
    yield handle
    target.drop(namespace, mark, listener=handle._endpoint is not None)


pytest_plugins = [*globals().get("pytest_plugins", []), "allowlist_emulator.contract.pytest_hook"]  # fixture allowlist_contract
