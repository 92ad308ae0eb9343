"""The contract suite's view of B2Core: demo client credentials, the adapter (a bearer token fetched from
``[base]/tokens``), and the safety. Its list governs IB access, not the API the suite calls: every operation runs on a
live target too, and the list is restored afterwards.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import _basic_auth_str

from ...contract.auth import Credentials, VendorAuth
from ...contract.safety import EntryListSafety

DEMO = Credentials(client_id="b2core-client", client_secret="b2core-secret")
OPTIONS = {  # the credential fields (CLI options) this vendor uses
    "client_id": "B2Core client id (tokens are fetched from BASE/tokens as needed)",
    "client_secret": "B2Core client secret",
}


class ClientCredentialsAuth(VendorAuth):
    """B2Core: HTTP Basic client credentials on ``POST [base]/tokens``, a bearer token from there on every other call.

    The token is fetched when first needed, renewed shortly before ``expires_in`` runs out, and renewed (and the
    request sent once more) when the server answers 401 to a request that carried it.
    """

    MARGIN = 30.0  # renew this many seconds before the token expires

    def __init__(self, base_url: str, client_id: str | None, client_secret: str | None,
                 headers: dict[str, str] | None = None, timeout: float = 30.0, verify: bool | str = True,
                 session: requests.Session | None = None):
        self.session = session  # the token request goes through it when given (replicate's read-only session)
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
                response = (self.session or requests).post(self.base_url + "/tokens", json={"grant_type": "client_credentials"},
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

    def add_headers(self, headers: dict[str, str]) -> None:
        self.headers.update(headers)  # tokens are per namespace on an emulator

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


def make_auth(base_url: str, given: Credentials, headers: dict[str, str] | None, verify: bool | str) -> VendorAuth:
    if given.client_id is None and given.client_secret is None:
        given = DEMO
    return ClientCredentialsAuth(base_url, given.client_id, given.client_secret, headers=headers, verify=verify)


class B2CoreSafety(EntryListSafety):
    id_field = "addressId"
    fields = ("ipAddress", "policy", "ttl")
    page_size = 1000

    def scope_for(self, method, path, query):
        if path == "/addresses" or path.startswith("/addresses/"):
            return ("addresses",)
        return None

    def list_path(self, scope):
        return "/addresses"


SAFETY = B2CoreSafety
