"""CodeArts Repo's error envelope: ``{"error_code": "<code>", "error_msg": "<text>"}`` (API gateway errors add
``request_id``), and ``X-Request-Id`` on every response.

Texts come from ``x-error-codes`` in ``specs/codearts.yaml``. Some codes appear there more than once with different
texts (the APIGW.0301 variants, CH.010001), so each constant below is ``(code, a piece of its text)`` and is looked
up by both.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from aiohttp import web

from ..base import folder_key
from ...engine import errors as kinds
from ...engine.context import Ctx, json_response
from ...engine.errors import ApiError, vendor_error
from ...engine.spec import vendor_spec

KEY = folder_key(__name__)  # this folder's vendor

INVALID = ("CH.010001", "Invalid parameter: {0}")
BAD_FORMAT = ("CH.010001", "value format")
TOKEN_EXPIRED = ("DEV.00000003", "expired")
SIGNATURE = ("APIGW.0301", "verify aksk signature fail")
UNKNOWN_AK = ("APIGW.0301", "ak not exist")
AK_LOCKED = ("APIGW.0301", "reach the limit")
SIGNATURE_EXPIRED = ("APIGW.0301", "signature expired")
BAD_TOKEN = ("APIGW.0301", "decrypt token fail")
NO_CREDENTIALS = ("APIGW.0301", "x-auth-token not found")
FORBIDDEN = ("CH.004403", "Insufficient permissions")
NOT_FOUND = ("CH.000404", "Resource unavailable")
METHOD = ("CH.000405", "not supported")
TOO_LARGE = ("CH.000413", "too large")
UNKNOWN = ("CH.000001", "Unknown error")

REQUEST_ID = "X-Request-Id"


@lru_cache(maxsize=None)
def catalogue() -> tuple[dict, ...]:
    return vendor_spec(KEY).error_codes


def error(key: tuple[str, str], *args: object, status: int | None = None) -> ApiError:
    """The error with this code and text (``key`` = code, a piece of its message), ``{0}``, ``{1}``... filled in."""
    code, piece = key
    return vendor_error(KEY, code, *args, status=status, match=piece)


def invalid(text: str) -> ApiError:
    """400 CH.010001 ``Invalid parameter: <text>``; the text names the field."""
    return error(INVALID, text)


# -- engine errors (kinds) → CodeArts codes --------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _field_rules() -> dict[str, str]:
    """What each spec-checked field must be, in words, read from the spec's parameter and body schemas."""
    components = vendor_spec(KEY).resolved["components"]
    schemas = {p["name"]: p["schema"] for p in components["parameters"].values()}
    schemas.update(components["schemas"]["AddTrustedIpAddressRequestBody"]["properties"])
    rules = {}
    for name, schema in schemas.items():
        if "enum" in schema:
            rules[name] = "must be one of " + ", ".join(str(v) for v in schema["enum"])
        elif schema.get("type") == "integer":
            rules[name] = f"must be an integer between {schema['minimum']} and {schema['maximum']}"
        else:
            low, high = schema.get("minLength", 0), schema["maxLength"]
            rules[name] = f"must be a string of {low} to {high} characters" if low else f"must be a string of at most {high} characters"
    return rules


def _validation(err: ApiError, ctx: Ctx | None) -> ApiError:
    if err.field == "body":
        if ctx is not None and not ctx.raw_body:
            return invalid("request body is required")
        return error(BAD_FORMAT)
    problem = err.problem
    found = problem.rule if problem is not None else ""
    if found == "Required":
        return invalid(f"{err.field} is required")
    if found == "Range":  # a number too large for a double (1e400): say so, whatever the field's rule
        return invalid(err.message)
    rule = _field_rules().get(err.field or "")
    if rule and found == "Type" and problem is not None:  # e.g. "1" for ip_type (older pages list it as String): the JSON type too
        return invalid(f"{err.field} {rule} ({problem.message})")
    return invalid(f"{err.field} {rule}" if rule else err.message)


def _from_kind(err: ApiError, ctx: Ctx | None) -> ApiError:
    request = ctx.request if ctx is not None else None
    kind = err.kind
    if kind == kinds.VALIDATION:
        out = _validation(err, ctx)
    elif kind == kinds.MEDIA_TYPE:
        out = invalid(err.message)
    elif kind == kinds.LIMIT:
        out = invalid(err.message) if err.status == 400 else error(UNKNOWN, status=err.status)
    elif kind == kinds.TIMEOUT:  # the body stopped arriving: CodeArts' invalid-request body, at 408
        out = invalid(err.message)
        out.status = 408
    elif kind == kinds.ROUTE:
        out = error(NOT_FOUND)
    elif kind == kinds.METHOD:
        out = error(METHOD, request.method if request is not None else "")
    elif kind == kinds.TOO_LARGE:
        out = error(TOO_LARGE, ctx.emulator.options.max_body if ctx is not None else "")
    elif kind == kinds.FAULT:
        out = _fault(err.status)
    else:
        out = error(UNKNOWN, status=500)
    out.headers = err.headers
    return out


def _fault(status: int) -> ApiError:
    """An injected fault: the vendor's documented code for that status, else CH.000001 with the status asked for."""
    for item in catalogue():
        if int(item["status"]) == status and item["source"] == "doc":
            return error((item["code"], item["message"]), status=status)
    return error(UNKNOWN, status=status)


def render(err: ApiError, ctx: Ctx | None) -> web.Response:
    if err.code is None:
        err = _from_kind(err, ctx)
    request_id = ctx.request_id if ctx is not None else uuid.uuid4().hex
    body = {"error_code": err.code, "error_msg": err.message}
    if err.code.startswith("APIGW."):
        body["request_id"] = request_id
    return json_response(body, status=err.status, headers={**err.headers, REQUEST_ID: request_id})


def summary(body: Any) -> tuple[Any, Any]:
    """(code, message) of an error body this module rendered, for the dashboard's journal."""
    if not isinstance(body, dict):
        return None, None
    return body.get("error_code"), body.get("error_msg")
