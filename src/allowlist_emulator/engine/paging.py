"""Offset/limit paging shared by every vendor. A page costs O(min(offset, size - offset) + limit), never O(list)."""

from __future__ import annotations

from itertools import islice
from typing import Iterable, TypeVar

T = TypeVar("T")


def window(items: Iterable[T], offset: int, limit: int) -> list[T]:
    """Items ``offset .. offset+limit-1`` of an iterable (e.g. a dict's values in insertion order).

    A sized, reversible collection (a dict view) past its middle is walked from the end: the last page of 100,000
    entries then costs what the first does, not ~15 times as much.
    """
    if offset > 0 and limit > 0 and hasattr(items, "__len__") and hasattr(items, "__reversed__"):
        size = len(items)  # type: ignore[arg-type]
        if offset > size // 2:
            end = min(offset + limit, size)
            if offset >= end:
                return []
            page = list(islice(reversed(items), size - end, size - offset))  # type: ignore[call-overload]
            page.reverse()
            return page
    return list(islice(items, offset, offset + limit))
