"""CodeArts Repo over HTTP: one function per operationId in specs/codearts.yaml. HTTP in, HTTP out; rules live in
models.py. Every response carries ``X-Request-Id``; lists are bare arrays with the total in ``X-Total``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...engine.context import Ctx, json_response
from ...engine.paging import window
from .errors import REQUEST_ID
from .models import CodeArtsModel


def _respond(ctx: Ctx, data: Any, **headers: str) -> web.Response:
    return json_response(data, headers={REQUEST_ID: ctx.request_id, **headers})


def _list(ctx: Ctx, repository_id: int | None) -> web.Response:
    model: CodeArtsModel = ctx.model
    wl = model.whitelist(repository_id)
    page = window(wl.rules.values(), ctx.query["offset"], ctx.query["limit"])
    items = [model.item(rule, repository_id) for rule in page]
    return _respond(ctx, items, **{"X-Total": str(len(wl))})


def _add(ctx: Ctx, repository_id: int | None) -> web.Response:
    model: CodeArtsModel = ctx.model
    rule = model.add(repository_id, ctx.body, ctx.identity.user_id, ctx.now())
    return _respond(ctx, model.item(rule, repository_id))


def _update(ctx: Ctx, repository_id: int | None) -> web.Response:
    model: CodeArtsModel = ctx.model
    rule = model.update(repository_id, ctx.path["ip_id"], ctx.body, ctx.now())
    return _respond(ctx, model.item(rule, repository_id))


def _delete(ctx: Ctx, repository_id: int | None) -> web.Response:
    ctx.model.delete(repository_id, ctx.path["ip_id"])
    return _respond(ctx, {"status": "success"})


def list_tenant(ctx: Ctx) -> web.Response:
    return _list(ctx, None)


def add_tenant(ctx: Ctx) -> web.Response:
    return _add(ctx, None)


def update_tenant(ctx: Ctx) -> web.Response:
    return _update(ctx, None)


def delete_tenant(ctx: Ctx) -> web.Response:
    return _delete(ctx, None)


def list_repository(ctx: Ctx) -> web.Response:
    return _list(ctx, ctx.path["id"])


def add_repository(ctx: Ctx) -> web.Response:
    return _add(ctx, ctx.path["id"])


def update_repository(ctx: Ctx) -> web.Response:
    return _update(ctx, ctx.path["id"])


def delete_repository(ctx: Ctx) -> web.Response:
    return _delete(ctx, ctx.path["id"])


HANDLERS = {
    "ListTenantTrustedIpAddresses": list_tenant,
    "ListTenantTrustedIpAddressesSettingPath": list_tenant,  # the seed's example path, the same list
    "AddTenantTrustedIpAddress": add_tenant,
    "UpdateTenantTrustedIpAddress": update_tenant,
    "DeleteTenantTrustedIpAddress": delete_tenant,
    "ListTrustedIpAddresses": list_repository,
    "AddTrustedIpAddress": add_repository,
    "UpdateTrustedIpAddress": update_repository,
    "DeleteTrustedIpAddress": delete_repository,
}
