"""Reading a live deployment for ``replicate``: GETs through the read-only transport (``contract/readonly.py``), the
vendor's credentials through its contract adapter, and paging that stops at the first contradiction.

Every failure is a :class:`ReplicateError` naming the request: an answer other than the expected one, a dropped
connection, a page that contradicts ``X-Total`` or an earlier page. ``replicate`` then loads nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import requests

from ..contract.readonly import read_only_session

MAX_ENTRIES = 1_000_000  # entries read from one list before replicate gives up (a bound on memory)


class ReplicateError(RuntimeError):
    """Reading the live side failed; nothing is loaded."""


class Live:
    """The live side: ``get``/``json``/``pages`` relative to its base URL, read-only whatever the caller does."""

    def __init__(self, base_url: str, auth: Any = None, *, session: requests.Session | None = None,
                 headers: dict[str, str] | None = None, timeout: float = 30.0, verify: bool | str = True):
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else read_only_session()
        self.session.verify = verify
        self.auth = auth
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.requests = 0
        self.notes: list[str] = []  # what the vendor module could not read and left as the replica had it

    def note(self, text: str) -> None:
        self.notes.append(text)

    def get(self, path: str, params: dict | None = None, *, absent: tuple[int, ...] = ()) -> requests.Response | None:
        """The 200 answer to ``GET path``; None when the status is one of ``absent`` (the vendor's "there is none")."""
        url = self.base_url + path
        self.requests += 1
        try:
            response = self.session.get(url, params=params, auth=self.auth, headers=self.headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ReplicateError(f"GET {url}: {_reason(exc)}") from None
        except RuntimeError as exc:  # an adapter's own failure (B2Core's token endpoint refused the client)
            raise ReplicateError(f"GET {url}: {exc}") from None
        if response.status_code in absent:
            return None
        if response.status_code != 200:
            raise ReplicateError(f"GET {response.url} answered {response.status_code}: {response.text[:300]}")
        return response

    def json(self, path: str, params: dict | None = None, *, absent: tuple[int, ...] = ()) -> Any:
        response = self.get(path, params, absent=absent)
        if response is None:
            return None
        try:
            return response.json()
        except ValueError:
            raise ReplicateError(f"GET {response.url}: the answer is not JSON ({response.text[:120]!r})") from None

    def pages(self, path: str, *, limit: int, default_limit: int | None = None, params: dict | None = None,
              total: str | None = None, key: Callable[[dict], Hashable] | None = None) -> list[dict]:
        """Every item of an offset/limit list. With ``total`` (a header such as ``X-Total``) every page must carry the
        same total and the pages must add up to it; without, the list ends at the first short page. An item seen twice
        (``key``) means the list moved under the reading: an error too.

        With ``default_limit`` (the vendor's page size when none is asked for), the first page is asked for as a client
        that does not page would (no offset, no limit): a short list costs one plain GET, the request recorded
        cassettes hold; the following pages ask for ``limit`` items from where the first ended."""
        items: list[dict] = []
        seen: set = set()
        expected: int | None = None
        offset = 0
        while True:
            plain = offset == 0 and default_limit is not None
            size = default_limit if plain else limit
            assert size is not None
            response = self.get(path, dict(params or {}) if plain else {**(params or {}), "offset": offset, "limit": limit})
            assert response is not None
            where = f"GET {response.url}"
            try:
                page = response.json()
            except ValueError:
                raise ReplicateError(f"{where}: the answer is not JSON") from None
            if not isinstance(page, list):
                raise ReplicateError(f"{where}: expected a JSON array, got {type(page).__name__}")
            if total is not None:
                text = response.headers.get(total)
                if text is None or not text.strip().isdigit():
                    raise ReplicateError(f"{where}: no {total} header (or not a number: {text!r})")
                count = int(text)
                if expected is None:
                    expected = count
                elif count != expected:
                    raise ReplicateError(f"{where}: {total} says {count}, an earlier page said {expected}: the list "
                                         "changed while it was read")
            if len(page) > size:
                raise ReplicateError(f"{where}: {len(page)} items on a page of at most {size}")
            for item in page:
                if not isinstance(item, dict):
                    raise ReplicateError(f"{where}: an item is not an object")
                if key is not None:
                    k = key(item)
                    if k in seen:
                        raise ReplicateError(f"{where}: {k!r} was on an earlier page too: the list changed while it "
                                             "was read")
                    seen.add(k)
            items.extend(page)
            offset += len(page)
            if len(items) > MAX_ENTRIES:
                raise ReplicateError(f"GET {self.base_url}{path}: more than {MAX_ENTRIES} entries; refusing to copy")
            if expected is not None:
                if offset >= expected:
                    if offset > expected:
                        raise ReplicateError(f"{where}: {offset} items read, {total} says {expected}")
                    return items
                if not page:
                    raise ReplicateError(f"{where}: an empty page at offset {offset}, but {total} says {expected}: "
                                         f"{expected - offset} missing")
            elif len(page) < size:
                return items


def _reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectionError):
        return f"connection failed or dropped ({exc.__class__.__name__}: {str(exc)[:200]})"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    return str(exc)[:300]
