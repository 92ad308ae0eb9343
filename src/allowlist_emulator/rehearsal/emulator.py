"""Talking to a running emulator's control plane (``/_emulator``) with the standard library: ``diff`` and ``decide``
need no extra. A URL names a namespace by ``/_ns/<name>`` or is a namespace listener's (or the default namespace's)."""

from __future__ import annotations

import json
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode, urlsplit

from ..state import NAMESPACE_HEADER, split_namespace_path

ADMIN_HEADER = "X-Emulator-Admin-Token"
TIMEOUT = 30.0


class EmulatorError(RuntimeError):
    """The emulator could not be reached or refused the request; the message says which and why."""


def is_url(text: str) -> bool:
    return urlsplit(text).scheme in ("http", "https")


def control_base(url: str) -> tuple[str, str | None]:
    """(where ``/_emulator`` is for the namespace ``url`` names, that namespace's name or None for the port's own).

    ``http://h:p/_ns/rehearsal/api/v2`` → (``http://h:p/_ns/rehearsal``, ``rehearsal``); ``http://h:p/api/v2`` →
    (``http://h:p``, None): a listener's port is its namespace, a plain port the default namespace."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r}: expected http(s)://host:port[/_ns/<name>][/path]")
    origin = f"{parts.scheme}://{parts.netloc}"
    found = split_namespace_path(parts.path)
    if found is None:
        return origin, None
    name, _rest = found
    return f"{origin}/_ns/{quote(name, safe='')}", name


def call(url: str, path: str, *, method: str = "GET", body: Any = None, query: dict | None = None,
         admin_token: str | None = None, namespace: str | None = None) -> Any:
    """``method`` ``/_emulator{path}`` below ``url``'s namespace; the JSON answer. EmulatorError otherwise."""
    import urllib.request

    base, _ = control_base(url)
    target = f"{base}/_emulator{path}" + (f"?{urlencode(query)}" if query else "")
    headers = {"Accept": "application/json"}
    if admin_token:
        headers[ADMIN_HEADER] = admin_token
    if namespace:
        headers[NAMESPACE_HEADER] = namespace
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(target, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read()
    except HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")
        try:
            message = json.loads(text)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = text[:300]
        raise EmulatorError(f"{method} {target} answered {exc.code}: {message}") from None
    except (URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EmulatorError(f"{method} {target}: cannot reach the emulator ({reason})") from None
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise EmulatorError(f"{method} {target}: the answer is not JSON; is this an allowlist-emulator?") from None
