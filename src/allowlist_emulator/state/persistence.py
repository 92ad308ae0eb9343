"""Durable state for ``--state-file``: an append-only journal of per-write snapshots, fsynced before the answer.

Format: JSON lines. The first line is a header ``{"format": "allowlist-emulator-state", "version": 1}``; every
further line is ``{"namespace": ..., "clock": {...}, "vendors": {key: model-json, ...}}`` and holds the complete
new state of the vendors a write touched. On load the last line for each (namespace, vendor) wins.

Guarantees:
- An acknowledged write is on disk: the line is written and ``fsync``-ed before the response leaves.
- ``kill -9`` mid-write leaves at most a torn last line, which belongs to an unacknowledged write. It is dropped
  on load (and cut off the file) with a warning.
- A file that is not ours, or corrupt anywhere but its last line, is refused with a clear error and never replaced.
- The journal is compacted (rewritten as one line per namespace, via a temporary file, ``fsync`` and an atomic
  ``rename``) when it grows past ``compact_after`` lines, so it never holds a half-written state.

Cost: one JSON serialisation of the touched vendor's model in that namespace plus one ``fsync`` per acknowledged
write (measured in bench/: see the README).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .namespaces import Namespace, Store

log = logging.getLogger("allowlist_emulator")

FORMAT = "allowlist-emulator-state"
VERSION = 1
HEADER = {"format": FORMAT, "version": VERSION}


class StateFileError(Exception):
    """The state file cannot be used; the message says why and what to do."""


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - some file systems do not allow it
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StateFile:
    def __init__(self, path: str | os.PathLike, store: "Store", compact_after: int = 10_000):
        self.path = Path(path)
        self.store = store
        self.compact_after = compact_after
        self.lines = 0
        self._handle = None

    # -- start-up --------------------------------------------------------------------------------------------------------
    def open(self) -> None:
        """Load the file (if any) into the store, then keep it open for appending."""
        if self.path.exists():
            self._load()
        else:
            self._rewrite([])
        self._handle = open(self.path, "a", encoding="utf-8")

    def _load(self) -> None:
        raw = self.path.read_bytes()
        if not raw.strip():
            raise StateFileError(f"{self.path}: the file is empty, so it is not a state file; remove it or choose another path")
        lines = raw.split(b"\n")
        complete = raw.endswith(b"\n")
        try:
            header = json.loads(lines[0])
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise StateFileError(f"{self.path}: not an allowlist-emulator state file (no header line); refusing to overwrite it")
        if header.get("version") != VERSION:
            raise StateFileError(f"{self.path}: state file version {header.get('version')!r} is not supported (expected {VERSION})")
        body = [line for line in lines[1:]]
        if complete and body and body[-1] == b"":
            body.pop()
        records = []
        for number, line in enumerate(body, start=2):
            last = number == len(body) + 1
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or not isinstance(record.get("namespace"), str):
                    raise ValueError("not a state record")
            except ValueError as exc:
                if last and not complete:
                    log.warning("%s: dropping a torn last line (an unacknowledged write cut short)", self.path)
                    self._truncate_to(raw.rfind(b"\n") + 1)
                    break
                raise StateFileError(f"{self.path}: line {number} is corrupt ({exc}); refusing to start with a damaged state") from None
            records.append(record)
        merged: dict[str, dict] = {}
        for record in records:
            current = merged.setdefault(record["namespace"], {"namespace": record["namespace"], "vendors": {}})
            if "clock" in record:
                current["clock"] = record["clock"]
            current["vendors"].update(record.get("vendors") or {})
        for name, data in merged.items():
            data["vendors"] = {k: v for k, v in data["vendors"].items() if k in self.store.vendors}
            try:
                self.store.namespace(name).restore(data)
            except ValueError as exc:
                raise StateFileError(f"{self.path}: namespace {name!r}: {exc}") from None
        self.lines = len(records)

    def _truncate_to(self, size: int) -> None:
        with open(self.path, "r+b") as handle:
            handle.truncate(size)
            handle.flush()
            os.fsync(handle.fileno())

    # -- writes ------------------------------------------------------------------------------------------------------------
    def record(self, namespace: "Namespace", vendors: list[str] | None = None) -> None:
        """Persist the touched vendors of a namespace (all of them when ``vendors`` is None), then fsync."""
        keys = list(self.store.vendors) if vendors is None else vendors
        line = {"namespace": namespace.name, "clock": namespace.clock.to_json(),
                "vendors": {key: namespace.model(key).to_json() for key in keys}}
        handle = self._handle
        assert handle is not None, "StateFile.open() first"
        handle.write(json.dumps(line, separators=(",", ":")) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
        self.lines += 1
        if self.lines >= self.compact_after:
            self.compact()

    def compact(self) -> None:
        """Rewrite as one line per namespace, atomically."""
        records = [ns.to_json() for ns in (self.store.namespace(name) for name in self.store.names())]
        if self._handle is not None:
            self._handle.close()
        self._rewrite(records)
        self._handle = open(self.path, "a", encoding="utf-8")
        self.lines = len(records)

    def _rewrite(self, records: list[dict]) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(HEADER) + "\n")
            for record in records:
                handle.write(json.dumps(record, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        _fsync_dir(self.path)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
