"""A side of ``diff``: an emulator URL (``/_ns/<name>`` or a listener), a ``--state-file`` database, or a JSON file
holding ``GET /_emulator/state``'s answer. Each becomes that answer: ``{namespace, clock, vendors: {key: state}}``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..state.persistence import SQLITE_MAGIC
from . import emulator


class SideError(ValueError):
    """A side cannot be read; the message names it and says why."""


def load(text: str, *, admin_token: str | None = None) -> dict:
    if emulator.is_url(text):
        try:
            state = emulator.call(text, "/state", admin_token=admin_token)
        except (emulator.EmulatorError, ValueError) as exc:
            raise SideError(str(exc)) from None
        return _checked(state, text)
    path, name = _split(text)
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise SideError(f"{text}: cannot read it ({exc.strerror or exc})") from None
    if head == SQLITE_MAGIC:
        return _from_state_file(path, name)
    try:
        return _checked(json.loads(Path(path).read_text(encoding="utf-8")), text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SideError(f"{text}: neither a state file nor JSON ({exc})") from None


def _split(text: str) -> tuple[str, str | None]:
    """``FILE#NAME``: namespace NAME of a state file (a file by that whole name wins)."""
    if "#" in text and not Path(text).exists():
        path, _, name = text.rpartition("#")
        return path, name or None
    return text, None


def _checked(state: Any, where: str) -> dict:
    if not isinstance(state, dict) or not isinstance(state.get("vendors"), dict):
        raise SideError(f"{where}: not an emulator state (expected {{namespace, clock, vendors}}, as GET /_emulator/state answers)")
    return state


def _from_state_file(path: str, name: str | None) -> dict:
    """Read the file read-only (its own checks refuse what is not a state file) into a store of every vendor."""
    from ..state import Store
    from ..state.persistence import StateFile, StateFileError
    from ..vendors import REGISTRY

    store = Store(dict(REGISTRY))
    reader = StateFile(path, store)
    try:
        reader._check_header()
        reader._load()
    except StateFileError as exc:
        raise SideError(str(exc)) from None
    names = store.names()
    if name is None:
        name = "default" if "default" in names or len(names) != 1 else names[0]
    if name not in names:
        raise SideError(f"{path}: no namespace {name!r} in it (namespaces: {', '.join(names) or 'none'}); "
                        "name one as FILE#NAME")
    namespace = store.namespace(name)
    return {"namespace": name, "clock": namespace.clock.to_json(),
            "vendors": {key: model.to_json() for key in REGISTRY if (model := namespace.existing(key)) is not None}}
