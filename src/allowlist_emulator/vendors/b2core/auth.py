"""B2Core authentication: HTTP Basic client credentials on ``POST /tokens`` (scheme ``clientBasic``), a bearer token
from there on every other operation (scheme ``bearerAuth``). Checked before the request is validated."""

from __future__ import annotations

import base64
import binascii

from ...engine.context import Ctx
from ...engine.errors import ApiError
from . import errors as e


def _challenged(err: ApiError, scheme: str) -> ApiError:
    err.headers = {"WWW-Authenticate": f'{scheme} realm="b2core"'}
    return err


def _client(ctx: Ctx) -> str:
    """The client id of valid Basic credentials, or 401 INVALID_CLIENT."""
    scheme, _, encoded = ctx.headers.get("Authorization", "").partition(" ")
    try:
        if scheme.lower() != "basic":
            raise ValueError
        client_id, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        if not sep or not ctx.model.client_ok(client_id, secret):
            raise ValueError
    except (ValueError, binascii.Error):
        raise _challenged(e.error(e.INVALID_CLIENT), "Basic") from None
    return client_id


def _bearer(ctx: Ctx) -> str:
    """The client id the bearer token was issued to, or 401 MISSING_TOKEN / INVALID_TOKEN / TOKEN_EXPIRED."""
    scheme, _, token = ctx.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _challenged(e.error(e.MISSING_TOKEN), "Bearer")
    try:
        return ctx.model.check_token(token, ctx.time())
    except ApiError as err:
        raise _challenged(err, "Bearer") from None


def authenticate(ctx: Ctx) -> None:
    ctx.identity = _client(ctx) if "clientBasic" in ctx.op.security_schemes else _bearer(ctx)
