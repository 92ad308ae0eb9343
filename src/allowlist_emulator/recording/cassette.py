"""VCR.py cassettes (format version 1), written and read with PyYAML alone, and the redaction of secrets.

The layout is exactly what vcrpy writes, so vcrpy and pytest-recording load these files unchanged::

    interactions:
    - request:
        body: '{"value":"true"}'            # null when there is none
        headers: {Content-Type: [application/json]}
        method: PUT
        uri: https://hdp.example.com/api/admin/configurations/8
      response:
        body: {string: '{"id":8,...}'}
        headers: {Content-Type: [application/json; charset=utf-8]}
        status: {code: 200, message: OK}
    version: 1

Redaction (:class:`Redactor`) replaces every credential with ``<REDACTED>`` (``%3CREDACTED%3E`` inside URLs and
form bodies), keeping what a reader needs to understand the exchange: the scheme word of ``Authorization``
(``Basic <REDACTED>``, ``Bearer <REDACTED>``), the ``SignedHeaders`` of an AK/SK signature, ``X-Sdk-Date``. Every
secret value it finds (tokens, Basic credentials, signatures, ``access_token`` / ``client_secret`` / ``password``
fields, secret query parameters, values given with ``--redact``) is then also replaced wherever else it appears in
the cassette, for instance a token echoed in a response body. The redaction itself lives in
``allowlist_emulator/redaction.py`` (standard library only), which the dashboard shares.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

import yaml

from ..redaction import (  # noqa: F401 (re-exported: the cassette's interaction and its redaction live there)
    DROP_HEADERS, PLACEHOLDER, SECRET_FIELDS, SECRET_HEADERS, URL_PLACEHOLDER, Interaction, Redactor,
)

CASSETTE_FORMAT_VERSION = 1


# -- YAML ------------------------------------------------------------------------------------------------------------


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe, plus the harmless Python tags old vcrpy cassettes contain."""


_Loader.add_constructor("tag:yaml.org,2002:python/str", lambda loader, node: loader.construct_scalar(node))
_Loader.add_constructor("tag:yaml.org,2002:python/unicode", lambda loader, node: loader.construct_scalar(node))
_Loader.add_constructor("tag:yaml.org,2002:python/tuple", lambda loader, node: tuple(loader.construct_sequence(node)))


def dumps(interactions: Iterable[Interaction], comment: str | None = None) -> str:
    """The cassette text, optionally under a ``#`` comment (YAML loaders, vcrpy's included, skip it). Pure-Python
    SafeDumper with fixed options, so the same interactions always give the same bytes on every machine (the shipped
    fixtures are compared byte for byte)."""
    data = {"interactions": [i.to_vcr() for i in interactions], "version": CASSETTE_FORMAT_VERSION}
    text = yaml.dump(data, Dumper=yaml.SafeDumper, default_flow_style=False, allow_unicode=False, sort_keys=True,
                     width=100, line_break="\n")
    if comment:
        text = "".join(f"# {line}".rstrip() + "\n" for line in comment.splitlines()) + text
    return text


def loads(text: str) -> list[Interaction]:
    data = yaml.load(text, Loader=_Loader)
    if isinstance(data, list):
        raise ValueError("this cassette predates vcrpy's format version 1; re-record it")
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise ValueError("not a VCR.py cassette: expected a mapping with 'interactions' and 'version'")
    return [Interaction.from_vcr(item) for item in data["interactions"]]


def load(path: str | Path) -> list[Interaction]:
    return loads(Path(path).read_text(encoding="utf-8"))


def write(path: str | Path, interactions: Iterable[Interaction], comment: str | None = None) -> Path:
    """Write atomically (a reader never sees half a cassette), creating the folder when needed."""
    return write_text(path, dumps(interactions, comment))


def write_text(path: str | Path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
