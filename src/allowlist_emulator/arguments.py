"""Command-line values shared by the commands (``cli.py``, ``rehearsal/cli.py``): a number of seconds, the --config
file (bounded: its size, nesting and YAML alias expansion; docs/control-plane.md). The lowest layer
(ARCHITECTURE.md), so one command's parser never imports another command's module."""

from __future__ import annotations

import argparse


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0 and at most 86400 seconds")
    return value


def _load_json(text: str) -> dict | None:
    """A config written as JSON (which is YAML too), read with the JSON parser: a config seeding 100,000 entries
    takes PyYAML 20 s and 800 MB, json 0.3 s. None when the text is not a JSON object."""
    if not text.lstrip().startswith("{"):
        return None
    import json

    try:
        return json.loads(text)
    except ValueError:  # flow-style YAML, not JSON
        return None


MAX_CONFIG_BYTES = 64 * 1024 * 1024  # a --config file larger than this is refused before it is read
MAX_CONFIG_DEPTH = 64  # mappings and lists nested deeper are refused
MAX_ALIAS_GROWTH = 100_000  # values YAML aliases may add beyond those written out (an alias bomb adds billions)


def _shape_problem(data: object) -> str | None:
    """Why the loaded config is refused before anything walks it, or None: nested deeper than MAX_CONFIG_DEPTH, or
    YAML aliases that expand it by more than MAX_ALIAS_GROWTH values. One pass over the distinct objects (an alias
    is the same object again), so a bomb is measured in microseconds, never expanded."""
    sizes: dict[int, int] = {}
    distinct = 0

    def size(node: object, depth: int) -> int:
        nonlocal distinct
        if not isinstance(node, (dict, list)):
            return 1
        known = sizes.get(id(node))
        if known is not None:
            return known
        if depth > MAX_CONFIG_DEPTH:
            raise _TooDeep()
        distinct += 1
        children = node.values() if isinstance(node, dict) else node
        total = 1 + sum(size(child, depth + 1) for child in children)
        sizes[id(node)] = total
        return total

    try:
        total = size(data, 0)
    except _TooDeep:
        return f"nested more than {MAX_CONFIG_DEPTH} levels deep"
    written = distinct + sum(len(n) for n in _distinct(data))
    if total - written > MAX_ALIAS_GROWTH:
        return f"YAML aliases expand it by {total - written:,} values (at most {MAX_ALIAS_GROWTH:,})"
    return None


class _TooDeep(Exception):
    pass


def _distinct(data: object) -> list:
    seen: dict[int, object] = {}
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, (dict, list)) and id(node) not in seen:
            seen[id(node)] = node
            stack.extend(node.values() if isinstance(node, dict) else node)
    return list(seen.values())


def load_config(path: str | None) -> dict:
    """The --config file as a mapping; ValueError (exit 2, one line) when it cannot be read, is too large, nested too
    deeply, an alias bomb, or not a mapping."""
    if not path:
        return {}
    import yaml  # here, not at the top: serving without --config never needs it

    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ValueError(f"--config {path}: larger than {MAX_CONFIG_BYTES >> 20} MiB")
        text = raw.decode("utf-8")
        data = _load_json(text)
        if data is None:  # the C loader when libyaml is there
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except OSError as exc:
        raise ValueError(f"--config {path}: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"--config {path}: not YAML: {' '.join(str(exc).split())[:300]}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"--config {path}: nested more than {MAX_CONFIG_DEPTH} levels deep") from None
    problem = _shape_problem(data)
    if problem is not None:
        raise ValueError(f"--config {path}: {problem}")
    if not isinstance(data, dict):
        raise ValueError(f"--config {path}: the top level must be a mapping")
    return data
