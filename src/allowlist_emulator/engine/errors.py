"""A vendor's errors by code, their texts from its spec's ``x-error-codes``. The error type itself lives in
``allowlist_emulator.errors`` (re-exported here)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..errors import (  # noqa: F401 (re-exported: where vendors and the engine find them)
    FAULT, INTERNAL, LIMIT, MEDIA_TYPE, METHOD, ROUTE, TIMEOUT, TOO_LARGE, VALIDATION, ApiError)
from .spec import vendor_spec


@lru_cache(maxsize=None)
def error_entry(vendor: str, code: Any, match: str = "") -> dict:
    """The one ``x-error-codes`` entry of the vendor's spec with this code (and, where a code has several texts,
    whose message contains ``match``). Looked up once; a spec without it fails loudly."""
    found = [e for e in vendor_spec(vendor).error_codes if str(e["code"]) == str(code) and match in e["message"]]
    if len(found) != 1:
        raise LookupError(f"specs/{vendor}.yaml x-error-codes: {len(found)} entries match {code!r} {match!r}")
    return found[0]


def vendor_error(vendor: str, code: Any, *args: object, status: int | None = None, match: str = "") -> ApiError:
    """The vendor's error with this code, its text from the spec with ``{0}``, ``{1}``... filled in."""
    entry = error_entry(vendor, code, match)
    message = entry["message"]
    for index, value in enumerate(args):
        message = message.replace("{%d}" % index, str(value))
    return ApiError(status or int(entry["status"]), message, code=entry["code"])
