"""CodeArts for ``replicate``/``diff``/``decide``: the tenant's trusted-IP list and the repositories' lists.

Read (GETs only, paged by ``offset``/``limit`` with the total in ``X-Total``): the tenant list, and each repository
named with ``--repository ID`` (the API has no list of repositories). Every rule keeps its id, flags, remark, order
flag, ``user_id`` and times (CodeArts shows them to the second). The tenant (``domain_id``) and the AK/SK and token
identities stay the replica's; repositories the replica knows but were not read are left with no rules.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from .models import _MONTHS, ACTIONS, FLAGS

PAGE = 100  # the API's largest limit
DEFAULT_PAGE = 20  # what a list answers when no limit is sent
TENANT = "/v4/tenant/trusted-ip-addresses"
DECIDE = {
    "action": "CodeArts action to decide for: " + ", ".join(ACTIONS) + " (default view)",
    "repository": "CodeArts repository id (replicate: a repository to copy, repeatable; decide: its list applies too)",
}
OPTIONS = {"repository": DECIDE["repository"]}  # replicate's vendor options (repeatable)


_TIME = re.compile(r"([A-Z][a-z]{2}) (\d{1,2}), (\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ([AP]M)")


@lru_cache(maxsize=65536)  # rules share instants; strptime was half of reading a rule, this a tenth
def _iso(text: str) -> str:
    """``Aug 21, 2023 10:27:09 PM`` (UTC, as models.format_time writes it) → ISO-8601; ValueError otherwise."""
    m = _TIME.fullmatch(text)
    if m is None or m[1] not in _MONTHS or not 1 <= int(m[4]) <= 12:
        raise ValueError(text)
    hour = int(m[4]) % 12 + (12 if m[7] == "PM" else 0)
    return datetime(int(m[3]), _MONTHS.index(m[1]) + 1, int(m[2]), hour, int(m[5]), int(m[6]), tzinfo=timezone.utc).isoformat()


def _time(text: Any, where: str) -> str:
    try:
        return _iso(str(text))
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a CodeArts time (MMM d, yyyy h:mm:ss a)") from None


def _rule(item: dict, tenant: bool, where: str) -> dict:
    try:
        rule = {"id": int(item["id"]), "ip_type": int(item["ip_type"]), "ip_start": item["ip_start"],
                "ip_end": item.get("ip_end"), **{flag: int(item.get(flag, 0)) for flag in FLAGS},
                "remark": item.get("remark") or "", "order_flag": int(item.get("order_flag", 0)),
                "created_at": _time(item.get("created_at"), where), "updated_at": _time(item.get("updated_at"), where)}
        if tenant and item.get("user_id") is not None:
            rule["user_id"] = int(item["user_id"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{where}: a rule without id, ip_type or ip_start ({str(item)[:200]})") from None
    return rule


def _list(live: Any, path: str, tenant: bool) -> list[dict]:
    rows = live.pages(path, limit=PAGE, default_limit=DEFAULT_PAGE, total="X-Total", key=lambda item: item.get("id"))
    return [_rule(item, tenant, f"GET {path}") for item in rows]


def read(live: Any, options: dict) -> dict:
    repositories: dict[int, list[dict]] = {}
    for repository in options.get("repository") or []:
        repositories[int(repository)] = _list(live, f"/v4/projects/{int(repository)}/trusted-ip-addresses", False)
    return {"tenant": _list(live, TENANT, True), "repositories": repositories}


def counts(copied: dict) -> dict[str, int]:
    out = {"tenant rules": len(copied["tenant"])}
    for repository, rules in copied["repositories"].items():
        out[f"repository {repository} rules"] = len(rules)
    return out


def merge(copied: dict, current: dict) -> dict:
    repositories: dict[str, list] = {str(rid): [] for rid in current.get("repositories") or {}}
    repositories.update({str(rid): rules for rid, rules in copied["repositories"].items()})
    ids = [rule["id"] for rule in copied["tenant"]] + [r["id"] for rules in copied["repositories"].values() for r in rules]
    return {**current, "next_id": max([int(current.get("next_id", 1)), *(i + 1 for i in ids)]),
            "tenant": copied["tenant"], "repositories": dict(sorted(repositories.items(), key=lambda kv: int(kv[0])))}


def _shown(rule: dict) -> str:
    start, end, kind = rule.get("ip_start"), rule.get("ip_end"), rule.get("ip_type")
    if kind == 0 or not end or (end == start and kind != 2):
        return str(start)
    if kind == 2:
        try:
            nets = list(ipaddress.summarize_address_range(ipaddress.ip_address(str(start)), ipaddress.ip_address(str(end))))
            if len(nets) == 1:
                return str(nets[0])
        except (ValueError, TypeError):
            pass
    return f"{start}-{end}"


def items(state: dict, now: float) -> list[tuple[tuple, str, dict]]:
    """(key, label, fields) in CodeArts' terms: each rule by its list and address (the API's uniqueness key: ip_type,
    ip_start, ip_end), with its flags, remark and order flag (ids and times aside)."""
    lists = [("tenant", state.get("tenant") or [])]
    lists += [(f"repository {rid}", rules or []) for rid, rules in (state.get("repositories") or {}).items()]
    out = []
    for name, rules in lists:
        for rule in rules:
            fields = {flag: rule.get(flag, 0) for flag in FLAGS}
            fields.update(remark=rule.get("remark", ""), order_flag=rule.get("order_flag", 0))
            out.append((("rule", name, rule.get("ip_type"), rule.get("ip_start"), rule.get("ip_end")),
                        f"{name} rule {_shown(rule)} (ip_type {rule.get('ip_type')})", fields))
    return out
