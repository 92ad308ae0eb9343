"""Talend authentication (bearer tokens, and Basic service-account credentials on ``POST /security/oauth/token``),
rate limiting, IP allowlist enforcement and the one permission every allowlist operation needs, in the order a
request meets them: 401, 429, 403 (address), 403 (permission).

Bearer tokens are personal access tokens (configured) or service-account tokens (issued by the token operation, 30
minutes of the namespace's emulator clock). Service-account tokens are accepted only by the version-agnostic
``/security/...`` paths; the legacy ``/v1/management/...`` paths answer them 401.

While the policy is enabled, a caller whose address matches no entry is refused with 403, unless its token holds
"Users - Management". Every allowlist operation needs that permission, so on these paths an admin is never locked
out, and a caller without it gets 403 from either check (the detail says which).
"""

from __future__ import annotations

from ...engine.context import Ctx
from ...engine.secrets import basic_credentials
from . import errors as e
from .models import SERVICE_ACCOUNT_MANAGE, SERVICE_ACCOUNT_MANAGE_ID, USERS_MANAGEMENT

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="Talend Cloud"'}
_BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="Talend Cloud"'}
SERVICE_ACCOUNT_SCHEME = "serviceAccountBasic"  # the token operation's security scheme in specs/talend.yaml
LEGACY_PREFIX = "/v1/management/"


def _service_account(ctx: Ctx) -> None:
    credentials = basic_credentials(ctx.request.headers.get("Authorization", ""))
    if credentials is None:
        raise e.error(401, "Authorization: Basic credentials of a service account (base64 of id:secret) are required",
                      headers=dict(_BASIC_CHALLENGE))
    account = ctx.model.service_account(*credentials)
    if account is None:
        raise e.error(401, "Authorization: the service account id or secret is not valid", headers=dict(_BASIC_CHALLENGE))
    if not account.may_get_tokens:  # the vendor's 403 "The account provided does not have the required permissions"
        raise e.error(403, f'the account provided does not have the required permissions: "{SERVICE_ACCOUNT_MANAGE}" '
                      f"({SERVICE_ACCOUNT_MANAGE_ID})")
    ctx.identity = account


def authenticate(ctx: Ctx) -> None:
    assert ctx.op is not None  # the router authenticates a request to an operation
    if SERVICE_ACCOUNT_SCHEME in ctx.op.security_schemes:
        return _service_account(ctx)
    scheme, _, value = ctx.request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise e.error(401, "Authorization: a bearer token is required", headers=dict(_CHALLENGE))
    model = ctx.model
    token = model.token(value)
    if token is None:
        raise e.error(401, "Authorization: the bearer token is not valid", headers=dict(_CHALLENGE))
    if token.service_account is not None:
        if ctx.time() >= token.expires:
            raise e.error(401, "Authorization: the service-account token has expired; request a new one at "
                          "POST /security/oauth/token", headers=dict(_CHALLENGE))
        if ctx.op is not None and ctx.op.path.startswith(LEGACY_PREFIX):
            raise e.error(401, "Authorization: service-account tokens are accepted only by the version-agnostic "
                          "endpoints (/security/ip-allowlist...), not by /v1/management/...", headers=dict(_CHALLENGE))
    ctx.identity = token
    model.count_request(token)
    allowed, _reason, _ = model.admits(ctx.client, token)
    if not allowed:
        raise e.error(403, f"client address {ctx.client} is not on the IP allowlist")
    if not token.manages_users:
        raise e.error(403, f'the "{USERS_MANAGEMENT}" permission is required')
