"""Talend over HTTP: one function per operationId in specs/talend.yaml. Both path families (``/v1/management/...``,
operationIds ending in ``Legacy``, and ``/security/...``) map to the same functions, so they share one state.
Auth and the permission check happen before (auth.py); the rules live in models.py."""

from __future__ import annotations

from aiohttp import web

from ...engine.context import Ctx, json_response


def _entry_id(ctx: Ctx) -> str:
    return ctx.path["ipEntryId"] if "ipEntryId" in ctx.path else ctx.path["id"]


def get_policy(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.get_policy(ctx.query.get("detailed", True)))


def create_policy(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.create_policy(ctx.body), status=201)


def update_policy(ctx: Ctx) -> web.Response:  # PUT adds the body's IPs (seed 000)
    return json_response(ctx.model.update_policy(ctx.body))


def delete_policy(ctx: Ctx) -> web.Response:
    ctx.model.delete_policy()
    return web.Response(status=204)


def set_enabled(ctx: Ctx) -> web.Response:
    ctx.model.set_enabled(ctx.body["enabled"])
    return web.Response(status=200)


def list_ips(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.list_ips())


def add_ips(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.add_ips(ctx.body), status=201)


def update_ips(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.update_ips(ctx.body))


def get_ip(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.get_ip(_entry_id(ctx)))


def update_ip(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.update_ip(_entry_id(ctx), ctx.body))


def delete_ip(ctx: Ctx) -> web.Response:
    ctx.model.delete_ip(_entry_id(ctx))
    return web.Response(status=204)


def generate_token(ctx: Ctx) -> web.Response:
    """POST /security/oauth/token: the body is schema-checked (grant_type client_credentials, audience)."""
    token = ctx.model.issue_token(ctx.identity, ctx.body["audience"], ctx.time())
    return json_response(token, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


_OPERATIONS = {  # the vendor's operationIds (its "Ip Allowlist" document, 2021-03); aliases.py has the old names
    "retrieveIpAllowlistCfg": get_policy,
    "createANewIpAllowlistCfg": create_policy,
    "updateIpAllowlistConfig": update_policy,
    "deleteIpAllowlistCfg": delete_policy,
    "enableDisableIpAllowlistConfig": set_enabled,
    "retrieveIpEntries": list_ips,
    "createANewIpEntries": add_ips,
    "updateIpEntriesSet": update_ips,
    "retrieveIpEntry": get_ip,
    "updateIpEntry": update_ip,
    "deleteIpEntry": delete_ip,
}

HANDLERS = {**_OPERATIONS, **{f"{operation_id}Legacy": handler for operation_id, handler in _OPERATIONS.items()},
            "generateServiceAccountToken": generate_token}
