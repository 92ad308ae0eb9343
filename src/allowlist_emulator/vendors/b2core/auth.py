"""B2Core authentication: HTTP Basic client credentials on ``POST /tokens`` (scheme ``clientBasic``), a bearer token
from there on every other operation (scheme ``bearerAuth``). Checked before the request is validated."""

from __future__ import annotations

from ...engine.context import Ctx
from ...engine.errors import ApiError
from ...engine.secrets import basic_credentials
from . import errors as e


def _challenged(err: ApiError, scheme: str) -> ApiError:
    err.headers = {"WWW-Authenticate": f'{scheme} realm="b2core"'}
    return err


def _client(ctx: Ctx) -> str:
    """The client id of valid Basic credentials, or 401 INVALID_CLIENT."""
    credentials = basic_credentials(ctx.headers.get("Authorization", ""))
    if credentials is None or not ctx.model.client_ok(*credentials):
        raise _challenged(e.error(e.INVALID_CLIENT), "Basic")
    return credentials[0]


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
    assert ctx.op is not None  # the router authenticates a request to an operation
    ctx.identity = _client(ctx) if "clientBasic" in ctx.op.security_schemes else _bearer(ctx)
