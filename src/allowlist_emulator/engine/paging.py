"""Offset/limit paging shared by every vendor. A page costs O(offset + limit), never O(list)."""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Reversible, TypeVar

T = TypeVar("T")


def window(items: Iterable[T], offset: int, limit: int) -> list[T]:
    """Items ``offset .. offset+limit-1`` of an iterable (e.g. a dict's values in insertion order)."""
    return list(islice(items, offset, offset + limit))


def window_reversed(items: Reversible[T], offset: int, limit: int) -> list[T]:
    """The same, counting from the end (newest first for insertion-ordered stores)."""
    return list(islice(reversed(items), offset, offset + limit))
