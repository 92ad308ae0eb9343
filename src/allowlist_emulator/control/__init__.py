"""The control plane at ``/_emulator``: health, reset, state, requests, faults, clock, decide, namespace listeners,
and the dashboard (``/_emulator/ui``, ``dashboard.py``).

Every call honours ``X-Emulator-Namespace`` (default ``default``), so parallel test workers never see each other.
When the emulator binds beyond loopback, ``--admin-token`` is required and checked here (the dashboard's session
cookie stands for it; see ``dashboard.py``).
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..state.clock import parse_iso
from ..engine.context import json_response
from ..engine.errors import TIMEOUT, ApiError
from ..engine.faults import TooManyFaults, resolve_operation
from ..engine.listeners import ListenerError
from ..engine.router import read_body, send_and_close
from ..redaction import masked
from ..engine.url_namespace import namespace_name, on_listener, routed
from ..state import Namespace, namespace_path
from ..state.persistence import StateFileError
from .browser import BrowserGuard
from .dashboard import Dashboard, authorized, plain_rows, redacted_rows, register_dashboard
from .spec import BODY, QUERY, RequestInvalid, check, operations

if TYPE_CHECKING:  # pragma: no cover
    from ..app import Emulator

PREFIX = "/_emulator"
ADMIN_HEADER = "X-Emulator-Admin-Token"


def control_error(status: int, message: str, field: str | None = None) -> web.Response:
    """The control plane's error body."""
    return json_response({"error": {"status": status, "message": message, "field": field}}, status=status)


class Control:
    def __init__(self, emulator: "Emulator"):
        self.em = emulator
        self.browser = BrowserGuard(emulator)

    # -- helpers -------------------------------------------------------------------------------------------------------
    def namespace(self, request: web.Request) -> Namespace:
        return self.em.store.namespace(namespace_name(request))

    async def persist(self, namespace: Namespace | None = None) -> None:
        """Make a control-plane change durable (``--state-file``): one namespace, or all after ``reset?all``."""
        state_file = self.em.state_file
        if state_file is not None:
            try:
                if namespace is None:
                    await state_file.save_reset_all()
                else:
                    await state_file.save(namespace)
            except StateFileError as exc:
                raise ApiError(500, str(exc)) from None

    async def body(self, request: web.Request) -> Any:
        """The body, already parsed and checked against the control plane's spec (control/spec.py)."""
        if BODY in request:
            return request[BODY]
        raw = await read_body(request, self.em.options.body_timeout)  # pragma: no cover - every body is in the spec
        try:
            return json.loads(raw or b"null")
        except (ValueError, RecursionError):
            raise ApiError(400, "body: is not valid JSON", field="body") from None

    def guarded(self, handler, op=None, max_body: int | None = None):
        """Admin token (when configured), the request checked against the control plane's spec (``op``), and uniform
        errors, for control-plane handlers only (vendor routes pay nothing)."""

        async def guard(request: web.Request) -> web.StreamResponse:
            refused = self.browser.problem(request)  # DNS rebinding, cross-site forms (control/browser.py)
            if refused is not None:
                return control_error(403, refused[1], refused[0])
            token = self.em.options.admin_token
            if token and not authorized(request, token, ADMIN_HEADER):
                return control_error(401, f"{ADMIN_HEADER}: missing or wrong admin token", ADMIN_HEADER)
            try:
                if op is not None:
                    await check(request, op, self.em.options.body_timeout, max_body)
                response = await handler(request)
                if request.method != "GET" and response.status < 400 and self.em.journal.subscribers:
                    self.announce(request)
                return response
            except RequestInvalid as exc:
                problem = exc.problem
                if not problem.field:  # a key that is the empty string: {"": 1}
                    return control_error(problem.status, f'body: the empty key "": {problem.message}', "body")
                return control_error(problem.status, str(problem), problem.field)
            except ApiError as err:
                response = control_error(err.status, err.message, err.field)
                return await send_and_close(request, response) if err.kind == TIMEOUT else response
            except web.HTTPRequestEntityTooLarge:
                return control_error(413, f"body: larger than the limit of {self.em.options.max_body} bytes", "body")

        return guard

    def browser_only(self, handler):
        """The browser guard alone, for the dashboard's page and sign-in (they answer a locked server themselves)."""

        async def guard(request: web.Request) -> web.StreamResponse:
            refused = self.browser.problem(request)
            if refused is not None:
                return control_error(403, refused[1], refused[0])
            try:
                return await handler(request)
            except ApiError as err:  # the sign-in form's body stopped arriving (--body-timeout)
                response = control_error(err.status, err.message, err.field)
                return await send_and_close(request, response) if err.kind == TIMEOUT else response
            except web.HTTPRequestEntityTooLarge:
                return control_error(413, f"body: larger than the limit of {self.em.options.max_body} bytes", "body")

        return guard

    def announce(self, request: web.Request) -> None:
        """Tell the live feeds (dashboards) of this namespace that the control plane changed something."""
        everything = request.path.endswith("/reset") and request.query.get("all") == "true"
        name = "*" if everything else self.namespace(request).name
        self.em.journal.publish(name, {"namespace": name, "method": request.method, "path": request.path,
                                       "query": request.query_string}, everyone=everything)

    # -- endpoints -------------------------------------------------------------------------------------------------------
    async def health(self, request: web.Request) -> web.Response:
        return json_response({
            "status": "ok",
            "vendors": list(self.em.vendors),
            "version": self.em.version,
            "bases": {key: vendor.mount or "/" for key, vendor in self.em.vendors.items()},
            "namespace": self.namespace(request).name,
            "listener": on_listener(request),  # true: this port serves that namespace only (tools adopt it)
        })

    async def pointer(self, request: web.Request) -> web.Response:
        """``GET /`` and ``GET /_emulator/``: where to go from here (the dashboard, health), as the client accepts it:
        JSON, an HTML page of links (browsers) or plain text (curl)."""
        found = routed(request)
        base = namespace_path(found.name) if found is not None and not found.bound else ""
        links = {"dashboard": f"{base}{PREFIX}/ui", "health": f"{base}{PREFIX}/health"}
        message = f"allowlist-emulator {self.em.version}: serving {', '.join(self.em.vendors)}"
        kind = preferred(request.headers.get("Accept", ""), ("text/plain", "text/html", "application/json"))
        if kind == "application/json":
            return json_response({"message": message, **links, "vendors": list(self.em.vendors)})
        if kind == "text/html":
            items = "".join(f'<li>{name}: <a href="{html.escape(url)}">{html.escape(url)}</a></li>' for name, url in links.items())
            page = (f"<!doctype html><html lang=en><meta charset=utf-8><title>allowlist-emulator</title>"
                    f"<p>{html.escape(message)}</p><ul>{items}</ul></html>\n")
            return web.Response(text=page, content_type="text/html")
        lines = [message, f"  dashboard: {links['dashboard']}  (in a browser)", f"  health:    {links['health']}"]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    async def reset(self, request: web.Request) -> web.Response:
        vendor = request.query.get("vendor")
        if vendor is not None and vendor not in self.em.vendors:
            raise ApiError(400, f"vendor: {vendor!r} is not served (served: {', '.join(self.em.vendors)})", field="vendor")
        if request.query.get("all") == "true":
            self.em.store.drop_all()
            self.em.faults.clear()
            await self.persist()
            return json_response({"status": "reset", "namespace": "*", "vendors": list(self.em.vendors)})
        namespace = self.namespace(request)
        namespace.reset(vendor)
        if vendor is None:
            self.em.faults.remove(namespace.name)
        await self.persist(namespace)
        return json_response({"status": "reset", "namespace": namespace.name, "vendors": [vendor] if vendor else list(self.em.vendors)})

    async def get_state(self, request: web.Request) -> web.Response:
        state = self.namespace(request).to_json()
        return json_response(masked(state) if request.query.get("redact") == "true" else state)

    async def put_state(self, request: web.Request) -> web.Response:
        data = await self.body(request)  # up to max_state_body (register_control), checked against the spec
        namespace = self.namespace(request)
        try:
            namespace.restore(data, verify=True)  # checked whole first: nothing changes when it raises
        except ValueError as exc:
            raise ApiError(400, str(exc), field=str(exc).partition(":")[0] or "body") from None
        await self.persist(namespace)
        return json_response(namespace.to_json())

    async def requests(self, request: web.Request) -> web.Response:
        namespace = self.namespace(request)
        query = request[QUERY]  # typed and bounded by the spec: status 100..599, limit 0..10^9
        limit = query.get("limit")
        operation = query.get("operationId")  # an operationId a vendor used before matches under its current name
        if operation:
            operation = resolve_operation(self.em.vendors, operation, query.get("vendor")) or operation
        selected = list(self.em.journal.select(
            namespace.name, query.get("vendor"), query.get("method"), query.get("path"),
            query.get("status"), operation))
        if limit is not None:
            selected = selected[max(len(selected) - limit, 0):] if limit else []
        if query.get("redact"):  # the dashboard's view: its rows, with the vendor's error
            entries = redacted_rows(self.em, selected)
        else:  # as recorded, but secrets are replaced here too, as the recorder replaces them
            entries = plain_rows(self.em, selected)
        return json_response({"namespace": namespace.name, "count": len(entries), "limit": self.em.journal.limit, "requests": entries})

    async def clear_requests(self, request: web.Request) -> web.Response:
        namespace = self.namespace(request)
        return json_response({"namespace": namespace.name, "removed": self.em.journal.clear(namespace.name)})

    async def faults(self, request: web.Request) -> web.Response:
        namespace = self.namespace(request)
        return json_response({"namespace": namespace.name, "faults": [r.to_json() for r in self.em.faults.of(namespace.name)]})

    async def add_fault(self, request: web.Request) -> web.Response:
        namespace = self.namespace(request)
        data = await self.body(request)
        rules = data if isinstance(data, list) else [data]
        added = []
        try:
            for index, rule in enumerate(rules):  # noqa: B007 (index names the refused rule below)
                added.append(self.em.faults.add(rule, namespace.name, self.em.vendors))
        except ValueError as exc:
            for rule in added:
                self.em.faults.remove(namespace.name, rule.id)
            if isinstance(exc, TooManyFaults):
                raise ApiError(503, str(exc), field="faults") from None
            prefix = f"[{index}]." if isinstance(data, list) else ""
            raise ApiError(400, f"{prefix}{exc}", field=f"{prefix}{exc}".partition(":")[0] or "body") from None
        result = [r.to_json() for r in added]
        return json_response(result if isinstance(data, list) else result[0], status=201)

    async def delete_faults(self, request: web.Request) -> web.Response:
        namespace = self.namespace(request)
        removed = self.em.faults.remove(namespace.name, request.match_info.get("rule"))
        return json_response({"namespace": namespace.name, "removed": removed})

    async def clock(self, request: web.Request) -> web.Response:
        return json_response(self.namespace(request).clock.to_json())

    async def set_clock(self, request: web.Request) -> web.Response:
        namespace = self.namespace(request)
        data = await self.body(request)
        if not isinstance(data, dict) or not data or set(data) - {"advance", "freeze", "set"}:
            raise ApiError(400, "body: expected an object with one of advance (seconds), freeze (boolean), set (ISO-8601)", field="body")
        clock = namespace.clock.copy()  # every change checked before any is applied
        try:
            if "set" in data:
                try:
                    when = parse_iso(str(data["set"]))
                except (ValueError, OverflowError, OSError):
                    raise ValueError(f"set: {str(data['set'])[:64]!r} is not an ISO-8601 date-time") from None
                clock.set(when)
            if "advance" in data:
                clock.advance(float(data["advance"]))
            if "freeze" in data:
                clock.freeze(data["freeze"])
        except ValueError as exc:
            field = str(exc).partition(":")[0]
            raise ApiError(400, str(exc), field=field) from None
        namespace.clock.offset, namespace.clock.frozen_at = clock.offset, clock.frozen_at
        await self.persist(namespace)
        return json_response(clock.to_json())

    async def listeners(self, request: web.Request) -> web.Response:
        listeners = self.em.listeners
        port = listeners.of(self.namespace(request).name)
        return json_response({"listeners": [listeners.describe(port)] if port is not None else []})

    async def open_listener(self, request: web.Request) -> web.Response:
        """A port of this server on which every request is in this namespace (engine/listeners.py)."""
        namespace = self.namespace(request)
        try:
            port, opened = await self.em.listeners.open(namespace.name)
        except ListenerError as exc:
            raise ApiError(503, str(exc)) from None
        return json_response(self.em.listeners.describe(port), status=201 if opened else 200)

    async def close_listeners(self, request: web.Request) -> web.Response:
        return json_response({"removed": await self.em.listeners.close([self.namespace(request).name])})

    async def decide(self, request: web.Request) -> web.Response:
        key = request.match_info["vendor"]
        vendor = self.em.vendors.get(key)
        if vendor is None:
            raise ApiError(404, f"vendor: {key!r} is not served (served: {', '.join(self.em.vendors)})", field="vendor")
        if not request.query.get("ip"):
            raise ApiError(400, "ip: is required", field="ip")
        namespace = self.namespace(request)
        return json_response(vendor.decide(namespace.model(key), request.query, namespace))


def preferred(accept: str, offers: tuple[str, ...]) -> str:
    """The one of ``offers`` an ``Accept`` header ranks highest (its q: an exact type's, else a wildcard's; ties go
    to the earlier offer); the first offer when the header is empty or ranks none of them above zero."""
    exact: dict[str, float] = {}
    wildcard: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        media = media.lower()
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        for offer in offers:
            if media == offer:
                exact[offer] = quality
            elif media in ("*/*", offer.split("/")[0] + "/*"):
                wildcard[offer] = max(wildcard.get(offer, 0.0), quality)

    def rank(offer: str) -> float:
        return exact.get(offer, wildcard.get(offer, 0.0))

    best = max(offers, key=lambda offer: (rank(offer), -offers.index(offer)))
    return best if rank(best) > 0 else offers[0]


def register_control(app: web.Application, emulator: "Emulator") -> None:
    control = Control(emulator)
    routes = [
        ("GET", "/health", control.health),
        ("POST", "/reset", control.reset),
        ("GET", "/state", control.get_state),
        ("PUT", "/state", control.put_state),
        ("GET", "/requests", control.requests),
        ("DELETE", "/requests", control.clear_requests),
        ("GET", "/faults", control.faults),
        ("POST", "/faults", control.add_fault),
        ("DELETE", "/faults", control.delete_faults),
        ("DELETE", "/faults/{rule}", control.delete_faults),
        ("GET", "/clock", control.clock),
        ("POST", "/clock", control.set_clock),
        ("GET", "/decide/{vendor}", control.decide),
        ("GET", "/listeners", control.listeners),
        ("POST", "/listeners", control.open_listener),
        ("DELETE", "/listeners", control.close_listeners),
    ]
    dashboard: Dashboard = register_dashboard(routes, emulator, ADMIN_HEADER)
    ops = operations([(method, path) for method, path, _handler in routes], PREFIX)  # specs/control/control.yaml
    # a whole namespace's lists (replicate loads 100,000-entry lists): above the 1 MiB of every other body
    max_body = {("PUT", "/state"): emulator.options.max_state_body}
    for method, path, handler in routes:
        app.router.add_route(method, PREFIX + path,
                             control.guarded(handler, ops[(method, path)], max_body.get((method, path))))
    app.router.add_route("GET", "/", control.pointer)  # where a newcomer's browser or curl lands first
    app.router.add_route("GET", PREFIX, control.pointer)
    app.router.add_route("GET", PREFIX + "/", control.pointer)
    app.router.add_route("GET", PREFIX + "/ui", control.browser_only(dashboard.page))  # the login form itself when locked
    app.router.add_route("POST", PREFIX + "/ui/login", control.browser_only(dashboard.login))
    app.router.add_route("GET", PREFIX + "/ui/", control.browser_only(dashboard.slash))  # relative URLs need no slash

    async def close_feeds(_app: web.Application) -> None:
        dashboard.close_streams()

    app.on_shutdown.append(close_feeds)
