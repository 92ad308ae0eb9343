"""The request journal: the last N requests, for ``GET /_emulator/requests`` (WireMock's verify, bounded), and the
dashboard's live feed.

Two rings, both bounded: the entries (the last ``limit`` requests, each body cut to 4 KiB, a longer one redacted
before it is cut) and the details of the
last :data:`DETAILS_KEPT` requests (references to the request's and the response's headers and the response body, cut
to 4 KiB), which the dashboard shows, redacted, on demand. Recording a request appends one tuple to each ring: the
details are kept as they are, and redacted only when somebody asks for them.

The live feed (``GET /_emulator/events``): one ring of the last :data:`FEED_KEPT` items for every reader, and a cursor
per reader. Recording a request appends one item to the ring and wakes the readers waiting, whatever their number: the
request path never renders, filters or writes for a reader, and never waits for one. Each reader's stream takes what
is new since its cursor (its namespace's items, and broadcasts such as ``reset?all``) when it is ready to write; a
reader that fell more than the ring behind is told to reload the journal instead. A reader that does not read at all
holds its stream in a write that the dashboard bounds (control/dashboard.py), and costs the request path nothing.
At most ``max_feeds`` readers at once (:data:`MAX_FEEDS`, ``--max-feeds``).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..state import URL_PREFIX


@dataclass(slots=True)
class Entry:
    seq: int
    time: float
    namespace: str
    vendor: str | None
    operation_id: str | None
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    client: str | None
    body: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.time)) + f".{int(self.time % 1 * 1000):03d}Z",
            "namespace": self.namespace,
            "vendor": self.vendor,
            "operationId": self.operation_id,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "durationMs": round(self.duration_ms, 3),
            "client": self.client,
            "body": self.body.decode("utf-8", "replace") if self.body else None,
        }


BODY_KEPT = 4096  # bytes of each request body kept (all GET /_emulator/requests shows): 10,000 entries stay ~50 MB, not 10 GB
DETAILS_KEPT = 1000  # requests whose headers and answer are kept for the dashboard: at most ~20 MB
HEADERS_KEPT = 8192  # bytes of a request's headers kept (names and values); past it the rest is left out
HEADER_VALUE_KEPT = 1024  # bytes of one header value kept when the request's headers are over HEADERS_KEPT
MAX_BYTES = 64 * 1024 * 1024  # bytes of paths, queries and bodies all entries may hold (serve --journal-max-bytes)
LEFT_OUT = "X-Emulator-Journal"  # the header that says, in a kept request's headers, that some were cut or left out


def kept_headers(headers: Any) -> Any:
    """``headers`` as they are when within HEADERS_KEPT (kept by reference: nothing copied per request), else a copy
    with each value cut to HEADER_VALUE_KEPT bytes and headers left out past HEADERS_KEPT, marked by LEFT_OUT."""
    if sum(map(len, headers.values())) + sum(map(len, headers.keys())) <= HEADERS_KEPT:  # map and sum run in C
        return headers
    from multidict import CIMultiDict

    out: CIMultiDict = CIMultiDict()
    size = 0
    for name, value in headers.items():
        value = value[:HEADER_VALUE_KEPT]
        size += len(name) + len(value)
        if size > HEADERS_KEPT:
            break
        out.add(name, value)
    out.add(LEFT_OUT, f"headers cut to {HEADERS_KEPT} bytes ({len(headers)} sent)")
    return out


def _size(item: tuple) -> int:
    return len(item[6]) + len(item[7]) + len(item[11]) + 200  # path, query, body, and the tuple itself


FEED_KEPT = 1000  # live-feed items kept for readers that are behind; further behind, a reader is told to reload
MAX_FEEDS = 32  # live-feed readers at once (--max-feeds); one more is refused with 503


class Subscriber:
    """One live-feed reader: a namespace and how far it has read (the number of the last feed item it took)."""

    __slots__ = ("closed", "cursor", "namespace")

    def __init__(self, namespace: str, cursor: int):
        self.namespace = namespace
        self.cursor = cursor
        self.closed = False


class Journal:
    """Entries are kept as plain tuples of str/int/float/bytes: the garbage collector stops tracking such a tuple the
    first time it sees it, so 10,000 kept requests add nothing to later collections (pauses that showed in the p99)."""

    def __init__(self, limit: int = 10_000, max_bytes: int = MAX_BYTES, max_feeds: int = MAX_FEEDS,
                 redact: Callable[[bytes, str | None], bytes] | None = None):
        self.limit = limit
        self.max_bytes = max_bytes  # the entries' paths, queries and bodies together; the oldest go first past it
        self.bytes = 0
        self.redact = redact  # (body, Content-Type) → the body without its secrets: a large body is redacted, then cut
        self.max_feeds = max_feeds
        self._entries: deque[tuple] = deque()
        self._details: deque[tuple] = deque(maxlen=min(limit, DETAILS_KEPT))
        self._seq = 0
        self.subscribers: list[Subscriber] = []
        self._feed: deque[tuple[int, str | None, Any]] = deque(maxlen=FEED_KEPT)  # (number, namespace or None: all, item)
        self._fed = 0  # the number of the last feed item
        self._wake: asyncio.Event | None = None  # set by the next item; made by the first reader that waits for it

    def record(self, namespace: str, vendor: str | None, operation_id: str | None, method: str, path: str, query: str,
               status: int, duration_ms: float, client: str | None, body: bytes,
               request_headers: Any = None, response_headers: Any = None, response_body: Any = None) -> None:
        self._seq += 1
        if len(body) > BODY_KEPT:  # rare: redacted whole before it is cut, so no secret is cut in half past reach
            if self.redact is not None:
                body = self.redact(body, request_headers.get("Content-Type") if request_headers is not None else None)
            body = body[:BODY_KEPT]
        item = (self._seq, time.time(), namespace, vendor, operation_id, method, path, query, status, duration_ms,
                client, body)
        entries = self._entries
        entries.append(item)
        self.bytes += len(path) + len(query) + len(item[11]) + 200
        if len(entries) > self.limit or self.bytes > self.max_bytes:
            while len(entries) > self.limit or self.bytes > self.max_bytes:
                self.bytes -= _size(entries.popleft())
        if request_headers is not None:
            if not isinstance(response_body, bytes):
                response_body = b""
            self._details.append((self._seq, kept_headers(request_headers), response_headers, response_body[:BODY_KEPT]))
        if self.subscribers:
            self.publish(namespace, item)

    # -- details and the live feed ---------------------------------------------------------------------------------
    def detail(self, seq: int) -> tuple[Entry, tuple | None] | None:
        """The entry numbered ``seq`` and its kept details ``(request headers, response headers, response body)``."""
        entry = next((Entry(*item) for item in reversed(self._entries) if item[0] == seq), None)
        return None if entry is None else (entry, self.kept_one(seq))

    def kept_one(self, seq: int) -> tuple | None:
        return next((item[1:] for item in reversed(self._details) if item[0] == seq), None)

    def kept(self) -> dict[int, tuple]:
        """Every kept detail by entry number."""
        return {item[0]: item[1:] for item in self._details}

    def subscribe(self, namespace: str) -> Subscriber | None:
        """A reader of ``namespace``'s items from now on; None when :attr:`max_feeds` readers are reading already."""
        if len(self.subscribers) >= self.max_feeds:
            return None
        subscriber = Subscriber(namespace, self._fed)
        self.subscribers = [*self.subscribers, subscriber]  # copied: nothing iterating it sees it change
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers = [s for s in self.subscribers if s is not subscriber]

    def close_feed(self) -> None:
        """End every live feed (the server is shutting down)."""
        for subscriber in self.subscribers:
            subscriber.closed = True
        self._wakeup()

    def publish(self, namespace: str, item: Any, everyone: bool = False) -> None:
        """Add ``item`` (a journal tuple, or a control-plane change as a dict) to the feed of ``namespace``, or of
        every reader (``everyone``: ``reset?all``). One append and, when a reader waits, one wake-up."""
        self._fed += 1
        self._feed.append((self._fed, None if everyone else namespace, item))
        if self._wake is not None:
            self._wakeup()

    def _wakeup(self) -> None:
        wake, self._wake = self._wake, None
        if wake is not None:
            wake.set()

    async def wait(self, subscriber: Subscriber, timeout: float) -> bool:
        """Until there is something new in the feed (True; maybe of another namespace) or ``timeout`` seconds pass."""
        if subscriber.cursor < self._fed or subscriber.closed:
            return True
        if self._wake is None:
            self._wake = asyncio.Event()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def take(self, subscriber: Subscriber, limit: int) -> tuple[list[Any], bool]:
        """(up to ``limit`` items for ``subscriber`` since its cursor, whether it fell behind the ring: then it has
        missed items, gets none, and reads on from now; its page reloads the journal)."""
        feed, cursor = self._feed, subscriber.cursor
        if cursor >= self._fed or not feed:
            return [], False
        if cursor < feed[0][0] - 1:
            subscriber.cursor = self._fed
            return [], True
        new = []
        for entry in reversed(feed):  # the newest first, back to where it stopped
            if entry[0] <= cursor:
                break
            new.append(entry)
        out: list[Any] = []
        name = subscriber.namespace
        for number, namespace, item in reversed(new):
            if len(out) >= limit:
                break
            subscriber.cursor = number
            if namespace is None or namespace == name:
                out.append(item)
        return out, False

    @property
    def seq(self) -> int:
        """The number of the last entry recorded (0: none yet)."""
        return self._seq

    def select(self, namespace: str, vendor: str | None = None, method: str | None = None, path: str | None = None,
               status: int | None = None, operation_id: str | None = None) -> Iterable[Entry]:
        for item in self._entries:
            entry = Entry(*item)
            if entry.namespace != namespace:
                continue
            if vendor and entry.vendor != vendor:
                continue
            if method and entry.method != method.upper():
                continue
            if path and entry.path != path and entry.path != f"{URL_PREFIX}{entry.namespace}{path}":  # as sent, or routed
                continue
            if status is not None and entry.status != status:
                continue
            if operation_id and entry.operation_id != operation_id:
                continue
            yield entry

    def clear(self, namespace: str) -> int:
        kept = [item for item in self._entries if Entry(*item).namespace != namespace]
        removed = len(self._entries) - len(kept)
        self._entries = deque(kept)
        self.bytes = sum(map(_size, kept))
        return removed
