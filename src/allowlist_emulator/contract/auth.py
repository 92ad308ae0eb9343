"""Credentials for the contract suite: one adapter per vendor behind one interface.

An adapter is a ``requests.auth.AuthBase``: a callable that adds the vendor's credentials to each outgoing
request, after the body is encoded (so the CodeArts adapter can sign the final bytes). Schemathesis gets it through
``schema.auth.set_from_requests(adapter)``; the snapshot/restore code (``safety.py``) uses the same adapter on its own
``requests.Session``.

With no credentials given, every adapter falls back to the emulator's built-in demo identities (conventions.md), so a
run against the emulator needs only ``--url``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase, _basic_auth_str


@dataclass(frozen=True)
class Credentials:
    """Everything the CLI's auth options can carry. Unused fields are ignored by the vendor's adapter."""

    token: str | None = None  # Talend bearer token; CodeArts X-Auth-Token
    user: str | None = None  # HDP
    password: str | None = None  # HDP
    ak: str | None = None  # CodeArts access key
    sk: str | None = None  # CodeArts secret key
    client_id: str | None = None  # B2Core
    client_secret: str | None = None  # B2Core

    def merged(self, **overrides: Any) -> "Credentials":
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


DEMO = {
    "talend": Credentials(token="talend-admin-token"),
    "hdp": Credentials(user="d2cadmin", password="d2cadmin"),
    "codearts": Credentials(ak="emulator-ak", sk="emulator-sk"),
    "b2core": Credentials(client_id="b2core-client", client_secret="b2core-secret"),
}


class VendorAuth(AuthBase):
    """Base class: ``describe()`` says which identity is used (never the secret)."""

    vendor = ""

    def describe(self) -> str:  # pragma: no cover - overridden
        return ""

    def usage_error(self) -> str | None:
        """A message when the credentials are incomplete (CLI exit 2), else None."""
        return None


class BearerAuth(VendorAuth):
    vendor = "talend"

    def __init__(self, token: str):
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def describe(self) -> str:
        return "bearer token " + _mask(self.token)


class BasicAuth(VendorAuth):
    vendor = "hdp"

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


class CodeArtsTokenAuth(VendorAuth):
    vendor = "codearts"

    def __init__(self, token: str):
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["X-Auth-Token"] = self.token
        return request

    def describe(self) -> str:
        return "X-Auth-Token " + _mask(self.token)


class AkSkAuth(VendorAuth):
    """SDK-HMAC-SHA256: signs each prepared request with the same code the emulator verifies with."""

    vendor = "codearts"

    def __init__(self, ak: str | None, sk: str | None, clock: Callable[[], datetime] | None = None):
        self.ak = ak
        self.sk = sk
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        from ..vendors.codearts import signing

        parts = urlsplit(request.url or "")
        headers = request.headers
        headers.pop("Authorization", None)
        # Host is sent by http.client from the URL; sign exactly that value, and send it explicitly.
        headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
        date = signing.format_date(self.clock())
        headers[signing.DATE_HEADER] = date
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers["Authorization"] = signing.sign(request.method or "GET", parts.path or "/", parts.query, dict(headers),
                                                body, self.ak or "", self.sk or "", date)
        return request

    def describe(self) -> str:
        return f"AK/SK signing, AK {self.ak!r}"

    def usage_error(self) -> str | None:
        if not self.ak or not self.sk:
            return "--ak and --sk go together"
        return None


class ClientCredentialsAuth(VendorAuth):
    """B2Core: HTTP Basic client credentials on ``POST [base]/tokens``, a bearer token from there on every other call.

    The token is fetched when first needed, renewed shortly before ``expires_in`` runs out, and renewed (and the
    request sent once more) when the server answers 401 to a request that carried it.
    """

    vendor = "b2core"
    MARGIN = 30.0  # renew this many seconds before the token expires

    def __init__(self, base_url: str, client_id: str | None, client_secret: str | None,
                 headers: dict[str, str] | None = None, timeout: float = 30.0, verify: bool | str = True):
        self.base_url = base_url.rstrip("/")
        self.token_path = urlsplit(self.base_url).path.rstrip("/") + "/tokens"
        self.client_id = client_id
        self.client_secret = client_secret
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.verify = verify
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetched = 0  # tokens obtained so far (tests and the summary read it)

    def _is_token_request(self, request: requests.PreparedRequest) -> bool:
        return (request.method or "").upper() == "POST" and urlsplit(request.url or "").path.rstrip("/") == self.token_path

    def token(self, force: bool = False) -> str:
        with self._lock:
            if force or self._token is None or time.monotonic() >= self._expires - self.MARGIN:
                response = requests.post(self.base_url + "/tokens", json={"grant_type": "client_credentials"},
                                         auth=(self.client_id or "", self.client_secret or ""), headers=self.headers,
                                         timeout=self.timeout, verify=self.verify)
                if response.status_code != 200:
                    raise TokenError(f"POST {self.base_url}/tokens answered {response.status_code}: {response.text[:300]}")
                try:
                    data = response.json()
                    token = str(data["access_token"])
                    lifetime = float(data.get("expires_in") or 600)
                except (ValueError, KeyError, TypeError) as exc:
                    raise TokenError(f"POST {self.base_url}/tokens: unexpected body {response.text[:300]!r}") from exc
                self._token = token
                self._expires = time.monotonic() + max(lifetime, self.MARGIN + 1)
                self.fetched += 1
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._is_token_request(request):
            request.headers["Authorization"] = _basic_auth_str(self.client_id or "", self.client_secret or "")
            return request
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        request.register_hook("response", self._retry_on_401)
        return request

    def _retry_on_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        sent = response.request.headers.get("Authorization", "")
        if response.status_code != 401 or getattr(response.request, "_retried_token", False):
            return response
        if sent != f"Bearer {self._token}" and self._token is not None:
            return response  # another thread renewed it already; this answer stands
        self.invalidate()
        try:
            token = self.token(force=True)
        except TokenError:
            return response
        response.content  # noqa: B018 - release the connection
        response.close()
        retry = response.request.copy()
        retry.headers["Authorization"] = f"Bearer {token}"
        retry._retried_token = True  # type: ignore[attr-defined]
        new = response.connection.send(retry, **kwargs)
        new.history.append(response)
        new.request = retry
        return new

    def describe(self) -> str:
        return f"client credentials, client id {self.client_id!r} (token from {self.base_url}/tokens)"

    def usage_error(self) -> str | None:
        if not self.client_id or not self.client_secret:
            return "--client-id and --client-secret go together"
        return None


class TokenError(RuntimeError):
    """B2Core's token endpoint refused the client credentials."""


def _mask(secret: str) -> str:
    return repr(secret[:4] + "…") if len(secret) > 8 else "'…'"


def make_auth(vendor: str, base_url: str, credentials: Credentials | None = None,
              headers: dict[str, str] | None = None, verify: bool | str = True) -> VendorAuth:
    """The adapter for ``vendor``; fields left out of ``credentials`` come from the demo identities only when the
    caller gave no credentials for that vendor at all (half a pair is a usage error, see ``usage_error``)."""
    given = credentials or Credentials()
    demo = DEMO[vendor]
    if vendor == "talend":
        return BearerAuth(given.token or demo.token or "")
    if vendor == "hdp":
        if given.user is None and given.password is None:
            given = demo
        return BasicAuth(given.user, given.password)
    if vendor == "codearts":
        if given.ak is not None or given.sk is not None:
            return AkSkAuth(given.ak, given.sk)
        if given.token:
            return CodeArtsTokenAuth(given.token)
        return AkSkAuth(demo.ak, demo.sk)
    if vendor == "b2core":
        if given.client_id is None and given.client_secret is None:
            given = demo
        return ClientCredentialsAuth(base_url, given.client_id, given.client_secret, headers=headers, verify=verify)
    raise ValueError(f"unknown vendor {vendor!r}")


def unused_options(vendor: str, credentials: Credentials) -> list[str]:
    """Auth options that mean nothing for ``vendor`` (the CLI rejects them, exit 2)."""
    used = {
        "talend": {"token"},
        "hdp": {"user", "password"},
        "codearts": {"token", "ak", "sk"},
        "b2core": {"client_id", "client_secret"},
    }[vendor]
    return ["--" + name.replace("_", "-") for name, value in vars(credentials).items() if value is not None and name not in used]
