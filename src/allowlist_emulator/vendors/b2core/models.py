"""B2Core's state and rules: API clients and their bearer tokens, IP address policies, and the access decision.

Config (``vendors: {b2core: {...}}`` in the ``--config`` YAML)::

    clients:            # extra API clients, client id → secret (b2core-client / b2core-secret always exists)
      my-client: my-secret
    token_ttl: 600      # bearer token lifetime in seconds of the emulator clock (default 600)
    max_entries: 100000 # policies per namespace; one more → 400 EMULATOR_LIMIT (an emulator bound on memory)
    policies:           # policies every namespace starts with, created at the emulator clock's time of seeding
      - {ipAddress: 10.0.0.0/8, policy: allow}            # ttl defaults to 0 (never expires)
      - {ipAddress: 10.6.6.6, policy: deny, ttl: 3600}

Times are whole epoch seconds on the namespace's emulator clock. ``expireTime`` = ``updateTime`` + ``ttl``; ``ttl`` 0
means never, shown as ``9999-12-31T23:59:59+00:00`` (``NEVER``: the page documents ``expireTime`` as a string).
Expired policies stay listed; they only stop counting in :func:`decide`.

Policies live in a dict in insertion order. Ids are ObjectId-like (creation second, a random part, a counter), so
while the clock only moves forward insertion order *is* the default order (createTime, then addressId) and the
default list is a plain window over the dict. When the clock was set back, the dict is re-sorted once, on demand.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping

from ...addresses import AddressError, Block, address_key, address_sort_key, known_block, normalise_client, parse_address_or_cidr
from ...state.changes import Entries, listed
from ...state.clock import Clock
from ...engine.errors import ApiError
from ...engine.paging import window
from . import errors as e

DEMO_CLIENT_ID, DEMO_CLIENT_SECRET = "b2core-client", "b2core-secret"
DEFAULT_TOKEN_TTL = 600
MAX_TOKENS = 10_000  # live tokens kept per namespace; the oldest are forgotten beyond that
DEFAULT_MAX_ENTRIES = 100_000  # policies per namespace (config max_entries)
POLICIES = ("allow", "deny")
FIELDS = ("ipAddress", "policy", "ttl")
DEFAULT_POLICY = "allow"  # a POST without policy (the page marks no body field required)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MIN_TIME = int((datetime(1, 1, 1, tzinfo=timezone.utc) - EPOCH).total_seconds())
MAX_TIME = int((datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc) - EPOCH).total_seconds())
DAY = 86_400
MAX_TTL = 315_360_000  # the spec's TtlValue maximum (10 years)


def valid_ttl(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TTL


def iso(seconds: int | None) -> str | None:
    """``2021-01-01T00:00:00+00:00`` (None stays None); clamped to years 1..9999."""
    if seconds is None:
        return None
    return (EPOCH + timedelta(seconds=min(max(seconds, MIN_TIME), MAX_TIME))).isoformat()  # whole seconds: no fraction


def parse_time(text: str) -> int:
    """An ISO-8601 time with offset → epoch seconds (for state restore)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return int((value - EPOCH).total_seconds())


def check_ip(text: Any, field: str) -> Block:
    """A single IPv4/IPv6 address or a CIDR block without host bits, or the B2Core 400 naming ``field``."""
    try:
        return parse_address_or_cidr(text, strict=True)
    except AddressError as exc:
        if exc.kind == "host_bits":
            raise e.error(e.HOST_BITS_SET, field, text) from None
        raise e.error(e.INVALID_IP, field) from None


def day_or_second(text: str, field: str) -> tuple[int, int]:
    """A date filter → [start, end) in epoch seconds: a day ``YYYY-MM-DD`` is the whole UTC day, a timestamp its second."""
    try:
        if len(text) == 10:
            start = int((datetime.fromisoformat(text).replace(tzinfo=timezone.utc) - EPOCH).total_seconds())
            return start, start + DAY
        # an unencoded "+" arrives as " "; Python 3.10 does not read "Z"
        value = datetime.fromisoformat(text[:19] + text[19:].replace(" ", "+").replace("Z", "+00:00"))
        start = int((value - EPOCH).total_seconds())
        return start, start + 1
    except (ValueError, OverflowError, TypeError):
        raise e.error(e.INVALID_DATE, field) from None


@dataclass(slots=True)
class Policy:
    id: str
    ip: str  # as the client wrote it
    block: Block
    policy: str
    ttl: int
    created: int
    updated: int

    @property
    def expires(self) -> int | None:
        return None if self.ttl == 0 else self.updated + self.ttl

    @property
    def shown_expiry(self) -> int:
        """``expireTime`` as answered: the expiry, or the latest time ISO-8601 can write for a policy that never expires."""
        expires = self.expires
        return MAX_TIME if expires is None else expires

    def expired(self, now: float) -> bool:
        expires = self.expires
        return expires is not None and expires <= now

    def to_json(self) -> dict:
        return {"addressId": self.id, "ipAddress": self.ip, "policy": self.policy, "ttl": self.ttl,
                "createTime": iso(self.created), "expireTime": iso(self.shown_expiry), "updateTime": iso(self.updated)}


# sort_by → key; every key ends with the id, so ties go by addressId in the same direction
SORT_KEYS: dict[str, Callable[[Policy], tuple]] = {
    "ip": lambda p: (address_sort_key(p.ip), -p.block.last, p.id),  # IPv4 first, by address, shorter prefix first
    "createTime": lambda p: (p.created, p.id),
    "updateTime": lambda p: (p.updated, p.id),
    "expireTime": lambda p: (p.expires is None, p.expires or 0, p.id),  # never-expiring last in asc
    "policy": lambda p: (p.policy, p.id),
    "ttl": lambda p: (p.ttl, p.id),
}


class B2CoreModel:
    def __init__(self, clients: dict[str, str], token_ttl: int, rng: Any, id_random: int, id_counter: int):
        self.clients = clients
        self.token_ttl = token_ttl
        self.rng = rng
        self.id_random = id_random  # the 10 hex digits in the middle of every addressId
        self.id_counter = id_counter  # the last 6 hex digits, incremented per id
        self.tokens: dict[str, tuple[str, float]] = Entries()  # access_token → (client id, expiry epoch seconds)
        self.policies: dict[str, Policy] = Entries()
        self.ordered = True  # insertion order == (createTime, addressId) order
        self.max_entries = DEFAULT_MAX_ENTRIES
        self._index: PolicyIndex | None = None  # built by the first decision after a write

    # -- construction ------------------------------------------------------------------------------------------------
    @classmethod
    def _empty(cls, config: Mapping, rng: Any) -> "B2CoreModel":
        clients = {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
        extra = config.get("clients") or {}
        if not isinstance(extra, Mapping):
            raise ValueError("clients: must be a mapping of client id to secret")
        clients.update({str(k): str(v) for k, v in extra.items()})
        ttl = config.get("token_ttl", DEFAULT_TOKEN_TTL)
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 1:
            raise ValueError("token_ttl: must be a positive integer (seconds)")
        max_entries = config.get("max_entries", DEFAULT_MAX_ENTRIES)
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError("max_entries: must be a positive integer")
        model = cls(clients, ttl, rng, rng.getrandbits(40), rng.getrandbits(24))
        model.max_entries = max_entries
        return model

    @classmethod
    def seeded(cls, config: Mapping, rng: Any, clock: Clock) -> "B2CoreModel":
        model = cls._empty(config, rng)
        for index, item in enumerate(config.get("policies") or []):
            try:
                if (not isinstance(item, Mapping) or set(item) - set(FIELDS) or "ipAddress" not in item
                        or item.get("policy") not in POLICIES or not valid_ttl(item.get("ttl", 0))):
                    raise ValueError("must be {ipAddress, policy: allow|deny, ttl: 0..315360000}")
                model.create(dict(item), clock.time())
            except ApiError as exc:
                raise ValueError(f"policies[{index}]: {exc.message}") from None
            except ValueError as exc:
                raise ValueError(f"policies[{index}]: {exc}") from None
        return model

    def to_json(self) -> dict:
        return {
            "policies": listed(self.policies, Policy.to_json),
            "tokens": listed(self.tokens, _token_json, with_key=True),
            "idRandom": self.id_random,
            "idCounter": self.id_counter,
        }

    @classmethod
    def from_json(cls, data: Mapping, config: Mapping, rng: Any, clock: Clock, trusted: bool = False) -> "B2CoreModel":
        """A saved state. ``trusted``: one this emulator wrote and validated (a state file marked so), read without
        checking each policy again."""
        model = cls._empty(config, rng)
        model.id_random = int(data.get("idRandom", model.id_random)) % (1 << 40)
        model.id_counter = int(data.get("idCounter", model.id_counter)) % (1 << 24)
        if trusted:
            times: dict[str, int] = {}  # a saved list repeats its times (one per second written): each parsed once
            policies = model.policies
            last = (MIN_TIME, "")
            for item in data.get("policies", []):
                created, updated = item["createTime"], item["updateTime"]
                created = times.get(created) or times.setdefault(created, parse_time(created))
                updated = times.get(updated) or times.setdefault(updated, parse_time(updated))
                pid = item["addressId"]
                policies[pid] = Policy(pid, item["ipAddress"], known_block(item["ipAddress"]), item["policy"], item["ttl"],
                                       created, updated)
                if (created, pid) < last:
                    model.ordered = False
                last = (created, pid)
            data = {"tokens": data.get("tokens", [])}
        for item in data.get("policies", []):
            pid = str(item["addressId"])
            if len(pid) != 24 or any(c not in "0123456789abcdef" for c in pid) or pid in model.policies:
                raise ValueError(f"addressId {pid!r}: must be 24 lowercase hex characters, once")
            try:
                block = check_ip(item["ipAddress"], "ipAddress")
            except ApiError as exc:
                raise ValueError(exc.message) from None
            ttl = item.get("ttl", 0)
            if item["policy"] not in POLICIES or not valid_ttl(ttl):
                raise ValueError(f"policy {pid}: policy must be allow|deny and ttl an integer 0..{MAX_TTL}")
            model._insert(Policy(pid, item["ipAddress"], block, item["policy"], ttl,
                                 parse_time(item["createTime"]), parse_time(item["updateTime"])))
        for token in data.get("tokens", []):
            model.tokens[str(token["access_token"])] = (str(token["client_id"]), float(token["expires"]))
        return model

    # -- clients and tokens --------------------------------------------------------------------------------------------
    def client_ok(self, client_id: str, secret: str) -> bool:
        expected = self.clients.get(client_id)
        given = secret.encode("utf-8", "surrogateescape")
        ok = hmac.compare_digest(given, (expected if expected is not None else "\0" * max(len(secret), 1)).encode("utf-8", "surrogateescape"))
        return ok and expected is not None

    def issue_token(self, client_id: str, now: float) -> dict:
        token = secrets.token_hex(24)  # 192 bits from the OS, never the seeded generator: a token is not guessable
        while token in self.tokens:
            token = secrets.token_hex(24)
        self.tokens[token] = (client_id, now + self.token_ttl)
        while len(self.tokens) > MAX_TOKENS:
            del self.tokens[next(iter(self.tokens))]
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl}

    def check_token(self, token: str, now: float) -> str:
        """The client id the token was issued to; 401 when unknown or expired."""
        entry = self.tokens.get(token)
        if entry is None:
            raise e.error(e.INVALID_TOKEN)
        if now >= entry[1]:
            raise e.error(e.TOKEN_EXPIRED)
        return entry[0]

    # -- policies ------------------------------------------------------------------------------------------------------
    def _new_id(self, created: int) -> str:
        while True:
            self.id_counter = (self.id_counter + 1) % (1 << 24)
            pid = f"{created % (1 << 32):08x}{self.id_random:010x}{self.id_counter:06x}"
            if pid not in self.policies:
                return pid

    def _insert(self, policy: Policy) -> None:
        if self.policies:
            last = next(reversed(self.policies.values()))
            if (policy.created, policy.id) < (last.created, last.id):
                self.ordered = False
        self.policies[policy.id] = policy
        self._index = None

    def get(self, pid: str) -> Policy:
        policy = self.policies.get(pid)
        if policy is None:
            raise e.error(e.ADDRESS_NOT_FOUND, pid)
        return policy

    def create(self, body: dict, now: float) -> dict:
        """``body`` is schema-valid (ipAddress present); policy defaults to allow and ttl to 0 (the page marks neither
        required, so a client typed from it may leave them out)."""
        block = check_ip(body["ipAddress"], "ipAddress")
        created = int(now // 1)
        ttl = _ttl(body.get("ttl", 0), created)
        if len(self.policies) >= self.max_entries:
            raise e.error(e.EMULATOR_LIMIT, f"policies: this namespace holds {len(self.policies)} policies, the emulator's "
                          "limit (max_entries in --config)", status=400)
        policy = Policy(self._new_id(created), body["ipAddress"], block, body.get("policy", DEFAULT_POLICY), ttl, created,
                        created)
        self._insert(policy)
        return policy.to_json()

    def update(self, pid: str, body: dict, now: float) -> dict:
        """PUT and PATCH alike (any non-empty subset of the fields): validate everything, then change the policy."""
        policy = self.get(pid)
        block = check_ip(body["ipAddress"], "ipAddress") if "ipAddress" in body else None
        updated = int(now // 1)
        ttl = _ttl(body.get("ttl", policy.ttl), updated)
        if block is not None:
            policy.ip, policy.block = body["ipAddress"], block
        policy.policy = body.get("policy", policy.policy)
        policy.ttl, policy.updated = ttl, updated
        self.policies[pid] = policy  # stored again: the state file saves what is stored
        self._index = None
        return policy.to_json()

    def delete(self, pid: str) -> None:
        self.get(pid)
        del self.policies[pid]
        self._index = None
        if not self.policies:
            self.ordered = True

    def list(self, filters: Mapping[str, Any], sort_by: str, sort_order: str, offset: int, limit: int) -> list[dict]:
        match = _matcher(filters)
        desc = sort_order == "desc"
        if sort_by == "createTime":  # the default: insertion order, no sort
            if not self.ordered:
                self.policies = Entries(sorted(self.policies.items(), key=lambda item: SORT_KEYS["createTime"](item[1])))
                self.ordered = True
            source = reversed(self.policies.values()) if desc else iter(self.policies.values())
            page = window(source if match is None else filter(match, source), offset, limit)
        else:
            rows = [p for p in self.policies.values() if match is None or match(p)]
            rows.sort(key=SORT_KEYS[sort_by], reverse=desc)
            page = window(rows, offset, limit)
        return [p.to_json() for p in page]

    # -- the access decision -------------------------------------------------------------------------------------------
    def admits(self, address: Any, now: float) -> tuple[bool, str, Policy | None]:
        """Deny wins; then allow; no match with allow policies in force → refused; no allow policy → admitted. The
        policy named is the most specific of its kind (``_specificity``) that contains the address and is in force."""
        index = self._index
        if index is None:
            index = self._index = PolicyIndex(self.policies.values())
        best = index.most_specific(address, now)
        if "deny" in best:
            return False, "deny policy matched", best["deny"]
        if "allow" in best:
            return True, "allow policy matched", best["allow"]
        if index.allow_until > now:
            return False, "no allow policy matched", None
        return True, "no allow policy in force", None


class PolicyIndex:
    """Every policy by its block, for decisions in O(distinct prefix lengths) instead of O(policies).

    A B2Core policy covers one address or one CIDR block, so the blocks that contain an address are its network at
    each prefix length: one dict lookup per prefix length in use (a single one when every policy is an address),
    most specific first. Policies that expire stay in the index; a lookup skips them at the time asked.
    """

    __slots__ = ("_buckets", "_sizes", "allow_until")

    def __init__(self, policies: Iterable[Policy]):
        self._buckets: dict[tuple[int, int], list[Policy]] = {}
        sizes: dict[int, set[int]] = {4: set(), 6: set()}
        self.allow_until = float("-inf")  # the last moment an allow policy is in force (inf: one never expires)
        for policy in policies:
            block = policy.block
            self._buckets.setdefault((block.version, block.first), []).append(policy)
            sizes[block.version].add(block.size)
            if policy.policy == "allow":
                expires = policy.expires
                self.allow_until = max(self.allow_until, float("inf") if expires is None else expires)
        self._sizes = {version: sorted(found) for version, found in sizes.items()}  # smallest block first

    def most_specific(self, address: Any, now: float) -> dict[str, Policy]:
        """``{"allow": policy, "deny": policy}``, each the most specific in force that contains the address, if any."""
        version, value = address_key(address)
        found: dict[str, Policy] = {}
        for size in self._sizes[version]:
            bucket = self._buckets.get((version, value - value % size))
            if bucket is None:
                continue
            for policy in bucket:
                if policy.block.size != size or policy.expired(now):
                    continue
                current = found.get(policy.policy)
                # a smaller block was found first; in the same block the earliest createTime, then the smallest id
                if current is None or _specificity(policy) < _specificity(current):
                    found[policy.policy] = policy
            if "deny" in found:
                return found  # deny wins whatever larger blocks hold
        return found


def _specificity(policy: Policy) -> tuple:
    """Most specific first: the smallest block (longest prefix), then the earliest createTime, then the smallest id."""
    return (policy.block.size, policy.created, policy.id)


def _token_json(token: str, entry: tuple[str, float]) -> dict:
    return {"access_token": token, "client_id": entry[0], "expires": entry[1]}


def _ttl(ttl: int, at: int) -> int:
    ttl = int(ttl)  # the schema allows 1.0 for 1
    if at + ttl > MAX_TIME and ttl:
        raise e.error(e.OUT_OF_RANGE, "ttl", 0, max(MAX_TIME - at, 0))
    return ttl


def _between(attribute: str, start: int, end: int) -> Callable[[Policy], bool]:
    return lambda p: start <= getattr(p, attribute) < end


def _matcher(filters: Mapping[str, Any]) -> Callable[[Policy], bool] | None:
    """One predicate for every ``filter[...]`` given (AND); None when there are none. Values are checked first."""
    tests: list[Callable[[Policy], bool]] = []
    if "ip" in filters:
        block = check_ip(filters["ip"], "filter[ip]")
        tests.append(lambda p: p.block == block)
    if "policy" in filters:
        policy = filters["policy"]
        tests.append(lambda p: p.policy == policy)
    if "ttl" in filters:
        ttl = filters["ttl"]
        tests.append(lambda p: p.ttl == ttl)
    for name, attribute in (("createTime", "created"), ("updateTime", "updated"), ("expireTime", "shown_expiry")):
        if name in filters:
            start, end = day_or_second(filters[name], f"filter[{name}]")
            tests.append(_between(attribute, start, end))
    if not tests:
        return None
    return lambda p: all(test(p) for test in tests)


def decide(model: B2CoreModel, query: Mapping[str, str], namespace: Any) -> dict:
    address = normalise_client(query.get("ip"))
    if address is None:
        raise ApiError(400, f"ip: {query.get('ip')!r} is not a valid IPv4 or IPv6 address", field="ip")
    now = namespace.clock.time()
    allowed, reason, matched = model.admits(address, now)
    return {"allowed": allowed, "reason": reason, "matched": matched.to_json() if matched else None, "ip": str(address)}


def place_generated(config: dict, entries: list[tuple[str, str]]) -> dict:
    """``generate: N``: N fake allow policies that never expire."""
    policies = list(config.get("policies") or []) + [{"ipAddress": ip, "policy": "allow", "ttl": 0} for ip, _ in entries]
    return {**config, "policies": policies}
