"""HDP over HTTP: one function per operationId in specs/hdp.yaml. HTTP in, HTTP out; rules live in models.py."""

from __future__ import annotations

from aiohttp import web

from ...engine.context import Ctx, json_response
from ...engine.validate import MISSING
from . import errors as e
from .auth import can_configure, require
from .models import MGMT_API, PERMISSIONS, PERMISSIONS_BY_ID, User


def _document(ctx: Ctx) -> dict:
    return {} if ctx.body is MISSING or ctx.body is None else ctx.body


def _created(ctx: Ctx, document: dict) -> web.Response:
    """201 with ``Location``: the canonical URI of the created resource (HDP's "HTTP error messages" page), which is
    the request's own URL (path and ``?user=`` as sent), made absolute."""
    return json_response(document, status=201, headers={"Location": str(ctx.request.url)})


# -- system (Administrator (12), or MgmtAPI (11) + IPWhiteList (29)) ------------------------------------------------------


def get_system(ctx: Ctx) -> web.Response:
    require(ctx.identity, ctx.identity.manages_whitelists)
    return json_response(ctx.model.get_system())


def create_system(ctx: Ctx) -> web.Response:
    require(ctx.identity, ctx.identity.manages_whitelists)
    return _created(ctx, ctx.model.put_system(_document(ctx)))


def update_system(ctx: Ctx) -> web.Response:
    require(ctx.identity, ctx.identity.manages_whitelists)
    return json_response(ctx.model.put_system(_document(ctx)))


def delete_system(ctx: Ctx) -> web.Response:
    require(ctx.identity, ctx.identity.manages_whitelists)
    ctx.model.delete_system()
    return web.Response(status=204)


# -- tenants -------------------------------------------------------------------------------------------------------------


def list_tenants(ctx: Ctx) -> web.Response:
    require(ctx.identity, ctx.identity.manages_whitelists)
    return json_response({"appliedWhiteLists": ctx.model.applied_tenants(ctx.identity)})


def _tenant(ctx: Ctx) -> int:
    """The tenant id, after the caller's right to it (unknown tenants are 404 first, for admins and tenant admins)."""
    tenant_id = ctx.path["id"]
    user: User = ctx.identity
    require(user, user.manages_whitelists)
    ctx.model.tenant(tenant_id)
    require(user, user.administers_tenant(tenant_id))
    return tenant_id


def get_tenant(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.get_tenant(_tenant(ctx)))


def create_tenant(ctx: Ctx) -> web.Response:
    return _created(ctx, ctx.model.put_tenant(_tenant(ctx), _document(ctx), create=True))


def update_tenant(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.put_tenant(_tenant(ctx), _document(ctx), create=False))


def delete_tenant(ctx: Ctx) -> web.Response:
    ctx.model.delete_tenant(_tenant(ctx))
    return web.Response(status=204)


# -- users -------------------------------------------------------------------------------------------------------------


def list_users(ctx: Ctx) -> web.Response:
    require(ctx.identity, ctx.identity.manages_whitelists)
    return json_response({"appliedWhiteLists": ctx.model.applied_users(ctx.identity)})


def _user(ctx: Ctx) -> str:
    """The target user's name: ``?user=`` or the caller; another user needs admin access to that user's tenant."""
    caller: User = ctx.identity
    require(caller, caller.manages_whitelists)
    name = ctx.query.get("user") or caller.name
    if name != caller.name:
        target = ctx.model.user(name)
        require(caller, caller.administers_tenant(target.tenant))
    return name


def get_user(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.get_user(_user(ctx)))


def create_user(ctx: Ctx) -> web.Response:
    return _created(ctx, ctx.model.put_user(_user(ctx), _document(ctx), create=True))


def update_user(ctx: Ctx) -> web.Response:
    return json_response(ctx.model.put_user(_user(ctx), _document(ctx), create=False))


def delete_user(ctx: Ctx) -> web.Response:
    ctx.model.delete_user(_user(ctx))
    return web.Response(status=204)


# -- configurations ------------------------------------------------------------------------------------------------------


def list_configurations(ctx: Ctx) -> web.Response:
    require(ctx.identity, can_configure(ctx.identity))
    return json_response({"configurations": ctx.model.configurations()})


def get_configuration(ctx: Ctx) -> web.Response:
    require(ctx.identity, can_configure(ctx.identity))
    return json_response(ctx.model.configuration(ctx.path["id"]))


def update_configuration(ctx: Ctx) -> web.Response:
    require(ctx.identity, can_configure(ctx.identity))
    return json_response(ctx.model.set_configuration(ctx.path["id"], ctx.body["value"]))


# -- permissions (Administrator (12) or MgmtAPI (11)) ------------------------------------------------------------------


def list_permissions(ctx: Ctx) -> web.Response:
    require(ctx.identity, ctx.identity.is_admin or MGMT_API in ctx.identity.permissions)
    return json_response({"permissions": PERMISSIONS})


def get_permission(ctx: Ctx) -> web.Response:
    """GET /api/admin/permissions/{id} ("Get details on a permission"): the list's entry, or 404 222208553."""
    require(ctx.identity, ctx.identity.is_admin or MGMT_API in ctx.identity.permissions)
    permission = PERMISSIONS_BY_ID.get(ctx.path["id"])
    if permission is None:
        raise e.error(e.NO_SUCH_PERMISSION, ctx.path["id"])
    return json_response(permission)


HANDLERS = {
    "getSystemWhitelist": get_system,
    "createSystemWhitelist": create_system,
    "updateSystemWhitelist": update_system,
    "deleteSystemWhitelist": delete_system,
    "listTenantWhitelists": list_tenants,
    "getTenantWhitelist": get_tenant,
    "createTenantWhitelist": create_tenant,
    "updateTenantWhitelist": update_tenant,
    "deleteTenantWhitelist": delete_tenant,
    "listUserWhitelists": list_users,
    "getUserWhitelist": get_user,
    "createUserWhitelist": create_user,
    "updateUserWhitelist": update_user,
    "deleteUserWhitelist": delete_user,
    "listConfigurations": list_configurations,
    "getConfiguration": get_configuration,
    "updateConfiguration": update_configuration,
    "listPermissions": list_permissions,
    "getPermission": get_permission,
}
