"""The one error type every layer raises (state, engine, vendors), and the validation problem it may carry. Each
vendor's ``errors.py`` turns it into that vendor's body. Standard library only: the lowest layer (ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    location: str  # path | query | header | body
    field: str  # the field named in the vendor's error message
    message: str  # what is wrong with it
    status: int = 400
    kind: str = "validation"
    rule: str = ""  # the failed JSON Schema keyword as jsonschema_rs names it (Required, Type, Enum, Minimum, ...), if any

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


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
