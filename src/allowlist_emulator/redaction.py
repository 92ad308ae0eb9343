"""Redaction of secrets, shared by the recorder (cassettes) and the dashboard (the request journal, the state).

Standard library only, so the server can import it without PyYAML. :class:`Redactor` replaces every credential with
``<REDACTED>`` (``%3CREDACTED%3E`` inside URLs and form bodies), keeping what a reader needs to understand the
exchange: the scheme word of ``Authorization`` (``Basic <REDACTED>``, ``Bearer <REDACTED>``), the ``SignedHeaders`` of
an AK/SK signature, ``X-Sdk-Date``. Every secret value it finds (tokens, Basic credentials, signatures,
``access_token`` / ``client_secret`` / ``password`` fields, secret query parameters, values given with ``--redact``)
is then also replaced wherever else it appears, for instance a token echoed in a response body.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

PLACEHOLDER = "<REDACTED>"
URL_PLACEHOLDER = quote(PLACEHOLDER, safe="")  # %3CREDACTED%3E

# Never written to a cassette: per-connection headers, the host of the proxy, and the emulator's namespace selector.
DROP_HEADERS = frozenset({
    "host", "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
    "x-emulator-namespace",
})
# Written with the whole value replaced.
SECRET_HEADERS = frozenset({
    "x-auth-token", "x-subject-token", "x-security-token", "x-api-key", "api-key", "apikey", "x-access-token",
    "proxy-authorization", "x-emulator-admin-token", "x-csrf-token",
})
# Body fields and query parameters whose values are secrets (compared case-insensitively).
SECRET_FIELDS = frozenset({
    "access_token", "accesstoken", "refresh_token", "id_token", "token", "client_secret", "clientsecret", "password",
    "passwd", "secret", "secret_key", "secretkey", "sk", "api_key", "apikey", "private_key", "signature", "sig",
    "x-auth-token", "x-amz-signature", "x-amz-security-token",
})
# Parameters of an ``Authorization: <scheme> k=v, k=v`` value that stay readable (the rest are replaced).
_KEEP_AUTH_PARAMS = frozenset({"signedheaders", "realm", "uri", "algorithm", "qop", "nc"})
_MIN_SECRET = 4  # shorter values are not swept across the whole cassette (too many false hits)

# -- the interaction -------------------------------------------------------------------------------------------------


@dataclass
class Interaction:
    """One recorded request and its response, bodies as bytes, headers as ordered (name, value) pairs."""

    method: str
    uri: str
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes | None = None
    status: int = 200
    reason: str = "OK"
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path or "/"

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.uri).query, keep_blank_values=True)

    def request_header(self, name: str) -> str | None:
        return _get(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return _get(self.response_headers, name)

    def to_vcr(self) -> dict:
        return {
            "request": {
                "body": _text(self.request_body) if self.request_body else None,
                "headers": _grouped(self.request_headers, single=True),
                "method": self.method.upper(),
                "uri": self.uri,
            },
            "response": {
                "body": {"string": _text(self.response_body or b"")},
                "headers": _grouped(self.response_headers, single=False),
                "status": {"code": int(self.status), "message": self.reason},
            },
        }

    @classmethod
    def from_vcr(cls, data: dict) -> "Interaction":
        request, response = data["request"], data["response"]
        body = response.get("body")
        body = body.get("string") if isinstance(body, dict) else body
        status = response.get("status") or {}
        return cls(
            method=str(request["method"]).upper(),
            uri=str(request["uri"]),
            request_headers=_pairs(request.get("headers")),
            request_body=_bytes(request.get("body")) or None,
            status=int(status.get("code", 200)),
            reason=str(status.get("message", "")),
            response_headers=_pairs(response.get("headers")),
            response_body=_bytes(body) or b"",
        )


def _get(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    lower = name.lower()
    for key, value in headers:
        if key.lower() == lower:
            return value
    return None


def _text(body: bytes) -> str | bytes:
    """UTF-8 text when it is (readable in the YAML), else the bytes (YAML ``!!binary``, which vcrpy reads too)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body


def _bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (list, tuple)):  # vcrpy's iterator bodies
        return b"".join(_bytes(part) for part in body)
    if hasattr(body, "read"):
        return body.read()
    return str(body).encode("utf-8")


def _grouped(headers: Iterable[tuple[str, str]], single: bool) -> dict[str, list[str]]:
    """vcrpy's header layout: name → [values], the name as first seen. A request header holds one value (vcrpy
    keeps only the first), so repeated request headers are joined with ", "."""
    out: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for key, value in headers:
        name = names.setdefault(key.lower(), str(key))  # plain str: multidict's istr is not YAML-safe
        out.setdefault(name, []).append(str(value))
    if single:
        out = {name: [", ".join(values)] for name, values in out.items()}
    return out


def _pairs(headers: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, values in (headers or {}).items():
        for value in values if isinstance(values, (list, tuple)) else [values]:
            out.append((str(key), str(value)))
    return out


# -- redaction -------------------------------------------------------------------------------------------------------


def _is_json(content_type: str | None, body: bytes) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    return body[:1] in (b"{", b"[")


def _is_form(content_type: str | None) -> bool:
    return content_type is not None and "x-www-form-urlencoded" in content_type.lower()


class Redactor:
    """Replaces secrets in interactions; remembers every secret value it replaced, to sweep the whole cassette."""

    def __init__(self, extra_secrets: Iterable[str] = ()):
        self.secrets: set[str] = set()
        for value in extra_secrets:
            self._remember(value, force=True)

    def _remember(self, value: Any, force: bool = False) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value and PLACEHOLDER not in value and (force or len(value) >= _MIN_SECRET):
            self.secrets.add(value)

    # -- one interaction ---------------------------------------------------------------------------------------------
    def redact(self, interaction: Interaction) -> Interaction:
        """Header, field and parameter rules for one interaction (call :meth:`sweep` over the whole list after)."""
        for key, value in interaction.query:
            if key.lower() in SECRET_FIELDS:
                self._remember(value)
        request_headers = self._headers(interaction.request_headers)
        response_headers = self._headers(interaction.response_headers)
        self._body_secrets(interaction.request_body or b"", interaction.request_header("Content-Type"))
        self._body_secrets(interaction.response_body or b"", interaction.response_header("Content-Type"))
        return replace(interaction, request_headers=request_headers, response_headers=response_headers)

    def _headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        out = []
        for key, value in headers:
            lower = key.lower()
            if lower in DROP_HEADERS:
                continue
            if lower == "authorization":
                value = self.authorization(value)
            elif lower in SECRET_HEADERS:
                self._remember(value.strip())
                value = PLACEHOLDER
            elif lower == "cookie":
                value = self._cookie(value, ";")
            elif lower == "set-cookie":
                value = self._set_cookie(value)
            out.append((key, value))
        return out

    def authorization(self, value: str) -> str:
        """``Basic <REDACTED>``, ``Bearer <REDACTED>``, ``SDK-HMAC-SHA256 Access=<REDACTED>, SignedHeaders=...,
        Signature=<REDACTED>``; a value without a scheme word becomes ``<REDACTED>``."""
        value = value.strip()
        scheme, sep, rest = value.partition(" ")
        rest = rest.strip()
        if not sep or not rest:
            self._remember(value)
            return PLACEHOLDER
        lower = scheme.lower()
        if lower == "basic":
            self._remember(rest, force=True)
            try:
                decoded = base64.b64decode(rest, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                decoded = ""
            user, colon, password = decoded.partition(":")
            if colon:
                self._remember(decoded, force=True)
                if password != user:  # a password equal to the user name would redact the name everywhere
                    self._remember(password)
            return f"{scheme} {PLACEHOLDER}"
        if lower != "bearer" and re.match(r"^[A-Za-z0-9_-]+=", rest):
            parts = []
            for item in re.split(r",\s*", rest):
                name, eq, param = item.partition("=")
                if eq and name.strip().lower() in _KEEP_AUTH_PARAMS:
                    parts.append(item.strip())
                elif eq:
                    self._remember(param.strip().strip('"'), force=True)
                    parts.append(f"{name.strip()}={PLACEHOLDER}")
                else:
                    self._remember(item.strip())
                    parts.append(PLACEHOLDER)
            return f"{scheme} {', '.join(parts)}"
        self._remember(rest, force=True)
        return f"{scheme} {PLACEHOLDER}"

    def _cookie(self, value: str, separator: str) -> str:
        parts = []
        for item in value.split(separator):
            name, eq, cookie = item.strip().partition("=")
            if eq:
                self._remember(cookie)
                parts.append(f"{name}={PLACEHOLDER}")
            elif item.strip():
                parts.append(item.strip())
        return f"{separator} ".join(parts)

    def _set_cookie(self, value: str) -> str:
        first, sep, attributes = value.partition(";")
        name, eq, cookie = first.strip().partition("=")
        if not eq:
            return value
        self._remember(cookie)
        return f"{name}={PLACEHOLDER}{sep}{attributes}"

    def _body_secrets(self, body: bytes, content_type: str | None) -> None:
        if not body:
            return
        if _is_form(content_type):
            try:
                pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return
            for key, value in pairs:
                if key.lower() in SECRET_FIELDS:
                    self._remember(value, force=True)
            return
        if not _is_json(content_type, body):
            return
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return
        self._walk(document)

    def _walk(self, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.lower() in SECRET_FIELDS and not isinstance(value, (dict, list, bool)) and value is not None:
                    self._remember(value, force=True)
                else:
                    self._walk(value)
        elif isinstance(node, list):
            for item in node:
                self._walk(item)

    # -- the whole cassette ------------------------------------------------------------------------------------------
    def sweep(self, interactions: Iterable[Interaction]) -> list[Interaction]:
        """Every remembered secret replaced wherever it appears (URIs, header values, bodies); Content-Length fixed."""
        if not self.secrets:
            return list(interactions)
        secrets = sorted(self.secrets, key=lambda s: (-len(s), s))
        text_forms: list[tuple[str, str]] = []
        url_forms: list[tuple[str, str]] = []
        for secret in secrets:
            escaped = json.dumps(secret)[1:-1]
            for form in dict.fromkeys((secret, escaped)):
                text_forms.append((form, PLACEHOLDER))
            for form in dict.fromkeys((quote(secret, safe=""), quote_plus(secret), quote(secret))):
                if form != secret:
                    url_forms.append((form, URL_PLACEHOLDER))
        uri_forms = [(s, URL_PLACEHOLDER) for s in secrets] + url_forms
        body_forms = text_forms + url_forms
        out = []
        for item in interactions:
            request_forms = uri_forms if _is_form(item.request_header("Content-Type")) else body_forms
            response_forms = uri_forms if _is_form(item.response_header("Content-Type")) else body_forms
            request_body = _sweep_bytes(item.request_body, request_forms)
            response_body = _sweep_bytes(item.response_body, response_forms) or b""
            request_headers = [(k, _sweep_text(v, text_forms)) for k, v in item.request_headers]
            response_headers = [(k, _sweep_text(v, text_forms)) for k, v in item.response_headers]
            if request_body != item.request_body:
                request_headers = _fix_length(request_headers, request_body)
            if response_body != item.response_body:
                response_headers = _fix_length(response_headers, response_body)
            out.append(replace(item, uri=_sweep_text(item.uri, uri_forms), request_headers=request_headers,
                               request_body=request_body, response_headers=response_headers, response_body=response_body))
        return out

    def scrub(self, interactions: Iterable[Interaction]) -> list[Interaction]:
        """:meth:`redact` every interaction, then :meth:`sweep` them all."""
        return self.sweep([self.redact(item) for item in interactions])


def _sweep_text(text: str, forms: list[tuple[str, str]]) -> str:
    for secret, placeholder in forms:
        if secret in text:
            text = text.replace(secret, placeholder)
    return text


def _sweep_bytes(body: bytes | None, forms: list[tuple[str, str]]) -> bytes | None:
    if not body:
        return body
    for secret, placeholder in forms:
        raw = secret.encode("utf-8")
        if raw in body:
            body = body.replace(raw, placeholder.encode("utf-8"))
    return body


def _fix_length(headers: list[tuple[str, str]], body: bytes | None) -> list[tuple[str, str]]:
    """Content-Length follows a body whose length redaction changed (replay clients check it)."""
    return [(k, str(len(body or b""))) if k.lower() == "content-length" else (k, v) for k, v in headers]


def masked(node: Any) -> Any:
    """A copy of a JSON document with the value of every secret field (:data:`SECRET_FIELDS`: ``password``,
    ``access_token``, ...) replaced by :data:`PLACEHOLDER`, for showing state (the dashboard) without its secrets."""
    if isinstance(node, dict):
        return {key: PLACEHOLDER if isinstance(key, str) and key.lower() in SECRET_FIELDS and value is not None
                and not isinstance(value, (dict, list, bool)) else masked(value) for key, value in node.items()}
    if isinstance(node, list):
        return [masked(item) for item in node]
    return node
