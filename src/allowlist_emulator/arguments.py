"""Command-line values shared by the commands (``cli.py``, ``rehearsal/cli.py``): a number of seconds, the --config
file. The lowest layer (ARCHITECTURE.md), so one command's parser never imports another command's module."""

from __future__ import annotations

import argparse
from pathlib import Path


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


def load_config(path: str | None) -> dict:
    """The --config file as a mapping; ValueError (exit 2, one line) when it cannot be read or is not a mapping."""
    if not path:
        return {}
    import yaml  # here, not at the top: serving without --config never needs it

    try:
        text = Path(path).read_text(encoding="utf-8")
        data = _load_json(text)
        if data is None:  # the C loader when libyaml is there
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except OSError as exc:
        raise ValueError(f"--config {path}: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"--config {path}: not YAML: {' '.join(str(exc).split())[:300]}") from None
    if not isinstance(data, dict):
        raise ValueError(f"--config {path}: the top level must be a mapping")
    return data
