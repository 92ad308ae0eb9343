"""``/_ns/<name>/...``: the namespace chosen by URL, for clients that cannot add ``X-Emulator-Namespace``; and the
namespace chosen by the port a request came in on (a namespace listener, ``engine/listeners.py``), for clients that
keep only the scheme, host and port of their base URL.

The application's router (:class:`Router`, aiohttp's own with this one addition) strips the prefix before it looks
the rest of the path up, so a prefixed request is routed once, like any other: every vendor path, B2Core under its
``[base]``, the control plane and whatever is added under ``/_emulator`` later answer there, unchanged. A request
without the prefix pays one ``startswith`` for it, and while listeners are open, one look at the port it came in on.

The request stays the one the client sent: ``request.url``, ``request.path`` and the headers are the client's, so
what covers or names the sent URL does so unchanged (CodeArts AK/SK signatures over the path the client signed, HDP's
``Location``, the journal). What the vendor sees, as it would behind a path-stripping proxy, is the path without the
prefix: the route, the path parameters, the error texts (``Ctx.url``).

How the name reaches the handler: a vendor handler (``engine/router.py``, marked ``routed``) is called as
``handler(request, name=..., routed=<the rest of the raw path>)``; any other handler (the control plane, the dashboard) finds it in the
request's storage, through :func:`namespace_name` and :func:`routed_path`.

The name is percent-decoded exactly once (``%2F`` → ``/``, ``%25`` → ``%``, UTF-8) and checked like a header's
(printable, at most 128 characters). A header naming another namespace than the URL gets 400 in the shape of the
route's owner: the vendor's error body, or the control plane's. ``/_ns/`` with no name is an unknown path.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import Any, Callable

from aiohttp import web
from aiohttp.web_urldispatcher import UrlMappingMatchInfo
from yarl import URL

from ..state import DEFAULT_NAMESPACE, NAMESPACE_HEADER, URL_PREFIX, split_namespace_path
from ..state.namespaces import name_problem
from .errors import LIMIT, ApiError
from .listeners import Listeners

URL_FIELD = "/_ns/<name>"

# (name, the URL without the prefix, whether a listener's port chose it) of a request whose namespace its URL or port
# chose, in its storage (aiohttp ≥ 3.12 wants typed keys; older ones take a string)
ROUTED: Any = web.RequestKey("allowlist_emulator.routed", tuple) if hasattr(web, "RequestKey") else "allowlist_emulator.routed"

ControlError = Callable[[int, str, "str | None"], web.Response]


def namespace_name(request: web.Request) -> str | None:
    """The namespace a request names: under ``/_ns/<name>/`` that name, else its ``X-Emulator-Namespace`` (None: the
    default). For handlers that are not ``routed`` (the control plane, the dashboard)."""
    routed = request.get(ROUTED)
    return routed[0] if routed is not None else request.headers.get(NAMESPACE_HEADER)


def on_listener(request: web.Request) -> bool:
    """Whether the request came in on a namespace listener's port (its namespace is the port's)."""
    routed = request.get(ROUTED)
    return routed is not None and routed[2]


def routed_path(request: web.Request) -> str:
    """The path the routes see: without a ``/_ns/<name>`` prefix (texts that name the path, as a vendor would)."""
    routed = request.get(ROUTED)
    return routed[1].path if routed is not None else request.path


def application(control_error: ControlError, listeners: Listeners, **kwargs: Any) -> web.Application:
    """A ``web.Application`` routed by :class:`Router` (``control_error`` renders the refusals of routes no vendor
    owns; ``listeners`` are the namespace ports, engine/listeners.py)."""
    with warnings.catch_warnings():  # aiohttp 3 marks the argument deprecated, and has no other way to route
        warnings.simplefilter("ignore", DeprecationWarning)
        return web.Application(router=Router(control_error, listeners), **kwargs)


def _local_port(request: web.Request) -> int | None:
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    return sockname[1] if isinstance(sockname, tuple) and len(sockname) > 1 else None


class _Resolving:
    """What the router reads of a request to resolve it, and all it reads (aiohttp's resources look at
    ``rel_url.path_safe`` and at ``method``): the rest of the path, without building a second request or URL."""

    __slots__ = ("path_safe", "method", "rel_url")

    def __init__(self, raw_path: str, method: str):
        # path_safe: percent-escapes decoded but %2F and %25 (aiohttp's own rule), so only a path with a % needs yarl
        self.path_safe = URL.build(path=raw_path, encoded=True).path_safe if "%" in raw_path else raw_path
        self.method = method
        self.rel_url = self  # an attribute, not a property: read three times per resolve


class _Routed(UrlMappingMatchInfo):
    """The match of the path without the prefix, with the handler to call: the route's own, given the name (a vendor
    handler, marked ``routed``), or the refusal. ``handler`` is a slot here, set once, where aiohttp's match has a
    property that looks it up on every read."""

    __slots__ = ("handler",)

    def __init__(self, match: UrlMappingMatchInfo, handler: Any):
        super().__init__(match, match.route)
        self.handler = handler


class Router(web.UrlDispatcher):
    """aiohttp's router, with ``/_ns/<name>/...`` routed as ``...`` in namespace ``name``, and every request that came
    in on a namespace listener's port routed in that listener's namespace."""

    def __init__(self, control_error: ControlError, listeners: Listeners):
        super().__init__()
        self._control_error = control_error
        self._listeners = listeners

    def resolve(self, request: web.Request):  # type: ignore[override]  # a coroutine either way: no extra frame
        raw_path = request.rel_url.raw_path
        bound = self._listeners.ports.get(_local_port(request)) if self._listeners.ports else None  # type: ignore[arg-type]
        if raw_path.startswith(URL_PREFIX):
            parts = split_namespace_path(raw_path)
            if parts is not None:
                return self._resolve_routed(request, *parts, bound=bound)
        if bound is not None:
            return self._resolve_routed(request, bound, raw_path, bound=bound)
        return web.UrlDispatcher.resolve(self, request)

    async def _resolve_routed(self, request: web.Request, name: str, rest: str, bound: str | None = None) -> UrlMappingMatchInfo:
        match = await web.UrlDispatcher.resolve(self, _Resolving(rest, request.method))  # type: ignore[arg-type]
        handler = match.handler
        problem = name_problem(name, URL_FIELD)
        sent = request.headers.get(NAMESPACE_HEADER)
        if problem is not None:
            return _Routed(match, partial(self._refuse, handler, message=problem, field=URL_FIELD))
        if bound is not None and name != bound:
            return _Routed(match, partial(self._refuse, handler, message=(
                f"{URL_FIELD}: names the namespace {name!r} but this port serves {bound!r} (a namespace listener); "
                f"send the path without the prefix, or use the emulator's own port"), field=URL_FIELD))
        if sent is not None and (sent or DEFAULT_NAMESPACE) != name:
            where = "this port (a namespace listener) serves" if bound is not None else f"the URL ({URL_FIELD}) names"
            return _Routed(match, partial(self._refuse, handler, message=(
                f"{NAMESPACE_HEADER}: names the namespace {sent!r} but {where} {name!r}; send one of them, or the "
                f"same name in both"), field=NAMESPACE_HEADER))
        if getattr(handler, "routed", False):
            return _Routed(match, partial(handler, name=name, routed=rest))
        url = URL.build(path=rest, query_string=request.rel_url.raw_query_string, encoded=True)
        request[ROUTED] = (name, url, bound is not None)
        return _Routed(match, handler)

    async def _refuse(self, handler: Any, request: web.Request, message: str, field: str) -> web.StreamResponse:
        vendor = getattr(handler, "vendor", None)  # set by engine/router.py on every vendor route
        if vendor is not None:
            return vendor.render_error(ApiError(400, message, kind=LIMIT, field=field), None)
        return self._control_error(400, message, field)
