"""``/_ns/<name>/...``: the namespace chosen by URL, for clients that cannot add ``X-Emulator-Namespace``.

One route catches every path under ``/_ns/``. It strips the prefix, resolves the rest with the application's own
router (so every vendor path, B2Core under its ``[base]``, the control plane and whatever is added under
``/_emulator`` later answer there, unchanged), and calls the matched handler with a copy of the request that carries
the name in ``X-Emulator-Namespace``: from there on a request is exactly one that sent the header. Requests without
the prefix never reach this code, so they pay nothing for it.

What the handler sees is what the vendor would see behind a path-stripping proxy: the path without the prefix
(``request.path``, error texts, unknown paths get the same 404). What is kept of the client's own URL:

* ``SENT_URL`` in the request's storage: the URL the client sent, for CodeArts AK/SK, whose signature covers the path
  the client signed;
* the journal entry of the request shows the path as the client sent it (the namespace is in the entry too).

The name is percent-decoded exactly once (``%2F`` → ``/``, ``%25`` → ``%``, UTF-8) and checked like a header's
(printable, at most 128 characters). A header naming another namespace than the URL gets 400 in the shape of the
route's owner: the vendor's error body, or the control plane's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ..state import DEFAULT_NAMESPACE, NAMESPACE_HEADER, URL_PREFIX, split_namespace_path
from ..state.namespaces import name_problem
from .errors import LIMIT, ApiError

if TYPE_CHECKING:  # pragma: no cover
    from ..app import Emulator

URL_FIELD = "/_ns/<name>"

# the URL the client sent, in the request's storage (aiohttp ≥ 3.12 wants typed keys; older ones take a string)
SENT_URL: Any = web.RequestKey("allowlist_emulator.sent_url", URL) if hasattr(web, "RequestKey") else "allowlist_emulator.sent_url"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def sent_url(request: web.Request) -> URL:
    """The URL as the client sent it: with its ``/_ns/<name>`` prefix when it had one."""
    return request.get(SENT_URL) or request.rel_url


def register_url_namespaces(app: web.Application, emulator: "Emulator", not_found: Handler,
                            control_error: Callable[[int, str, str | None], web.Response]) -> None:
    """Add the ``/_ns/`` route; ``not_found`` answers ``/_ns/`` without a name, ``control_error`` renders a 400 for
    routes no vendor owns."""
    def refuse(handler: Any, message: str, field: str) -> web.StreamResponse:
        vendor = getattr(handler, "vendor", None)  # set by engine/router.py on every vendor route
        if vendor is not None:
            return vendor.render_error(ApiError(400, message, kind=LIMIT, field=field), None)
        return control_error(400, message, field)

    async def handle(request: web.Request) -> web.StreamResponse:
        url = request.rel_url
        parts = split_namespace_path(url.raw_path)
        if parts is None:
            return await not_found(request)
        name, rest = parts
        inner = request.clone(rel_url=URL.build(path=rest, query_string=url.raw_query_string, encoded=True))
        match_info = await request.app.router.resolve(inner)
        match_info.add_app(request.app)
        match_info.freeze()
        handler = match_info.handler
        problem = name_problem(name, URL_FIELD)
        if problem is not None:
            return refuse(handler, problem, URL_FIELD)
        sent = request.headers.get(NAMESPACE_HEADER)
        if sent is not None and (sent or DEFAULT_NAMESPACE) != name:
            return refuse(handler, f"{NAMESPACE_HEADER}: names the namespace {sent!r} but the URL ({URL_FIELD}) names "
                                   f"{name!r}; send one of them, or the same name in both", NAMESPACE_HEADER)
        headers = CIMultiDict(request.headers)
        headers[NAMESPACE_HEADER] = name
        # clone(headers=...) would re-encode every header as UTF-8 and fail on undecodable bytes a client sent
        inner._headers = CIMultiDictProxy(headers)
        inner._match_info = match_info
        inner[SENT_URL] = url
        return await handler(inner)

    app.router.add_route("*", URL_PREFIX + "{tail:[\\s\\S]*}", handle)  # [\s\S]: a decoded %0A is in the path too
