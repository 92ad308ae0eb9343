"""Talend for ``replicate``/``diff``/``decide``: the policy and its entries, read with one GET.

``GET /security/ip-allowlist`` answers the whole policy (``enabled``, ``description``, every entry with its ``id``);
404 means the account has none, and the replica then has none either. Service-account tokens are identities: the
replica keeps its own.
"""

from __future__ import annotations

from typing import Any

from ...addresses import AddressError, parse_address_or_cidr

DECIDE: dict[str, str] = {}  # extra /_emulator/decide query fields decide passes on (talend: token, not a CLI option)


def read(live: Any, options: dict) -> dict:
    policy = live.json("/security/ip-allowlist", absent=(404,))
    if policy is None:
        return {"policy": None}
    if not isinstance(policy, dict) or not isinstance(policy.get("enabled"), bool) or not isinstance(policy.get("ips", []), list):
        raise TypeError("GET /security/ip-allowlist: the answer is not a Talend policy")
    ips = [{"id": e.get("id"), "ip": e.get("ip"), "description": e.get("description") or ""} for e in policy.get("ips") or []]
    return {"policy": {"enabled": policy["enabled"], "description": policy.get("description") or "", "ips": ips}}


def counts(copied: dict) -> dict[str, int]:
    policy = copied["policy"]
    return {"policy": int(policy is not None), "entries": len(policy["ips"]) if policy else 0}


def merge(copied: dict, current: dict) -> dict:
    return {**current, "policy": copied["policy"]}


def items(state: dict, now: float) -> list[tuple[tuple, str, dict]]:
    """(key, label, fields) in Talend's terms: the policy's settings, and each entry by the network its address names (ids
    aside: an entry deleted and added again with the same address is the same entry)."""
    policy = state.get("policy")
    if policy is None:
        return []
    out: list[tuple[tuple, str, dict]] = [(("policy",), "policy", {"enabled": policy.get("enabled"), "description": policy.get("description", "")})]
    for entry in policy.get("ips") or []:
        out.append((("entry", _network(entry.get("ip"))), f"entry {entry.get('ip')}",
                    {"description": entry.get("description", "")}))
    return out


def _network(text: Any) -> tuple:
    """What an address means (one address or one block), so ``10.0.0.1`` and ``10.0.0.1/32`` are one entry; the text
    itself when it is not an address."""
    try:
        block = parse_address_or_cidr(text, strict=False)
    except (AddressError, TypeError, ValueError):
        return ("text", str(text))
    return (block.version, block.first, block.last)
