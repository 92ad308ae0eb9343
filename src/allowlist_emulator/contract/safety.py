"""Keep a contract run from damaging the target: snapshot what it writes, put it back afterwards, and leave out the
operations that could lock the caller out of a live deployment.

**Snapshot on first touch.** Every request the suite sends passes through :class:`GuardedAuth`. Before the first
write (POST, PUT, PATCH, DELETE) to a *scope* — one allowlist: HDP's system / a tenant's / a user's whitelist or a
configuration, Talend's policy, CodeArts' tenant list or one repository's list, B2Core's address policies — the
scope is read through the vendor's own API and kept. :meth:`Safety.restore` (called by the runner on success,
failure and Ctrl-C) then writes every touched scope back to what was read, and reads it again to confirm.
Only scopes the run actually wrote to are touched; reads never trigger anything.

What cannot be restored exactly: server-assigned ids and timestamps of entries the run deleted (they are
re-created, with new ids), and B2Core/CodeArts `updateTime`/`updated_at` of entries the run changed.

**Live-target guards** (:meth:`Safety.exclusions`; nothing is excluded when the target is an emulator, whose
``X-Emulator-Namespace`` isolates the run):

each vendor's ``Safety`` subclass, in its folder's ``contract.py`` (``vendors/<key>/contract.py``: ``SAFETY``), says
which operations it leaves out of a live run and why.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Hashable
from urllib.parse import parse_qs, urlsplit

import requests
from requests.auth import AuthBase

from .auth import VendorAuth

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Scope = tuple[Hashable, ...]


class RestoreError(RuntimeError):
    pass


class _Nothing:
    """The write's target does not exist or the address is invalid (the read gets 400/404): a write there cannot
    store anything, so there is nothing to restore."""

    def __repr__(self) -> str:
        return "nothing"


NOTHING = _Nothing()


@dataclass
class RestoreReport:
    restored: list[str] = field(default_factory=list)  # human-readable scope names put back (or already equal)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Safety:
    """Base: scope detection from a prepared request, snapshot, restore. One subclass per vendor."""

    vendor = ""

    def __init__(self, base_url: str, session: requests.Session, auth: VendorAuth, live: bool):
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path.rstrip("/")
        self.session = session
        self.auth = auth
        self.live = live
        self.snapshots: dict[Scope, Any] = {}
        self.order: list[Scope] = []
        self.errors: list[str] = []
        self._lock = threading.RLock()

    # -- hooks for subclasses ------------------------------------------------------------------------------------------
    def scope_for(self, method: str, path: str, query: dict[str, list[str]]) -> Scope | None:
        raise NotImplementedError

    def read(self, scope: Scope) -> Any:
        raise NotImplementedError

    def write_back(self, scope: Scope, wanted: Any, current: Any) -> None:
        raise NotImplementedError

    def exclusions(self) -> dict[str, str]:
        """operationId → reason, for operations that must not run against this (live) target."""
        return {}

    def restore_order(self, scopes: list[Scope]) -> list[Scope]:
        return scopes

    def name(self, scope: Scope) -> str:
        return " ".join(str(part) for part in scope)

    # -- HTTP helpers ------------------------------------------------------------------------------------------------
    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base_url + path, **kwargs)

    @staticmethod
    def body(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None

    def expect(self, response: requests.Response, *statuses: int) -> requests.Response:
        if response.status_code not in statuses:
            raise RestoreError(f"{response.request.method} {response.request.url} answered {response.status_code}: "
                               f"{response.text[:300]}")
        return response

    # -- the run's side ------------------------------------------------------------------------------------------------
    def relative(self, url: str) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(url)
        path = parts.path
        if self.base_path and path.startswith(self.base_path):
            path = path[len(self.base_path):] or "/"
        return path, parse_qs(parts.query, keep_blank_values=True)

    def before_send(self, request: requests.PreparedRequest) -> None:
        """Snapshot the scope of a write the first time the run writes to it."""
        method = (request.method or "GET").upper()
        if method not in WRITE_METHODS:
            return
        path, query = self.relative(request.url or "")
        try:
            scope = self.scope_for(method, path, query)
        except (ValueError, TypeError):
            scope = None
        if scope is None:
            return
        with self._lock:
            if scope in self.snapshots:
                return
            try:
                self.snapshots[scope] = self.read(scope)
            except (RestoreError, requests.RequestException) as exc:
                self.snapshots[scope] = _Unreadable(str(exc))
                self.errors.append(f"could not snapshot {self.name(scope)}: {exc}")
            self.order.append(scope)

    def restore(self) -> RestoreReport:
        report = RestoreReport()
        with self._lock:
            for scope in self.restore_order(list(self.order)):
                wanted = self.snapshots[scope]
                label = self.name(scope)
                if wanted is NOTHING:
                    continue
                if isinstance(wanted, _Unreadable):
                    report.problems.append(f"{label}: not restored, it could not be read before the run ({wanted.reason})")
                    continue
                try:
                    current = self.read(scope)
                    if self.same(wanted, current):
                        report.restored.append(label)
                        continue
                    self.write_back(scope, wanted, current)
                    after = self.read(scope)
                    if self.same(wanted, after):
                        report.restored.append(label)
                    else:
                        report.problems.append(f"{label}: still differs after restoring: "
                                               f"wanted {_short(wanted)}, found {_short(after)}")
                except (RestoreError, requests.RequestException) as exc:
                    report.problems.append(f"{label}: restore failed: {exc}")
        return report

    def same(self, wanted: Any, current: Any) -> bool:
        return wanted == current


@dataclass(frozen=True)
class _Unreadable:
    reason: str


def _short(value: Any) -> str:
    text = json.dumps(value, default=repr, sort_keys=True)
    return text if len(text) <= 300 else text[:300] + "…"


class GuardedAuth(AuthBase):
    """The vendor adapter, plus the first-touch snapshot before each write. This is what schemathesis sends with."""

    def __init__(self, inner: VendorAuth, safety: Safety | None):
        self.inner = inner
        self.safety = safety

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.safety is not None:
            self.safety.before_send(request)
        return self.inner(framed(request))


def framed(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """The message's framing is the HTTP client's, never generated data: schemathesis may draw header names such as
    ``transfer-encoding`` or a ``content-length`` of any text, which make the request invalid HTTP (RFC 9112 6.1,
    6.3). The server's HTTP parser then refuses it with its own text/plain 400 before any API sees it, which says
    nothing about the API. So a generated ``Transfer-Encoding`` goes and ``Content-Length`` is the body's."""
    headers = request.headers
    headers.pop("Transfer-Encoding", None)
    body = request.body
    if body is None:
        if "Content-Length" in headers and request.method in ("GET", "HEAD", "DELETE", "OPTIONS"):
            headers.pop("Content-Length")
        elif "Content-Length" in headers:
            headers["Content-Length"] = "0"
    elif isinstance(body, (bytes, str)):
        headers["Content-Length"] = str(len(body.encode("utf-8") if isinstance(body, str) else body))
    return request


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT = _Marker("absent")  # the target exists and has no allowlist record: restoring it means deleting



# -- lists of server-assigned entries (CodeArts, B2Core) ------------------------------------------------------------------
class EntryListSafety(Safety):
    """A scope is a list of entries with server-assigned ids: delete what the run added, re-create what it deleted,
    write back what it changed."""

    id_field = "id"
    fields: tuple[str, ...] = ()

    def list_path(self, scope: Scope) -> str:
        raise NotImplementedError

    def page(self, scope: Scope, offset: int, limit: int) -> list[dict]:
        response = self.expect(self.call("GET", self.list_path(scope), params={"offset": offset, "limit": limit}), 200)
        data = self.body(response)
        return data if isinstance(data, list) else []

    page_size = 100

    def read(self, scope):
        entries: dict[str, dict] = {}
        offset = 0
        while True:
            items = self.page(scope, offset, self.page_size)
            for item in items:
                entries[str(item.get(self.id_field))] = self.content(item)
            if len(items) < self.page_size:
                return entries
            offset += len(items)
            if offset > 100_000:
                raise RestoreError(f"{self.name(scope)}: more than 100000 entries, refusing to snapshot")

    def content(self, item: dict) -> dict:
        return {name: item.get(name) for name in self.fields}

    def write_back(self, scope, wanted, current):
        path = self.list_path(scope)
        for entry_id in current.keys() - wanted.keys():
            self.expect(self.call("DELETE", f"{path}/{entry_id}"), 200, 204, 404)
        for entry_id, content in wanted.items():
            if entry_id not in current:
                self.expect(self.call("POST", path, json=self.body_for(content)), 200, 201)
            elif current[entry_id] != content:
                self.expect(self.call("PUT", f"{path}/{entry_id}", json=self.body_for(content)), 200)

    def body_for(self, content: dict) -> dict:
        return {k: v for k, v in content.items() if v is not None}

    def same(self, wanted, current):
        # Re-created entries come back with new ids: compare the multisets of contents.
        if isinstance(wanted, dict) and isinstance(current, dict):
            key = lambda c: json.dumps(c, sort_keys=True, default=str)  # noqa: E731
            return sorted(map(key, wanted.values())) == sorted(map(key, current.values()))
        return wanted == current


def make_safety(vendor: str, base_url: str, session: requests.Session, auth: VendorAuth, live: bool) -> Safety:
    """The vendor's ``Safety`` (its folder's ``contract.SAFETY``)."""
    from ..vendors import REGISTRY

    return REGISTRY[vendor].part("contract").SAFETY(base_url, session, auth, live)
