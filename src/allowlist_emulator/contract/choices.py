"""What a contract run can be asked for: the checks, the phases, the vendors with a suite. Plain data, importable
without the 'contract' extra, so ``allowlist-emulator contract --help`` works on a plain install."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from ..state.namespaces import split_namespace_path

#: The schemathesis checks the suite runs, and what each one means (docs/contract.md repeats this).
SCHEMATHESIS_CHECKS: dict[str, str] = {
    "not_a_server_error": "no 5xx answer, whatever was sent",
    "status_code_conformance": "every status is one the spec declares for the operation",
    "content_type_conformance": "the Content-Type is one the spec declares for that status",
    "response_headers_conformance": "required response headers (e.g. CodeArts X-Total) are present and valid",
    "response_schema_conformance": "the body validates against the spec's schema (required fields, types, error envelope)",
    "negative_data_rejection": "requests that break the spec's schema are refused with 4xx",
    "ignored_auth": "operations that declare security refuse requests without or with wrong credentials",
    "use_after_free": "a deleted resource is no longer reachable (stateful phase)",
    "ensure_resource_availability": "a created resource is reachable right after creation (stateful phase)",
    "positive_data_acceptance": "requests that follow the spec's schema are accepted with 2xx (or a declared 4xx)",
    "missing_required_header": "a request without a required header (e.g. Authorization) is refused with 4xx",
    "unsupported_method": "a method the path does not declare is answered 405",
    "allow_header_conformance": "a 405 carries an Allow header listing exactly the path's methods",
    "object_level_authorization": "what one identity created another identity cannot read (with a second identity)",
}
#: ... every one of them is run (schemathesis's ``--checks all``), plus the project's own (probes.py): malformed
#: addresses in the documented request examples get a 4xx.
CHECKS: dict[str, str] = {
    **SCHEMATHESIS_CHECKS,
    "invalid_address_rejection": "a write with a malformed address (e.g. 10.20.30.256) is refused with 4xx (needs --allow-writes)",
}
PHASES = ("examples", "coverage", "fuzzing", "stateful")
DEFAULT_MAX_EXAMPLES = 20


def vendors() -> tuple[str, ...]:
    """The vendors with a contract suite: every registered one whose folder has a ``contract.py``."""
    from ..vendors import REGISTRY

    return tuple(key for key, vendor in REGISTRY.items() if vendor.has("contract"))



class NamespaceConflict(ValueError):
    """``namespace`` and the target name different namespaces (a ``/_ns/<name>`` base URL, a listener's port)."""


def url_namespace(base_url: str) -> str | None:
    """The namespace a base URL selects by its path (``http://host/_ns/<name>/...``), or None."""
    parts = split_namespace_path(urlsplit(base_url).path)
    return parts[0] if parts is not None else None


@dataclass(frozen=True)
class Credentials:
    """Everything the CLI's auth options can carry. Unused fields are ignored by the vendor's adapter."""

    token: str | None = None  # a bearer token or another token header
    user: str | None = None
    password: str | None = None
    ak: str | None = None  # access key (request signing)
    sk: str | None = None  # secret key (request signing)
    client_id: str | None = None  # OAuth client credentials
    client_secret: str | None = None

    def merged(self, **overrides: Any) -> "Credentials":
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})
