"""CodeArts Repo's state and rules: the tenant whitelist, one whitelist per repository, the identities, and the
admission decision.

Config (``vendors: {codearts: {...}}`` in the ``--config`` YAML); everything is optional and adds to the demo
identities, which always work:

    domain_id: 0123456789abcdef0123456789abcdef   # the tenant (32 hex digits); default 159b65b41ead484d8ddff250a4731781
    user_id: 9155                                  # user id of the demo identities; default 9155
    credentials:                                   # extra AK/SK pairs (besides emulator-ak / emulator-sk)
      - {ak: my-ak, sk: my-sk, user_id: 42, status: admin}        # user_id, status optional
    tokens:                                        # extra X-Auth-Token values (besides the codearts-* demo tokens)
      - {token: my-token, user_id: 42, status: admin}             # status: admin | expired | no_permission
    repositories: [2001, {id: 2002, owner: 42, visibility: public}]   # extra repositories (besides 1001 and 1002):
                                                   # an id, or {id, owner (user id; default user_id), visibility:
                                                   # private (default) | project-read-only | tenant-read-only | public}
    max_entries: 100000                            # rules per list (tenant, each repository); one more → 400 CH.010001
    whitelists:                                    # rules present at start (and after /_emulator/reset)
      tenant: [{ip_type: 0, ip_start: 1.1.1.1, view_flag: 1, order_flag: 0}]
      repositories: {"1001": [{ip_type: 2, ip_start: 10.0.0.0/24, download_flag: 1}]}

Seeded rules take the request body's fields plus ``order_flag`` (default 0, "default rule"); they are validated
like a POST body. ``/_emulator/state`` holds ``next_id``, ``tenant`` (rules) and ``repositories`` (id → rules);
identities and the AK failure counters are not part of it.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from ...addresses import (AddressError, Block, IntervalIndex, block_of_address, known_span, normalise_client, parse_address, parse_cidr,
                          parse_range)
from ...state.changes import Entries, listed
from ...state.clock import Clock, parse_iso
from ...engine.errors import ApiError
from . import errors as e

DEFAULT_DOMAIN_ID = "159b65b41ead484d8ddff250a4731781"
DEFAULT_USER_ID = 9155
DEFAULT_REPOSITORIES = (1001, 1002)
DEFAULT_MAX_ENTRIES = 100_000  # rules per list: an emulator bound on memory (CodeArts publishes none)
ADMIN, EXPIRED, NO_PERMISSION = "admin", "expired", "no_permission"
STATUSES = (ADMIN, EXPIRED, NO_PERMISSION)
DEMO_CREDENTIALS = [{"ak": "emulator-ak", "sk": "emulator-sk"}]
DEMO_TOKENS = [
    {"token": "codearts-token", "status": ADMIN},
    {"token": "codearts-expired-token", "status": EXPIRED},
    {"token": "codearts-no-permission-token", "status": NO_PERMISSION},
]
FLAGS = ("view_flag", "download_flag", "upload_flag")
# Repository visibility (user guide, "Configuring an IP Whitelist"): "The IP address whitelist takes effect only for
# repos whose visibility is Private, Read-only for project members, and Read-only for tenant members."
VISIBILITIES = {"private": "Private", "project-read-only": "Read-only for project members",
                "tenant-read-only": "Read-only for tenant members", "public": "Public"}
PRIVATE, PUBLIC = "private", "public"
ACTIONS = {"view": "view_flag", "download": "download_flag", "upload": "upload_flag"}
SINGLE, RANGE, CIDR = 0, 1, 2
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@lru_cache(maxsize=65536)  # a list page formats 40 times; rules share few distinct instants
def format_time(when: datetime) -> str:
    """``MMM d, yyyy h:mm:ss a`` in English, UTC, no zero padding: ``Aug 21, 2023 10:27:09 PM``."""
    when = when.astimezone(timezone.utc)
    hour, noon = when.hour % 12 or 12, "AM" if when.hour < 12 else "PM"
    return f"{_MONTHS[when.month - 1]} {when.day}, {when.year} {hour}:{when.minute:02d}:{when.second:02d} {noon}"


@dataclass(frozen=True)
class Identity:
    user_id: int
    status: str  # admin | expired | no_permission
    secret: str = ""  # the SK, for AK identities


# -- addresses -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    """ip_start, ip_end and ip_range as stored (canonical text), and the block they cover."""

    ip_start: str
    ip_end: str
    ip_range: str
    block: Block

    def stored(self) -> dict:
        """The Rule fields that keep this address: texts, and the block as a plain tuple of ints."""
        b = self.block
        return {"ip_start": self.ip_start, "ip_end": self.ip_end, "ip_range": self.ip_range, "span": (b.version, b.first, b.last)}


def _parse(text: str, name: str):
    try:
        return parse_address(text)
    except AddressError:
        raise e.invalid(f"{name} is not a valid IP address") from None


def _prefix(block: Block) -> int | None:
    """The prefix length when the block is exactly one CIDR block, else None."""
    size = block.size
    if size & (size - 1) or block.first % size:
        return None
    return 32 - (size.bit_length() - 1)


def parse_rule_address(ip_type: int, ip_start: Any, ip_end: Any) -> Address:
    """ip_type, ip_start and ip_end checked together (x-fidelity of AddTenantTrustedIpAddress); 400 CH.010001 naming the
    field when they do not agree."""
    if ip_start is None or ip_start == "":
        raise e.invalid("ip_start is required")
    if not isinstance(ip_start, str) or not isinstance(ip_end, (str, type(None))):
        raise e.invalid("ip_start and ip_end must be strings")
    ip_end = ip_end or None  # "" counts as omitted
    if ip_type == CIDR and "/" in ip_start:
        try:
            block = parse_cidr(ip_start, ipv6=False, strict=True)
        except AddressError as exc:
            if exc.kind == "ipv6_cidr":
                raise e.invalid("ip_type 2 (CIDR) supports IPv4 only") from None
            if exc.kind == "host_bits":
                raise e.invalid(f"ip_start {ip_start} has host bits set") from None
            raise e.invalid("ip_start is not a valid CIDR block (a.b.c.d/n)") from None
        if ip_end is not None and _parse(ip_end, "ip_end") != block.end:
            raise e.invalid(f"ip_end must be the last address of {ip_start} ({block.end}) or omitted")
        return Address(str(block.start), str(block.end), f"{block.start}/{_prefix(block)}", block)
    if "/" in ip_start:  # a CIDR block with ip_type 0 (the default) or 1: say which type takes it
        raise e.invalid(f"ip_start is not a valid IP address: {ip_start} is a CIDR block, which needs ip_type 2 (CIDR)")
    start = _parse(ip_start, "ip_start")
    if ip_type == SINGLE:
        if ip_end is not None and _parse(ip_end, "ip_end") != start:
            raise e.invalid("ip_end must be omitted or equal to ip_start when ip_type is 0")
        text = str(start)
        return Address(text, text, text, block_of_address(start))
    if ip_end is None:
        if ip_type == RANGE:
            raise e.invalid("ip_end is required when ip_type is 1")
        raise e.invalid("ip_start must be a CIDR block a.b.c.d/n when ip_type is 2 and ip_end is omitted")
    end = _parse(ip_end, "ip_end")
    if start.version != end.version:
        raise e.invalid("ip_start and ip_end must be the same IP version")
    if ip_type == CIDR and start.version != 4:
        raise e.invalid("ip_type 2 (CIDR) supports IPv4 only")
    try:
        block = parse_range(str(start), str(end))
    except AddressError as exc:
        if exc.kind == "reversed":
            raise e.invalid("ip_start must not be greater than ip_end") from None
        raise e.invalid("ip_start and ip_end must be the same IP version") from None
    if ip_type == RANGE:
        return Address(str(start), str(end), f"{start}-{end}", block)
    prefix = _prefix(block)
    if prefix is None:
        raise e.invalid(f"ip_start {start} and ip_end {end} are not the first and last address of one CIDR block")
    return Address(str(start), str(end), f"{start}/{prefix}", block)


# -- rules and lists -------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Rule:
    """One stored rule, and the only object of it the garbage collector tracks: no ``__dict__`` (slots), the address as
    strings and ``span``, an exact tuple of ints that the collector stops tracking once it has seen it. A list grown by
    50,000 adds under load costs each full collection one object per rule, not five (rule, address, block and two
    ``__dict__``); those collections are the longest pauses in the add benchmark's latency tail."""

    id: int
    ip_type: int
    ip_start: str
    ip_end: str
    ip_range: str
    span: tuple[int, int, int]  # (version, first, last) of the block the rule covers
    view_flag: int
    download_flag: int
    upload_flag: int
    remark: str
    order_flag: int
    created_at: datetime
    updated_at: datetime
    user_id: int | None = None  # tenant rules only

    @property
    def key(self) -> tuple:
        return (self.ip_type, self.ip_start, self.ip_end)

    @property
    def block(self) -> Block:
        return Block(*self.span)

    def fields(self) -> dict:
        return {"id": str(self.id), "ip_range": self.ip_range, "ip_type": self.ip_type, "ip_start": self.ip_start,
                "ip_end": self.ip_end, "view_flag": self.view_flag, "download_flag": self.download_flag,
                "upload_flag": self.upload_flag, "remark": self.remark, "created_at": format_time(self.created_at),
                "updated_at": format_time(self.updated_at), "order_flag": self.order_flag}

    def to_json(self) -> dict:
        data = {"id": self.id, "ip_type": self.ip_type, "ip_start": self.ip_start, "ip_end": self.ip_end,
                "view_flag": self.view_flag, "download_flag": self.download_flag, "upload_flag": self.upload_flag,
                "remark": self.remark, "order_flag": self.order_flag, "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat()}
        if self.user_id is not None:
            data["user_id"] = self.user_id
        return data


class Whitelist:
    """One list (the tenant's or a repository's): rules by id in ascending id order, plus lookup indexes."""

    __slots__ = ("rules", "_keys", "_indexes")

    def __init__(self) -> None:
        self.rules: dict[int, Rule] = Entries()
        self._keys: dict[tuple, int] = {}
        self._indexes: dict[str, IntervalIndex] = {}

    def __len__(self) -> int:
        return len(self.rules)

    def check_unique(self, key: tuple, address: Address, own_id: int | None = None) -> None:
        other = self._keys.get(key)
        if other is not None and other != own_id:
            raise e.invalid(f"the IP address rule {address.ip_range} already exists")

    def put(self, rule: Rule) -> None:
        old = self.rules.get(rule.id)
        if old is not None:
            self._keys.pop(old.key, None)
        self.rules[rule.id] = rule
        self._keys[rule.key] = rule.id
        self._indexes.clear()

    def remove(self, rule_id: int) -> Rule:
        rule = self.rules.pop(rule_id, None)
        if rule is None:
            raise e.error(e.NOT_FOUND)
        self._keys.pop(rule.key, None)
        self._indexes.clear()
        return rule

    def get(self, rule_id: int) -> Rule:
        rule = self.rules.get(rule_id)
        if rule is None:
            raise e.error(e.NOT_FOUND)
        return rule

    def find(self, address, flag: str | None) -> Rule | None:
        """A rule containing the address (with ``flag`` = 1 when a flag is given), or None."""
        name = flag or "any"
        index = self._indexes.get(name)
        if index is None:
            index = self._indexes[name] = IntervalIndex(
                (rule.block, rule) for rule in self.rules.values() if flag is None or getattr(rule, flag) == 1)
        hit = index.find(address)
        return hit[1] if hit else None


# -- the model ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repository:
    """What the emulator knows of a repository beyond its whitelist: who owns it, and its visibility."""

    id: int
    owner: int
    visibility: str = PRIVATE

    @classmethod
    def from_config(cls, item: Any, default_owner: int) -> Repository:
        if isinstance(item, Mapping):
            visibility = str(item.get("visibility", PRIVATE))
            if visibility not in VISIBILITIES:
                raise ValueError(f"codearts repositories: visibility {visibility!r} must be one of {', '.join(VISIBILITIES)}")
            return cls(int(item["id"]), int(item.get("owner", default_owner)), visibility)
        return cls(int(item), default_owner)


@dataclass
class CodeArtsModel:
    domain_id: str
    credentials: dict[str, Identity]  # AK → identity (with its SK)
    tokens: dict[str, Identity]
    tenant: Whitelist = field(default_factory=Whitelist)
    repositories: dict[int, Whitelist] = field(default_factory=dict)
    user_id: int = DEFAULT_USER_ID  # of the demo identities and of seeded tenant rules
    next_id: int = 1
    aksk_failures: dict[str, int] = field(default_factory=dict)  # AK → signature failures in a row
    aksk_locked_until: dict[str, float] = field(default_factory=dict)  # AK → epoch seconds (emulator clock)
    max_entries: int = DEFAULT_MAX_ENTRIES
    repository_info: dict[int, Repository] = field(default_factory=dict)  # id → owner and visibility (config)

    # -- construction ------------------------------------------------------------------------------------------------
    @classmethod
    def _empty(cls, config: Mapping) -> "CodeArtsModel":
        domain_id = str(config.get("domain_id", DEFAULT_DOMAIN_ID)).lower()
        if len(domain_id) != 32 or any(c not in "0123456789abcdef" for c in domain_id):
            raise ValueError(f"codearts domain_id {domain_id!r}: must be 32 hex digits")
        user_id = int(config.get("user_id", DEFAULT_USER_ID))

        def identity(item: Mapping, secret: str = "") -> Identity:
            status = str(item.get("status", ADMIN))
            if status not in STATUSES:
                raise ValueError(f"codearts identity status {status!r}: must be one of {', '.join(STATUSES)}")
            return Identity(int(item.get("user_id", user_id)), status, secret)

        credentials = {str(c["ak"]): identity(c, str(c["sk"])) for c in DEMO_CREDENTIALS + list(config.get("credentials") or [])}
        tokens = {str(t["token"]): identity(t) for t in DEMO_TOKENS + list(config.get("tokens") or [])}
        max_entries = config.get("max_entries", DEFAULT_MAX_ENTRIES)
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"codearts max_entries {max_entries!r}: must be a positive integer")
        model = cls(domain_id=domain_id, credentials=credentials, tokens=tokens, user_id=user_id, max_entries=max_entries)
        for repository in list(DEFAULT_REPOSITORIES) + list(config.get("repositories") or []):
            info = Repository.from_config(repository, user_id)
            model.repositories.setdefault(info.id, Whitelist())
            model.repository_info[info.id] = info
        return model

    @classmethod
    def seeded(cls, config: Mapping, rng: Any, clock: Clock) -> "CodeArtsModel":
        model = cls._empty(config)
        whitelists = config.get("whitelists") or {}
        model._load(whitelists.get("tenant") or [], None, clock.now())
        for repository, rules in (whitelists.get("repositories") or {}).items():
            model._load(rules or [], model.repositories.setdefault(int(repository), Whitelist()), clock.now())
        return model

    def to_json(self) -> dict:
        return {
            "next_id": self.next_id,
            "tenant": listed(self.tenant.rules, Rule.to_json),
            "repositories": {str(rid): listed(wl.rules, Rule.to_json) for rid, wl in sorted(self.repositories.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping, config: Mapping, rng: Any, clock: Clock, trusted: bool = False) -> "CodeArtsModel":
        """A saved state. ``trusted``: one this emulator wrote and validated (a state file marked so), read without
        checking each rule again."""
        model = cls._empty(config)
        load = model._load_trusted if trusted else model._load
        load(data.get("tenant") or [], None, clock.now())
        for repository, rules in (data.get("repositories") or {}).items():
            load(rules or [], model.repositories.setdefault(int(repository), Whitelist()), clock.now())
        model.next_id = max(model.next_id, int(data.get("next_id", 1)))
        return model

    def _load(self, items: list, repository: Whitelist | None, now: datetime) -> None:
        """Rules from config or saved state, validated like a POST body; raises ValueError when one does not fit."""
        target = repository if repository is not None else self.tenant
        for index, item in enumerate(items):
            try:
                numbers: dict[str, Any] = {name: int(item.get(name, 0)) for name in ("ip_type", "order_flag") + FLAGS}
                if numbers["ip_type"] not in (SINGLE, RANGE, CIDR) or any(numbers[n] not in (0, 1) for n in FLAGS + ("order_flag",)):
                    raise e.invalid("ip_type must be 0, 1 or 2, order_flag and the flags 0 or 1")
                remark = str(item.get("remark", ""))
                if len(remark) > 200:
                    raise e.invalid("remark must be a string of at most 200 characters")
                address = parse_rule_address(numbers["ip_type"], item.get("ip_start"), item.get("ip_end"))
                rule = Rule(
                    id=int(item.get("id") or 0), **address.stored(), remark=remark, **numbers,
                    created_at=parse_iso(item["created_at"]) if item.get("created_at") else now,
                    updated_at=parse_iso(item["updated_at"]) if item.get("updated_at") else now,
                    user_id=None if repository is not None else int(item.get("user_id", self.user_id)),
                )
                target.check_unique(rule.key, address)
                if rule.id in target.rules:
                    raise e.invalid(f"id {rule.id} is used twice")
            except ApiError as exc:
                raise ValueError(f"rule [{index}] {dict(item)!r}: {exc.message}") from None
            if not rule.id:
                rule.id = self.next_id
            self.next_id = max(self.next_id, rule.id + 1)
            target.put(rule)
        target.rules = Entries(sorted(target.rules.items()))  # ascending ids whatever the input order

    def _load_trusted(self, items: list, repository: Whitelist | None, now: datetime) -> None:
        """Rules of a state this emulator wrote and validated: each field as saved, the span read from the texts."""
        target = repository if repository is not None else self.tenant
        rules, keys = target.rules, target._keys
        times: dict[str, datetime] = {}  # a saved list repeats its times: each parsed once
        tenant_user = None if repository is not None else self.user_id
        for item in items:
            ip_type, ip_start, ip_end = item["ip_type"], item["ip_start"], item["ip_end"]
            span = known_span(ip_start)
            if ip_end != ip_start:
                span = (span[0], span[1], known_span(ip_end)[2])
            if ip_type == SINGLE:
                ip_range = ip_start
            elif ip_type == RANGE:
                ip_range = f"{ip_start}-{ip_end}"
            else:
                ip_range = f"{ip_start}/{_prefix(Block(*span))}"
            created, updated = item["created_at"], item["updated_at"]
            rule_id = item["id"]
            rules[rule_id] = Rule(
                rule_id, ip_type, ip_start, ip_end, ip_range, span, item["view_flag"], item["download_flag"],
                item["upload_flag"], item["remark"], item["order_flag"],
                times.get(created) or times.setdefault(created, parse_iso(created)),
                times.get(updated) or times.setdefault(updated, parse_iso(updated)),
                None if repository is not None else item.get("user_id", tenant_user))
            keys[(ip_type, ip_start, ip_end)] = rule_id
        target._indexes.clear()
        if rules:
            self.next_id = max(self.next_id, max(rules) + 1)
        if any(a > b for a, b in pairwise(rules)):
            target.rules = Entries(sorted(rules.items()))  # ascending ids whatever the input order

    # -- lookups -------------------------------------------------------------------------------------------------------
    def credential(self, ak: str) -> Identity | None:
        return self.credentials.get(ak)

    def repository(self, repository_id: int) -> Whitelist:
        wl = self.repositories.get(repository_id)
        if wl is None:
            raise e.error(e.NOT_FOUND)
        return wl

    def whitelist(self, repository_id: int | None) -> Whitelist:
        return self.tenant if repository_id is None else self.repository(repository_id)

    # -- operations ------------------------------------------------------------------------------------------------------
    def item(self, rule: Rule, repository_id: int | None) -> dict:
        """The response item: TenantTrustedIpAddressDto (user_id, domain_id) or TrustedIpAddressDto (repository_id)."""
        data = rule.fields()
        if repository_id is None:
            data["user_id"] = rule.user_id
            data["domain_id"] = self.domain_id
        else:
            data["repository_id"] = repository_id
        return data

    def add(self, repository_id: int | None, body: Mapping, user_id: int, now: datetime) -> Rule:
        ip_type = body.get("ip_type", SINGLE)
        address = parse_rule_address(ip_type, body.get("ip_start"), body.get("ip_end"))  # 400 before 404
        wl = self.whitelist(repository_id)
        key = (ip_type, address.ip_start, address.ip_end)
        wl.check_unique(key, address)
        if len(wl) >= self.max_entries:
            raise e.invalid(f"the {'tenant' if repository_id is None else 'repository'} list already holds {len(wl)} rules, "
                            "the emulator's limit (max_entries in --config)")
        rule = Rule(
            id=self.next_id, ip_type=ip_type, **address.stored(), view_flag=body.get("view_flag", 0),
            download_flag=body.get("download_flag", 0), upload_flag=body.get("upload_flag", 0),
            remark=body.get("remark", ""), order_flag=1, created_at=now, updated_at=now,
            user_id=user_id if repository_id is None else None,
        )
        self.next_id += 1
        wl.put(rule)
        return rule

    def update(self, repository_id: int | None, rule_id: int, body: Mapping, now: datetime) -> Rule:
        """Partial update (x-fidelity of UpdateTenantTrustedIpAddress); the merged rule is checked as on creation."""
        wl = self.whitelist(repository_id)
        stored = wl.get(rule_id)
        ip_type = body.get("ip_type", stored.ip_type)
        ip_start = body.get("ip_start", stored.ip_start)
        ip_end = body.get("ip_end") or None
        if ip_end is None and not (ip_type == SINGLE or (ip_type == CIDR and "/" in ip_start)):
            ip_end = stored.ip_end
        address = parse_rule_address(ip_type, ip_start, ip_end)
        key = (ip_type, address.ip_start, address.ip_end)
        wl.check_unique(key, address, own_id=rule_id)
        rule = Rule(
            id=stored.id, ip_type=ip_type, **address.stored(), view_flag=body.get("view_flag", stored.view_flag),
            download_flag=body.get("download_flag", stored.download_flag),
            upload_flag=body.get("upload_flag", stored.upload_flag), remark=body.get("remark", stored.remark),
            order_flag=stored.order_flag, created_at=stored.created_at, updated_at=now, user_id=stored.user_id,
        )
        wl.put(rule)
        return rule

    def delete(self, repository_id: int | None, rule_id: int) -> None:
        self.whitelist(repository_id).remove(rule_id)

    # -- AK/SK failures (counted on the namespace's emulator clock) ----------------------------------------------------------
    def ak_locked(self, ak: str, now: float) -> bool:
        until = self.aksk_locked_until.get(ak)
        if until is None:
            return False
        if now < until:
            return True
        del self.aksk_locked_until[ak]
        return False

    def ak_failed(self, ak: str, now: float, limit: int, lock_seconds: float) -> None:
        count = self.aksk_failures.get(ak, 0) + 1
        if count >= limit:
            self.aksk_failures.pop(ak, None)
            self.aksk_locked_until[ak] = now + lock_seconds
        else:
            self.aksk_failures[ak] = count

    def ak_succeeded(self, ak: str) -> None:
        self.aksk_failures.pop(ak, None)


# -- the admission decision -------------------------------------------------------------------------------------------------


def _level(model: CodeArtsModel, wl: Whitelist, name: str, address, flag: str, repository_id: int | None):
    """(allowed, reason, matched item) for one list. An empty list restricts nothing."""
    if not len(wl):
        return True, f"the {name} whitelist is empty (no restriction)", None
    hit = wl.find(address, flag)
    if hit is not None:
        return True, f"{address} is in rule {hit.id} ({hit.ip_range}) of the {name} whitelist with {flag} 1", \
            {"level": name, **model.item(hit, repository_id)}
    near = wl.find(address, None)
    if near is not None:
        return False, f"{address} is in rule {near.id} ({near.ip_range}) of the {name} whitelist but its {flag} is 0", None
    return False, f"{address} is in no rule of the {name} whitelist", None


def decide(model: CodeArtsModel, query: Mapping[str, str], namespace: Any) -> dict:
    """Would a client at ``ip`` be allowed ``action`` (view | download | upload; default view) on the tenant's
    repositories, or on ``repository`` (as user ``user``, a user id, when given)?

    A list with no rules restricts nothing. A list with rules admits the address only when a rule contains it and has
    the action's flag (view_flag, download_flag, upload_flag) = 1. With ``repository``, the tenant list and that
    repository's list must both admit it, with two rules from the user guide: the lists take effect only for a
    repository whose visibility is Private, Read-only for project members or Read-only for tenant members (a Public
    one is admitted from anywhere), and "only whitelisted IP addresses and the repository owner can access the
    repository" (the owner is admitted to view from anywhere; download and commit name no such exemption).
    """
    address = normalise_client(query.get("ip"))
    if address is None:
        raise ApiError(400, f"ip: {query.get('ip')!r} is not a valid IPv4 or IPv6 address", field="ip")
    action = query.get("action") or "view"
    if action not in ACTIONS:
        raise ApiError(400, f"action: must be one of {', '.join(ACTIONS)}", field="action")
    flag = ACTIONS[action]
    user = query.get("user")
    if user is not None and (not user.isdigit() or len(user) > 10):
        raise ApiError(400, f"user: {user!r} is not a user id (an integer)", field="user")
    repository_id = None
    levels: list[tuple[Whitelist, str, int | None]] = [(model.tenant, "tenant", None)]
    answer: dict[str, Any] = {"ip": str(address), "action": action, "repository": None}
    if query.get("repository"):
        text = query["repository"]
        if not text.isdigit() or int(text) not in model.repositories:
            raise ApiError(404, f"repository: {text!r} does not exist", field="repository")
        repository_id = int(text)
        answer["repository"] = repository_id
        info = model.repository_info.get(repository_id) or Repository(repository_id, model.user_id)
        if info.visibility == PUBLIC:
            return {"allowed": True, "matched": None, **answer,
                    "reason": f"repository {repository_id} is Public: IP address whitelists take effect only for "
                              "repositories whose visibility is Private, Read-only for project members or Read-only for "
                              "tenant members"}
        if action == "view" and user is not None and int(user) == info.owner:
            return {"allowed": True, "matched": None, **answer,
                    "reason": f"user {user} owns repository {repository_id}: the owner may access it from any address"}
        levels.append((model.repositories[repository_id], f"repository {repository_id}", repository_id))
    elif user is not None:
        raise ApiError(400, "user: only means something with repository (the owner exemption)", field="user")
    reasons, matched = [], None
    for wl, name, rid in levels:
        allowed, reason, hit = _level(model, wl, name, address, flag, rid)
        if not allowed:
            return {"allowed": False, "reason": reason, "matched": None, **answer}
        reasons.append(reason)
        matched = hit or matched
    return {"allowed": True, "reason": "; ".join(reasons), "matched": matched, **answer}


def place_generated(config: dict, entries: list[tuple[str, str]]) -> dict:
    """``generate: N``: N fake single-address rules added to the tenant whitelist."""
    whitelists = dict(config.get("whitelists") or {})
    whitelists["tenant"] = list(whitelists.get("tenant") or []) + [
        {"ip_type": 0, "ip_start": ip, "view_flag": 1, "download_flag": 1, "upload_flag": 1, "remark": text}
        for ip, text in entries
    ]
    return {**config, "whitelists": whitelists}
