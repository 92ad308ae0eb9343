"""``decide``: would these addresses still get in? ``GET /_emulator/decide/<vendor>`` for each vendor and address,
as a table. This is the gate after a rehearsed change: the office, the VPN and CI's egress must still be admitted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..vendors import REGISTRY
from . import emulator


@dataclass
class Verdict:
    vendor: str
    ip: str
    query: dict
    allowed: bool
    reason: str
    matched: Any

    def to_json(self) -> dict:
        return {"vendor": self.vendor, "ip": self.ip, **self.query, "allowed": self.allowed, "reason": self.reason,
                "matched": self.matched}


def decide(url: str, vendors: list[str], addresses: list[str], extra: dict[str, str], *,
           admin_token: str | None = None) -> list[Verdict]:
    """One verdict per (vendor, address); ``extra`` holds the vendor query fields given (HDP resource and user,
    CodeArts action and repository), each sent to the vendors that take it. EmulatorError on a refused query."""
    out = []
    for vendor in vendors:
        accepted = REGISTRY[vendor].part("replication").DECIDE
        query = {name: value for name, value in extra.items() if name in accepted and value is not None}
        for ip in addresses:
            answer = emulator.call(url, f"/decide/{vendor}", query={"ip": ip, **query}, admin_token=admin_token)
            out.append(Verdict(vendor, ip, query, bool(answer.get("allowed")), str(answer.get("reason", "")),
                               answer.get("matched")))
    return out


def table(verdicts: list[Verdict]) -> str:
    rows = [("VENDOR", "ADDRESS", "FOR", "VERDICT", "REASON")]
    for v in verdicts:
        rows.append((v.vendor, v.ip, " ".join(f"{k}={val}" for k, val in v.query.items()) or "-",
                     "admitted" if v.allowed else "REFUSED", v.reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip()
                     for row in rows)
