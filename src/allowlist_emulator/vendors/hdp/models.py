"""HDP's state and rules: tenants, users, whitelists at three levels, configurations 1-8, and the admission decision.

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
    configurations: {1: "|", 6: "-1"}   # configurations 1-8 by id, values as GET /api/admin/configurations shows
    generate: 1000              # N fake addresses in the system dataAccess list (the 'faker' extra)

A document holds up to four resources, ``managementAPI``, ``adminAPI``, ``dataAccess`` and ``webUI`` (system level
only), each a list of ``{startAddress, endAddress}`` (``endAddress`` optional: a single address). Seeded documents
are checked like a request body. ``/_emulator/state`` holds ``tenants``, ``users``, ``whitelists`` and
``filtering`` (and the other configurations); restoring a state takes its tenants and users as the whole set.

HDP converts no address between the families ("Hybrid Data Pipeline will not convert IP addresses from one format to
another"): an IPv4-mapped IPv6 address such as ``::ffff:10.0.0.1`` is IPv6, in lists and for clients alike
(``mapped_as_ipv4=False`` everywhere below, and ``Vendor.mapped_as_ipv4`` for the request's client address).
"""

from __future__ import annotations

import copy
import hmac
from dataclasses import dataclass, field
from typing import Any, Mapping

from ...addresses import AddressError, IntervalIndex, address_text, is_loopback, join_range, normalise_client, parse_block, parse_range
from ...state.changes import Entries, mapped, single
from ...state.clock import Clock
from ...engine.errors import ApiError
from . import errors as e

RESOURCES = ("managementAPI", "adminAPI", "dataAccess", "webUI")
ADMINISTRATOR, MGMT_API, CONFIGURATIONS, IP_WHITELIST = 12, 11, 22, 29
MAPPED_AS_IPV4 = False  # no conversion between the address families (see the module docstring)
FILTERING = 8
FILTERING_DESCRIPTION = 'Enable IP Whitelist filtering, when value is set to true. Default value is "true".'


def empty_system() -> dict:
    """The system whitelist of a fresh install: it exists, with an empty list for every resource [doc]."""
    return {key: [] for key in RESOURCES}


@dataclass(frozen=True)
class Setting:
    """One of the System Configurations API's ids 1-8: its description, default and accepted values (None: any
    string; ``nullable``: JSON null too)."""

    id: int
    description: str
    default: str | None
    values: tuple[str, ...] | None = None
    nullable: bool = False


# descriptions and defaults from the vendor's pages where they are published; the rest are chosen (specs/hdp.yaml,
# getConfiguration's x-fidelity, says which)
SETTINGS: dict[int, Setting] = {setting.id: setting for setting in (
    Setting(1, "Delimiter between user name and authentication service/configuration name", None, nullable=True),
    Setting(2, "Enable Secure Password Change, when value is set to true, the change password api will require a "
               "valid old password in order to update the logged in user password.", "true", ("true", "false")),
    Setting(3, "Default OData version for new data sources. 4 is the only supported value.", "4", ("4",)),
    Setting(4, "Default entity name mode for OData V4 data sources. Valid values are: GUESS, PLURALIZE.", "GUESS"),
    Setting(5, "Enable third party JDBC data store plugin feature, when value is set to true. Default value is "
               "\"true\".", "true", ("true", "false")),
    Setting(6, "Valid values are: 1 or -1. Value of 1 enforces that the password be in compliant with the default "
               "password policy. Value of -1 turns off the Password Policy enforcement.Any other value will be treated "
               "like -1", "1"),
    Setting(7, "How the system persists system monitor details. Valid values are: 0 - no persistence, 1 - log, "
               "2 - database, 3 - log and database. Default value is \"1\".", "1", ("0", "1", "2", "3")),
    Setting(FILTERING, FILTERING_DESCRIPTION, "true", ("true", "false")),
)}

# GET /api/admin/permissions: the ids, names and descriptions on the vendor's "Permissions and default roles" and
# "Get permissions" pages (ids 23-26 and 28 exist but are not named on the pages read; they are left out)
PERMISSIONS: tuple[dict, ...] = tuple({"id": pid, "name": name, "description": text} for pid, name, text in (
    (1, "CreateDataSource", "May create new data sources."),
    (2, "ViewDataSource", "May view any data source they own (when given to a role or user) or view an individual "
                          "data source they own (when given to a data source)."),
    (3, "ModifyDataSource", "May modify/update any data source they own (when given to a role or user) or "
                            "modify/update an individual data source they own(when given to a data source)."),
    (4, "DeleteDataSource", "May delete any data source they own."),
    (5, "UseDataSourceWithJDBC", "May connect to any data source they own with the JDBC driver."),
    (6, "UseDataSourceWithODBC", "May connect to any data source they own with the ODBC driver."),
    (7, "UseDataSourceWithOData", "May make OData requests to any data source they own."),
    (8, "WebUI", "May use the Web UI with data sources they own. Operations on the data source through the Web UI "
                 "will be limited based on the permissions they have been granted."),
    (9, "ChangePassword", "May use the Web UI to change their password."),
    (10, "SQLEditorWebUI", "May query the data sources they own with the SQL Editor in the Web UI."),
    (11, "MgmtAPI", "May use the Management API."),
    (12, "Administrator", "Has every permission, on every tenant (system administrator)."),
    (13, "CreateUsers", "May create users in administered tenants."),
    (14, "ViewUsers", "May get lists of users and their information in administered tenants."),
    (15, "ModifyUsers", "May modify user information in administered tenants."),
    (16, "DeleteUsers", "May delete users in administered tenants."),
    (17, "CreateRole", "May create roles in administered tenants."),
    (18, "ViewRole", "May get lists of roles and their information in administered tenants."),
    (19, "ModifyRole", "May modify role information in administered tenants."),
    (20, "DeleteRole", "May delete roles in administered tenants."),
    (21, "OnBehalfOf", "May use ?user=<user> to manage user's data sources in administered tenants."),
    (22, "Configurations", "May view and change the system configurations."),
    (27, "Limits", "May view and change limits, such as the account lockout policy."),
    (29, "IPWhiteList", "May view and change IP address whitelists."),
))

PERMISSIONS_BY_ID: dict[int, dict] = {permission["id"]: permission for permission in PERMISSIONS}

DEFAULT_TENANTS: list[dict[str, Any]] = [
    {"id": 1, "name": "SystemTenant"},
    {"id": 2, "name": "OrgA"},
    {"id": 3, "name": "OrgB"},
]
DEFAULT_USERS: list[dict[str, Any]] = [
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
                ((parse_range(item["startAddress"], item.get("endAddress"), MAPPED_AS_IPV4), item) for item in ranges),
                mapped_as_ipv4=MAPPED_AS_IPV4,
            )
        return index


def _document(whitelist: Whitelist) -> dict:
    return whitelist.document


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
                first = parse_block(start, MAPPED_AS_IPV4)
            except AddressError:
                raise e.error(e.INVALID_ADDRESS, f"{where}.startAddress", start) from None
            if end is None:
                continue
            try:
                last = parse_block(end, MAPPED_AS_IPV4)
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
    system: Whitelist = field(default_factory=lambda: Whitelist(empty_system()))
    tenant_lists: dict[int, Whitelist] = field(default_factory=Entries)
    user_lists: dict[str, Whitelist] = field(default_factory=Entries)
    filtering: str = "true"  # configuration 8
    settings: dict[int, str | None] = field(default_factory=lambda: {i: s.default for i, s in SETTINGS.items() if i != FILTERING})

    # -- construction ------------------------------------------------------------------------------------------------
    @classmethod
    def seeded(cls, config: Mapping, rng: Any, clock: Clock) -> "HdpModel":
        """The start state from ``config``: its tenants and users add to the demo ones (same id / name: replaced)."""
        tenants: dict[int, Any] = {**{t["id"]: t for t in DEFAULT_TENANTS}, **{int(t["id"]): t for t in config.get("tenants") or []}}
        users: dict[str, Any] = {**{u["name"]: u for u in DEFAULT_USERS}, **{str(u["name"]): u for u in config.get("users") or []}}
        return cls._build(config, list(tenants.values()), list(users.values()))

    @classmethod
    def _build(cls, data: Mapping, tenant_items: list, user_items: list, trusted: bool = False) -> "HdpModel":
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

        def document(value: dict, level: str) -> dict:  # a trusted state's documents are fresh objects, checked once
            return value if trusted else check_document(copy.deepcopy(value), level)

        if whitelists.get("system") is not None:
            model.system = Whitelist(document(whitelists["system"], "system"))
        for tenant, value in (whitelists.get("tenants") or {}).items():
            model.tenant_lists[int(tenant)] = Whitelist(document(value, "tenant"))
        for user, value in (whitelists.get("users") or {}).items():
            model.user_lists[str(user)] = Whitelist(document(value, "user"))
        if "filtering" in data:
            model.filtering = "true" if str(data["filtering"]).lower() == "true" else "false"
        for key, value in (data.get("configurations") or {}).items():
            setting = SETTINGS.get(int(key))
            if setting is None:
                raise ValueError(f"configurations: {key} is not a configuration id (1-8)")
            problem = setting_problem(setting, value)
            if problem:
                raise ValueError(f"configurations.{key}: {problem}")
            if setting.id == FILTERING:
                model.filtering = value
            else:
                model.settings[setting.id] = value
        return model

    def to_json(self) -> dict:
        return {
            "tenants": [{"id": tid, "name": name} for tid, name in sorted(self.tenants.items())],
            "users": [user.to_json() for user in self.users.values()],
            "whitelists": {
                "system": single(self.system, _document),
                "tenants": mapped(self.tenant_lists, _document, sort=True),
                "users": mapped(self.user_lists, _document),
            },
            "filtering": self.filtering,
            "configurations": {str(i): value for i, value in sorted(self.settings.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping, config: Mapping, rng: Any, clock: Clock, trusted: bool = False) -> "HdpModel":
        """A saved state, exactly: its tenants and users are the whole set (the demo ones where it has no list).
        ``trusted``: one this emulator wrote and validated (a state file marked so): its whitelists are not checked again."""
        return cls._build(data, data.get("tenants", DEFAULT_TENANTS), data.get("users", DEFAULT_USERS), trusted)

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
    # The system whitelist always exists (a fresh install has it, with empty lists): POST and PUT both replace it,
    # DELETE empties it again. Tenants and users have none until one is created.
    def get_system(self) -> dict:
        return self.system.document

    def put_system(self, document: dict) -> dict:
        self.system = Whitelist(check_document(document, "system"))
        return document

    def delete_system(self) -> None:
        self.system = Whitelist(empty_system())

    # -- configurations 1-8 ------------------------------------------------------------------------------------------
    def configuration(self, config_id: int) -> dict:
        setting = SETTINGS.get(config_id)
        if setting is None:
            raise e.error(e.CONFIG_UNKNOWN, config_id)
        value = self.filtering if config_id == FILTERING else self.settings[config_id]
        return {"id": config_id, "description": setting.description, "value": value}

    def configurations(self) -> list[dict]:
        return [self.configuration(config_id) for config_id in sorted(SETTINGS)]

    def set_configuration(self, config_id: int, value: Any) -> dict:
        setting = SETTINGS.get(config_id)
        if setting is None:
            raise e.error(e.CONFIG_UNKNOWN, config_id)
        problem = setting_problem(setting, value)
        if problem:
            raise e.error(e.INVALID_REQUEST, f"value: {problem}")
        if config_id == FILTERING:
            self.filtering = value
        else:
            self.settings[config_id] = value
        return self.configuration(config_id)

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
            if user is None or not caller.administers_tenant(user.tenant):  # not even the caller's own [doc]
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
        shown = address_text(address)
        for level, wl in levels:
            index = wl.index(resource) if wl else None
            if index is None:
                continue
            checked.append(level)
            hit = index.find(address) if address is not None else None
            if hit is None:
                return False, f"{shown} is not on the {level} {resource} whitelist", None
            matched = {"level": level, "resource": resource, **hit[1]}
        if not checked:
            return True, f"no whitelist applies to {resource}", None
        return True, f"{shown} is admitted by the {', '.join(checked)} {resource} whitelist(s)", matched


def setting_problem(setting: Setting, value: Any) -> str | None:
    """What is wrong with ``value`` for this configuration, or None."""
    if value is None:
        return None if setting.nullable else f"null is not accepted for configuration {setting.id} (send a string)"
    if not isinstance(value, str):
        return f"{value!r} is not a string (configuration values are JSON strings, e.g. \"true\")"
    if setting.values is not None and value not in setting.values:
        allowed = ", ".join(f'"{v}"' for v in setting.values)
        return f"{value!r} is not a valid value for configuration {setting.id} (one of {allowed})"
    return None


def resource_of_path(path: str) -> str:
    """Administrators API (``/api/admin/...``) or Management API (``/api/mgmt/...``)."""
    return "adminAPI" if path.startswith("/api/admin") else "managementAPI"


def decide(model: HdpModel, query: Mapping[str, str], namespace: Any) -> dict:
    address = normalise_client(query.get("ip"), MAPPED_AS_IPV4)
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
    return {"allowed": allowed, "reason": reason, "matched": matched, "ip": address_text(address), "resource": resource,
            "user": user.name if user else None}


def place_generated(config: dict, entries: list[tuple[str, str]]) -> dict:
    """``generate: N``: N fake addresses in the system whitelist's ``dataAccess`` list (JDBC/ODBC/OData), which
    the emulated API never checks, so generated data cannot lock anybody out."""
    whitelists = dict(config.get("whitelists") or {})
    system = dict(whitelists.get("system") or {})
    system["dataAccess"] = list(system.get("dataAccess") or []) + [{"startAddress": ip} for ip, _ in entries]
    whitelists["system"] = system
    return {**config, "whitelists": whitelists}
