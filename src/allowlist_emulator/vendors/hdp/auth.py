"""HDP authentication (HTTP Basic), whitelist enforcement, and the permission checks handlers ask for."""

from __future__ import annotations

import base64
import binascii

from ...addresses import address_text
from ...engine.context import Ctx
from . import errors as e
from .models import CONFIGURATIONS, User, resource_of_path

_CHALLENGE = {"WWW-Authenticate": 'Basic realm="Hybrid Data Pipeline"'}


def _bad_credentials():
    err = e.error(e.BAD_CREDENTIALS)
    err.headers = dict(_CHALLENGE)
    return err


def authenticate(ctx: Ctx) -> None:
    """Basic credentials → the user; then the whitelists decide whether this client address may reach the API."""
    header = ctx.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        raise _bad_credentials()
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise _bad_credentials() from None
    name, sep, password = decoded.partition(":")
    if not sep:
        raise _bad_credentials()
    model = ctx.model
    user = model.login(name, password)
    if user is None:
        raise _bad_credentials()
    ctx.identity = user
    assert ctx.op is not None  # the router authenticates a request to an operation
    resource = resource_of_path(ctx.op.path)  # the spec path: /api/admin/... or /api/mgmt/..., whatever the URL's prefix
    allowed, _reason, _ = model.admits(ctx.client, resource, user)
    if not allowed:
        raise e.error(e.ADDRESS_REFUSED, address_text(ctx.client), resource)


def require(user: User, allowed: bool) -> None:
    """403 222208730 naming the caller unless ``allowed``."""
    if not allowed:
        raise e.error(e.FORBIDDEN, user.name)


def can_configure(user: User) -> bool:
    return user.is_admin or CONFIGURATIONS in user.permissions
