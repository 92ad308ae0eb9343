"""Is a response what the vendor's spec says? openapi-core's response validation against ``specs/<vendor>.yaml``.

Used by the recorder (a real deployment's answers that the spec does not describe are *drift*, reported but never
fatal) and by the project's own tests (``tests/support.py``: every emulator response must validate). The spec's
server list is replaced by the base URL the requests were made against, so paths resolve whatever the host.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any, Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from ..engine.spec import vendor_spec
from .cassette import Interaction
from ..redaction import redact_text

CONTROL_PREFIX = "/_emulator"


@lru_cache(maxsize=None)
def openapi_for(vendor: str, base_url: str) -> OpenAPI:
    """openapi-core's view of ``specs/<vendor>.yaml`` with the server list pointed at ``base_url``."""
    document = copy.deepcopy(vendor_spec(vendor).document)
    document["servers"] = [{"url": base_url.rstrip("/") or base_url}]
    return OpenAPI.from_dict(document)


def _headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Headers:
    items = headers.items() if isinstance(headers, Mapping) else (headers or [])
    return Headers([(str(k), str(v)) for k, v in items])


class OpenAPIRequest:
    """openapi-core's request protocol over plain values."""

    def __init__(self, method: str, url: str, headers: Any = None, body: bytes | str | None = None):
        parsed = urlsplit(url)
        self._parsed = parsed
        self.method = method.lower()
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self._headers = _headers(headers)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(parsed.query)), header=self._headers, cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self._parsed.scheme}://{self._parsed.netloc}"

    @property
    def path(self) -> str:
        return self._parsed.path

    @property
    def content_type(self) -> str:
        return str(self._headers.get("Content-Type") or self._headers.get("Accept") or "")


class OpenAPIResponse:
    """openapi-core's response protocol over plain values."""

    def __init__(self, status: int, headers: Any = None, data: bytes | None = None):
        self.status_code = int(status)
        self.headers = _headers(headers)
        self.data = data or b""

    @property
    def content_type(self) -> str:
        return str(self.headers.get("Content-Type", ""))


def describe(error: BaseException) -> str:
    """One readable line per openapi-core error, with the JSON path of each schema violation."""
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        parts = []
        for item in schema_errors:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in getattr(item, "absolute_path", []))
            parts.append(f"body{where}: {getattr(item, 'message', item)}")
        return "; ".join(parts)
    text = f"{type(error).__name__}: {error}"
    if cause is not None and str(cause) not in text:
        text += f" ({type(cause).__name__}: {cause})"
    return text


UNDOCUMENTED = ("PathNotFound", "OperationNotFound", "ServerNotFound")


class Undocumented(Exception):
    """The request itself is not one the spec describes (unknown path or method), so its response cannot drift."""


def response_problems(vendor: str, base_url: str, method: str, url: str, request_headers: Any, request_body: Any,
                      status: int, response_headers: Any, response_body: bytes | None, *,
                      undocumented_ok: bool = False) -> list[str]:
    """Why the response does not match the spec (empty when it does). A request to a path or method the spec does
    not have is a problem too, unless ``undocumented_ok``: then :class:`Undocumented` is raised instead."""
    api = openapi_for(vendor, base_url)
    request = OpenAPIRequest(method, url, request_headers, request_body)
    response = OpenAPIResponse(status, response_headers, response_body)
    errors = list(api.iter_response_errors(request, response))
    if undocumented_ok and any(type(err).__name__ in UNDOCUMENTED for err in errors):
        raise Undocumented(describe(errors[0]))
    return [describe(err) for err in errors]


def interaction_problems(vendor: str, base_url: str, interaction: Interaction, *, undocumented_ok: bool = False) -> list[str]:
    return response_problems(vendor, base_url, interaction.method, interaction.uri, interaction.request_headers,
                             interaction.request_body, interaction.status, interaction.response_headers,
                             interaction.response_body, undocumented_ok=undocumented_ok)


@dataclass
class Finding:
    index: int
    method: str
    uri: str
    status: int
    problems: list[str]

    def line(self, vendor: str) -> str:
        return redact_text(f"drift: #{self.index} {self.method} {self.uri} → {self.status} does not match "
                           f"specs/{vendor}.yaml: " + "; ".join(self.problems))  # the URI may hold a token


@dataclass
class DriftReport:
    """Checks each recorded exchange, prints a line to ``stream`` per mismatch, and sums up at the end."""

    vendor: str
    base_url: str
    stream: IO[str] | None = None
    checked: int = 0
    undocumented: int = 0  # requests the spec does not describe (wrong path or method): nothing to compare
    findings: list[Finding] = field(default_factory=list)

    def check(self, index: int, interaction: Interaction) -> list[str]:
        base_path = urlsplit(self.base_url).path.rstrip("/")
        if interaction.path[len(base_path):].startswith(CONTROL_PREFIX):
            return []  # the emulator's control plane, not the vendor's API
        try:
            problems = interaction_problems(self.vendor, self.base_url, interaction, undocumented_ok=True)
        except Undocumented:
            self.undocumented += 1
            return []
        except Exception as exc:  # a validator crash must never stop a recording
            problems = [f"could not be checked: {type(exc).__name__}: {exc}"]
        self.checked += 1
        if problems:
            finding = Finding(index, interaction.method, interaction.uri, interaction.status, problems)
            self.findings.append(finding)
            stream = self.stream if self.stream is not None else sys.stderr
            print(finding.line(self.vendor), file=stream, flush=True)
        return problems

    def summary(self) -> str:
        if not self.findings:
            text = f"no drift: all {self.checked} checked responses match specs/{self.vendor}.yaml"
        else:
            text = (f"drift: {len(self.findings)} of {self.checked} checked responses do not match specs/{self.vendor}.yaml "
                    f"(interactions {', '.join('#' + str(f.index) for f in self.findings)})")
        if self.undocumented:
            text += f"; {self.undocumented} request(s) to paths or methods the spec does not describe were not checked"
        return text
