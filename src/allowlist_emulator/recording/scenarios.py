"""The scripted calls behind the shipped fixtures: one scenario per cassette, ``fixtures/<vendor>/<name>.yaml``.

Each vendor's scenarios are in its folder (``vendors/<key>/scenarios.py``: ``SCENARIOS``, and ``authorize``, which
sets the credential a step names). Each step names the credential it uses, its body, the variables it captures from the
response (``{"id": "0.id"}``: the ``id`` of the first element), and the status it must get. Paths, query values and
body strings may use ``{variable}``. Together a vendor's scenarios call every operation of its spec with success, and
its main error answers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

NO_BODY = object()
DEFAULT = "default"


@dataclass
class Step:
    method: str
    path: str
    expect: int
    auth: str | None = DEFAULT  # a name the vendor's ``authorize`` knows; None sends no credentials
    json: Any = NO_BODY
    body: str | None = None  # sent as is (with ``content_type``) when ``json`` is not given
    content_type: str | None = None
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    capture: dict[str, str] = field(default_factory=dict)


@dataclass
class Scenario:
    vendor: str
    name: str
    title: str
    steps: list[Step]


def step(method: str, path: str, expect: int, **kwargs: Any) -> Step:
    """A step; ``query`` may be a dict."""
    query = kwargs.pop("query", None)
    if isinstance(query, dict):
        query = list(query.items())
    return Step(method, path, expect, query=query or [], **kwargs)


@dataclass
class Call:
    """What a vendor's ``authorize(name, call)`` may look at and change: the request as the emulator will see it."""

    method: str
    path: str  # as the emulator sees it (mount included)
    query: str
    headers: dict[str, str]
    body: bytes
    emulator_host: str  # host:port the proxy forwards to (a signature covers it)
    variables: dict[str, str]
    at: datetime  # the emulator clock's frozen instant (what a signature's date says)


def basic(user: str, password: str) -> str:
    """An HTTP Basic ``Authorization`` value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
