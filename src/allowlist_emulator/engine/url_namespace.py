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

How the name reaches the handler: the router puts a :class:`Routed` (the request, the name, the rest of the raw path,
whether a listener's port chose it) in the context variable :data:`ROUTED`, and the handler reads it there (vendor
handlers in ``engine/router.py``; the control plane and the dashboard through :func:`namespace_name`,
:func:`on_listener` and :func:`routed_path`). aiohttp runs every request in a task of its own, made for that purpose
(so that context variables stay per request): what the router sets lives exactly as long as the request. A request
the router did not route so finds nothing there, for one lookup; the handler it reaches is aiohttp's own match, as
for any request, so the URL form costs its request the prefix's split, the name's check and one ``ContextVar.set``,
no copy of the request or of the match (bench/url_namespace_cost.py counts it).

The name is percent-decoded exactly once (``%2F`` → ``/``, ``%25`` → ``%``, UTF-8) and checked like a header's
(printable, at most 128 characters). A header naming another namespace than the URL gets 400 in the shape of the
route's owner: the vendor's error body, or the control plane's. ``/_ns/`` with no name is an unknown path.
"""

from __future__ import annotations

import warnings
from contextvars import ContextVar
from functools import partial
from types import SimpleNamespace
from typing import Any, Callable, NamedTuple

from aiohttp import web
from aiohttp.web_urldispatcher import UrlMappingMatchInfo
from yarl import URL

from ..state import DEFAULT_NAMESPACE, NAMESPACE_HEADER, URL_PREFIX, split_namespace_path
from ..state.namespaces import name_problem
from .errors import LIMIT, ApiError
from .listeners import Listeners

URL_FIELD = "/_ns/<name>"


class Routed(NamedTuple):
    """A request whose namespace its URL (``/_ns/<name>/``) or the port it came in on (a listener) chose."""

    request: web.Request  # whose: a lookup checks it is the request at hand
    name: str
    rest: str  # the raw path without the prefix (the whole path on a listener's port)
    bound: bool  # a listener's port chose it


ROUTED: ContextVar[Routed | None] = ContextVar("allowlist_emulator.routed", default=None)

ControlError = Callable[[int, str, "str | None"], web.Response]


def routed(request: web.Request) -> Routed | None:
    """What the router found of ``request``'s namespace in its URL or port; None: none there (the header's, if any)."""
    found = ROUTED.get()
    return found if found is not None and found.request is request else None


def namespace_name(request: web.Request) -> str | None:
    """The namespace a request names: under ``/_ns/<name>/`` (or on a listener's port) that name, else its
    ``X-Emulator-Namespace`` (None: the default)."""
    found = routed(request)
    return found.name if found is not None else request.headers.get(NAMESPACE_HEADER)


def on_listener(request: web.Request) -> bool:
    """Whether the request came in on a namespace listener's port (its namespace is the port's)."""
    found = routed(request)
    return found is not None and found.bound


def routed_path(request: web.Request) -> str:
    """The path the routes see: without a ``/_ns/<name>`` prefix (texts that name the path, as a vendor would)."""
    found = routed(request)
    return request.path if found is None else URL.build(path=found.rest, encoded=True).path


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
    ``rel_url.path_safe`` and at ``method``): the rest of the path, without building a second request or URL.
    ``rel_url`` is an object of its own, never this one: an object that refers to itself is a reference cycle, which
    only the garbage collector frees (it was one per prefixed request; tests/test_url_namespace.py counts them)."""

    __slots__ = ("rel_url", "method")

    def __init__(self, raw_path: str, method: str):
        # path_safe: percent-escapes decoded but %2F and %25 (aiohttp's own rule), so only a path with a % needs yarl
        self.rel_url = SimpleNamespace(path_safe=URL.build(path=raw_path, encoded=True).path_safe if "%" in raw_path else raw_path)
        self.method = method


class _Refused(UrlMappingMatchInfo):
    """The match of the path without the prefix, answered by the refusal instead of the route's handler (a name that
    cannot be one, two namespaces named). ``handler`` is a slot here, where aiohttp's match has a property."""

    __slots__ = ("handler",)

    def __init__(self, match: UrlMappingMatchInfo, handler: Any):
        super().__init__(match, match.route)
        self.handler = handler  # type: ignore[misc]  # the slot stands in for aiohttp's read-only property


class Router(web.UrlDispatcher):
    """aiohttp's router, with ``/_ns/<name>/...`` routed as ``...`` in namespace ``name``, and every request that came
    in on a namespace listener's port routed in that listener's namespace."""

    def __init__(self, control_error: ControlError, listeners: Listeners):
        super().__init__()
        self._control_error = control_error
        self._listeners = listeners

    def resolve(self, request: web.Request):  # a coroutine either way: no extra frame
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
        problem = name_problem(name, URL_FIELD)
        sent = request.headers.get(NAMESPACE_HEADER)
        if problem is not None:
            return self._refusal(match, problem, URL_FIELD)
        if bound is not None and name != bound:
            return self._refusal(match, f"{URL_FIELD}: names the namespace {name!r} but this port serves {bound!r} (a "
                                        f"namespace listener); send the path without the prefix, or use the emulator's "
                                        f"own port", URL_FIELD)
        if sent is not None and (sent or DEFAULT_NAMESPACE) != name:
            where = "this port (a namespace listener) serves" if bound is not None else f"the URL ({URL_FIELD}) names"
            return self._refusal(match, f"{NAMESPACE_HEADER}: names the namespace {sent!r} but {where} {name!r}; send "
                                        f"one of them, or the same name in both", NAMESPACE_HEADER)
        ROUTED.set(Routed(request, name, rest, bound is not None))
        return match

    def _refusal(self, match: UrlMappingMatchInfo, message: str, field: str) -> UrlMappingMatchInfo:
        return _Refused(match, partial(self._refuse, match.handler, message=message, field=field))

    async def _refuse(self, handler: Any, request: web.Request, message: str, field: str) -> web.StreamResponse:
        vendor = getattr(handler, "vendor", None)  # set by engine/router.py on every vendor route
        if vendor is not None:
            return vendor.render_error(ApiError(400, message, kind=LIMIT, field=field), None)
        return self._control_error(400, message, field)
