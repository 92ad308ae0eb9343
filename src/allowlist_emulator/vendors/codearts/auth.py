"""CodeArts authentication: ``X-Auth-Token``, or an SDK-HMAC-SHA256 signed request (what the official SDK sends).

The order and texts are the x-fidelity of every operation in specs/codearts.yaml. A present
``Authorization: SDK-HMAC-SHA256 ...`` is always verified, also beside an ``X-Auth-Token`` (a broken signer never
passes silently): unknown AK; AK locked (5 failures in a row → 5 minutes, emulator clock); ``X-Sdk-Date`` more than
15 minutes from the emulator clock; signature. Then the token, when one is sent (the request acts as the token's
identity); then expired (401) and no-permission (403) identities.
"""

from __future__ import annotations

from ...engine.context import Ctx
from ...engine.secrets import find
from . import errors as e
from . import signing
from .models import EXPIRED, NO_PERMISSION, CodeArtsModel, Identity

TOKEN_HEADER = "X-Auth-Token"
DATE_WINDOW_SECONDS = 15 * 60
FAILURES_BEFORE_LOCK = 5
LOCK_SECONDS = 5 * 60


def _claims_signature(value: str | None) -> bool:
    """Does an ``Authorization`` value say it is an SDK-HMAC-SHA256 signature (however malformed the rest)?"""
    return value is not None and value.lstrip()[: len(signing.ALGORITHM)].upper() == signing.ALGORITHM


def authenticate(ctx: Ctx) -> None:
    headers = ctx.request.headers
    model: CodeArtsModel = ctx.model
    token = headers.get(TOKEN_HEADER)
    authorization = headers.get("Authorization")
    if token is None and authorization is None:
        raise e.error(e.NO_CREDENTIALS)
    if token is None or _claims_signature(authorization):
        identity = _signed(ctx, model)  # raises unless the signature verifies
    if token is not None:
        found = find(model.tokens, token)  # every configured token compared with hmac.compare_digest
        if found is None:
            raise e.error(e.BAD_TOKEN)
        identity = found
    if identity.status == EXPIRED:
        raise e.error(e.TOKEN_EXPIRED)
    if identity.status == NO_PERMISSION:
        raise e.error(e.FORBIDDEN)
    ctx.identity = identity


def _signed(ctx: Ctx, model: CodeArtsModel) -> Identity:
    request = ctx.request
    auth = signing.parse_authorization(request.headers.get("Authorization"))
    if auth is None:
        raise e.error(e.SIGNATURE)
    ak = auth.access_key
    identity = model.credentials.get(ak)
    if identity is None:
        raise e.error(e.UNKNOWN_AK, ak)
    now = ctx.time()
    if model.ak_locked(ak, now):
        raise e.error(e.AK_LOCKED)
    sent = request.headers.get(signing.DATE_HEADER)
    date = signing.parse_date(sent)
    if date is not None and abs(date.timestamp() - now) > DATE_WINDOW_SECONDS:
        model.ak_failed(ak, now, FAILURES_BEFORE_LOCK, LOCK_SECONDS)
        raise e.error(e.SIGNATURE_EXPIRED, sent, signing.format_date(ctx.now()))
    url = request.rel_url  # as sent: under /_ns/<name>/ the client signed the path with the prefix
    if not signing.verify(request.method, url.raw_path, url.raw_query_string, request.headers, ctx.raw_body,
                          identity.secret, auth):
        model.ak_failed(ak, now, FAILURES_BEFORE_LOCK, LOCK_SECONDS)
        raise e.error(e.SIGNATURE)
    model.ak_succeeded(ak)
    return identity
