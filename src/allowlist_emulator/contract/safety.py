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

- HDP: ``updateConfiguration`` (configuration 8 switches whitelist filtering on) is never run. The whitelist
  create/update operations only run when configuration 8 reads ``"false"``: with filtering on, a generated list
  would be enforced at once and could leave out this client. Deletes always run (they only widen access).
- Talend: ``setIpAllowlistEnabled`` and ``createIpAllowlist``/``replaceIpAllowlist`` (both path families) are never
  run, since their bodies switch the policy on. Entry operations run: Talend exempts holders of
  "Users - Management" (which the suite's token needs anyway) from the policy.
- CodeArts and B2Core: their lists govern repository access and IB access, not the API the suite calls, so every
  operation runs; the lists are restored afterwards.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable
from urllib.parse import parse_qs, urlsplit

import requests
from requests.auth import AuthBase

from .auth import BasicAuth, VendorAuth

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
        return self.inner(request)


# -- HDP ------------------------------------------------------------------------------------------------------------------
class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


_ABSENT = _Marker("absent")  # the target exists and has no allowlist record: restoring it means deleting


class HdpSafety(Safety):
    vendor = "hdp"
    WL = "/api/admin/security/whitelist"

    def caller(self) -> str | None:
        return self.auth.user if isinstance(self.auth, BasicAuth) else None

    def scope_for(self, method, path, query):
        if path == f"{self.WL}/system":
            return ("system",)
        if path.startswith(f"{self.WL}/tenants/"):
            return ("tenant", int(path.rsplit("/", 1)[1]))
        if path == "/api/mgmt/security/whitelist/user":
            names = query.get("user")
            return ("user", names[0] if names else self.caller())
        if path.startswith("/api/admin/configurations/"):
            return ("configuration", int(path.rsplit("/", 1)[1]))
        return None

    def _path(self, scope: Scope) -> tuple[str, dict]:
        kind = scope[0]
        if kind == "system":
            return f"{self.WL}/system", {}
        if kind == "tenant":
            return f"{self.WL}/tenants/{scope[1]}", {}
        if kind == "user":
            return "/api/mgmt/security/whitelist/user", ({"user": scope[1]} if scope[1] is not None else {})
        return f"/api/admin/configurations/{scope[1]}", {}

    def read(self, scope):
        path, params = self._path(scope)
        response = self.call("GET", path, params=params)
        if response.status_code in (400, 403, 404):
            code = ((self.body(response) or {}).get("error") or {}).get("code")
            if code in (222208719, 222208728):  # no whitelist record (tenant / system or user)
                return _ABSENT
            # Unknown tenant, user or configuration, an invalid id, or a target the caller may not administer (HDP
            # asks the same permissions for reading and writing): nothing can be written there.
            return NOTHING
        body = self.body(self.expect(response, 200))
        return body.get("value") if scope[0] == "configuration" else body

    def write_back(self, scope, wanted, current):
        path, params = self._path(scope)
        if scope[0] == "configuration":
            self.expect(self.call("PUT", path, json={"value": wanted}), 200)
        elif wanted == _ABSENT:
            self.expect(self.call("DELETE", path, params=params), 204, 404)
        elif current == _ABSENT:
            self.expect(self.call("POST", path, params=params, json=wanted), 201)
        else:
            self.expect(self.call("PUT", path, params=params, json=wanted), 200)

    def restore_order(self, scopes):
        # Filtering switched off first (so the lists can be written back), switched on last (over restored lists).
        off = [s for s in scopes if s[0] == "configuration" and self.snapshots.get(s) == "false"]
        on = [s for s in scopes if s[0] == "configuration" and s not in off]
        return off + [s for s in scopes if s[0] != "configuration"] + on

    def exclusions(self):
        if not self.live:
            return {}
        out = {"updateConfiguration": "configuration 8 switches IP whitelist filtering on; never changed on a live target"}
        try:
            value = self.read(("configuration", 8))
            if value is NOTHING:
                value = "unreadable"
        except (RestoreError, requests.RequestException, AttributeError) as exc:
            value = f"unreadable ({exc})"
        if value != "false":
            reason = (f"IP whitelist filtering (configuration 8) is {value!r}: a generated list would be enforced at once "
                      "and could leave out this client; set it to \"false\" to run the whitelist writes")
            for op in ("createSystemWhitelist", "updateSystemWhitelist", "createTenantWhitelist",
                       "updateTenantWhitelist", "createUserWhitelist", "updateUserWhitelist"):
                out[op] = reason
        return out


# -- Talend ---------------------------------------------------------------------------------------------------------------
class TalendSafety(Safety):
    vendor = "talend"
    ROOTS = ("/security/ip-allowlist", "/v1/management/ip-allowlist")

    def scope_for(self, method, path, query):
        if any(path == root or path.startswith(root + "/") for root in self.ROOTS):
            return ("policy",)
        return None

    def read(self, scope):
        response = self.call("GET", "/security/ip-allowlist")
        if response.status_code == 404:
            return _ABSENT
        data = self.body(self.expect(response, 200)) or {}
        return {
            "enabled": data.get("enabled"),
            "description": data.get("description", ""),
            "ips": [{"ip": e.get("ip"), "description": e.get("description", "")} for e in data.get("ips") or []],
        }

    def write_back(self, scope, wanted, current):
        if wanted == _ABSENT:
            self.expect(self.call("DELETE", "/security/ip-allowlist"), 204, 404)
        elif current == _ABSENT:
            self.expect(self.call("POST", "/security/ip-allowlist", json=wanted), 201)
        else:
            # PUT adds IPs to the existing list (it never removes one): delete the entries the run added or changed,
            # then PUT the wanted policy, which re-adds what is missing and sets `enabled` and `description`
            keep = {(e["ip"], e["description"]) for e in wanted["ips"]}
            listed = self.body(self.expect(self.call("GET", "/security/ip-allowlist/ips"), 200)) or []
            for entry in listed:
                if (entry.get("ip"), entry.get("description", "")) not in keep and entry.get("id"):
                    self.expect(self.call("DELETE", f"/security/ip-allowlist/ips/{entry['id']}"), 204)
            self.expect(self.call("PUT", "/security/ip-allowlist", json=wanted), 200)

    def exclusions(self):
        if not self.live:
            return {}
        reason = "its body can switch the allowlist policy on; never sent to a live target"
        return {op: reason for op in ("setIpAllowlistEnabled", "setIpAllowlistEnabledLegacy", "createIpAllowlist",
                                      "createIpAllowlistLegacy", "replaceIpAllowlist", "replaceIpAllowlistLegacy")}


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


class CodeArtsSafety(EntryListSafety):
    vendor = "codearts"
    fields = ("ip_type", "ip_start", "ip_end", "view_flag", "download_flag", "upload_flag", "remark")

    def scope_for(self, method, path, query):
        if path == "/v4/tenant/trusted-ip-addresses" or path.startswith("/v4/tenant/trusted-ip-addresses/"):
            return ("tenant",)
        parts = path.strip("/").split("/")
        if len(parts) >= 4 and parts[:2] == ["v4", "projects"] and parts[3] == "trusted-ip-addresses":
            return ("repository", int(parts[2]))
        return None

    def list_path(self, scope):
        return "/v4/tenant/trusted-ip-addresses" if scope[0] == "tenant" else f"/v4/projects/{scope[1]}/trusted-ip-addresses"

    def read(self, scope):
        if scope[0] == "repository":
            response = self.call("GET", self.list_path(scope), params={"offset": 0, "limit": 1})
            if response.status_code in (400, 404):
                return NOTHING  # no such repository: nothing the run can have written
        return super().read(scope)

    def content(self, item):
        out = super().content(item)
        if out.get("ip_type") == 2:  # a CIDR rule is written back as its block
            out["ip_end"] = None
            out["ip_start"] = item.get("ip_range") or item.get("ip_start")
        return out


class B2CoreSafety(EntryListSafety):
    vendor = "b2core"
    id_field = "addressId"
    fields = ("ipAddress", "policy", "ttl")
    page_size = 1000

    def scope_for(self, method, path, query):
        if path == "/addresses" or path.startswith("/addresses/"):
            return ("addresses",)
        return None

    def list_path(self, scope):
        return "/addresses"


SAFETY: dict[str, Callable[..., Safety]] = {
    "hdp": HdpSafety,
    "talend": TalendSafety,
    "codearts": CodeArtsSafety,
    "b2core": B2CoreSafety,
}


def make_safety(vendor: str, base_url: str, session: requests.Session, auth: VendorAuth, live: bool) -> Safety:
    return SAFETY[vendor](base_url, session, auth, live)
