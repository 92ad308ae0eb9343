"""Durable state for ``--state-file``: a SQLite database (the standard library's ``sqlite3``), one transaction per
acknowledged write, committed before the answer leaves.

Tables (docs/persistence.md shows how to read them with the ``sqlite3`` shell)::

    meta       (key, value)                                   format, schema version, who wrote the file
    namespaces (name, clock)                                  each namespace's clock, as /_emulator/clock shows it
    models     (namespace, vendor, state)                     a vendor's /_emulator/state object, each collection
                                                              replaced by {"$rows": "<collection>"}
    entries    (namespace, vendor, collection, key, seq, value)   one row per policy, entry, rule or whitelist: the
                                                              entry as /_emulator/state shows it, in ``seq`` order

A write saves what it changed (``state/changes.py`` says how a model reports it): the namespace's clock, the vendor's
``models`` row when its rest changed, and one ``entries`` row per entry stored or removed, so its cost follows the
change, not the list. The journal is SQLite's write-ahead log with ``synchronous=FULL``: a commit is fsynced before
the answer leaves, so ``kill -9`` loses no acknowledged write and SQLite drops a half-written transaction on the next
open. Commits run on one writer thread, in the order the writes happened; the event loop serves other requests
meanwhile.

One server per file: ``open`` takes an exclusive lock (``flock``) on ``<file>.lock`` beside it, holding the pid of the
server that has it, for as long as the server runs (the file goes when it stops; one left by a killed server is
taken over, as the lock died with it); a second server on the same file is refused with a message naming
that pid (``serve`` exits 2). The file holds passwords and live tokens, so it is created readable by its owner only
(0600; SQLite gives its ``-wal`` and ``-shm`` files the same mode), and an existing one found readable by others is
tightened to 0600 when it is opened.

Start-up trusts what the emulator itself wrote. ``meta`` holds ``validated = 1`` while every row was written by an
allowlist-emulator that validated them (a request, a seeded config, or a full check at start-up); triggers on the three
data tables set it to ``0`` on any write, and only the emulator's own transactions set it back, and only when it was
``1`` when they began. So a file edited with the ``sqlite3`` shell (or by a release without the marker) is validated
entry by entry on the next start, as a restore through ``/_emulator/state`` is, and refused with the field named when
an entry does not fit; a file the emulator alone wrote is read without checking each entry again (docs/startup.md),
and still refused when it cannot be read back.

The file is checked before anything opens it for writing: not a SQLite file, a SQLite file we did not write
(``PRAGMA application_id``), another schema version (``PRAGMA user_version``), the JSON-lines file of earlier
versions, or a damaged database (``PRAGMA quick_check``) are refused with a clear message and left as they were.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, cast
from urllib.parse import quote

from ..errors import ApiError
from ..jsonio import dumps
from .changes import Entries, capture, rebuild

if TYPE_CHECKING:  # pragma: no cover
    from .namespaces import Namespace, Store

_loads: Callable[[str | bytes], Any]
try:
    import orjson

    _loads = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency; the stdlib reads the same text
    import json

    _loads = json.loads

log = logging.getLogger("allowlist_emulator")

FORMAT = "allowlist-emulator-state"
SCHEMA_VERSION = 2  # PRAGMA user_version; version 1 was the JSON-lines journal of earlier releases
APPLICATION_ID = 0x416C456D  # PRAGMA application_id: "AlEm"
SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_BYTES = 256 * 1024  # the write-ahead log is checkpointed at this size and cut back to it: the files stay ≈ the live state

SCHEMA = f"""
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = {SCHEMA_VERSION};
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE namespaces (name TEXT PRIMARY KEY, clock TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE models (
    namespace TEXT NOT NULL, vendor TEXT NOT NULL, state TEXT NOT NULL,
    PRIMARY KEY (namespace, vendor)) WITHOUT ROWID;
CREATE TABLE entries (
    namespace TEXT NOT NULL, vendor TEXT NOT NULL, collection TEXT NOT NULL, key TEXT NOT NULL,
    seq INTEGER NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (namespace, vendor, collection, key)) WITHOUT ROWID;
"""

VALIDATED = "validated"  # meta key: "1" while only the emulator wrote the rows since they were validated
TABLES = ("entries", "models", "namespaces")
TRIGGERS = {f"edited_{table}_{event.lower()}": (
    f"CREATE TRIGGER IF NOT EXISTS edited_{table}_{event.lower()} AFTER {event} ON {table} BEGIN "
    f"UPDATE meta SET value = '0' WHERE key = '{VALIDATED}' AND value <> '0'; END")
    for table in TABLES for event in ("INSERT", "UPDATE", "DELETE")}
CHUNK = 50_000  # entries of a collection read (joined, parsed) at once at start-up, by their seq numbers
MARK_VALIDATED = f"INSERT OR REPLACE INTO meta (key, value) VALUES ('{VALIDATED}', '1')"

PUT_CLOCK = "INSERT INTO namespaces (name, clock) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET clock = excluded.clock"
PUT_MODEL = "INSERT INTO models (namespace, vendor, state) VALUES (?, ?, ?) ON CONFLICT (namespace, vendor) DO UPDATE SET state = excluded.state"
PLACE = "INSERT OR REPLACE INTO entries (namespace, vendor, collection, key, seq, value) VALUES (?, ?, ?, ?, ?, ?)"
CHANGE = ("INSERT INTO entries (namespace, vendor, collection, key, seq, value) VALUES (?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (namespace, vendor, collection, key) DO UPDATE SET value = excluded.value")
REMOVE = "DELETE FROM entries WHERE namespace = ? AND vendor = ? AND collection = ? AND key = ?"
DROP_COLLECTION = "DELETE FROM entries WHERE namespace = ? AND vendor = ? AND collection = ?"
DROP_ENTRIES = "DELETE FROM entries WHERE namespace = ? AND vendor = ?"
DROP_MODEL = "DELETE FROM models WHERE namespace = ? AND vendor = ?"


try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock, one server per file is then up to the user
    fcntl = None  # type: ignore[assignment]

MODE = 0o600  # the state file and everything beside it: owner only
LOCK_SUFFIX = ".lock"


class StateFileError(Exception):
    """The state file cannot be used (or a write could not be saved); the message says why and what to do."""


def _text(value: Any) -> str:
    return dumps(value).decode("utf-8")


class Batch:
    """The statements of one transaction, consecutive rows of one statement grouped for ``executemany``."""

    __slots__ = ("steps", "keys")

    def __init__(self) -> None:
        self.steps: list[tuple[str, list[tuple]]] = []
        self.keys: list[tuple[str, str]] = []  # the (namespace, vendor) models it saves

    def add(self, sql: str, row: tuple) -> None:
        steps = self.steps
        if steps and steps[-1][0] is sql:
            steps[-1][1].append(row)
        else:
            steps.append((sql, [row]))


@dataclass(slots=True)
class Saved:
    """What the file holds of one (namespace, vendor) model: which objects, so the next write saves only changes."""

    model: Any
    rest: str
    collections: dict[str, Any]  # collection pointer → the mapping saved there (its ``changes`` are what is new)
    singles: dict[str, Any]  # pointer → the object saved there
    seq: dict[str, int]  # collection pointer → the next free seq


class StateFile:
    def __init__(self, path: str | os.PathLike, store: "Store"):
        self.path = Path(path)
        self.store = store
        self._db: sqlite3.Connection | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._saved: dict[tuple[str, str], Saved] = {}
        self._lock_fd: int | None = None
        self._trusted = False  # the file loaded was marked validated: its entries were read without re-checking
        self._unchecked = False  # it holds a vendor this run does not serve: those rows were not validated now

    # -- one server per file ----------------------------------------------------------------------------------------------
    def _lock(self) -> None:
        """Take ``<file>.lock`` (flock, exclusive, not waiting) and write our pid in it; StateFileError when another
        server holds it. The lock file is removed when the server closes the state file."""
        if fcntl is None:  # pragma: no cover
            return
        path = Path(f"{self.path}{LOCK_SUFFIX}")
        for _ in range(5):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, MODE)
            except OSError as exc:
                raise StateFileError(f"{self.path}: cannot create its lock file {path.name} ({exc.strerror or exc})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                try:
                    holder = os.read(fd, 32).decode("ascii", "replace").strip()
                except OSError:  # pragma: no cover
                    holder = ""
                os.close(fd)
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise StateFileError(f"{self.path}: in use by another allowlist-emulator{who}; one server per state "
                                     "file (stop that one, or choose another --state-file)") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except OSError:
                same = False
            if same:  # not a lock file that its last holder removed while we opened it: ours
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._lock_fd = fd
                return
            os.close(fd)
        raise StateFileError(f"{self.path}: its lock file {path.name} keeps changing; another server is starting on it")

    def _unlock(self) -> None:
        """Remove the lock file (still holding the lock, so nobody takes a file that is going), then release it."""
        if self._lock_fd is not None:
            Path(f"{self.path}{LOCK_SUFFIX}").unlink(missing_ok=True)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _tighten(self) -> None:
        """An existing state file (and its -wal, -shm) readable by others becomes owner-only."""
        for path in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
            try:
                mode = stat.S_IMODE(path.stat().st_mode)
                if mode & 0o077:
                    path.chmod(mode & 0o700)
            except OSError:  # missing, or not ours to change: SQLite reports what matters when it opens the file
                pass

    # -- start-up -------------------------------------------------------------------------------------------------------
    def open(self) -> None:
        """Lock, check and load the file into the store (or create it), then keep it open for writes."""
        self._lock()
        try:
            self._open()
        except BaseException:
            self._unlock()
            raise

    def _open(self) -> None:
        if self.path.exists():
            self._tighten()
            self._check_header()
            self._load()
        else:
            self._create()
        try:
            db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA synchronous = FULL")  # WAL + FULL: every commit is fsynced before it returns
            db.execute(f"PRAGMA journal_size_limit = {WAL_BYTES}")
            db.execute(f"PRAGMA wal_autocheckpoint = {WAL_BYTES // 4096}")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.Error as exc:
            raise StateFileError(f"{self.path}: cannot open it for writing ({exc})") from None
        if mode != "wal":  # pragma: no cover - a file system without shared memory for the WAL index
            raise StateFileError(f"{self.path}: SQLite cannot use its write-ahead log here (journal mode {mode})")
        self._db = db
        if not self._trusted:  # new, or just validated entry by entry: what it holds is known good from here on
            try:
                db.execute("BEGIN IMMEDIATE")
                for sql in TRIGGERS.values():
                    db.execute(sql)
                if not self._unchecked:
                    db.execute(MARK_VALIDATED)
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                db.close()
                self._db = None
                raise StateFileError(f"{self.path}: cannot open it for writing ({exc})") from None
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="state-file")
        self.save_unsaved()

    def save_unsaved(self) -> None:
        """The default namespace was seeded at start-up (the config, generate: N): save what the file lacks now, so
        that the first write does not serialise a whole seeded list on the event loop."""
        default = self.store.namespace(None)
        missing = [vendor for vendor in self.store.vendors
                   if default.existing(vendor) is not None and (default.name, vendor) not in self._saved]
        if missing:
            self.commit(self.changes(default, missing))

    def _create(self) -> None:
        """A new, empty database, built aside and renamed into place, so the path never holds half a schema."""
        temporary = self.path.with_name(self.path.name + ".new")
        for leftover in (temporary, *(Path(f"{temporary}{s}") for s in ("-wal", "-shm", "-journal"))):
            leftover.unlink(missing_ok=True)
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE))  # SQLite takes an empty file as new
            db = sqlite3.connect(str(temporary), isolation_level=None)
            try:
                db.executescript(SCHEMA)
                db.execute("PRAGMA journal_mode = WAL")
                db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                               [("format", FORMAT), ("schema_version", str(SCHEMA_VERSION)), ("written_by", _written_by())])
            finally:
                db.close()
            with open(temporary, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except (OSError, sqlite3.Error) as exc:
            temporary.unlink(missing_ok=True)
            raise StateFileError(f"{self.path}: cannot create the state file ({exc})") from None
        _fsync_dir(self.path)

    def _check_header(self) -> None:
        """Refuse what is not our database from its first 100 bytes, before SQLite opens it."""
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(100)
        except OSError as exc:
            raise StateFileError(f"{self.path}: cannot read it ({exc.strerror or exc})") from None
        if not head:
            raise StateFileError(f"{self.path}: the file is empty, so it is not a state file; remove it or choose another path")
        if head.lstrip().startswith(b'{"format": "allowlist-emulator-state"') or head.startswith(b'{"format":"allowlist-emulator-state"'):
            raise StateFileError(
                f"{self.path}: a JSON-lines state file of an earlier allowlist-emulator; state files are SQLite databases "
                "now and this one is not converted: start with a new --state-file path (the old file is left as it is)")
        if not head.startswith(SQLITE_MAGIC) or len(head) < 100:
            raise StateFileError(f"{self.path}: not an allowlist-emulator state file (not a SQLite database); refusing to touch it")
        application_id = int.from_bytes(head[68:72], "big")
        version = int.from_bytes(head[60:64], "big")
        if application_id != APPLICATION_ID:
            raise StateFileError(f"{self.path}: a SQLite database that allowlist-emulator did not write "
                                 f"(application_id {application_id:#x}); refusing to touch it")
        if version != SCHEMA_VERSION:
            raise StateFileError(f"{self.path}: state file schema version {version}; this allowlist-emulator reads version "
                                 f"{SCHEMA_VERSION} only, so it leaves the file as it is (use the release that wrote it)")

    def _load(self) -> None:
        """Read the whole file through a read-only connection; refuse a damaged one without writing to it."""
        sidecars = [Path(f"{self.path}{suffix}") for suffix in ("-wal", "-shm")]
        existed = [side.exists() for side in sidecars]
        db = None
        try:
            try:
                db = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?mode=ro", uri=True)
                problems = [row[0] for row in db.execute("PRAGMA quick_check(5)")]
                if problems != ["ok"]:
                    raise StateFileError(f"{self.path}: the database is damaged ({'; '.join(problems)[:300]}); refusing to start with it")
                self._restore(db)
            except sqlite3.DatabaseError as exc:
                raise StateFileError(f"{self.path}: the database is damaged or unreadable ({exc}); refusing to start with it") from None
            except ValueError as exc:  # a row that is not JSON
                raise StateFileError(f"{self.path}: the database holds a value that is not JSON ({exc}); refusing to start with it") from None
        except StateFileError:
            if db is not None:
                db.close()
                db = None
            for side, was in zip(sidecars, existed, strict=True):  # what our read-only look created beside the file goes again
                if not was:
                    side.unlink(missing_ok=True)
            raise
        finally:
            if db is not None:
                db.close()

    def _restore(self, db: sqlite3.Connection) -> None:
        vendors = self.store.vendors
        marker = db.execute("SELECT value FROM meta WHERE key = ?", (VALIDATED,)).fetchone()
        triggers = {name for name, in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        self._trusted = trusted = marker == ("1",) and triggers >= TRIGGERS.keys()
        clocks = dict(db.execute("SELECT name, clock FROM namespaces"))
        rests: dict[tuple[str, str], str] = {}
        for namespace, vendor, state in db.execute("SELECT namespace, vendor, state FROM models"):
            if vendor in vendors:  # a vendor this run does not serve keeps its rows untouched
                rests[(namespace, vendor)] = state
            else:
                self._unchecked = True  # ... and unchecked: the file is not marked validated for it
        rows: dict[tuple[str, str], dict[str, tuple[list, list]]] = {}
        seqs: dict[tuple[str, str], dict[str, int]] = {}
        # a row per collection (per CHUNK of its seq numbers), its entries joined by SQLite into one JSON array: one
        # parse per chunk instead of a Python row and a parse per entry; the seq order is restored here, which costs
        # less than SQL's sort. Chunks keep each joined text far below SQLite's limit of 1e9 bytes.
        served = ", ".join("?" * len(vendors))
        cursor = db.execute("SELECT namespace, vendor, collection, seq / ?, json_group_array(key), json_group_array(seq), "
                            "'[' || group_concat(value, ',') || ']' FROM entries "
                            f"WHERE vendor IN ({served}) GROUP BY namespace, vendor, collection, seq / ?",
                            (CHUNK, *vendors, CHUNK))
        chunks: dict[tuple[str, str, str], list[tuple[int, str, str, str]]] = {}  # JSON texts: keys, seqs, values
        for namespace, vendor, collection, bucket, keys, order, values in cursor:
            if (namespace, vendor) in rests:
                chunks.setdefault((namespace, vendor, collection), []).append((bucket, keys, order, values))
        for (namespace, vendor, collection), parts in chunks.items():
            keys, order, values = [], [], []
            for _, *texts in sorted(parts, key=_first):
                more_keys, more_order, more_values = map(_loads, texts)
                if len(more_values) != len(more_keys):
                    raise ValueError(f"{vendor} {collection}: an entry is not one JSON value")
                keys += more_keys
                order += more_order
                values += more_values
            if any(a > b for a, b in pairwise(order)):
                places = sorted(range(len(order)), key=order.__getitem__)
                keys, values = [keys[i] for i in places], [values[i] for i in places]
            rows.setdefault((namespace, vendor), {})[collection] = (keys, values)
            seqs.setdefault((namespace, vendor), {})[collection] = max(order) + 1
        names = list(dict.fromkeys([*clocks, *(namespace for namespace, _ in rests)]))
        for name in names:
            data: dict[str, Any] = {"namespace": name, "vendors": {}}
            if name in clocks:
                data["clock"] = _loads(clocks[name])
            for vendor in vendors:
                if (name, vendor) in rests:
                    data["vendors"][vendor] = rebuild(_loads(rests[(name, vendor)]), rows.get((name, vendor), {}))
            try:
                namespace = self.store.namespace(name)
                try:
                    namespace.restore(data, trusted=trusted)
                except ValueError:
                    if not trusted:
                        raise
                    namespace.restore(data)  # checked entry by entry: the message names what does not fit
            except ApiError as exc:  # more namespaces than max_namespaces allows now
                raise StateFileError(f"{self.path}: namespace {name!r}: {exc.message}; refusing to start with it") from None
            except ValueError as exc:
                raise StateFileError(f"{self.path}: namespace {name!r}: {exc}; refusing to start with it") from None
            for vendor in data["vendors"]:
                self._adopt(namespace, vendor, seqs.get((name, vendor), {}))

    def _adopt(self, namespace: "Namespace", vendor: str, seq: dict[str, int]) -> None:
        """The loaded model is what the file holds: track its collections from here on."""
        model = namespace.existing(vendor)
        captured = capture(model)
        for collection in captured.collections.values():
            if isinstance(collection.mapping, Entries):
                collection.mapping.changes = {}
        self._saved[(namespace.name, vendor)] = Saved(
            model, _text(captured.rest), {where: c.mapping for where, c in captured.collections.items()},
            {where: s.value for where, s in captured.singles.items()}, dict(seq))

    # -- writes ------------------------------------------------------------------------------------------------------------
    async def save(self, namespace: "Namespace", vendors: Iterable[str] | None = None) -> None:
        """Save what changed in ``namespace`` (its ``vendors``, every served one by default) and its clock; returns
        once the transaction is committed. Raises StateFileError when it could not be."""
        batch = self.changes(namespace, vendors)
        await self._commit_async(batch)

    async def save_reset_all(self) -> None:
        """Every namespace was dropped (``reset?all``)."""
        self._saved.clear()
        batch = Batch()
        for table in ("entries", "models", "namespaces"):
            batch.add(f"DELETE FROM {table}", ())
        await self._commit_async(batch)

    def changes(self, namespace: "Namespace", vendors: Iterable[str] | None = None) -> Batch:
        """The statements that bring the file up to date with ``namespace`` (runs on the event loop: it reads the
        models, and costs what changed)."""
        batch = Batch()
        name = namespace.name
        batch.add(PUT_CLOCK, (name, _text(namespace.clock.to_json())))
        for vendor in (self.store.vendors if vendors is None else vendors):
            self._model_changes(batch, namespace, vendor)
        return batch

    def _model_changes(self, batch: Batch, namespace: "Namespace", vendor: str) -> None:
        name = namespace.name
        key = (name, vendor)
        model = namespace.existing(vendor)
        saved = self._saved.get(key)
        if model is None:  # reset: the next use seeds it again from the config
            if saved is not None:
                del self._saved[key]
                batch.add(DROP_ENTRIES, key)
                batch.add(DROP_MODEL, key)
                batch.keys.append(key)
            return
        captured = capture(model)
        rest = _text(captured.rest)
        tracked: list[Entries] = []
        if saved is None or saved.model is not model:  # new, reseeded or restored: the whole model
            saved = self._saved[key] = Saved(model, rest, {}, {}, {})
            batch.add(DROP_ENTRIES, key)
            batch.add(PUT_MODEL, (name, vendor, rest))
            for where, collection in captured.collections.items():
                self._place_all(batch, key, saved, where, collection, tracked)
            for where, one in captured.singles.items():
                batch.add(PLACE, (name, vendor, where, "", 0, _text(one.entry())))
        else:
            if rest != saved.rest:
                saved.rest = rest
                batch.add(PUT_MODEL, (name, vendor, rest))
            for where, collection in captured.collections.items():
                mapping = collection.mapping
                changes = getattr(mapping, "changes", None) if saved.collections.get(where) is mapping else None
                if changes is None:  # a new or untracked collection at this place: saved whole
                    batch.add(DROP_COLLECTION, (name, vendor, where))
                    self._place_all(batch, key, saved, where, collection, tracked)
                    continue
                if changes:
                    seq = saved.seq.get(where, 0)
                    for entry_key, moved in changes.items():
                        text = str(entry_key)
                        if entry_key in mapping:
                            value = _text(collection.entry(entry_key, mapping[entry_key]))
                            batch.add(PLACE if moved else CHANGE, (name, vendor, where, text, seq, value))
                            seq += 1
                        else:
                            batch.add(REMOVE, (name, vendor, where, text))
                    saved.seq[where] = seq
                    tracked.append(cast(Entries, mapping))  # it has changes: an Entries
            for where in saved.collections.keys() - captured.collections.keys():
                batch.add(DROP_COLLECTION, (name, vendor, where))
                saved.seq.pop(where, None)
            for where, one in captured.singles.items():
                if saved.singles.get(where) is not one.value:
                    batch.add(PLACE, (name, vendor, where, "", 0, _text(one.entry())))
            for where in saved.singles.keys() - captured.singles.keys():
                batch.add(DROP_COLLECTION, (name, vendor, where))
        saved.collections = {where: c.mapping for where, c in captured.collections.items()}
        saved.singles = {where: s.value for where, s in captured.singles.items()}
        for mapping in tracked:
            mapping.changes = {}
        batch.keys.append(key)

    @staticmethod
    def _place_all(batch: Batch, key: tuple[str, str], saved: Saved, where: str, collection: Any, tracked: list) -> None:
        name, vendor = key
        seq = 0
        for text, value in collection.entries():
            batch.add(PLACE, (name, vendor, where, text, seq, _text(value)))
            seq += 1
        saved.seq[where] = seq
        if isinstance(collection.mapping, Entries):
            tracked.append(collection.mapping)

    async def _commit_async(self, batch: Batch) -> None:
        assert self._writer is not None, "StateFile.open() first"
        try:
            await asyncio.get_running_loop().run_in_executor(self._writer, self._commit, batch)
        except (sqlite3.Error, OSError) as exc:
            self._forget(batch)
            raise StateFileError(f"{self.path}: the write could not be saved ({exc})") from None

    def commit(self, batch: Batch) -> None:
        """Commit ``batch`` and wait for it, from outside the event loop (tests, tools)."""
        assert self._writer is not None, "StateFile.open() first"
        try:
            self._writer.submit(self._commit, batch).result()
        except (sqlite3.Error, OSError) as exc:
            self._forget(batch)
            raise StateFileError(f"{self.path}: the write could not be saved ({exc})") from None

    def _forget(self, batch: Batch) -> None:
        """A failed commit: the models it meant to save are written whole by their next save."""
        for key in batch.keys:
            self._saved.pop(key, None)

    def _commit(self, batch: Batch) -> None:  # on the writer thread
        db = self._db
        assert db is not None  # open() made it
        db.execute("BEGIN IMMEDIATE")
        try:
            # what the emulator writes keeps the file validated, unless something else wrote to it meanwhile
            validated = db.execute("SELECT value FROM meta WHERE key = ?", (VALIDATED,)).fetchone() == ("1",)
            for sql, rows in batch.steps:
                db.executemany(sql, rows)
            if validated:
                db.execute(MARK_VALIDATED)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        if self._db is not None:
            self._db.close()
            self._db = None
        self._unlock()


def _first(item: tuple) -> Any:
    return item[0]


def _written_by() -> str:
    from .. import __version__

    return f"allowlist-emulator {__version__}"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - some file systems do not allow it
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
