"""B2Core's error body (an emulator choice; B2Core does not publish one): ``{"status", "code", "message"}``.

Codes and texts come from ``x-error-codes`` in ``specs/b2core.yaml``. The engine's validation problems are mapped to
those codes by the JSON Schema keyword that failed (``Problem.rule``), with the expected values read from the schema of
the field, so a message always names the field: ``ttl: must be between 0 and 315360000``, ``filter[foo]: unknown field``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ..base import folder_key
from ...engine import errors as kinds
from ...engine.context import Ctx, json_response
from ...engine.errors import ApiError, vendor_error
from ...engine.validate import Problem

KEY = folder_key(__name__)  # this folder's vendor

INVALID_JSON = "INVALID_JSON"
INVALID_BODY = "INVALID_BODY"
MISSING_FIELD = "MISSING_FIELD"
UNKNOWN_FIELD = "UNKNOWN_FIELD"
INVALID_TYPE = "INVALID_TYPE"
INVALID_ENUM = "INVALID_ENUM"
OUT_OF_RANGE = "OUT_OF_RANGE"
TOO_LONG = "TOO_LONG"
INVALID_ID = "INVALID_ID"
INVALID_DATE = "INVALID_DATE"
INVALID_IP = "INVALID_IP"
HOST_BITS_SET = "HOST_BITS_SET"
EMPTY_UPDATE = "EMPTY_UPDATE"
UNSUPPORTED_GRANT_TYPE = "UNSUPPORTED_GRANT_TYPE"
MISSING_TOKEN = "MISSING_TOKEN"
INVALID_TOKEN = "INVALID_TOKEN"
TOKEN_EXPIRED = "TOKEN_EXPIRED"
INVALID_CLIENT = "INVALID_CLIENT"
ADDRESS_NOT_FOUND = "ADDRESS_NOT_FOUND"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
INTERNAL_ERROR = "INTERNAL_ERROR"
FAULT_INJECTED = "FAULT_INJECTED"
EMULATOR_LIMIT = "EMULATOR_LIMIT"

_SHOWN = 80  # characters of a client's value quoted back in a message


def error(code: str, *args: object, status: int | None = None) -> ApiError:
    """The error with this code, its text from specs/b2core.yaml with ``{0}``, ``{1}``... filled in."""
    return vendor_error(KEY, code, *args, status=status)


# -- the engine's validation problems --------------------------------------------------------------------------------


def _field_schema(ctx: Ctx, problem: Problem) -> dict:
    """The schema of the field a problem names: a body property, a query parameter, or a ``filter[...]`` member."""
    assert ctx.op is not None  # a validation problem comes from an operation's validators
    if problem.location == "body":
        assert ctx.op.body is not None
        return ctx.op.body.schema.get("properties", {}).get(problem.field, {})
    name, _, member = problem.field.partition("[")
    for param in ctx.op.raw.get("parameters", []):
        if param.get("name") == name:
            schema = param.get("schema", {})
            return schema.get("properties", {}).get(member.rstrip("]"), {}) if member else schema
    return {}


def _sent(ctx: Ctx, problem: Problem) -> str:
    """The value the client sent for the field, JSON-encoded and shortened."""
    value: Any = None
    if problem.location == "query":
        value = ctx.request.query.get(problem.field)
    elif problem.location == "body":
        try:
            value = json.loads(ctx.raw_body).get(problem.field)
        except (ValueError, AttributeError, RecursionError):
            pass
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def from_problem(problem: Problem, ctx: Ctx | None) -> ApiError:
    field, rule = problem.field, problem.rule
    if problem.kind == kinds.MEDIA_TYPE:
        content_type = ctx.request.content_type if ctx is not None else ""
        return error(UNSUPPORTED_MEDIA_TYPE, content_type[:_SHOWN])
    if rule == "MinProperties":
        return error(EMPTY_UPDATE)
    if field == "body":  # the body as a whole: absent or not an object → INVALID_BODY, not JSON (or UTF-8) → INVALID_JSON
        return error(INVALID_BODY if rule or ctx is None or not ctx.raw_body else INVALID_JSON)
    if rule == "Required":
        return error(MISSING_FIELD, field)
    if rule == "AdditionalProperties":
        return error(UNKNOWN_FIELD, field)
    if field == "addressId":
        return error(INVALID_ID)
    schema = _field_schema(ctx, problem) if ctx is not None and ctx.op is not None else {}
    if rule == "Pattern":  # the only patterned inputs besides addressId are the date filters
        return error(INVALID_DATE, field)
    if rule == "Enum" and field == "grant_type":  # the token request's enum: OAuth 2's own name for the problem
        return error(UNSUPPORTED_GRANT_TYPE)
    if rule == "Enum":
        return error(INVALID_ENUM, field, _sent(ctx, problem) if ctx is not None else "", ", ".join(map(str, schema.get("enum", []))))
    if rule in ("Minimum", "Maximum"):
        return error(OUT_OF_RANGE, field, schema.get("minimum"), schema.get("maximum"))
    if rule == "MaxLength":
        return error(TOO_LONG, field, schema.get("maxLength"))
    types = schema.get("type", "valid value")
    return error(INVALID_TYPE, field, " or ".join(types) if isinstance(types, list) else types)


def _from_kind(err: ApiError, ctx: Ctx | None) -> ApiError:
    request = ctx.request if ctx is not None else None
    kind = err.kind
    if err.problem is not None:
        out = from_problem(err.problem, ctx)
    elif kind == kinds.ROUTE:
        out = error(NOT_FOUND)
    elif kind == kinds.METHOD:
        mount = ctx.vendor.mount if ctx is not None else ""
        seen = ctx.url.path if ctx is not None else ""
        path = seen[len(mount):] if seen.startswith(mount) else ""
        out = error(METHOD_NOT_ALLOWED, request.method if request is not None else "", path or "/")
    elif kind == kinds.TOO_LARGE:
        out = error(PAYLOAD_TOO_LARGE)
    elif kind == kinds.FAULT:
        out = error(FAULT_INJECTED, status=err.status)
    elif kind in (kinds.LIMIT, kinds.TIMEOUT):
        out = error(EMULATOR_LIMIT, err.message, status=err.status)
    elif kind in (kinds.VALIDATION, kinds.MEDIA_TYPE):  # raised without a Problem
        out = ApiError(err.status, err.message, code=INVALID_BODY if err.status == 400 else UNSUPPORTED_MEDIA_TYPE)
    else:
        out = error(INTERNAL_ERROR)
    out.headers = err.headers
    return out


def render(err: ApiError, ctx: Ctx | None) -> web.Response:
    if err.code is None:
        err = _from_kind(err, ctx)
    body = {"status": err.status, "code": err.code, "message": err.message}
    return json_response(body, status=err.status, headers=err.headers or None)


def summary(body: Any) -> tuple[Any, Any]:
    """(code, message) of an error body this module rendered, for the dashboard's journal."""
    if not isinstance(body, dict):
        return None, None
    return body.get("code"), body.get("message")
