"""B2Core for ``replicate``/``diff``/``decide``: the IP address policies, through every page.

Read: ``GET [base]/addresses`` by ``offset``/``limit`` (1000, the largest page) in ``createTime`` order (the default) until a
short page (B2Core sends no total); a policy met twice means the list moved while it was read. Each policy keeps its
``addressId``, address, allow/deny, ``ttl`` and times, so expiry is the live one. The bearer token comes from
``POST [base]/tokens`` with the client credentials: the one request other than a GET, declared to the read-only
transport as the credential exchange. Clients and issued tokens stay the replica's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ...addresses import AddressError, parse_address_or_cidr
from .models import parse_time

PAGE = 1000
DEFAULT_PAGE = 100  # what a list answers when no limit is sent (createTime ascending, the order every page keeps)
DECIDE: dict[str, str] = {}


def exchanges(base_url: str) -> list[tuple[str, str]]:
    return [("POST", urlsplit(base_url).path.rstrip("/") + "/tokens")]


def auth(base_url: str, credentials: Any, headers: dict[str, str] | None, session: Any) -> Any:
    from .contract import DEMO, ClientCredentialsAuth

    if credentials.client_id is None and credentials.client_secret is None:
        credentials = DEMO
    return ClientCredentialsAuth(base_url, credentials.client_id, credentials.client_secret, headers=headers,
                                 verify=session.verify, session=session)


FIELDS = ("addressId", "ipAddress", "policy", "ttl", "createTime", "updateTime", "expireTime")


def read(live: Any, options: dict) -> dict:
    rows = live.pages("/addresses", limit=PAGE, default_limit=DEFAULT_PAGE,
                      key=lambda item: item.get("addressId"))
    policies = []
    for item in rows:
        if not all(name in item for name in FIELDS[:6]):
            raise ValueError(f"GET /addresses: a policy without {', '.join(FIELDS[:6])} ({str(item)[:200]})")
        policies.append({name: item[name] for name in FIELDS if name in item})
    return {"policies": policies}


def counts(copied: dict) -> dict[str, int]:
    return {"policies": len(copied["policies"])}


def merge(copied: dict, current: dict) -> dict:
    return {**current, "policies": copied["policies"]}


def items(state: dict, now: float) -> list[tuple[tuple, str, dict]]:
    """(key, label, fields) in B2Core's terms: each policy by its address, with allow/deny, ttl, expiry and whether it
    has expired on the state's emulator clock (ids and creation times aside)."""
    out = []
    for policy in state.get("policies") or []:
        ttl = policy.get("ttl", 0)
        try:
            expired = bool(ttl) and parse_time(policy["updateTime"]) + int(ttl) <= now
        except (KeyError, TypeError, ValueError):
            expired = False
        out.append((("policy", _network(policy.get("ipAddress"))), f"policy {policy.get('ipAddress')}",
                    {"policy": policy.get("policy"), "ttl": ttl,
                     "expireTime": policy.get("expireTime") if ttl else "never", "expired": expired}))
    return out


def _network(text: Any) -> tuple:
    """What an address means (one address or one block), so ``10.0.0.1`` and ``10.0.0.1/32`` are one entry; the text
    itself when it is not an address."""
    try:
        block = parse_address_or_cidr(text, strict=False)
    except (AddressError, TypeError, ValueError):
        return ("text", str(text))
    return (block.version, block.first, block.last)
