"""Fast generators for the specs' address and date strings, registered with schemathesis as string formats.

The specs state these strings exactly with a ``pattern`` (an IPv4 or IPv6 CIDR block, a day or a date-time). Drawn
from the pattern alone, Hypothesis' ``from_regex`` spends most of a run's time on them (the IPv6 pattern has dozens
of alternatives). Each such schema also names a ``format`` below; schemathesis then draws from the format's strategy
and still filters by the pattern, so the contract stays what the pattern says and the generator only decides which
valid values are likely.

Without this module (stock schemathesis, another tool) an unknown ``format`` is an annotation: the pattern drives, as
before, only slower.
"""

from __future__ import annotations

import ipaddress
from datetime import date, datetime, timedelta

#: format name → what it is (specs/README.md lists them too)
FORMATS: dict[str, str] = {
    "ipv4-cidr": "an IPv4 CIDR block a.b.c.d/n (n 0-32)",
    "ipv6-cidr": "an IPv6 CIDR block in any RFC 4291 text form, /n 0-128",
    "date-or-date-time": "a day YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM:SS with Z or an offset",
}

_registered = False


def _ipv4_cidr(value: int, prefix: int, keep_host_bits: bool) -> str:
    if not keep_host_bits:
        value &= (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
    return f"{ipaddress.IPv4Address(value)}/{prefix}"


def _ipv6_cidr(value: int, prefix: int, keep_host_bits: bool, form: int) -> str:
    if not keep_host_bits:
        value &= ((1 << 128) - 1) ^ ((1 << (128 - prefix)) - 1)
    address = ipaddress.IPv6Address(value)
    text = address.compressed if form == 0 else address.exploded if form == 1 else address.compressed.upper()
    return f"{text}/{prefix}"


def _date_or_time(day: date, with_time: bool, seconds: int, offset_minutes: int) -> str:
    if not with_time:
        return day.isoformat()
    moment = datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)
    if offset_minutes == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    sign = "+" if offset_minutes > 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hours:02d}:{minutes:02d}"


def strategies() -> dict:
    """format name → Hypothesis strategy (every value matches the spec's pattern for that format)."""
    from hypothesis import strategies as st

    return {
        # host bits cleared unless the boolean says otherwise (it shrinks to False: a network the emulator accepts)
        "ipv4-cidr": st.builds(_ipv4_cidr, st.integers(0, 2**32 - 1), st.integers(0, 32), st.booleans()),
        "ipv6-cidr": st.builds(_ipv6_cidr, st.integers(0, 2**128 - 1), st.integers(0, 128), st.booleans(),
                               st.integers(0, 2)),
        "date-or-date-time": st.builds(_date_or_time, st.dates(date(1970, 1, 1), date(9998, 12, 31)), st.booleans(),
                                       st.integers(0, 86399), st.integers(-23 * 60 - 59, 23 * 60 + 59)),
    }


def register() -> None:
    """Register the strategies with schemathesis (once per process)."""
    global _registered
    if _registered:
        return
    import schemathesis

    for name, strategy in strategies().items():
        schemathesis.openapi.format(name, strategy)
    _registered = True


__all__ = ["FORMATS", "register", "strategies"]
