"""B2Core over HTTP: one function per operationId in specs/b2core.yaml. HTTP in, HTTP out; rules live in models.py."""

from __future__ import annotations

from aiohttp import web

from ...engine.context import Ctx, json_response
from . import errors as e


def create_token(ctx: Ctx) -> web.Response:  # grant_type is client_credentials: the schema's enum says so
    return json_response(ctx.model.issue_token(ctx.identity, ctx.time()))


def list_addresses(ctx: Ctx) -> web.Response:
    if "filter" in ctx.request.query:  # a bare filter=... (the engine reads only filter[field]=...)
        raise e.error(e.INVALID_TYPE, "filter", "object (filter[field]=value)")
    q = ctx.query
    return json_response(ctx.model.list(q.get("filter", {}), q["sort_by"], q["sort_order"], q["offset"], q["limit"]))


def get_address(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.get(ctx.path["addressId"]).to_json())


def create_address(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.create(ctx.body, ctx.time()), status=201)


def update_address(ctx: Ctx) -> web.Response:  # PUT and PATCH alike: the fields to change
    return json_response(ctx.model.update(ctx.path["addressId"], ctx.body, ctx.time()))


def delete_address(ctx: Ctx) -> web.Response:
    ctx.model.delete(ctx.path["addressId"])
    return web.Response(status=204)


HANDLERS = {
    "createToken": create_token,
    "listAddresses": list_addresses,
    "getAddress": get_address,
    "createAddress": create_address,
    "updateAddress": update_address,
    "patchAddress": update_address,
    "deleteAddress": delete_address,
}
