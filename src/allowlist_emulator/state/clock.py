"""The emulator clock: real time, optionally shifted, optionally frozen. One per namespace."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def parse_iso(text: str) -> datetime:
    """ISO-8601 with an offset (a trailing ``Z`` is accepted); naive times are taken as UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class Clock:
    __slots__ = ("offset", "frozen_at")

    def __init__(self, offset: float = 0.0, frozen_at: float | None = None):
        self.offset = offset  # seconds added to real time
        self.frozen_at = frozen_at  # epoch seconds while frozen

    def time(self) -> float:
        """Epoch seconds on the emulator clock."""
        return self.frozen_at if self.frozen_at is not None else time.time() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        if self.frozen_at is not None:
            self.frozen_at += seconds
        else:
            self.offset += seconds

    def freeze(self, frozen: bool) -> None:
        if frozen and self.frozen_at is None:
            self.frozen_at = self.time()
        elif not frozen and self.frozen_at is not None:
            self.offset = self.frozen_at - time.time()
            self.frozen_at = None

    def set(self, when: datetime) -> None:
        target = when.timestamp()
        if self.frozen_at is not None:
            self.frozen_at = target
        else:
            self.offset = target - time.time()

    def to_json(self) -> dict:
        """``offset``: how far the emulator clock is from real time now (while frozen that grows as real time passes;
        the offset kept from before the freeze is not it)."""
        now = self.time()
        offset = self.offset if self.frozen_at is None else now - time.time()
        return {"now": datetime.fromtimestamp(now, tz=timezone.utc).isoformat(), "frozen": self.frozen_at is not None,
                "offset": offset}

    @classmethod
    def from_json(cls, data: dict) -> "Clock":
        clock = cls(offset=float(data.get("offset", 0.0)))
        if data.get("frozen"):
            clock.frozen_at = parse_iso(data["now"]).timestamp()
        return clock
