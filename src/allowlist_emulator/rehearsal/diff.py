"""``diff``: what changed between two states, entry by entry, in each vendor's own terms.

The vendor's folder says what an entry is and which of its fields count (``replicate.items``: a Talend entry by its
address, an HDP range by level and resource, a CodeArts rule with its flags, a B2Core policy with its expiry on the
state's own clock); ids, times of creation and identities are aside. A key met twice in one list is numbered, so two
equal entries and one are not the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..state.clock import Clock
from ..vendors import REGISTRY


@dataclass
class Change:
    kind: str  # added | removed | changed
    label: str
    before: dict | None = None
    after: dict | None = None

    def to_json(self) -> dict:
        out: dict[str, Any] = {"change": self.kind, "entry": self.label}
        if self.before is not None:
            out["before"] = self.before
        if self.after is not None:
            out["after"] = self.after
        return out


@dataclass
class VendorDiff:
    vendor: str
    changes: list[Change] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {kind: sum(1 for c in self.changes if c.kind == kind) for kind in ("added", "removed", "changed")}


def _now(state: dict) -> float:
    clock = state.get("clock")
    return Clock.from_json(clock).time() if isinstance(clock, dict) else Clock().time()


def _keyed(rows: list[tuple[tuple, str, dict]]) -> dict[tuple, tuple[str, dict]]:
    out: dict[tuple, tuple[str, dict]] = {}
    seen: dict[tuple, int] = {}
    for key, label, fields in rows:
        n = seen[key] = seen.get(key, 0) + 1
        if n > 1:
            key, label = (*key, "#", n), f"{label} (#{n})"
        out[key] = (label, fields)
    return out


def diff_vendor(vendor: str, before: dict | None, after: dict | None, now_before: float, now_after: float) -> VendorDiff:
    part = REGISTRY[vendor].part("replication")
    old = _keyed(part.items(before, now_before)) if before is not None else {}
    new = _keyed(part.items(after, now_after)) if after is not None else {}
    result = VendorDiff(vendor)
    for key, (label, fields) in old.items():
        if key not in new:
            result.changes.append(Change("removed", label, before=fields))
        elif new[key][1] != fields:
            changed = {k for k in fields.keys() | new[key][1].keys() if fields.get(k) != new[key][1].get(k)}
            result.changes.append(Change("changed", label, before={k: fields.get(k) for k in sorted(changed)},
                                         after={k: new[key][1].get(k) for k in sorted(changed)}))
    for key, (label, fields) in new.items():
        if key not in old:
            result.changes.append(Change("added", label, after=fields))
    return result


def diff_states(before: dict, after: dict, vendors: list[str] | None = None) -> list[VendorDiff]:
    """Every vendor both sides hold (or ``vendors``) that has a diff view."""
    keys = vendors or [key for key in REGISTRY
                       if REGISTRY[key].has("replication") and (key in before["vendors"] or key in after["vendors"])]
    now_before, now_after = _now(before), _now(after)
    return [diff_vendor(key, _or_seeded(key, before), _or_seeded(key, after), now_before, now_after) for key in keys]


def _or_seeded(vendor: str, state: dict) -> dict:
    """The vendor's state on that side; a side that never touched the vendor (a state file) holds what a fresh
    namespace starts with."""
    found = state["vendors"].get(vendor)
    if found is not None:
        return found
    import random

    return REGISTRY[vendor].model.seeded({}, random.Random(0), Clock()).to_json()


def _fields(fields: dict | None) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in (fields or {}).items())


def render_text(diffs: list[VendorDiff], before: str, after: str) -> str:
    lines = [f"--- {before}", f"+++ {after}"]
    for d in diffs:
        counts = d.counts()
        lines.append(f"{REGISTRY[d.vendor].title} ({d.vendor}): " + (", ".join(f"{n} {kind}" for kind, n in counts.items())
                                                                      if d.changes else "no changes"))
        for change in d.changes:
            if change.kind == "added":
                lines.append(f"  + {change.label}" + (f"  [{_fields(change.after)}]" if change.after else ""))
            elif change.kind == "removed":
                lines.append(f"  - {change.label}" + (f"  [{_fields(change.before)}]" if change.before else ""))
            else:
                lines.append(f"  ~ {change.label}: " + ", ".join(
                    f"{k} {(change.before or {}).get(k)!r} -> {(change.after or {}).get(k)!r}" for k in (change.before or {})))
    return "\n".join(lines)


def render_json(diffs: list[VendorDiff], before: str, after: str) -> dict:
    return {"from": before, "to": after, "equal": not any(d.changes for d in diffs),
            "vendors": {d.vendor: {**d.counts(), "changes": [c.to_json() for c in d.changes]} for d in diffs}}
