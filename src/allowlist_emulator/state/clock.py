"""The emulator clock: real time, optionally shifted, optionally frozen. One per namespace.

It stays within :data:`EARLIEST` and :data:`LATEST` (1970-01-01T00:00:00Z to 2999-12-31T23:59:59Z): a set, an advance
or a restored clock beyond them is refused (ValueError naming the field), so that every vendor model can add its
TTLs and expiries to the time and write it back as a date, and the state file always loads again.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone

EARLIEST = 0.0  # 1970-01-01T00:00:00Z
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp()
RANGE = "1970-01-01T00:00:00Z and 2999-12-31T23:59:59Z"
# A clock set near LATEST goes on with real time, so a saved or exported clock may lie a little past it: what is read
# back (a restore, the state file) may reach this, still far from the year 9999 the models' dates end at.
LATEST_READ = datetime(3999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp()


def _check(field: str, when: float, latest: float = LATEST) -> float:
    if not (math.isfinite(when) and EARLIEST <= when <= latest):
        end = RANGE if latest == LATEST else RANGE.replace("2999", "3999")
        raise ValueError(f"{field}: the clock must stay between {end}")
    return when


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
        _check("advance", self.time() + seconds)
        if self.frozen_at is not None:
            self.frozen_at += seconds
        self.offset += seconds  # while frozen too: the offset answered is the clock's distance from real time

    def freeze(self, frozen: bool) -> None:
        if frozen and self.frozen_at is None:
            self.frozen_at = self.time()
        elif not frozen and self.frozen_at is not None:
            self.offset = self.frozen_at - time.time()
            self.frozen_at = None

    def set(self, when: datetime) -> None:
        target = _check("set", when.timestamp())
        if self.frozen_at is not None:
            self.frozen_at = target
        self.offset = target - time.time()  # while frozen too: never the offset from before the set

    def to_json(self) -> dict:
        """``offset``: how far the emulator clock was from real time when it was last frozen, set or advanced."""
        return {"now": self.now().isoformat(), "frozen": self.frozen_at is not None, "offset": self.offset}

    def copy(self) -> "Clock":
        return Clock(self.offset, self.frozen_at)

    @classmethod
    def from_json(cls, data: dict) -> "Clock":
        """A clock as ``to_json`` wrote it; ValueError naming the field when it does not fit (or lies out of range)."""
        offset = data.get("offset", 0.0)
        if isinstance(offset, bool) or not isinstance(offset, (int, float)) or not math.isfinite(offset):
            raise ValueError("clock.offset: must be a finite number of seconds")
        clock = cls(offset=float(offset))
        if data.get("frozen"):
            try:
                clock.frozen_at = parse_iso(str(data["now"])).timestamp()
            except KeyError:
                raise ValueError("clock.now: is required when frozen is true") from None
            except (ValueError, OverflowError):
                raise ValueError(f"clock.now: {str(data['now'])[:64]!r} is not an ISO-8601 date-time") from None
        _check("clock.now" if clock.frozen_at is not None else "clock.offset", clock.time(), LATEST_READ)
        return clock
