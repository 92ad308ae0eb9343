"""Serve cassettes as a mock: a request gets the recorded response of the interaction with the same method, path,
query (order-insensitive) and body (JSON-equal when both are JSON; form fields compared as a set).

* The host is ignored: cassettes hold the production host, the replay server is wherever it runs.
* A recorded ``<REDACTED>`` value (body field, form field, query parameter) matches any value, so a client that
  sends real credentials still matches a redacted cassette.
* Identical requests are answered in recorded order (a GET before and after a create), then the last one again.
* A request that matches nothing gets 404 with ``X-Allowlist-Replay: miss`` and a JSON body naming the nearest
  recorded interaction and why it did not match. Hits carry ``X-Allowlist-Replay: hit`` and
  ``X-Allowlist-Replay-Interaction: <index>``.
* Namespaces, as on the emulator: ``/_ns/<name>`` before a path (in a request or in a recorded URI) is not part of
  what is matched, and each namespace (that prefix, or ``X-Emulator-Namespace``) plays the cassettes from the start,
  so parallel tests, each in its own namespace, each get the recorded sequence.
* ``GET /_replay`` reports what was played.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

from aiohttp import web
from multidict import CIMultiDict

from ..state import DEFAULT_NAMESPACE, NAMESPACE_HEADER, split_namespace_path
from . import cassette as cas
from .cassette import PLACEHOLDER, Interaction

REPLAY_HEADER = "X-Allowlist-Replay"
INDEX_HEADER = "X-Allowlist-Replay-Interaction"
STATUS_PATH = "/_replay"
_NOT_REPLAYED = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
_MISSING = object()


@dataclass
class Incoming:
    method: str
    path: str
    query: list[tuple[str, str]]
    body: bytes
    content_type: str

    def describe(self) -> dict:
        return {"method": self.method, "path": self.path, "query": _query_text(self.query), "body": _short(self.body)}


def _query_text(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in pairs)


def _short(body: bytes | None, limit: int = 300) -> str | None:
    if not body:
        return None
    text = body.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "…"


def _value_equal(recorded: str, got: str) -> bool:
    return recorded == got or recorded == PLACEHOLDER


def _pairs_equal(recorded: list[tuple[str, str]], got: list[tuple[str, str]]) -> bool:
    if len(recorded) != len(got):
        return False
    remaining = sorted(got)
    for key, value in sorted(recorded, key=lambda kv: (kv[0], kv[1] == PLACEHOLDER, kv[1])):
        for index, (other_key, other_value) in enumerate(remaining):
            if other_key == key and _value_equal(value, other_value):
                del remaining[index]
                break
        else:
            return False
    return True


def _json_equal(recorded: Any, got: Any) -> bool:
    if recorded == PLACEHOLDER:
        return True
    if isinstance(recorded, dict):
        return isinstance(got, dict) and recorded.keys() == got.keys() and all(_json_equal(recorded[k], got[k]) for k in recorded)
    if isinstance(recorded, list):
        return isinstance(got, list) and len(recorded) == len(got) and all(_json_equal(a, b) for a, b in zip(recorded, got, strict=True))
    if isinstance(recorded, bool) or isinstance(got, bool):
        return type(recorded) is type(got) and recorded == got
    return recorded == got


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return _MISSING


def _is_form(content_type: str | None) -> bool:
    return content_type is not None and "x-www-form-urlencoded" in content_type.lower()


def body_matches(recorded: bytes | None, got: bytes | None, content_type: str = "", recorded_type: str | None = None) -> bool:
    recorded, got = recorded or b"", got or b""
    if recorded == got:
        return True
    if not recorded or not got:
        return False
    left, right = _json(recorded), _json(got)
    if left is not _MISSING and right is not _MISSING:
        return _json_equal(left, right)
    if _is_form(content_type) or _is_form(recorded_type):
        try:
            return _pairs_equal(parse_qsl(recorded.decode("utf-8"), keep_blank_values=True),
                                parse_qsl(got.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return False
    text = recorded.decode("utf-8", "replace")
    if PLACEHOLDER in text:
        pattern = ".*?".join(re.escape(part) for part in text.split(PLACEHOLDER))
        return re.fullmatch(pattern, got.decode("utf-8", "replace"), re.DOTALL) is not None
    return False


@dataclass
class Recorded:
    interaction: Interaction
    source: str
    path: str
    query: list[tuple[str, str]]
    played: int = 0  # in every namespace


def _routed(raw_path: str) -> tuple[str | None, str]:
    """(the namespace a ``/_ns/<name>`` prefix names, or None; the path without it, percent-decoded)."""
    parts = split_namespace_path(raw_path)
    if parts is None:
        return None, unquote(raw_path or "/")
    return parts[0], unquote(parts[1])


class Replayer:
    """The matching rules and the aiohttp app. ``Replayer.from_files(["hdp.yaml"]).app()``."""

    def __init__(self, interactions: Iterable[tuple[str, Interaction]], stream: IO[str] | None = None,
                 max_namespaces: int = 10_000):
        self.max_namespaces = max_namespaces  # namespaces with their own playback position; a new one past it gets 503
        self.recorded = []
        for source, item in interactions:
            parsed = urlsplit(item.uri)
            self.recorded.append(Recorded(item, source, _routed(parsed.path)[1],
                                          parse_qsl(parsed.query, keep_blank_values=True)))
        self.stream = stream
        self.misses = 0
        self.played: dict[str, dict[int, int]] = {}  # namespace → interaction index → times played there

    @classmethod
    def from_files(cls, paths: Iterable[str | Path], stream: IO[str] | None = None) -> "Replayer":
        items: list[tuple[str, Interaction]] = []
        for path in paths:
            items.extend((str(path), item) for item in cas.load(path))
        return cls(items, stream)

    # -- matching ----------------------------------------------------------------------------------------------------
    def _matches(self, entry: Recorded, incoming: Incoming) -> bool:
        item = entry.interaction
        return (item.method == incoming.method and entry.path == incoming.path
                and _pairs_equal(entry.query, incoming.query)
                and body_matches(item.request_body, incoming.body, incoming.content_type, item.request_header("Content-Type")))

    def find(self, incoming: Incoming, namespace: str = DEFAULT_NAMESPACE) -> int | None:
        """Index of the interaction to answer with: the first matching one not yet played in ``namespace``, else the
        last match."""
        candidates = [i for i, entry in enumerate(self.recorded) if self._matches(entry, incoming)]
        if not candidates:
            return None
        played = self.played.get(namespace, {})
        for index in candidates:
            if not played.get(index):
                return index
        return candidates[-1]

    def differences(self, entry: Recorded, incoming: Incoming) -> list[str]:
        item = entry.interaction
        why = []
        if item.method != incoming.method:
            why.append(f"method differs: recorded {item.method}, got {incoming.method}")
        if entry.path != incoming.path:
            why.append(f"path differs: recorded {entry.path}, got {incoming.path}")
        if not _pairs_equal(entry.query, incoming.query):
            why.append(f"query differs: recorded {_query_text(entry.query) or '(none)'}, "
                       f"got {_query_text(incoming.query) or '(none)'}")
        if not body_matches(item.request_body, incoming.body, incoming.content_type, item.request_header("Content-Type")):
            why.append(f"body differs: recorded {_short(item.request_body, 200) or '(none)'}, "
                       f"got {_short(incoming.body, 200) or '(none)'}")
        return why

    def nearest(self, incoming: Incoming) -> dict | None:
        best: tuple[float, int] | None = None
        for index, entry in enumerate(self.recorded):
            item = entry.interaction
            distance = 0.0
            if entry.path != incoming.path:
                distance += 4 + (1 - difflib.SequenceMatcher(None, entry.path, incoming.path).ratio())
            if item.method != incoming.method:
                distance += 2
            if not _pairs_equal(entry.query, incoming.query):
                distance += 1
            if not body_matches(item.request_body, incoming.body, incoming.content_type, item.request_header("Content-Type")):
                distance += 1
            if best is None or distance < best[0]:
                best = (distance, index)
        if best is None:
            return None
        entry = self.recorded[best[1]]
        return {"interaction": best[1], "cassette": entry.source, "method": entry.interaction.method,
                "uri": entry.interaction.uri, "why": self.differences(entry, incoming)}

    # -- the app -----------------------------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get(STATUS_PATH, self.status)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def status(self, _request: web.Request) -> web.Response:
        return web.json_response({
            "cassettes": sorted({entry.source for entry in self.recorded}),
            "interactions": len(self.recorded),
            "played": [entry.played for entry in self.recorded],
            "all_played": all(entry.played for entry in self.recorded),
            "misses": self.misses,
        })

    async def handle(self, request: web.Request) -> web.StreamResponse:
        in_url, path = _routed(request.rel_url.raw_path)
        sent = request.headers.get(NAMESPACE_HEADER)
        if in_url is not None and sent is not None and (sent or DEFAULT_NAMESPACE) != in_url:
            return web.json_response({"error": f"{NAMESPACE_HEADER} names the namespace {sent!r} but the URL (/_ns/<name>) "
                                               f"names {in_url!r}"}, status=400, headers={REPLAY_HEADER: "miss"})
        namespace = in_url or sent or DEFAULT_NAMESPACE
        incoming = Incoming(
            method=request.method.upper(),
            path=path,
            query=parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True),
            body=await request.read(),
            content_type=request.headers.get("Content-Type", ""),
        )
        if namespace not in self.played and len(self.played) >= self.max_namespaces:
            return web.json_response(
                {"error": f"{NAMESPACE_HEADER}: the replay server holds {self.max_namespaces} namespaces, its limit "
                          "(replay --max-namespaces); restart it or reuse namespaces"},
                status=503, headers={REPLAY_HEADER: "miss"})
        index = self.find(incoming, namespace)
        if index is None:
            self.misses += 1
            nearest = self.nearest(incoming)
            hint = f"; nearest #{nearest['interaction']} {nearest['method']} {nearest['uri']}: {', '.join(nearest['why'])}" if nearest else ""
            print(f"replay miss: {incoming.method} {request.rel_url}{hint}", file=self.stream or sys.stderr, flush=True)
            return web.json_response(
                {"error": "no recorded interaction matches", "request": incoming.describe(),
                 "recorded": len(self.recorded), "nearest": nearest},
                status=404, headers={REPLAY_HEADER: "miss"},
            )
        entry = self.recorded[index]
        entry.played += 1
        played = self.played.setdefault(namespace, {})
        played[index] = played.get(index, 0) + 1
        item = entry.interaction
        headers = CIMultiDict((k, v) for k, v in item.response_headers if k.lower() not in _NOT_REPLAYED)
        headers[REPLAY_HEADER] = "hit"
        headers[INDEX_HEADER] = str(index)
        return web.Response(status=item.status, reason=item.reason or None, body=item.response_body or None, headers=headers)
