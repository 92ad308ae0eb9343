"""Compact JSON bytes for response bodies and the state file: orjson when installed (~10x faster than the stdlib on
a list page), the stdlib otherwise, the same bytes either way. The lowest layer (ARCHITECTURE.md)."""

from __future__ import annotations

import json
from typing import Any

try:  # ~10x faster than the stdlib on a list page (a large share of a request's cost); the bytes are the same
    import orjson
except ImportError:  # pragma: no cover - optional; the stdlib encoder below is the fallback
    orjson = None  # type: ignore[assignment]

_stdlib_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ascii_dumps = json.JSONEncoder(separators=(",", ":")).encode
# what the stdlib refuses (datetimes, dataclasses), orjson must refuse too, so that behaviour does not depend on it
_ORJSON_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS) if orjson else 0


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON, as ``json.dumps(data, ensure_ascii=False, separators=(",", ":"))`` would write it."""
    if orjson is not None:
        try:
            return orjson.dumps(data, option=_ORJSON_OPTIONS)
        except TypeError:  # ints beyond 64 bits, types it passes through: the stdlib decides
            pass
    try:
        return _stdlib_dumps(data).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (an undecodable header byte quoted back): \udcff escapes are valid JSON
        return _ascii_dumps(data).encode("ascii")
