"""Talend authentication (bearer tokens), rate limiting, IP allowlist enforcement and the one permission every
allowlist operation needs, in the order a request meets them: 401, 429, 403 (address), 403 (permission).

While the policy is enabled, a caller whose address matches no entry is refused with 403, unless its token holds
"Users - Management". Every allowlist operation needs that permission, so on these paths an admin is never locked
out, and a caller without it gets 403 from either check (the detail says which).
"""

from __future__ import annotations

from ...engine.context import Ctx
from . import errors as e
from .models import USERS_MANAGEMENT

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="Talend Cloud"'}


def authenticate(ctx: Ctx) -> None:
    scheme, _, value = ctx.request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise e.error(401, "Authorization: a bearer token is required", headers=dict(_CHALLENGE))
    model = ctx.model
    token = model.token(value)
    if token is None:
        raise e.error(401, "Authorization: the bearer token is not valid", headers=dict(_CHALLENGE))
    ctx.identity = token
    model.count_request(token)
    allowed, _reason, _ = model.admits(ctx.client, token)
    if not allowed:
        raise e.error(403, f"client address {ctx.client} is not on the IP allowlist")
    if not token.manages_users:
        raise e.error(403, f'the "{USERS_MANAGEMENT}" permission is required')
