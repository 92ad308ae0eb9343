"""Talend's error body: ``{"status": <int>, "message": <fixed text per status>, "detail": <field: problem>, "requestId"}``.

The fixed texts come from ``x-error-codes`` in ``specs/talend.yaml``, so the spec and the emulator cannot drift.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from aiohttp import web

from ..base import folder_key
from ...engine import errors as kinds
from ...engine.context import Ctx, json_response
from ...engine.errors import ApiError
from ...engine.spec import vendor_spec

KEY = folder_key(__name__)  # this folder's vendor


@lru_cache(maxsize=None)
def messages() -> dict[int, str]:
    return {int(entry["status"]): entry["message"] for entry in vendor_spec(KEY).error_codes}


def message(status: int) -> str:
    """The fixed text for a status; statuses outside the catalogue (an injected 503, say) get the HTTP phrase."""
    known = messages().get(status)
    if known is not None:
        return known
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error(status: int, detail: str, headers: dict[str, str] | None = None) -> ApiError:
    """A Talend error raised by the vendor code: ``detail`` names the field and the problem."""
    return ApiError(status, detail, code=status, headers=headers)


def _status_of(err: ApiError) -> int:
    """The status for an error the engine raised (``kind`` set, no ``code``)."""
    if err.kind == kinds.MEDIA_TYPE:
        return 415  # Talend's general Error handling page: 415 "Unsupported media type" (specs/talend.yaml says why)
    if err.kind == kinds.VALIDATION:
        return 400
    if err.kind == kinds.INTERNAL:
        return 500
    return err.status  # route 404, method 405, too_large 413, fault (the rule's), limit (400 or 503)


def render(err: ApiError, ctx: Ctx | None) -> web.Response:
    status = err.status if err.code is not None else _status_of(err)
    detail = err.message
    if err.kind == kinds.VALIDATION and detail.startswith("["):
        detail = "ips" + detail  # fields of an array body (POST/PUT /ips) are named ips[0].ip, like the policy's
    request_id = str(uuid.UUID(hex=ctx.request_id)) if ctx is not None else str(uuid.uuid4())
    body = {"status": status, "message": message(status), "detail": detail, "requestId": request_id}
    return json_response(body, status=status, headers=err.headers or None)


def summary(body: Any) -> tuple[Any, Any]:
    """(code, message) of an error body this module rendered, for the dashboard's journal: Talend has no error codes,
    so the code is the status and the message its detail (the field and the problem)."""
    if not isinstance(body, dict) or "status" not in body:
        return None, None
    return body.get("status"), body.get("detail") or body.get("message")
