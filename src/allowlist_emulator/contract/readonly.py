"""A ``requests`` session that can only read: its transport refuses every request that is not a GET (or HEAD), whatever
code path built it, before a byte leaves the machine.

The one exception a vendor may declare is its credential exchange (B2Core's ``POST [base]/tokens``, client
credentials for a bearer token): it changes nothing the vendor stores, and nothing can be read without it. It is
allowed by method and exact path, nothing else.

``replicate`` reads live deployments through it; anything a vendor module or an auth adapter tries to send beyond that
raises :class:`WriteRefused` (a ``requests.RequestException``, so callers that handle transport errors stop there).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

READ_METHODS = frozenset({"GET", "HEAD"})


class WriteRefused(requests.RequestException):
    """A request other than a read reached the read-only transport; it was not sent."""


class ReadOnlyAdapter(HTTPAdapter):
    """The transport: sends GET and HEAD, and the declared ``(METHOD, path)`` credential exchanges; refuses the rest."""

    def __init__(self, exchanges: Iterable[tuple[str, str]] = (), **kwargs):
        self.exchanges = frozenset((method.upper(), path.rstrip("/") or "/") for method, path in exchanges)
        self.sent: list[tuple[str, str]] = []  # (method, url) of what went out, for the caller's report and tests
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args, **kwargs) -> requests.Response:
        method = (request.method or "GET").upper()
        path = urlsplit(request.url or "").path.rstrip("/") or "/"
        if method not in READ_METHODS and (method, path) not in self.exchanges:
            raise WriteRefused(f"read-only: {method} {request.url} refused (only GET is sent to the target)",
                               request=request)
        self.sent.append((method, request.url or ""))
        return super().send(request, *args, **kwargs)


def read_only_session(exchanges: Iterable[tuple[str, str]] = ()) -> requests.Session:
    """A session whose every ``http://`` and ``https://`` request goes through one :class:`ReadOnlyAdapter`
    (``session.read_only``)."""
    session = requests.Session()
    adapter = ReadOnlyAdapter(exchanges)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.read_only = adapter  # type: ignore[attr-defined]
    return session
