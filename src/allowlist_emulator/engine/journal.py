"""The request journal: the last N requests, for ``GET /_emulator/requests`` (WireMock's verify, bounded), and the
dashboard's live feed.

Two rings, both bounded: the entries (the last ``limit`` requests, each body cut to 4 KiB) and the details of the
last :data:`DETAILS_KEPT` requests (references to the request's and the response's headers and the response body, cut
to 4 KiB), which the dashboard shows, redacted, on demand. Recording a request appends one tuple to each ring: the
details are kept as they are, and redacted only when somebody asks for them.

The live feed: each subscriber (a dashboard's event stream) has its own queue of at most :data:`FEED_QUEUE` items.
``record`` only appends to the queues of this namespace's subscribers; it never waits, and when a queue is full the
item is dropped and the subscriber marked ``overflowed``, so a browser that reads slowly or not at all costs the
request path one append per request, and its stream tells it to reload the journal instead.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable

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


FEED_QUEUE = 1000  # items a live-feed subscriber may have waiting; one more and it is told to reload instead


class Subscriber:
    """One live-feed reader: the items of its namespace (``"*"``: every namespace), bounded, never waited on."""

    __slots__ = ("namespace", "items", "overflowed", "closed", "wakeup")

    def __init__(self, namespace: str):
        self.namespace = namespace
        self.items: deque[Any] = deque()
        self.overflowed = False
        self.closed = False
        self.wakeup = asyncio.Event()

    def push(self, item: tuple) -> None:
        if len(self.items) >= FEED_QUEUE:
            self.overflowed = True  # coalesced: the reader reloads the journal instead of replaying what it missed
        else:
            self.items.append(item)
        self.wakeup.set()

    async def next(self, timeout: float) -> bool:
        """Wait until something is waiting (True) or ``timeout`` seconds pass (False)."""
        if not self.items and not self.overflowed and not self.closed:
            self.wakeup.clear()
            try:
                await asyncio.wait_for(self.wakeup.wait(), timeout)
            except asyncio.TimeoutError:
                return False
        return True


class Journal:
    """Entries are kept as plain tuples of str/int/float/bytes: the garbage collector stops tracking such a tuple the
    first time it sees it, so 10,000 kept requests add nothing to later collections (pauses that showed in the p99)."""

    def __init__(self, limit: int = 10_000, max_bytes: int = MAX_BYTES):
        self.limit = limit
        self.max_bytes = max_bytes  # the entries' paths, queries and bodies together; the oldest go first past it
        self.bytes = 0
        self._entries: deque[tuple] = deque()
        self._details: deque[tuple] = deque(maxlen=min(limit, DETAILS_KEPT))
        self._seq = 0
        self.subscribers: list[Subscriber] = []

    def record(self, namespace: str, vendor: str | None, operation_id: str | None, method: str, path: str, query: str,
               status: int, duration_ms: float, client: str | None, body: bytes,
               request_headers: Any = None, response_headers: Any = None, response_body: Any = None) -> None:
        self._seq += 1
        item = (self._seq, time.time(), namespace, vendor, operation_id, method, path, query, status, duration_ms,
                client, body[:BODY_KEPT])
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

    def subscribe(self, namespace: str) -> Subscriber:
        subscriber = Subscriber(namespace)
        self.subscribers = [*self.subscribers, subscriber]  # copied: publish never sees the list change under it
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers = [s for s in self.subscribers if s is not subscriber]

    def close_feed(self) -> None:
        """End every live feed (the server is shutting down)."""
        for subscriber in self.subscribers:
            subscriber.closed = True
            subscriber.wakeup.set()

    def publish(self, namespace: str, item: Any) -> None:
        """Hand ``item`` (a journal tuple, or ``("control", data)``) to the subscribers of ``namespace``; ``"*"``
        reaches every subscriber (``reset?all``)."""
        for subscriber in self.subscribers:
            if subscriber.namespace == namespace or namespace == "*" or subscriber.namespace == "*":
                subscriber.push(item)

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
