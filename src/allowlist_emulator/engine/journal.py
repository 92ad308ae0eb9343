"""The request journal: the last N requests, for ``GET /_emulator/requests`` (WireMock's verify, bounded)."""

from __future__ import annotations

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


class Journal:
    """Entries are kept as plain tuples of str/int/float/bytes: the garbage collector stops tracking such a tuple the
    first time it sees it, so 10,000 kept requests add nothing to later collections (pauses that showed in the p99)."""

    def __init__(self, limit: int = 10_000):
        self.limit = limit
        self._entries: deque[tuple] = deque(maxlen=limit)
        self._seq = 0

    def record(self, namespace: str, vendor: str | None, operation_id: str | None, method: str, path: str, query: str,
               status: int, duration_ms: float, client: str | None, body: bytes) -> None:
        self._seq += 1
        self._entries.append((self._seq, time.time(), namespace, vendor, operation_id, method, path, query, status,
                              duration_ms, client, body[:BODY_KEPT]))

    @property
    def seq(self) -> int:
        """The number of the last entry recorded (0: none yet)."""
        return self._seq

    def amend_path(self, seq: int, path: str) -> None:
        """Show ``path`` in entry ``seq`` if it is the last one recorded (a request under ``/_ns/<name>``: the entry
        shows the path as the client sent it, not the one its handler saw)."""
        if self._seq == seq and self._entries:
            entry = self._entries[-1]
            self._entries[-1] = entry[:6] + (path,) + entry[7:]

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
        self._entries = deque(kept, maxlen=self.limit)
        return removed
