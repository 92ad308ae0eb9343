"""SDK-HMAC-SHA256, the AK/SK request signature of Huawei Cloud's API gateway, as ``huaweicloudsdkcore``'s
``signer.Signer`` computes it (see ``components.securitySchemes.akskAuth`` in specs/codearts.yaml).

The one implementation in the project: ``auth.py`` verifies requests with it and the contract suite signs its own
requests with it.

    CanonicalRequest = METHOD \\n CanonicalURI \\n CanonicalQuery \\n CanonicalHeaders \\n SignedHeaders \\n BodyHash
    StringToSign     = "SDK-HMAC-SHA256" \\n X-Sdk-Date \\n hex(sha256(CanonicalRequest))
    Signature        = hex(hmac_sha256(SK, StringToSign))
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Mapping, Union
from urllib.parse import parse_qsl, quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_HEADER = "X-Sdk-Date"
CONTENT_HASH_HEADER = "X-Sdk-Content-Sha256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_HASH = hashlib.sha256(b"").hexdigest()

Query = Union[str, Mapping[str, object], Iterable[tuple[str, object]], None]

_AUTHORIZATION = re.compile(r"SDK-HMAC-SHA256 Access=([^,\s]+), SignedHeaders=([^,\s]+), Signature=([0-9a-fA-F]+)")
_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")


@dataclass(frozen=True)
class Authorization:
    access_key: str
    signed_headers: tuple[str, ...]  # as the client wrote them (the SDK: lower case, sorted)
    signature: str


def parse_authorization(value: str | None) -> Authorization | None:
    """The parts of an ``Authorization: SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..`` value, or None."""
    match = _AUTHORIZATION.fullmatch((value or "").strip())
    if match is None:
        return None
    names = tuple(match.group(2).split(";"))
    if any(not name for name in names):
        return None
    return Authorization(match.group(1), names, match.group(3).lower())


def parse_date(value: str | None) -> datetime | None:
    """``YYYYMMDDTHHMMSSZ`` (UTC) → an aware datetime, or None when it is not exactly that."""
    if not value or not _DATE.fullmatch(value):
        return None
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def format_date(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime(DATE_FORMAT)


def _encode(text: str) -> str:
    return quote(text, safe="~")  # RFC 3986 unreserved characters stay, everything else (also "/") is %XX


def canonical_uri(path: str) -> str:
    """Each segment of the (percent-decoded) path percent-encoded again; always ends in ``/``."""
    uri = "/".join(_encode(segment) for segment in unquote(path.split("?", 1)[0]).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def _pairs(query: Query) -> list[tuple[str, str]]:
    if query is None:
        return []
    if isinstance(query, str):
        return parse_qsl(query.lstrip("?"), keep_blank_values=True)
    items = query.items() if isinstance(query, Mapping) else query
    out = []
    for key, value in items:
        for one in value if isinstance(value, (list, tuple)) else [value]:
            out.append((str(key), str(one).lower() if isinstance(one, bool) else str(one)))
    return out


def canonical_query(query: Query) -> str:
    """Sorted ``name=value`` pairs, each part percent-encoded, joined with ``&``. ``query`` is the raw query string
    (as received) or the (name, value) pairs / mapping the client sends."""
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in sorted(_pairs(query)))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lower = name.lower()
    for key, value in headers.items():
        if key.lower() == lower:
            return value
    return None


def body_hash(body: bytes | str | None, headers: Mapping[str, str]) -> str:
    """The SDK's payload part: the empty hash for no body, else the X-Sdk-Content-Sha256 value when sent, else sha256."""
    if not body:
        return EMPTY_HASH
    declared = _header(headers, CONTENT_HASH_HEADER)
    if declared:
        return declared
    return hashlib.sha256(body.encode("utf-8") if isinstance(body, str) else body).hexdigest()


def canonical_request(method: str, path: str, query: Query, headers: Mapping[str, str], signed_headers: Iterable[str],
                      body: bytes | str | None) -> str | None:
    """The canonical request, or None when a signed header is missing from ``headers``."""
    names = list(signed_headers)
    lines = []
    for name in names:
        value = _header(headers, name)
        if value is None:
            return None
        lines.append(f"{name.lower()}:{str(value).strip()}\n")
    return "\n".join([method.upper(), canonical_uri(path), canonical_query(query), "".join(lines), ";".join(names),
                      body_hash(body, headers)])


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(sk: str, text: str) -> str:
    return hmac.new(sk.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes | str | None, ak: str, sk: str,
         sdk_date: str | datetime) -> str:
    """The ``Authorization`` header value for a request, signed as the SDK signs it.

    ``headers`` are the headers the request will carry, ``Host`` included (``host[:port]`` as in the URL). Every one
    whose name has no ``_`` is signed, plus ``X-Sdk-Date``; the caller must send ``X-Sdk-Date: <sdk_date>`` too.
    """
    date = format_date(sdk_date) if isinstance(sdk_date, datetime) else sdk_date
    merged = {k: v for k, v in headers.items() if k.lower() != DATE_HEADER.lower()}
    merged[DATE_HEADER] = date
    names = sorted({key.lower() for key in merged if "_" not in key})
    canonical = canonical_request(method, path, query, merged, names, body)
    assert canonical is not None  # every name comes from ``merged``
    return f"{ALGORITHM} Access={ak}, SignedHeaders={';'.join(names)}, Signature={signature(sk, string_to_sign(canonical, date))}"


def verify(method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes | str | None, sk: str,
           authorization: Authorization | None = None) -> bool:
    """Does the request's signature match the one ``sk`` gives? ``host`` and ``x-sdk-date`` must be signed.

    Only the signature is checked here; the X-Sdk-Date window, known AKs and lockout are ``auth.py``'s.
    """
    auth = authorization or parse_authorization(_header(headers, "Authorization"))
    if auth is None:
        return False
    lowered = {name.lower() for name in auth.signed_headers}
    date = _header(headers, DATE_HEADER)
    if "host" not in lowered or DATE_HEADER.lower() not in lowered or date is None or parse_date(date) is None:
        return False
    canonical = canonical_request(method, path, query, headers, auth.signed_headers, body)
    if canonical is None:
        return False
    expected = signature(sk, string_to_sign(canonical, date))
    return hmac.compare_digest(expected, auth.signature)
