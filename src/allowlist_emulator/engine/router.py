"""Routes built from the spec: one aiohttp resource per spec path, one handler wrapper per operation.

The wrapper is the whole per-request pipeline, with no turning back:
namespace → faults (only when rules exist) → body read (size limit) → vendor auth → compiled validation → handler
→ vendor error rendering → journal.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from time import perf_counter
from typing import TYPE_CHECKING

from aiohttp import web

from ..state import NAMESPACE_HEADER
from ..state.persistence import StateFileError
from .context import Ctx
from .errors import FAULT, INTERNAL, METHOD, ROUTE, TIMEOUT, TOO_LARGE, ApiError
from .spec import Operation
from .url_namespace import ROUTED, routed
from .validate import RequestInvalid, parse_headers, parse_path, parse_query

if TYPE_CHECKING:  # pragma: no cover
    from ..app import Emulator
    from ..vendors.base import Vendor

log = logging.getLogger("allowlist_emulator")
WRITES = frozenset(("POST", "PUT", "PATCH", "DELETE"))


class Dropped(Exception):
    """A fault rule closed the connection."""


async def read_body(request: web.Request, timeout: float) -> bytes:
    """The request body; ApiError 408 (kind TIMEOUT) when it has not all arrived within ``timeout`` seconds.

    A body that came with the headers (almost every request) is read without a timer: only a body still arriving
    pays for one."""
    if request.content.is_eof():
        return await request.read()
    try:
        return await asyncio.wait_for(request.read(), timeout)
    except asyncio.TimeoutError:
        received = request.content.total_bytes
        expected = request.content_length
        raise ApiError(408, f"body: stopped arriving; {received} of {expected if expected is not None else '?'} bytes "
                            f"received in {timeout:g} seconds (--body-timeout)", kind=TIMEOUT, field="body") from None


async def send_and_close(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """Send ``response`` now and close the connection: after a body timeout the rest of the body may still come, so
    the connection cannot carry another request, and aiohttp would otherwise linger reading it."""
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    if request.transport is not None:
        request.transport.close()  # close, not abort: what was written is flushed first
    return response


async def apply_faults(ctx: Ctx, operation_id: str | None) -> None:
    emulator = ctx.emulator
    fired = emulator.faults.pick(ctx.vendor.key, operation_id, ctx.namespace.name)
    delay = sum(rule.delay_seconds(emulator.faults.rng) for rule in fired)
    if delay:
        await asyncio.sleep(delay)
    for rule in fired:
        if rule.drop:
            transport = ctx.request.transport
            if transport is not None:
                transport.abort()
            raise Dropped()
        if rule.status:
            raise ApiError(rule.status, rule.message or f"fault injected by rule {rule.id}", kind=FAULT)


def _finish(ctx: Ctx, response: web.StreamResponse, started: float) -> web.StreamResponse:
    request = ctx.request
    op = ctx.op
    client = ctx._client
    ctx.emulator.journal.record(
        ctx.namespace.name,
        ctx.vendor.key,
        op.operation_id if op else None,
        request.method,
        request.path,  # as the client sent it, with its /_ns/<name> prefix: the journal and the live feed
        request.query_string,
        response.status,
        (perf_counter() - started) * 1000.0,
        ctx._client_text if client else request.remote,
        ctx.raw_body,
        request.headers,
        response.headers,
        response.body if type(response) is web.Response else None,  # kept by reference; redacted only when shown
    )
    return response


def make_handler(emulator: "Emulator", vendor: "Vendor", op: Operation):
    handler = vendor.handlers[op.operation_id]
    authenticate = vendor.authenticate
    render = vendor.render_error
    path_params, query_params, header_params, body = op.path_params, op.query_params, op.header_params, op.body
    store, faults, state_file = emulator.store, emulator.faults, emulator.state_file
    body_timeout = emulator.options.body_timeout

    async def handle(request: web.Request) -> web.StreamResponse:
        started = perf_counter()
        found = ROUTED.get()  # the namespace from the URL or the port (engine/url_namespace.py), else the header's
        name: str | None
        if found is not None and found.request is request:
            name, rest = found.name, found.rest
        else:
            name, rest = request.headers.get(NAMESPACE_HEADER), None
        try:
            namespace = store.namespace(name)
        except ApiError as err:
            return render(err, None)
        ctx = Ctx(request, op, vendor, namespace, emulator, rest)
        try:
            if faults.rules:
                await apply_faults(ctx, op.operation_id)
            if request.body_exists:
                ctx.raw_body = await read_body(request, body_timeout)
            authenticate(ctx)
            if path_params:
                ctx.path = parse_path(path_params, request.match_info)
            if query_params:
                ctx.query = parse_query(query_params, request.query)
            if header_params:  # checked like the query; handlers read ctx.headers (the raw values)
                parse_headers(header_params, request.headers)
            if body is not None:
                # aiohttp reports a missing Content-Type as application/octet-stream; the validator wants "" for "none"
                ctx.body = body.parse(ctx.raw_body, request.content_type if "Content-Type" in request.headers else "")
            write = request.method in WRITES
            if write:  # the state of all namespaces is bounded (--max-state-bytes): refused in the vendor's shape
                store.make_room(len(ctx.raw_body), namespace)
            response: web.StreamResponse = handler(ctx)
            if write and response.status < 400:
                namespace.wrote(len(ctx.raw_body))
                if state_file is not None:
                    await state_file.save(namespace, (vendor.key,))  # committed before the answer leaves; the loop runs on
        except ApiError as err:
            response = render(err, ctx)
            if err.kind == TIMEOUT:
                response = await send_and_close(request, response)
        except RequestInvalid as exc:
            response = render(ApiError.from_problem(exc.problem), ctx)
        except web.HTTPRequestEntityTooLarge:
            limit = emulator.options.max_body
            response = render(ApiError(413, f"body: larger than the limit of {limit} bytes", kind=TOO_LARGE, field="body"), ctx)
        except StateFileError as exc:  # the change is made in memory, but not durable: the client must not count on it
            log.error("%s %s: %s", request.method, request.path, exc)
            response = render(ApiError(500, "internal error in the emulator: the state file could not save this write", kind=INTERNAL), ctx)
        except Dropped:
            response = web.Response(status=499)  # never sent: the connection is gone
        except Exception:  # a bug in the emulator; the client still gets the vendor's shape
            log.exception("%s %s failed", request.method, request.path)
            response = render(ApiError(500, "internal error in the emulator", kind=INTERNAL), ctx)
        return _finish(ctx, response, started)

    handle.__name__ = f"{vendor.key}.{op.operation_id}"
    handle.vendor = vendor  # type: ignore[attr-defined]  # whose error shape a refused /_ns/<name>/ request gets
    return handle


def _vendor_error_handler(emulator: "Emulator", vendor: "Vendor", status: int, kind: str, allowed: tuple[str, ...] = ()):
    async def handle(request: web.Request) -> web.StreamResponse:
        started = perf_counter()
        found = routed(request)
        try:
            namespace = emulator.store.namespace(found.name if found else request.headers.get(NAMESPACE_HEADER))
        except ApiError as err:
            return vendor.render_error(err, None)
        ctx = Ctx(request, None, vendor, namespace, emulator, found.rest if found else None)
        path = ctx.url.path
        if kind == METHOD:
            error = ApiError(status, f"method {request.method} is not allowed on {path} (allowed: {', '.join(allowed)})", kind=kind,
                             headers={"Allow": ", ".join(allowed)})
        else:
            error = ApiError(status, f"path {path} does not exist", kind=kind)
        return _finish(ctx, vendor.render_error(error, ctx), started)

    handle.vendor = vendor  # type: ignore[attr-defined]
    return handle


def register_vendor(app: web.Application, emulator: "Emulator", vendor: "Vendor") -> None:
    by_path: dict[str, list[Operation]] = defaultdict(list)
    for op in vendor.spec.operations:
        by_path[op.path].append(op)
    for path, ops in by_path.items():
        resource = app.router.add_resource(vendor.mount + path)
        for op in ops:
            resource.add_route(op.method, make_handler(emulator, vendor, op))
        allowed = tuple(op.method for op in ops)
        resource.add_route("*", _vendor_error_handler(emulator, vendor, 405, METHOD, allowed))
    for prefix in vendor.prefixes:
        base = vendor.mount + prefix
        not_found = _vendor_error_handler(emulator, vendor, 404, ROUTE)
        app.router.add_route("*", base, not_found)
        app.router.add_route("*", base + "/{tail:[\\s\\S]*}", not_found)  # [\s\S]: a decoded %0A is in the path too
