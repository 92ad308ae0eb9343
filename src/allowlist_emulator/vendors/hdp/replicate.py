"""HDP for ``replicate``/``diff``/``decide``: the whitelists at every level the caller can see, and configurations 1-8.

Read (GETs only): the system whitelist; ``GET .../whitelist/tenants`` then each tenant's document; ``GET
.../whitelist/users`` then each user's (``?user=``); ``GET /api/admin/configurations`` (configuration 8 is whether the
lists are enforced). HDP has no paging. Documents are kept exactly as HDP answers them.

Identities stay the replica's: its users (with their passwords and permissions) and tenants are kept. A tenant the
live side lists takes its live name (added when the replica lacks it); a user whose whitelist the live side lists and
the replica lacks is added with the live id (a free one if the replica uses it), no permissions and a random password
nobody knows (it can be decided for, not logged in as), in the replica's lowest tenant: HDP's API does not say which
tenant a user belongs to.
"""

from __future__ import annotations

import secrets
from typing import Any

from .models import FILTERING, RESOURCES, SETTINGS

WL = "/api/admin/security/whitelist"
DECIDE = {
    "resource": "HDP resource to decide for: " + ", ".join(RESOURCES) + " (default managementAPI)",
    "user": "HDP user whose tenant and user whitelists apply too",
}


def _applied(live: Any, path: str) -> list[dict]:
    data = live.json(path)
    rows = data.get("appliedWhiteLists") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) and "id" in row for row in rows):
        raise ValueError(f"GET {path}: expected {{appliedWhiteLists: [{{id, name, ...}}]}}")
    return rows


def _document(live: Any, path: str, params: dict | None = None) -> dict:
    data = live.json(path, params)
    if not isinstance(data, dict):
        raise TypeError(f"GET {path}: expected a whitelist document (an object)")
    return data


def read(live: Any, options: dict) -> dict:
    system = live.json(f"{WL}/system", absent=(404,))
    tenants = {int(row["id"]): {"name": str(row.get("name") or row["id"]),
                                "document": _document(live, f"{WL}/tenants/{int(row['id'])}")}
               for row in _applied(live, f"{WL}/tenants")}
    users = {str(row["name"]): {"id": int(row["id"]),
                                "document": _document(live, "/api/mgmt/security/whitelist/user", {"user": row["name"]})}
             for row in _applied(live, f"{WL}/users")}
    data = live.json("/api/admin/configurations", absent=(403,))
    if data is None:  # the caller may manage whitelists without the Configurations permission (22)
        live.note("configurations not read (403: the caller lacks permission 22, Configurations); the replica keeps its own")
        data = {"configurations": []}
    rows = data.get("configurations") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise TypeError("GET /api/admin/configurations: expected {configurations: [{id, value}]}")
    configurations = {int(row["id"]): row.get("value") for row in rows if isinstance(row, dict) and int(row.get("id", 0)) in SETTINGS}
    return {"system": system if isinstance(system, dict) else {}, "tenants": tenants, "users": users,
            "configurations": configurations}


def counts(copied: dict) -> dict[str, int]:
    def ranges(document: dict) -> int:
        return sum(len(document.get(resource) or []) for resource in RESOURCES)

    return {
        "system ranges": ranges(copied["system"]),
        "tenant whitelists": len(copied["tenants"]),
        "tenant ranges": sum(ranges(t["document"]) for t in copied["tenants"].values()),
        "user whitelists": len(copied["users"]),
        "user ranges": sum(ranges(u["document"]) for u in copied["users"].values()),
        "configurations": len(copied["configurations"]),
    }


def merge(copied: dict, current: dict) -> dict:
    tenants = {int(t["id"]): t["name"] for t in current.get("tenants") or []}
    for tenant_id, tenant in copied["tenants"].items():
        tenants[tenant_id] = tenant["name"]
    users = [dict(user) for user in current.get("users") or []]
    known = {user["name"] for user in users}
    home = min(tenants) if tenants else 1
    ids = {int(user["id"]) for user in users}
    for name, user in copied["users"].items():
        if name not in known:
            user_id = user["id"] if user["id"] not in ids else max(ids) + 1  # ids stay one per user
            ids.add(user_id)
            users.append({"id": user_id, "name": name, "password": secrets.token_urlsafe(24), "tenant": home,
                          "permissions": [], "administers": []})
    configurations = dict(current.get("configurations") or {})
    filtering = current.get("filtering", "true")
    for config_id, value in copied["configurations"].items():
        if config_id == FILTERING:
            filtering = value
        else:
            configurations[str(config_id)] = value
    return {
        **current,
        "tenants": [{"id": tid, "name": name} for tid, name in sorted(tenants.items())],
        "users": users,
        "whitelists": {
            "system": copied["system"],
            "tenants": {str(tid): t["document"] for tid, t in sorted(copied["tenants"].items())},
            "users": {name: u["document"] for name, u in copied["users"].items()},
        },
        "filtering": filtering,
        "configurations": configurations,
    }


def items(state: dict, now: float) -> list[tuple[tuple, str, dict]]:
    """(key, label, fields) in HDP's terms: each level's whitelist (system, tenant, user), each range by level,
    resource and range, and configurations 1-8 (8: whitelist filtering)."""
    names = {int(t["id"]): t["name"] for t in state.get("tenants") or []}
    whitelists = state.get("whitelists") or {}
    levels: list[tuple[str, str, dict | None]] = [("system", "system", whitelists.get("system"))]
    levels += [(f"tenant {tid}", f"tenant {tid} ({names.get(int(tid), '?')})", doc)
               for tid, doc in (whitelists.get("tenants") or {}).items()]
    levels += [(f"user {name}", f"user {name}", doc) for name, doc in (whitelists.get("users") or {}).items()]
    out: list[tuple[tuple, str, dict]] = []
    for level, label, document in levels:
        if document is None:
            continue
        if level != "system":
            out.append((("whitelist", level), f"{label} whitelist", {}))
        for resource in RESOURCES:
            for item in document.get(resource) or []:
                start, end = item.get("startAddress"), item.get("endAddress")
                shown = f"{start}-{end}" if end not in (None, "", start) else str(start)
                out.append((("range", level, resource, shown), f"{label} {resource} {shown}", {}))
    configurations = {**{str(k): v for k, v in (state.get("configurations") or {}).items()}, str(FILTERING): state.get("filtering")}
    for config_id in sorted(configurations, key=int):
        what = " (IP whitelist filtering)" if int(config_id) == FILTERING else ""
        out.append((("configuration", int(config_id)), f"configuration {config_id}{what}", {"value": configurations[config_id]}))
    return out
