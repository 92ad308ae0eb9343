"""HDP's error envelope: ``{"error": {"code": <int>, "message": {"lang": "en-US", "value": "<text>"}}}``.

Codes and texts come from ``x-error-codes`` in ``specs/hdp.yaml``, so the spec and the emulator cannot drift.
"""

from __future__ import annotations

from typing import Any


from aiohttp import web

from ..base import folder_key
from ...engine import errors as kinds
from ...engine.context import Ctx, json_response
from ...engine.errors import ApiError, vendor_error

KEY = folder_key(__name__)  # this folder's vendor

BAD_CREDENTIALS = 222206007
CREATE_FAILED = 222208711
GET_FAILED = 222208712
DELETE_FAILED = 222208715
TENANT_NO_WHITELIST = 222208719
TENANT_UNKNOWN = 222208720
USER_UNKNOWN = 222208721
INVALID_ADDRESS = 222208722
REVERSED_RANGE = 222208723
MIXED_FAMILY = 222208724
WEBUI_BELOW_SYSTEM = 222208725
INVALID_REQUEST = 222208726
ALREADY_EXISTS = 222208727
NO_WHITELIST = 222208728
CONFIG_UNKNOWN = 222208729
FORBIDDEN = 222208730
ADDRESS_REFUSED = 222208731
ROUTE_UNKNOWN = 222208732
METHOD_NOT_ALLOWED = 222208733
TOO_LARGE = 222208734
FAULT = 222208735
PERMISSIONS_FAILED = 222207919  # "Get permissions" page's failure sample
NO_SUCH_PERMISSION = 222208553  # "Get details on a permission" page's failure sample


def error(code: int, *args: object, status: int | None = None) -> ApiError:
    """The error with this code, its text from specs/hdp.yaml with ``{0}``, ``{1}``... filled in."""
    return vendor_error(KEY, code, *args, status=status)


def _failure_code(ctx: Ctx | None) -> int:
    """The vendor's published failure code for the operation an injected fault hits."""
    method = ctx.op.method if ctx is not None and ctx.op is not None else ""
    if ctx is not None and ctx.op is not None and ctx.op.operation_id in ("listPermissions", "getPermission"):
        return PERMISSIONS_FAILED
    return {"POST": CREATE_FAILED, "GET": GET_FAILED, "DELETE": DELETE_FAILED}.get(method, FAULT)


def _from_kind(err: ApiError, ctx: Ctx | None) -> ApiError:
    request = ctx.request if ctx is not None else None
    kind = err.kind
    problem = err.problem
    if kind == kinds.VALIDATION and problem is not None and problem.field == "webUI" and problem.rule == "MaxItems":
        out = error(WEBUI_BELOW_SYSTEM)  # LowerLevelWhitelist (tenant and user bodies): webUI has maxItems 0
    elif kind in (kinds.VALIDATION, kinds.MEDIA_TYPE, kinds.LIMIT, kinds.TIMEOUT):
        out = error(INVALID_REQUEST, err.message, status=err.status if err.status in (408, 503) else 400)
    elif kind == kinds.ROUTE:
        out = error(ROUTE_UNKNOWN, ctx.url.path if ctx is not None else "")
    elif kind == kinds.METHOD:
        out = error(METHOD_NOT_ALLOWED, request.method if request is not None else "", ctx.url.path if ctx is not None else "")
    elif kind == kinds.TOO_LARGE:
        out = error(TOO_LARGE, ctx.emulator.options.max_body if ctx is not None else "")
    elif kind == kinds.FAULT:
        out = error(_failure_code(ctx), status=err.status)
    else:
        out = error(FAULT, status=500)
    out.headers = err.headers
    return out


def render(err: ApiError, ctx: Ctx | None) -> web.Response:
    if err.code is None:
        err = _from_kind(err, ctx)
    body = {"error": {"code": err.code, "message": {"lang": "en-US", "value": err.message}}}
    return json_response(body, status=err.status, headers=err.headers or None)


def summary(body: Any) -> tuple[Any, Any]:
    """(code, message) of an error body this module rendered, for the dashboard's journal."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, None
    message = error.get("message")
    return error.get("code"), message.get("value") if isinstance(message, dict) else message
