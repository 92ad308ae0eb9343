"""Addresses, ranges and CIDR blocks, for every vendor.

Everything is reduced to a :class:`Block`: an inclusive interval of integers within one address family.
By default IPv4-mapped IPv6 addresses (``::ffff:10.0.0.1``) count as IPv4, so they match IPv4 clients and ranges.
A vendor that documents no conversion between the families (HDP) passes ``mapped_as_ipv4=False`` to the functions
that take it (:func:`normalise_client`, :func:`parse_block`, :func:`parse_range`, :class:`IntervalIndex`): a mapped
address is then an IPv6 address like any other, matching only IPv6 clients and ranges.

:class:`IntervalIndex` answers "which block contains this address?" with a binary search over the blocks
sorted by start, plus a running maximum of their ends. The answer is exact even when blocks overlap, and it costs
O(log n) per query once the index is built. The index is rebuilt lazily after writes.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_right
from dataclasses import dataclass
from socket import AF_INET, AF_INET6, inet_aton, inet_pton
from typing import Any, Generic, Iterable, TypeVar

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressError(ValueError):
    """The text is not acceptable. ``kind`` tells vendors which of their error codes applies."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # invalid | reversed | mixed_family | cidr_not_allowed | host_bits | ipv6_cidr
        self.message = message


@dataclass(frozen=True, slots=True)
class Block:
    """An inclusive interval ``first..last`` of addresses in one family (4 or 6)."""

    version: int
    first: int
    last: int

    def __contains__(self, address: IPAddress) -> bool:
        version, value = address_key(address)
        return version == self.version and self.first <= value <= self.last

    @property
    def start(self) -> IPAddress:
        return _from_int(self.version, self.first)

    @property
    def end(self) -> IPAddress:
        return _from_int(self.version, self.last)

    @property
    def size(self) -> int:
        return self.last - self.first + 1


def _from_int(version: int, value: int) -> IPAddress:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


def address_key(address: IPAddress, mapped_as_ipv4: bool = True) -> tuple[int, int]:
    """(family, integer) of an address; IPv4-mapped IPv6 counts as IPv4 unless ``mapped_as_ipv4`` is False."""
    if mapped_as_ipv4 and address.version == 6 and address.ipv4_mapped is not None:
        return 4, int(address.ipv4_mapped)
    return address.version, int(address)


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}").fullmatch


def _dotted_quad(text: str) -> ipaddress.IPv4Address | None:
    """A strict IPv4 dotted quad read as ``ipaddress`` reads it (ASCII digits, no leading zeros, each ≤ 255), at less
    than half its cost (parsing dominated writes and index builds); None for anything else, which ``ipaddress``
    decides. Once the pattern has matched, ``inet_aton`` reads the text the same way on every platform."""
    if _DOTTED_QUAD(text) is None:
        return None
    return ipaddress.IPv4Address(inet_aton(text))


def parse_address(text: Any) -> IPAddress:
    """One IPv4 or IPv6 address, written exactly (no whitespace, no zone index, no prefix)."""
    if not isinstance(text, str) or not text:
        raise AddressError("invalid", f"{text!r} is not a valid IPv4 or IPv6 address")
    if text != text.strip() or "%" in text or "/" in text:
        raise AddressError("invalid", f"{text!r} is not a valid IPv4 or IPv6 address")
    address = _dotted_quad(text)
    if address is not None:
        return address
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise AddressError("invalid", f"{text!r} is not a valid IPv4 or IPv6 address") from None


def normalise_client(text: str | None, mapped_as_ipv4: bool = True) -> IPAddress | None:
    """The client address of a request (mapped IPv6 folded to IPv4 unless ``mapped_as_ipv4`` is False); None when it
    cannot be read."""
    if not text:
        return None
    text = text.strip().split("%", 1)[0]
    address = _dotted_quad(text)
    if address is not None:
        return address
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return None
    if mapped_as_ipv4 and isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def address_text(address: IPAddress | None) -> str | None:
    """An address as text; an IPv4-mapped IPv6 address keeps its dotted tail (``::ffff:10.0.0.7``, as clients write
    it, not Python 3.11's ``::ffff:a00:7``)."""
    if address is None:
        return None
    if address.version == 6 and address.ipv4_mapped is not None and int(address) >> 32 == 0xFFFF:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def is_loopback(address: IPAddress | None) -> bool:
    """127.0.0.0/8, ::1, and (for vendors that keep mapped addresses as IPv6) ::ffff:127.0.0.0/104."""
    if address is None:
        return False
    if address.is_loopback:
        return True
    return address.version == 6 and address.ipv4_mapped is not None and address.ipv4_mapped.is_loopback


def block_of_address(address: IPAddress, mapped_as_ipv4: bool = True) -> Block:
    version, value = address_key(address, mapped_as_ipv4)
    return Block(version, value, value)


def parse_block(text: Any, mapped_as_ipv4: bool = True) -> Block:
    """``block_of_address(parse_address(text))``; a dotted quad goes straight to its integer, with no address object."""
    if isinstance(text, str) and _DOTTED_QUAD(text) is not None:
        value = int.from_bytes(inet_aton(text), "big")
        return Block(4, value, value)
    return block_of_address(parse_address(text), mapped_as_ipv4)


def join_range(first: Block, last: Block, start: Any, end: Any) -> Block:
    """The range from the address ``first`` to the address ``last`` (``start`` and ``end``: their texts, for errors)."""
    if first.version != last.version:
        raise AddressError("mixed_family", f"{start!r} and {end!r} are not of the same address family")
    if first.first > last.first:
        raise AddressError("reversed", f"start {start!r} is after end {end!r}")
    return Block(first.version, first.first, last.first)


def parse_range(start: Any, end: Any = None, mapped_as_ipv4: bool = True) -> Block:
    """A single address (``end`` None or equal) or an inclusive range of one family with start ≤ end."""
    first = parse_block(start, mapped_as_ipv4)
    if end is None:
        return first
    return join_range(first, parse_block(end, mapped_as_ipv4), start, end)


_PREFIX = re.compile(r"0|[1-9][0-9]{0,2}").fullmatch


def parse_cidr(text: Any, *, ipv6: bool = True, strict: bool = True) -> Block:
    """A CIDR block such as ``10.0.0.0/24``. With ``strict``, host bits must be zero. The prefix is a length written
    in plain decimal: ``ipaddress`` would also take ``/024`` and a netmask (``/255.255.255.0``), which are not CIDR
    and which the specs' address patterns refuse."""
    if not isinstance(text, str) or "/" not in text or text != text.strip() or "%" in text \
            or _PREFIX(text.rpartition("/")[2]) is None:
        raise AddressError("invalid", f"{text!r} is not a valid CIDR block")
    try:
        network = ipaddress.ip_network(text, strict=strict)
    except ValueError as exc:
        kind = "host_bits" if "host bits" in str(exc) else "invalid"
        raise AddressError(kind, f"{text!r} is not a valid CIDR block ({exc})") from None
    if network.version == 6 and not ipv6:
        raise AddressError("ipv6_cidr", f"{text!r}: CIDR blocks are supported for IPv4 only")
    first, last = network.network_address, network.broadcast_address
    if isinstance(first, ipaddress.IPv6Address) and isinstance(last, ipaddress.IPv6Address) \
            and first.ipv4_mapped is not None and last.ipv4_mapped is not None and network.prefixlen >= 96:
        return Block(4, int(first.ipv4_mapped), int(last.ipv4_mapped))
    return Block(network.version, int(first), int(last))


def parse_address_or_cidr(text: Any, *, ipv6_cidr: bool = True, strict: bool = True) -> Block:
    """A single address or a CIDR block, whichever the text is."""
    if isinstance(text, str) and "/" in text:
        return parse_cidr(text, ipv6=ipv6_cidr, strict=strict)
    return block_of_address(parse_address(text))


def known_block(text: str, mapped_as_ipv4: bool = True) -> Block:
    """The block of an address or CIDR text this emulator accepted once already (a state file it wrote and marked as
    validated): the same Block as :func:`parse_address_or_cidr` (and :func:`parse_block` with ``mapped_as_ipv4``)
    give for such text, read by the C library's ``inet_pton`` at a fraction of their cost. It does not check what
    they check (host bits, the forms a vendor refuses); text it cannot read at all raises AddressError."""
    return Block(*known_span(text, mapped_as_ipv4))


def known_span(text: str, mapped_as_ipv4: bool = True) -> tuple[int, int, int]:
    """:func:`known_block` as a plain (version, first, last) tuple, for a model that keeps it so."""
    if "/" not in text and ":" not in text:  # the most common: a dotted quad
        try:
            value = int.from_bytes(inet_pton(AF_INET, text), "big")
        except OSError:
            raise AddressError("invalid", f"{text!r} is not a valid IPv4 address") from None
        return 4, value, value
    address, slash, prefix = text.partition("/")
    try:
        if ":" in address:
            version, bits, value = 6, 128, int.from_bytes(inet_pton(AF_INET6, address), "big")
        else:
            version, bits, value = 4, 32, int.from_bytes(inet_pton(AF_INET, address), "big")
        size = 1 << (bits - int(prefix)) if slash else 1
    except (OSError, ValueError):
        raise AddressError("invalid", f"{text!r} is not a valid IPv4 or IPv6 address or CIDR block") from None
    if version == 6 and value >> 32 == 0xFFFF and (mapped_as_ipv4 if not slash else size <= 1 << 32):
        version, value = 4, value & 0xFFFFFFFF  # ::ffff:a.b.c.d (a block of /96 or longer) counts as IPv4
    first = value - value % size
    return version, first, first + size - 1


def address_sort_key(text: str) -> tuple[int, int, str]:
    """Numeric address order (IPv4 before IPv6); unparsable text sorts last, by text."""
    try:
        block = parse_address_or_cidr(text, strict=False)
    except AddressError:
        return (9, 0, str(text))
    return (block.version, block.first, "")


T = TypeVar("T")


class IntervalIndex(Generic[T]):
    """Containment queries over possibly overlapping blocks, O(log n) each.

    ``add`` / ``remove`` / ``clear`` mark the index dirty; the next query rebuilds it (O(n log n)), so a burst of
    writes costs one rebuild.
    """

    __slots__ = ("_items", "_dirty", "_tables", "_next", "_mapped_as_ipv4")

    def __init__(self, items: Iterable[tuple[Block, T]] = (), *, mapped_as_ipv4: bool = True):
        """``mapped_as_ipv4``: how a queried IPv4-mapped IPv6 address is looked up (as IPv4, or as IPv6); the blocks
        must have been parsed the same way."""
        self._mapped_as_ipv4 = mapped_as_ipv4
        self._items: dict[int, tuple[Block, T]] = {}
        self._next = 0
        self._tables: dict[int, tuple[list[int], list[int], list[tuple[Block, T]]]] = {}
        self._dirty = True
        for block, payload in items:
            self.add(block, payload)

    def add(self, block: Block, payload: T) -> int:
        handle = self._next
        self._next += 1
        self._items[handle] = (block, payload)
        self._dirty = True
        return handle

    def remove(self, handle: int) -> None:
        if self._items.pop(handle, None) is not None:
            self._dirty = True

    def clear(self) -> None:
        self._items.clear()
        self._dirty = True

    def __len__(self) -> int:
        return len(self._items)

    def _build(self) -> None:
        tables: dict[int, tuple[list[int], list[int], list[tuple[Block, T]]]] = {}
        for version in (4, 6):
            entries = sorted(
                (item for item in self._items.values() if item[0].version == version),
                key=lambda item: item[0].first,
            )
            starts = [block.first for block, _ in entries]
            # best[i] = index (≤ i) of the entry with the largest end among entries[0..i]
            best: list[int] = []
            top = -1
            for i, (block, _) in enumerate(entries):
                if top < 0 or block.last > entries[top][0].last:
                    top = i
                best.append(top)
            tables[version] = (starts, best, entries)
        self._tables = tables
        self._dirty = False

    def find(self, address: IPAddress) -> tuple[Block, T] | None:
        """One block containing the address (the one reaching furthest), or None."""
        if self._dirty:
            self._build()
        version, value = address_key(address, self._mapped_as_ipv4)
        starts, best, entries = self._tables[version]
        i = bisect_right(starts, value) - 1
        if i < 0:
            return None
        candidate = entries[best[i]]
        return candidate if candidate[0].last >= value else None

    def __contains__(self, address: IPAddress) -> bool:
        return self.find(address) is not None


__all__ = [
    "AddressError",
    "Block",
    "IPAddress",
    "IntervalIndex",
    "address_key",
    "address_text",
    "address_sort_key",
    "block_of_address",
    "is_loopback",
    "known_block",
    "known_span",
    "join_range",
    "normalise_client",
    "parse_address",
    "parse_address_or_cidr",
    "parse_block",
    "parse_cidr",
    "parse_range",
]
