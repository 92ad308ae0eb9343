"""What a write changed in a vendor's model, so that ``--state-file`` saves that and not the whole model.

One mechanism for every vendor. A model keeps each collection that can grow (policies, entries, rules, whitelists,
tokens) in an :class:`Entries`, a dict that notes the keys stored or removed since the state file last saved it; its
``to_json`` writes such a collection with :func:`listed` (as a JSON list), :func:`mapped` (as a JSON object) or one
large value with :func:`single`. For the API and ``/_emulator/state`` these return plain JSON, as before. While the
state file looks at a model (:func:`capture`) they return markers instead, so the model's own ``to_json`` yields:

- the *rest* of the model: every scalar and small inline list ``to_json`` writes outside those collections, saved as
  one small row, whatever fields a vendor adds later;
- each collection, with its JSON Pointer in the document (``/policies``, ``/policy/ips``, ``/repositories/1001``) and
  the keys that changed, saved one row per entry.

:func:`rebuild` puts the rows back into the document, which the model's ``from_json`` reads as it reads
``/_emulator/state``. A collection kept in a plain dict still works: it is saved whole on every write.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

MOVED, CHANGED = True, False  # an entry that takes a new place at the end (new, or removed and stored again) / in place


class Entries(dict):
    """A dict that, once the state file tracks it (``changes`` is a dict), notes every key stored or removed.

    ``changes``: key → MOVED or CHANGED, in the order the entries took their places; None while nobody tracks it
    (no ``--state-file``, or not yet saved), which costs a mutation one attribute check. Reads are plain dict reads.
    A value changed in place (not stored again) is reported with :meth:`touch`, or by storing it again.
    """

    __slots__ = ("changes",)

    def __init__(self, *args: Any, **kwargs: Any):
        dict.__init__(self, *args, **kwargs)
        self.changes: dict | None = None

    def _note(self, key: Any, moved: bool) -> None:
        changes = self.changes
        assert changes is not None  # every caller checks first
        if moved:
            changes.pop(key, None)
            changes[key] = MOVED
        else:
            changes.setdefault(key, CHANGED)

    def __setitem__(self, key: Any, value: Any) -> None:
        if self.changes is not None:
            self._note(key, key not in self)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: Any) -> None:
        dict.__delitem__(self, key)
        if self.changes is not None:
            self._note(key, False)

    def touch(self, key: Any) -> None:
        """The value at ``key`` was changed in place."""
        if self.changes is not None and key in self:
            self._note(key, False)

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            value = dict.__getitem__(self, key)
            del self[key]
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self) -> tuple:
        key, value = dict.popitem(self)
        if self.changes is not None:
            self._note(key, False)
        return key, value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> "Entries":  # type: ignore[misc]  # dict's | gives a plain dict; |= keeps Entries
        self.update(other)
        return self

    def clear(self) -> None:
        if self.changes is not None:
            for key in self:
                self._note(key, False)
        dict.clear(self)


# -- the to_json helpers ------------------------------------------------------------------------------------------------

_capturing: ContextVar[bool] = ContextVar("capturing", default=False)  # inside capture(): per thread, so another
# emulator in the same process (tests) still gets plain JSON meanwhile


@dataclass(slots=True)
class Collection:
    """A collection met by :func:`capture`: ``mapping`` (an Entries or a plain dict) and how an entry becomes JSON."""

    mapping: Mapping
    item: Callable | None
    with_key: bool
    as_object: bool

    def entry(self, key: Any, value: Any) -> Any:
        item = self.item
        if item is None:
            return value
        return item(key, value) if self.with_key else item(value)

    def entries(self) -> Iterator[tuple[str, Any]]:
        for key, value in self.mapping.items():
            yield str(key), self.entry(key, value)


@dataclass(slots=True)
class Single:
    """One large value saved as a row of its own, saved again when the object is replaced (not when mutated)."""

    value: Any
    item: Callable | None

    def entry(self) -> Any:
        return self.value if self.item is None else self.item(self.value)


def listed(mapping: Mapping, item: Callable | None = None, *, with_key: bool = False) -> Any:
    """``[item(value), ...]`` in the mapping's order (``item(key, value)`` with ``with_key``; the value itself when
    ``item`` is None): a collection saved one row per entry."""
    if _capturing.get():
        return Collection(mapping, item, with_key, False)
    if item is None:
        return list(mapping.values())
    if with_key:
        return [item(key, value) for key, value in mapping.items()]
    return [item(value) for value in mapping.values()]


def mapped(mapping: Mapping, item: Callable | None = None, *, sort: bool = False) -> Any:
    """``{str(key): item(value), ...}`` (sorted by key with ``sort``): a collection saved one row per entry."""
    if _capturing.get():
        return Collection(mapping, item, False, True)  # rows in the mapping's order; to_json sorts them again
    pairs = sorted(mapping.items()) if sort else mapping.items()
    return {str(key): value if item is None else item(value) for key, value in pairs}


def single(value: Any, item: Callable | None = None) -> Any:
    """``item(value)`` (None stays None), saved as a row of its own: for one large value that is replaced, not
    mutated, on change (HDP's system whitelist)."""
    if value is None:
        return None
    if _capturing.get():
        return Single(value, item)
    return value if item is None else item(value)


# -- capture and rebuild --------------------------------------------------------------------------------------------------

ROWS, ROW, AS = "$rows", "$row", "as"


def pointer(parent: str, key: Any) -> str:
    """RFC 6901 JSON Pointer of ``key`` under ``parent``."""
    return f"{parent}/{str(key).replace('~', '~0').replace('/', '~1')}"


@dataclass
class Captured:
    rest: Any  # the model's to_json with each collection replaced by {"$rows": pointer} and each single by {"$row": pointer}
    collections: dict[str, Collection] = field(default_factory=dict)
    singles: dict[str, Single] = field(default_factory=dict)


def capture(model: Any) -> Captured:
    """The model's ``to_json``, split into the rest and its collections (by JSON Pointer). Costs what the rest costs."""
    token = _capturing.set(True)
    try:
        document = model.to_json()
    finally:
        _capturing.reset(token)
    captured = Captured(None)
    captured.rest = _split(document, "", captured)
    return captured


def _split(value: Any, where: str, captured: Captured) -> Any:
    if isinstance(value, dict):
        return {key: _split(item, pointer(where, key), captured) for key, item in value.items()}
    if isinstance(value, list):
        return [_split(item, pointer(where, index), captured) for index, item in enumerate(value)]
    if isinstance(value, Collection):
        captured.collections[where] = value
        return {ROWS: where, AS: "object"} if value.as_object else {ROWS: where}
    if isinstance(value, Single):
        captured.singles[where] = value
        return {ROW: where}
    return value


def rebuild(rest: Any, rows: Mapping[str, tuple[list[str], list[Any]]], where: str = "") -> Any:
    """The document ``capture`` split: each marker in ``rest`` replaced by its rows (their keys and their values, in
    order)."""
    if isinstance(rest, dict):
        marker = rest.get(ROWS)
        if marker == where and set(rest) <= {ROWS, AS}:
            keys, values = rows.get(where, ((), []))
            return dict(zip(keys, values, strict=True)) if rest.get(AS) == "object" else values
        if rest.get(ROW) == where and len(rest) == 1:
            keys, values = rows.get(where, ((), []))
            return values[0] if values else None
        return {key: rebuild(item, rows, pointer(where, key)) for key, item in rest.items()}
    if isinstance(rest, list):
        return [rebuild(item, rows, pointer(where, index)) for index, item in enumerate(rest)]
    return rest
