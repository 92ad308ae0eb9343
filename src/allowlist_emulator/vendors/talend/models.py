"""Talend Cloud's IP allowlist: one policy per account (namespace), its entries, the bearer tokens, the plan's IP
limit, optional rate limiting, and the admission decision.

Configuration, from ``vendors: {talend: {...}}`` in the ``--config`` YAML (every key optional; the schema is
``config.py``)::

    ip_limit: 100               # entries the policy may hold (the plan's limit); default 100
    rate_limit:                 # absent or null: off (the default)
      requests: 60              # requests per token per window
      window_seconds: 60        # fixed window on the namespace's emulator clock, opened by the token's first request
    tokens:                     # extra bearer tokens (personal access tokens), added to the demo ones
      my-admin-token: ["Users - Management"]
      my-viewer-token: []       # valid, no permission → 403
    service_accounts:           # extra service accounts, added to the demo one (POST /security/oauth/token)
      my-sa:                    # the service account id (the user part of the Basic credentials)
        secret: s3cret          # required, a non-empty string
        permissions: ["Users - Management", "Service Account - Manage"]   # optional; this is the default.
                                # Without "Service Account - Manage" (or its id TMC_SERVICE_ACCOUNT_MANAGEMENT) the
                                # token request answers 403, as the vendor's OAuth document declares
    policy:                     # the policy every namespace starts with (none by default)
      enabled: false
      description: Paris office
      ips: [{ip: 203.0.113.10, description: office egress}]   # `id` (a UUID) optional, generated otherwise

Demo tokens (always there): ``talend-admin-token`` (has "Users - Management"), ``talend-no-permission-token`` (none).
Demo service accounts (always there): ``talend-service-account`` / ``talend-service-secret``, holding "Users -
Management" and "Service Account - Manage"; ``talend-no-token-service-account`` / ``talend-no-token-secret``, without
"Service Account - Manage", whose token request answers 403. ``POST /security/oauth/token`` with its Basic credentials
issues a JWT-shaped bearer token that lives 30 minutes of the namespace's emulator clock and is accepted by the
``/security/...`` paths only ("service accounts are supported only by the new version-agnostic endpoints");
``/v1/management/...`` answers it 401.

Every write builds the new state first and stores it only when every check passed, so a rejected request changes
nothing. Checks run in this order: address syntax (400), existence (404, or 409 for a second create), the IP limit
(402, on the adds too, where the vendor declares it on updates only), duplicate addresses (409 where declared, 400 elsewhere).
PUT on the policy adds its ``ips`` to the stored ones (seed 000: "you add IPs to the existing IP allowlist"); an address
already listed keeps its entry (id, place, ``ip`` text) and takes the sent description.
"""

from __future__ import annotations

import base64
import json
import math
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

from ...addresses import AddressError, Block, IntervalIndex, known_block, normalise_client, parse_address_or_cidr
from ...state.changes import Entries, listed
from ...state.clock import Clock
from ...engine.errors import ApiError
from ...engine.secrets import find, same
from . import errors as e

USERS_MANAGEMENT = "Users - Management"
# What POST /security/oauth/token needs (Talend's OAuth document, 2021-03): "Service Account - Manage", id
# TMC_SERVICE_ACCOUNT_MANAGEMENT; a configured permission list may name it either way.
SERVICE_ACCOUNT_MANAGE = "Service Account - Manage"
SERVICE_ACCOUNT_MANAGE_ID = "TMC_SERVICE_ACCOUNT_MANAGEMENT"
DEFAULT_SERVICE_ACCOUNT_PERMISSIONS = (USERS_MANAGEMENT, SERVICE_ACCOUNT_MANAGE)
DEMO_TOKENS: dict[str, tuple[str, ...]] = {
    "talend-admin-token": (USERS_MANAGEMENT,),
    "talend-no-permission-token": (),
}
DEMO_SERVICE_ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "talend-service-account": ("talend-service-secret", DEFAULT_SERVICE_ACCOUNT_PERMISSIONS),
    "talend-no-token-service-account": ("talend-no-token-secret", (USERS_MANAGEMENT,)),  # token request → 403
}
SERVICE_TOKEN_SECONDS = 1800  # "This token expires after 30 minutes"
MAX_SERVICE_TOKENS = 10_000  # live service-account tokens kept per namespace; the oldest are forgotten beyond that
DEFAULT_IP_LIMIT = 100
NO_POLICY = "IP allowlist configuration not found"
SOME_IPS_UNKNOWN = "at least one IP to be updated was not found"


@dataclass(frozen=True)
class Token:
    value: str
    permissions: frozenset[str]
    service_account: str | None = None  # the account a service-account token was issued to; None: a personal token
    expires: float = math.inf  # epoch seconds on the emulator clock (service-account tokens only)

    @property
    def manages_users(self) -> bool:
        return USERS_MANAGEMENT in self.permissions


@dataclass(frozen=True)
class ServiceAccount:
    id: str
    secret: str
    permissions: frozenset[str]

    @property
    def may_get_tokens(self) -> bool:
        return bool(self.permissions & {SERVICE_ACCOUNT_MANAGE, SERVICE_ACCOUNT_MANAGE_ID})


def _service_accounts(config: Mapping) -> dict[str, ServiceAccount]:
    accounts = {name: ServiceAccount(name, secret, frozenset(permissions))
                for name, (secret, permissions) in DEMO_SERVICE_ACCOUNTS.items()}
    extra = config.get("service_accounts") or {}
    if not isinstance(extra, Mapping):
        raise ValueError("talend.service_accounts: must map each service account id to {secret, permissions}")
    for name, account in extra.items():
        where = f"talend.service_accounts.{name}"
        if not isinstance(name, str) or not name or ":" in name:
            raise ValueError(f"{where}: the id must be a non-empty string without ':'")
        if not isinstance(account, Mapping) or set(account) - {"secret", "permissions"}:
            raise ValueError(f"{where}: must be {{secret, permissions}}")
        secret = account.get("secret")
        if not isinstance(secret, str) or not secret:
            raise ValueError(f"{where}.secret: is required, a non-empty string")
        permissions = account.get("permissions", list(DEFAULT_SERVICE_ACCOUNT_PERMISSIONS))
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            raise ValueError(f"{where}.permissions: must be a list of permission names")
        accounts[name] = ServiceAccount(name, secret, frozenset(permissions))
    return accounts


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class RateLimit:
    requests: int
    window_seconds: float


@dataclass(frozen=True)
class Settings:
    """What ``config`` says; the same for every namespace."""

    ip_limit: int = DEFAULT_IP_LIMIT
    rate_limit: RateLimit | None = None
    tokens: Mapping[str, Token] = field(default_factory=dict)
    service_accounts: Mapping[str, ServiceAccount] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping) -> "Settings":
        ip_limit = config.get("ip_limit", DEFAULT_IP_LIMIT)
        if isinstance(ip_limit, bool) or not isinstance(ip_limit, int) or ip_limit < 0:
            raise ValueError(f"talend.ip_limit: {ip_limit!r} is not a non-negative integer")
        rate_limit = None
        rate = config.get("rate_limit")
        if rate is not None:
            requests, window = (rate.get("requests"), rate.get("window_seconds", 60)) if isinstance(rate, Mapping) else (None, None)
            if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
                raise ValueError("talend.rate_limit.requests: must be a positive integer")
            if isinstance(window, bool) or not isinstance(window, (int, float)) or not window > 0:
                raise ValueError("talend.rate_limit.window_seconds: must be a positive number")
            rate_limit = RateLimit(requests, float(window))
        tokens = {value: Token(value, frozenset(permissions)) for value, permissions in DEMO_TOKENS.items()}
        extra = config.get("tokens") or {}
        if not isinstance(extra, Mapping):
            raise ValueError("talend.tokens: must map each token to its list of permissions")
        for value, permissions in extra.items():
            if not isinstance(value, str) or not value or not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
                raise ValueError(f"talend.tokens.{value}: must map a token to a list of permission names")
            tokens[value] = Token(value, frozenset(permissions))
        return cls(ip_limit, rate_limit, tokens, _service_accounts(config))


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    ip: str  # as sent
    description: str
    block: Block  # normalised network, for matching and duplicate checks

    def to_json(self) -> dict:
        return {"id": self.id, "ip": self.ip, "description": self.description}


@dataclass
class Policy:
    enabled: bool
    description: str
    entries: dict[str, Entry]  # id → entry, insertion order

    def to_json(self, detailed: bool = True) -> dict:
        out: dict[str, Any] = {"enabled": self.enabled, "description": self.description}
        if detailed:
            out["ips"] = listed(self.entries, Entry.to_json)
        return out


def parse_ip(text: Any, where: str) -> Block:
    """The block of an ``ip`` value: one address or one CIDR block with zero host bits; 400 naming the field."""
    try:
        return parse_address_or_cidr(text, strict=True)
    except AddressError:
        raise e.error(400, f"{where}: {text!r} is not a valid IPv4 or IPv6 address or CIDR block") from None


def _parse(items: list) -> list[tuple[str, Block, Mapping]]:
    """(field, block, item) for each item of a request, in order; the first bad ``ip`` → 400."""
    return [(f"ips[{i}].ip", parse_ip(item.get("ip"), f"ips[{i}].ip"), item) for i, item in enumerate(items)]


def _is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _limit_error(status: int, count: int, limit: int, verb: str = "would hold") -> ApiError:
    return e.error(status, f"ips: the IP allowlist {verb} {count} IPs, above the limit of {limit} of your plan")


def _duplicate_error(status: int, where: str, ip: str) -> ApiError:
    return e.error(status, f"{where}: {ip!r} is already on the IP allowlist")


class TalendModel:
    def __init__(self, settings: Settings, rng: Any, clock: Clock):
        self.settings = settings
        self.rng = rng
        self.clock = clock
        self.policy: Policy | None = None
        self._index: IntervalIndex[Entry] | None = None  # rebuilt lazily after a write
        self._windows: dict[str, tuple[float, int]] = {}  # token → (window start, requests counted)
        self.service_tokens: dict[str, Token] = {}  # issued service-account tokens, oldest first

    # -- construction, snapshot, restore --------------------------------------------------------------------------------
    @classmethod
    def seeded(cls, config: Mapping, rng: Any, clock: Clock) -> "TalendModel":
        model = cls(Settings.from_config(config), rng, clock)
        model._restore_policy(config.get("policy"), "talend.policy")
        return model

    def to_json(self) -> dict:
        out: dict[str, Any] = {"policy": self.policy.to_json() if self.policy else None}
        if self.service_tokens:  # only once one was issued, so a policy-only state reads as before
            out["serviceTokens"] = [{"access_token": t.value, "service_account": t.service_account,
                                     "permissions": sorted(t.permissions), "expires": t.expires}
                                    for t in self.service_tokens.values()]
        return out

    @classmethod
    def from_json(cls, data: Mapping, config: Mapping, rng: Any, clock: Clock, trusted: bool = False) -> "TalendModel":
        """A saved state. ``trusted``: one this emulator wrote and validated (a state file marked so), read without
        checking each entry again."""
        model = cls(Settings.from_config(config), rng, clock)
        policy = data.get("policy")
        if trusted and policy is not None:
            model._store(Policy(policy["enabled"], policy["description"], Entries(
                (item["id"], Entry(item["id"], item["ip"], item["description"], known_block(item["ip"])))
                for item in policy["ips"])))
        else:
            model._restore_policy(policy, "policy")
        tokens = data.get("serviceTokens") or []
        if not isinstance(tokens, list):
            raise ValueError("serviceTokens: must be a list")
        for i, item in enumerate(tokens):
            try:
                token = Token(str(item["access_token"]), frozenset(map(str, item.get("permissions", []))),
                              str(item["service_account"]), float(item["expires"]))
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"serviceTokens[{i}]: must be {{access_token, service_account, permissions, expires}}") from None
            model.service_tokens[token.value] = token
        return model

    def _restore_policy(self, data: Any, where: str) -> None:
        """A policy from config or a snapshot (ids kept when given); ValueError naming the field."""
        if data is None:
            return
        if not isinstance(data, Mapping) or not isinstance(data.get("enabled"), bool):
            raise ValueError(f"{where}.enabled: is required (true or false)")
        items = data.get("ips") or []
        if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
            raise ValueError(f"{where}.ips: must be a list of objects with ip and description")
        for i, item in enumerate(items):
            if item.get("id") is not None and not _is_uuid(item["id"]):
                raise ValueError(f"{where}.ips[{i}].id: {item['id']!r} is not a UUID")
        try:
            entries = self._new_entries(_parse(items), [], dup_status=400, keep_ids=True)
        except ApiError as err:
            raise ValueError(f"{where}.{err.message}") from None
        if len(entries) != len(items):
            raise ValueError(f"{where}.ips: an id appears more than once")
        self._store(Policy(data["enabled"], str(data.get("description") or ""), entries))

    # -- helpers ---------------------------------------------------------------------------------------------------------
    def _new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _store(self, policy: Policy | None) -> None:
        self.policy = policy
        self._index = None

    def _require_policy(self) -> Policy:
        if self.policy is None:
            raise e.error(404, NO_POLICY)
        return self.policy

    def _check_limit(self, count: int, status: int) -> None:
        if count > self.settings.ip_limit:
            raise _limit_error(status, count, self.settings.ip_limit)

    @staticmethod
    def _check_duplicates(changes: list[tuple[str, Entry]], others: list[Entry], status: int) -> None:
        """``changes`` are the request's (field, entry), in order; ``others`` the stored entries they join. Two
        entries with the same normalised network are duplicates, unless they are one entry (an update to itself)."""
        seen: dict[Block, str] = {entry.block: entry.id for entry in others}
        for where, entry in changes:
            if seen.get(entry.block, entry.id) != entry.id:
                raise _duplicate_error(status, where, entry.ip)
            seen[entry.block] = entry.id

    def _new_entries(self, parsed: list[tuple[str, Block, Mapping]], stored: list[Entry], *, dup_status: int,
                     limit_status: int | None = None, keep_ids: bool = False) -> dict[str, Entry]:
        """Fresh entries for parsed items (new ids), checked against ``stored``: the limit, then duplicates."""
        if limit_status is not None:
            self._check_limit(len(stored) + len(parsed), limit_status)
        changes = []
        for where, block, item in parsed:
            entry_id = str(item["id"]) if keep_ids and item.get("id") is not None else self._new_id()
            changes.append((where, Entry(entry_id, item["ip"], str(item.get("description") or ""), block)))
        self._check_duplicates(changes, stored, dup_status)
        return Entries((entry.id, entry) for _, entry in changes)

    def _apply_updates(self, policy: Policy, parsed: list[tuple[str, Block, Mapping]], ids: list[str]) -> list[Entry]:
        """Update the entries ``ids`` (known to exist) with ``parsed``: the limit (402), duplicates (400) against the
        state after every update, then store. Entries keep their place."""
        self._check_limit(len(policy.entries), 402)
        changes = [(where, Entry(entry_id, item["ip"], str(item.get("description") or ""), block))
                   for (where, block, item), entry_id in zip(parsed, ids, strict=True)]
        updated = {entry.id: entry for _, entry in changes}
        others = [entry for entry_id, entry in policy.entries.items() if entry_id not in updated]
        self._check_duplicates(changes, others, 400)
        policy.entries.update(updated)  # every id exists: each entry keeps its place
        self._index = None
        return [entry for _, entry in changes]

    # -- the policy ------------------------------------------------------------------------------------------------------
    def get_policy(self, detailed: bool) -> dict:
        return self._require_policy().to_json(detailed)

    def create_policy(self, body: Mapping) -> dict:
        parsed = _parse(body.get("ips") or [])
        if self.policy is not None:
            raise e.error(409, "an IP allowlist configuration already exists")
        entries = self._new_entries(parsed, [], dup_status=409, limit_status=402)
        policy = Policy(body["enabled"], body.get("description", ""), entries)
        self._store(policy)
        return policy.to_json()

    def update_policy(self, body: Mapping) -> dict:
        """PUT: the body's ``ips`` join the stored ones ("you add IPs to the existing IP allowlist"); ``enabled`` is
        set, and ``description`` when sent. An address already listed (same normalised network) is not added again:
        the stored entry keeps its id, place and ``ip`` text and takes the sent ``description``. Two items of the body
        naming one network → 400. The limit counts the merged list (402). Nothing changes unless every check passes."""
        parsed = _parse(body.get("ips") or [])
        policy = self._require_policy()
        by_block = {entry.block: entry for entry in policy.entries.values()}
        seen: set[Block] = set()
        twice: ApiError | None = None  # raised after the limit check, the order every write follows
        updated: dict[str, Entry] = {}
        fresh: list[tuple[str, Block, Mapping]] = []
        for where, block, item in parsed:
            if block in seen:
                twice = twice or _duplicate_error(400, where, item["ip"])
                continue
            seen.add(block)
            stored = by_block.get(block)
            if stored is None:
                fresh.append((where, block, item))
            else:
                updated[stored.id] = Entry(stored.id, stored.ip, str(item.get("description") or ""), block)
        self._check_limit(len(policy.entries) + len(fresh), 402)
        if twice is not None:
            raise twice
        added = self._new_entries(fresh, [], dup_status=400)
        entries = {entry_id: updated.get(entry_id, entry) for entry_id, entry in policy.entries.items()}
        entries.update(added)
        description = body["description"] if "description" in body else policy.description
        new_policy = Policy(body["enabled"], description, entries)
        self._store(new_policy)
        return new_policy.to_json()

    def delete_policy(self) -> None:
        self._store(None)

    def set_enabled(self, enabled: bool) -> None:
        policy = self._require_policy()
        if enabled and len(policy.entries) > self.settings.ip_limit:
            raise _limit_error(402, len(policy.entries), self.settings.ip_limit, verb="holds")
        policy.enabled = enabled

    # -- the entries -----------------------------------------------------------------------------------------------------
    def list_ips(self) -> list[dict]:
        return [entry.to_json() for entry in self.policy.entries.values()] if self.policy else []

    def add_ips(self, items: list) -> list[dict]:
        parsed = _parse(items)
        policy = self._require_policy()
        entries = self._new_entries(parsed, list(policy.entries.values()), dup_status=409, limit_status=402)
        policy.entries.update(entries)
        self._index = None
        return [entry.to_json() for entry in entries.values()]

    def update_ips(self, items: list) -> list[dict]:
        parsed = _parse(items)
        ids = [item["id"] for item in items]
        seen: set[str] = set()
        for i, entry_id in enumerate(ids):
            if entry_id in seen:
                raise e.error(400, f"ips[{i}].id: {entry_id!r} appears more than once")
            seen.add(entry_id)
        if self.policy is None or not seen <= self.policy.entries.keys():
            raise e.error(404, SOME_IPS_UNKNOWN)
        return [entry.to_json() for entry in self._apply_updates(self.policy, parsed, ids)]

    def get_ip(self, entry_id: str) -> dict:
        entry = self.policy.entries.get(entry_id) if self.policy else None
        if entry is None:
            raise e.error(404, f"IP entry {entry_id!r} not found")
        return entry.to_json()

    def update_ip(self, entry_id: str, item: Mapping) -> dict:
        parsed = [("ip", parse_ip(item.get("ip"), "ip"), item)]
        self.get_ip(entry_id)
        return self._apply_updates(self._require_policy(), parsed, [entry_id])[0].to_json()

    def delete_ip(self, entry_id: str) -> None:
        if self.policy is not None and self.policy.entries.pop(entry_id, None) is not None:
            self._index = None

    # -- tokens, rate limiting, admission -----------------------------------------------------------------------------------
    def token(self, value: str) -> Token | None:
        """A personal token (every configured one compared with hmac.compare_digest) or an issued service-account
        token (a dict lookup, as for B2Core's issued tokens: see engine/secrets.py); expired ones included."""
        return find(self.settings.tokens, value) or self.service_tokens.get(value)

    def service_account(self, account_id: str, secret: str) -> ServiceAccount | None:
        """The account whose id and secret these are; the secret is compared in constant time, even for an unknown id."""
        account = self.settings.service_accounts.get(account_id)
        ok = same(secret, account.secret if account is not None else "\0" * max(len(secret), 1))
        return account if ok and account is not None else None

    def issue_token(self, account: ServiceAccount, audience: str, now: float) -> dict:
        """A new JWT-shaped token for ``account`` (the vendor's tokens are JWTs: header, claims, signature); its claims
        say who it is for and when it expires. Earlier tokens stay valid until they expire."""
        issued = int(now // 1)
        claims = {"iss": "https://api.talend.com/security/oauth", "sub": account.id, "aud": audience,
                  "iat": issued, "exp": issued + SERVICE_TOKEN_SECONDS, "jti": str(uuid.uuid4())}
        header = _b64url(b'{"alg":"RS256","typ":"JWT"}')
        signature = _b64url(secrets.token_bytes(32))  # from the OS, never the seeded generator
        value = f"{header}.{_b64url(json.dumps(claims, separators=(',', ':')).encode())}.{signature}"
        self.service_tokens[value] = Token(value, account.permissions, account.id, now + SERVICE_TOKEN_SECONDS)
        while len(self.service_tokens) > MAX_SERVICE_TOKENS:
            del self.service_tokens[next(iter(self.service_tokens))]
        # expires_in is a string: Talend's OAuth document types it so (example "3600"), and clients generated from it in
        # statically typed languages fail on a number
        return {"access_token": value, "token_type": "Bearer", "expires_in": str(SERVICE_TOKEN_SECONDS)}

    def count_request(self, token: Token) -> None:
        """One more request for this token in its window; 429 with the X-RateLimit-* headers once it is used up."""
        rate = self.settings.rate_limit
        if rate is None:
            return
        now = self.clock.time()
        start, count = self._windows.get(token.value, (now, 0))
        if now >= start + rate.window_seconds:
            start, count = now, 0
        if count >= rate.requests:
            reset = math.ceil(start + rate.window_seconds)
            raise e.error(429, f"rate limit of {rate.requests} requests per {rate.window_seconds:g} seconds exceeded",
                          headers={"X-RateLimit-Limit": str(rate.requests), "X-RateLimit-Remaining": "0",
                                   "X-RateLimit-Reset": str(reset)})
        self._windows[token.value] = (start, count + 1)

    def admits(self, address: Any, token: Token | None = None) -> tuple[bool, str, dict | None]:
        """(allowed, reason, matched entry) for a caller at ``address`` holding ``token``."""
        policy = self.policy
        if policy is None:
            return True, "no IP allowlist configuration exists", None
        if not policy.enabled:
            return True, "the IP allowlist is disabled", None
        if token is not None and token.manages_users:
            return True, f'the caller holds "{USERS_MANAGEMENT}", which is exempt from the IP allowlist', None
        if address is None:
            return False, "the client address is unknown", None
        if self._index is None:
            self._index = IntervalIndex((entry.block, entry) for entry in policy.entries.values())
        hit = self._index.find(address)
        if hit is None:
            return False, f"{address} is not on the enabled IP allowlist", None
        entry = hit[1]
        return True, f"{address} matches the IP allowlist entry {entry.ip!r}", entry.to_json()


def decide(model: TalendModel, query: Mapping[str, str], namespace: Any) -> dict:
    address = normalise_client(query.get("ip"))
    if address is None:
        raise ApiError(400, f"ip: {query.get('ip')!r} is not a valid IPv4 or IPv6 address", field="ip")
    token = None
    if query.get("token"):
        token = model.token(query["token"])
        if token is None:
            raise ApiError(400, "token: is not a known Talend token", field="token")
        if namespace.clock.time() >= token.expires:
            raise ApiError(400, "token: the service-account token has expired", field="token")
    allowed, reason, matched = model.admits(address, token)
    return {"allowed": allowed, "reason": reason, "matched": matched, "ip": str(address)}


def place_generated(config: dict, entries: list[tuple[str, str]]) -> dict:
    """``generate: N``: N fake entries added to the seeded policy (a disabled one is created when none is configured)."""
    policy = dict(config.get("policy") or {"enabled": False, "description": "generated"})
    policy["ips"] = list(policy.get("ips") or []) + [{"ip": ip, "description": text} for ip, text in entries]
    return {**config, "policy": policy}
