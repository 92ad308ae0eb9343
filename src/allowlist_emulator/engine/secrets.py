"""Secrets compared in constant time (``hmac.compare_digest``), for the vendors' credential checks.

Where a secret is checked against one expected value (HDP passwords, B2Core client secrets, CodeArts signatures, the
admin token) the vendor calls ``hmac.compare_digest`` itself. :func:`find` is for the small tables of configured
tokens (Talend bearer tokens, CodeArts ``X-Auth-Token`` values): every entry is compared, with no early exit, so the
time taken says nothing about how much of a guess was right. B2Core's issued bearer tokens (192 random bits, up to
10,000 per namespace) stay a dict lookup: scanning them would cost milliseconds per request, and a lookup compares
strings only once their keyed (per-process random) hashes are equal, so its timing leaks nothing of a token either.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Mapping, TypeVar

T = TypeVar("T")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")  # aiohttp keeps undecodable header bytes as surrogates


def same(given: str, expected: str) -> bool:
    """``given == expected``, in time that depends only on the lengths."""
    return hmac.compare_digest(_bytes(given), _bytes(expected))


def find(table: Mapping[str, T], given: str) -> T | None:
    """The value whose key is ``given``, comparing ``given`` with every key in constant time (no early exit)."""
    raw = _bytes(given)
    found = None
    for key, value in table.items():
        if hmac.compare_digest(raw, _bytes(key)):
            found = value
    return found


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(id, secret) from an ``Authorization: Basic base64(id:secret)`` value; None when it is not one."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, sep, secret = decoded.partition(":")
    return (user, secret) if sep else None
