"""HDP's state and rules: tenants, users, whitelists at three levels, configuration 8, and the admission decision.

Configuration, from ``vendors: {hdp: {...}}`` in the ``--config`` YAML (every key optional; the schema is
``config.py``)::

    tenants:                    # extra tenants, added to the demo ones (1 SystemTenant, 2 OrgA, 3 OrgB);
      - {id: 4, name: OrgC}     #   an id that exists renames that tenant
    users:                      # extra users, added to the demo ones (d2cadmin, orgadmin, user1, viewer);
      - id: 5                   #   a name that exists replaces that demo user
        name: ops
        password: ops
        tenant: 2               # the tenant the user belongs to (must be a tenant)
        permissions: [11, 29]   # 12 Administrator, 11 MgmtAPI, 29 IPWhiteList, 22 Configurations; default none
        administers: [2]        # tenants whose whitelists the user may manage (Administrator: every one); default none
    whitelists:                 # lists present at start (and after /_emulator/reset); none by default
      system: {adminAPI: [{startAddress: 10.0.0.1}], webUI: [{startAddress: 10.0.0.0, endAddress: 10.0.0.255}]}
      tenants: {"2": {managementAPI: [{startAddress: 192.168.1.10}]}}   # tenant id → document
      users: {user1: {managementAPI: [{startAddress: 192.168.1.11}]}}   # user name → document
    filtering: "true"           # configuration 8, "true" (the default) or "false": whether the lists are enforced
    generate: 1000              # N fake addresses in the system dataAccess list (the 'faker' extra)

A document holds up to four resources, ``managementAPI``, ``adminAPI``, ``dataAccess`` and ``webUI`` (system level
only), each a list of ``{startAddress, endAddress}`` (``endAddress`` optional: a single address). Seeded documents
are checked like a request body. ``/_emulator/state`` holds ``tenants``, ``users``, ``whitelists`` and
``filtering``; restoring a state takes its tenants and users as the whole set.
"""

from __future__ import annotations

import copy
import hmac
from dataclasses import dataclass, field
from typing import Any, Mapping

from ...addresses import AddressError, IntervalIndex, is_loopback, join_range, normalise_client, parse_block, parse_range
from ...state.clock import Clock
from ...engine.errors import ApiError
from . import errors as e

RESOURCES = ("managementAPI", "adminAPI", "dataAccess", "webUI")
ADMINISTRATOR, MGMT_API, CONFIGURATIONS, IP_WHITELIST = 12, 11, 22, 29
FILTERING = 8
FILTERING_DESCRIPTION = 'Enable IP Whitelist filtering, when value is set to true. Default value is "true".'

DEFAULT_TENANTS = [
    {"id": 1, "name": "SystemTenant"},
    {"id": 2, "name": "OrgA"},
    {"id": 3, "name": "OrgB"},
]
DEFAULT_USERS = [
    {"id": 1, "name": "d2cadmin", "password": "d2cadmin", "tenant": 1, "permissions": [ADMINISTRATOR], "administers": []},
    {"id": 2, "name": "orgadmin", "password": "orgadmin", "tenant": 2, "permissions": [MGMT_API, IP_WHITELIST], "administers": [2]},
    {"id": 3, "name": "user1", "password": "user1", "tenant": 2, "permissions": [MGMT_API, IP_WHITELIST], "administers": []},
    {"id": 4, "name": "viewer", "password": "viewer", "tenant": 2, "permissions": [], "administers": []},
]


@dataclass
class User:
    id: int
    name: str
    password: str
    tenant: int
    permissions: frozenset[int]
    administers: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return ADMINISTRATOR in self.permissions

    @property
    def manages_whitelists(self) -> bool:
        return self.is_admin or {MGMT_API, IP_WHITELIST} <= self.permissions

    def administers_tenant(self, tenant: int) -> bool:
        return self.is_admin or tenant in self.administers

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "password": self.password, "tenant": self.tenant,
                "permissions": sorted(self.permissions), "administers": sorted(self.administers)}

    @classmethod
    def from_json(cls, data: Mapping) -> "User":
        return cls(int(data["id"]), str(data["name"]), str(data["password"]), int(data["tenant"]),
                   frozenset(int(p) for p in data.get("permissions", [])), frozenset(int(t) for t in data.get("administers", [])))


class Whitelist:
    """One level's whitelists as the client wrote them, plus an interval index per resource."""

    __slots__ = ("document", "_indexes")

    def __init__(self, document: dict):
        self.document = document
        self._indexes: dict[str, IntervalIndex] = {}

    def protected(self) -> list[str]:
        return [key for key in RESOURCES if self.document.get(key)]

    def index(self, resource: str) -> IntervalIndex | None:
        """None when this level has no list for the resource (absent, null or empty: every address is admitted)."""
        ranges = self.document.get(resource)
        if not ranges:
            return None
        index = self._indexes.get(resource)
        if index is None:
            index = self._indexes[resource] = IntervalIndex(
                (parse_range(item["startAddress"], item.get("endAddress")), item) for item in ranges
            )
        return index


def check_document(document: dict, level: str) -> dict:
    """Semantic checks the schema cannot make; raises the HDP error naming the field."""
    for resource in RESOURCES:
        ranges = document.get(resource)
        if resource == "webUI" and level != "system" and ranges:
            raise e.error(e.WEBUI_BELOW_SYSTEM)
        for index, item in enumerate(ranges or []):
            where = f"{resource}[{index}]"
            start, end = item.get("startAddress"), item.get("endAddress")
            try:
                first = parse_block(start)
            except AddressError:
                raise e.error(e.INVALID_ADDRESS, f"{where}.startAddress", start) from None
            if end is None:
                continue
            try:
                last = parse_block(end)
            except AddressError:
                raise e.error(e.INVALID_ADDRESS, f"{where}.endAddress", end) from None
            try:
                join_range(first, last, start, end)
            except AddressError as exc:
                code = e.REVERSED_RANGE if exc.kind == "reversed" else e.MIXED_FAMILY
                raise e.error(code, where, start, end) from None
    return document


@dataclass
class HdpModel:
    tenants: dict[int, str]
    users: dict[str, User]
    system: Whitelist | None = None
    tenant_lists: dict[int, Whitelist] = field(default_factory=dict)
    user_lists: dict[str, Whitelist] = field(default_factory=dict)
    filtering: str = "true"

    # -- construction ------------------------------------------------------------------------------------------------
    @classmethod
    def seeded(cls, config: Mapping, rng: Any, clock: Clock) -> "HdpModel":
        """The start state from ``config``: its tenants and users add to the demo ones (same id / name: replaced)."""
        tenants = {**{t["id"]: t for t in DEFAULT_TENANTS}, **{int(t["id"]): t for t in config.get("tenants") or []}}
        users = {**{u["name"]: u for u in DEFAULT_USERS}, **{str(u["name"]): u for u in config.get("users") or []}}
        return cls._build(config, list(tenants.values()), list(users.values()))

    @classmethod
    def _build(cls, data: Mapping, tenant_items: list, user_items: list) -> "HdpModel":
        tenants = {int(t["id"]): str(t["name"]) for t in tenant_items}
        users = {}
        for item in user_items:
            user = User.from_json(item)
            if user.tenant not in tenants:
                raise ValueError(f"users: {user.name}: tenant {user.tenant} is not a tenant (tenants: "
                                 f"{', '.join(map(str, sorted(tenants)))})")
            users[user.name] = user
        model = cls(tenants=tenants, users=users)
        whitelists = data.get("whitelists") or {}
        if whitelists.get("system"):
            model.system = Whitelist(check_document(copy.deepcopy(whitelists["system"]), "system"))
        for tenant, document in (whitelists.get("tenants") or {}).items():
            model.tenant_lists[int(tenant)] = Whitelist(check_document(copy.deepcopy(document), "tenant"))
        for user, document in (whitelists.get("users") or {}).items():
            model.user_lists[str(user)] = Whitelist(check_document(copy.deepcopy(document), "user"))
        if "filtering" in data:
            model.filtering = "true" if str(data["filtering"]).lower() == "true" else "false"
        return model

    def to_json(self) -> dict:
        return {
            "tenants": [{"id": tid, "name": name} for tid, name in sorted(self.tenants.items())],
            "users": [user.to_json() for user in self.users.values()],
            "whitelists": {
                "system": self.system.document if self.system else None,
                "tenants": {str(tid): wl.document for tid, wl in sorted(self.tenant_lists.items())},
                "users": {name: wl.document for name, wl in self.user_lists.items()},
            },
            "filtering": self.filtering,
        }

    @classmethod
    def from_json(cls, data: Mapping, config: Mapping, rng: Any, clock: Clock) -> "HdpModel":
        """A saved state, exactly: its tenants and users are the whole set (the demo ones where it has no list)."""
        return cls._build(data, data.get("tenants", DEFAULT_TENANTS), data.get("users", DEFAULT_USERS))

    # -- lookups -----------------------------------------------------------------------------------------------------
    def login(self, name: str, password: str) -> User | None:
        user = self.users.get(name)
        expected = user.password if user else "\0" * max(len(password), 1)
        ok = hmac.compare_digest(password.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))
        return user if user is not None and ok else None

    def tenant(self, tenant_id: int) -> str:
        if tenant_id not in self.tenants:
            raise e.error(e.TENANT_UNKNOWN, tenant_id)
        return self.tenants[tenant_id]

    def user(self, name: str) -> User:
        user = self.users.get(name)
        if user is None:
            raise e.error(e.USER_UNKNOWN, name)
        return user

    # -- whitelists at each level ----------------------------------------------------------------------------------------
    def get_system(self) -> dict:
        if self.system is None:
            raise e.error(e.NO_WHITELIST, "system")
        return self.system.document

    def put_system(self, document: dict, *, create: bool) -> dict:
        if create and self.system is not None:
            raise e.error(e.ALREADY_EXISTS, "system")
        if not create and self.system is None:
            raise e.error(e.NO_WHITELIST, "system")
        self.system = Whitelist(check_document(document, "system"))
        return document

    def delete_system(self) -> None:
        if self.system is None:
            raise e.error(e.NO_WHITELIST, "system")
        self.system = None

    def get_tenant(self, tenant_id: int) -> dict:
        self.tenant(tenant_id)
        wl = self.tenant_lists.get(tenant_id)
        if wl is None:
            raise e.error(e.TENANT_NO_WHITELIST, tenant_id)
        return wl.document

    def put_tenant(self, tenant_id: int, document: dict, *, create: bool) -> dict:
        self.tenant(tenant_id)
        exists = tenant_id in self.tenant_lists
        if create and exists:
            raise e.error(e.ALREADY_EXISTS, f"tenant id : {tenant_id}")
        if not create and not exists:
            raise e.error(e.TENANT_NO_WHITELIST, tenant_id)
        self.tenant_lists[tenant_id] = Whitelist(check_document(document, "tenant"))
        return document

    def delete_tenant(self, tenant_id: int) -> None:
        self.tenant(tenant_id)
        if self.tenant_lists.pop(tenant_id, None) is None:
            raise e.error(e.TENANT_NO_WHITELIST, tenant_id)

    def get_user(self, name: str) -> dict:
        self.user(name)
        wl = self.user_lists.get(name)
        if wl is None:
            raise e.error(e.NO_WHITELIST, f"user : {name}")
        return wl.document

    def put_user(self, name: str, document: dict, *, create: bool) -> dict:
        self.user(name)
        exists = name in self.user_lists
        if create and exists:
            raise e.error(e.ALREADY_EXISTS, f"user : {name}")
        if not create and not exists:
            raise e.error(e.NO_WHITELIST, f"user : {name}")
        self.user_lists[name] = Whitelist(check_document(document, "user"))
        return document

    def delete_user(self, name: str) -> None:
        self.user(name)
        if self.user_lists.pop(name, None) is None:
            raise e.error(e.NO_WHITELIST, f"user : {name}")

    def applied_tenants(self, caller: User) -> list[dict]:
        return [
            {"id": tid, "name": self.tenants.get(tid, str(tid)), "protectedResources": wl.protected()}
            for tid, wl in sorted(self.tenant_lists.items())
            if caller.administers_tenant(tid)
        ]

    def applied_users(self, caller: User) -> list[dict]:
        out = []
        for name, wl in self.user_lists.items():
            user = self.users.get(name)
            if user is None or not (caller.administers_tenant(user.tenant) or user.name == caller.name):
                continue
            out.append({"id": user.id, "name": name, "protectedResources": wl.protected()})
        return sorted(out, key=lambda item: item["id"])

    # -- enforcement -------------------------------------------------------------------------------------------------
    def admits(self, address, resource: str, user: User | None) -> tuple[bool, str, dict | None]:
        """(allowed, reason, matched) for a client address reaching ``resource`` as ``user``: every level with a list
        for the resource (system, the user's tenant, the user) must admit the address."""
        if self.filtering != "true":
            return True, "IP whitelist filtering is off (configuration 8 is \"false\")", None
        if is_loopback(address):
            return True, "requests from the local host bypass the whitelists", None
        levels: list[tuple[str, Whitelist | None]] = [("system", self.system)]
        if user is not None:
            levels.append((f"tenant {user.tenant}", self.tenant_lists.get(user.tenant)))
            levels.append((f"user {user.name}", self.user_lists.get(user.name)))
        matched = None
        checked = []
        for level, wl in levels:
            index = wl.index(resource) if wl else None
            if index is None:
                continue
            checked.append(level)
            hit = index.find(address) if address is not None else None
            if hit is None:
                return False, f"{address} is not on the {level} {resource} whitelist", None
            matched = {"level": level, "resource": resource, **hit[1]}
        if not checked:
            return True, f"no whitelist applies to {resource}", None
        return True, f"{address} is admitted by the {', '.join(checked)} {resource} whitelist(s)", matched


def resource_of_path(path: str) -> str:
    """Administrators API (``/api/admin/...``) or Management API (``/api/mgmt/...``)."""
    return "adminAPI" if path.startswith("/api/admin") else "managementAPI"


def decide(model: HdpModel, query: Mapping[str, str], namespace: Any) -> dict:
    address = normalise_client(query.get("ip"))
    if address is None:
        raise ApiError(400, f"ip: {query.get('ip')!r} is not a valid IPv4 or IPv6 address", field="ip")
    resource = query.get("resource", "managementAPI")
    if resource not in RESOURCES:
        raise ApiError(400, f"resource: must be one of {', '.join(RESOURCES)}", field="resource")
    user = None
    if query.get("user"):
        user = model.users.get(query["user"])
        if user is None:
                raise ApiError(404, f"user: {query['user']!r} does not exist", field="user")
    allowed, reason, matched = model.admits(address, resource, user)
    return {"allowed": allowed, "reason": reason, "matched": matched, "ip": str(address), "resource": resource,
            "user": user.name if user else None}


def place_generated(config: dict, entries: list[tuple[str, str]]) -> dict:
    """``generate: N``: N fake addresses in the system whitelist's ``dataAccess`` list (JDBC/ODBC/OData), which
    the emulated API never checks, so generated data cannot lock anybody out."""
    whitelists = dict(config.get("whitelists") or {})
    system = dict(whitelists.get("system") or {})
    system["dataAccess"] = list(system.get("dataAccess") or []) + [{"startAddress": ip} for ip, _ in entries]
    whitelists["system"] = system
    return {**config, "whitelists": whitelists}
