"""The one error type every layer raises. Each vendor's ``errors.py`` turns it into that vendor's body."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .spec import vendor_spec
from .validate import Problem

# kinds the engine itself raises; vendors map each to their own code and text
VALIDATION = "validation"  # a request parameter or body broke the spec (400)
MEDIA_TYPE = "media_type"  # a body in a content type the vendor does not read (415)
ROUTE = "route"  # no operation at this path (404)
METHOD = "method"  # the path exists, the method does not (405)
TOO_LARGE = "too_large"  # body over the limit (413)
FAULT = "fault"  # injected by a fault rule
INTERNAL = "internal"  # a bug in the emulator (500); never caused by client input
LIMIT = "limit"  # an emulator capacity limit was reached (namespaces, entries)
TIMEOUT = "timeout"  # the request body stopped arriving for --body-timeout seconds (408; the connection is closed)


class ApiError(Exception):
    """An HTTP error in the making.

    ``code`` is the vendor's error code when the raiser knows it (models do); engine errors leave it None and set
    ``kind`` so that the vendor's renderer can choose. ``message`` names the field and the problem.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: Any = None,
        kind: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.kind = kind
        self.field = field
        self.headers = headers or {}
        self.problem: Problem | None = None  # set by from_problem: the validation details (field, rule) for renderers

    @classmethod
    def from_problem(cls, problem: Problem) -> "ApiError":
        err = cls(problem.status, str(problem), kind=problem.kind, field=problem.field)
        err.problem = problem
        return err

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.message!r}, code={self.code!r}, kind={self.kind!r})"


@lru_cache(maxsize=None)
def error_entry(vendor: str, code: Any, match: str = "") -> dict:
    """The one ``x-error-codes`` entry of the vendor's spec with this code (and, where a code has several texts,
    whose message contains ``match``). Looked up once; a spec without it fails loudly."""
    found = [e for e in vendor_spec(vendor).error_codes if str(e["code"]) == str(code) and match in e["message"]]
    if len(found) != 1:
        raise LookupError(f"specs/{vendor}.yaml x-error-codes: {len(found)} entries match {code!r} {match!r}")
    return found[0]


def vendor_error(vendor: str, code: Any, *args: object, status: int | None = None, match: str = "") -> ApiError:
    """The vendor's error with this code, its text from the spec with ``{0}``, ``{1}``... filled in."""
    entry = error_entry(vendor, code, match)
    message = entry["message"]
    for index, value in enumerate(args):
        message = message.replace("{%d}" % index, str(value))
    return ApiError(status or int(entry["status"]), message, code=entry["code"])
