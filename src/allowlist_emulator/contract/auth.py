"""Credentials for the contract suite: one adapter per vendor behind one interface.

An adapter is a ``requests.auth.AuthBase``: a callable that adds the vendor's credentials to each outgoing
request, after the body is encoded (so the CodeArts adapter can sign the final bytes). Schemathesis gets it through
``schema.auth.set_from_requests(adapter)``; the snapshot/restore code (``safety.py``) uses the same adapter on its own
``requests.Session``.

With no credentials given, every adapter falls back to the emulator's built-in demo identities (conventions.md), so a
run against the emulator needs only ``--url``.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.auth import AuthBase, _basic_auth_str

from .choices import Credentials  # here too, since the adapters take it


def __getattr__(name: str) -> Any:
    if name == "DEMO":  # {vendor: its demo Credentials}, from each vendor folder's contract.py
        from ..vendors import REGISTRY

        return {key: vendor.part("contract").DEMO for key, vendor in REGISTRY.items() if vendor.has("contract")}
    raise AttributeError(name)


class VendorAuth(AuthBase):
    """Base class: ``describe()`` says which identity is used (never the secret)."""

    vendor = ""

    def describe(self) -> str:  # pragma: no cover - overridden
        return ""

    def usage_error(self) -> str | None:
        """A message when the credentials are incomplete (CLI exit 2), else None."""
        return None

    def add_headers(self, headers: dict[str, str]) -> None:
        """Headers every request of the adapter's own sends too (a token request: the emulator namespace)."""


class BearerAuth(VendorAuth):

    def __init__(self, token: str):
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def describe(self) -> str:
        return "bearer token " + _mask(self.token)


class BasicAuth(VendorAuth):

    def __init__(self, user: str | None, password: str | None):
        self.user = user
        self.password = password

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = _basic_auth_str(self.user or "", self.password or "")
        return request

    def describe(self) -> str:
        return f"HTTP Basic user {self.user!r}"

    def usage_error(self) -> str | None:
        if not self.user or self.password is None:
            return "--user and --password go together"
        return None


def _mask(secret: str) -> str:
    return repr(secret[:4] + "…") if len(secret) > 8 else "'…'"


def make_auth(vendor: str, base_url: str, credentials: Credentials | None = None,
              headers: dict[str, str] | None = None, verify: bool | str = True) -> VendorAuth:
    """The adapter for ``vendor`` (its folder's ``contract.make_auth``); fields left out of ``credentials`` come from
    the demo identities only when the caller gave no credentials for that vendor at all (half a pair is a usage error,
    see ``usage_error``)."""
    return _contract(vendor).make_auth(base_url, credentials or Credentials(), headers, verify)


def unused_options(vendor: str, credentials: Credentials) -> list[str]:
    """Auth options that mean nothing for ``vendor`` (the CLI rejects them, exit 2)."""
    used = _contract(vendor).OPTIONS
    return ["--" + name.replace("_", "-") for name, value in vars(credentials).items() if value is not None and name not in used]


def options_help() -> dict[str, str]:
    """Credential field → what it is for each vendor that uses it (the CLI's help), in registry order."""
    from ..vendors import REGISTRY

    out: dict[str, list[str]] = {}
    for vendor in REGISTRY.values():
        if vendor.has("contract"):
            for name, text in vendor.part("contract").OPTIONS.items():
                out.setdefault(name, []).append(text)
    return {name: "; ".join(texts) for name, texts in out.items()}


def _contract(vendor: str) -> Any:
    from ..vendors import REGISTRY

    if vendor not in REGISTRY or not REGISTRY[vendor].has("contract"):
        raise ValueError(f"unknown vendor {vendor!r}")
    return REGISTRY[vendor].part("contract")
