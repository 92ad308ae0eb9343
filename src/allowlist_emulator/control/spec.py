"""The control plane's OpenAPI document (``specs/control/control.yaml``), compiled once at start-up like a vendor's,
and the check of each control request against it: path and query parameters typed and bounded, the body parsed and
validated, so that a bad number, clock value or state shape is a 400 naming the field, never a 500.

Every control route must have its operation in the document and every operation a route, or start-up fails.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..engine.router import read_body
from ..engine.spec import Operation, Spec, load_spec, specs_dir
from ..engine.validate import (
    MISSING,
    Problem,
    RequestInvalid,
    field_name,
    parse_path,
    parse_query,
)

_Key = getattr(web, "RequestKey", None)  # aiohttp >= 3.12; plain strings before
QUERY: Any = _Key("control_query", dict) if _Key else "control_query"  # request[QUERY]: declared query parameters, typed
BODY: Any = _Key("control_body", object) if _Key else "control_body"  # request[BODY]: the body, parsed and validated


def control_spec() -> Spec:
    return load_spec(specs_dir() / "control" / "control.yaml")


def operations(routes: list[tuple[str, str]], prefix: str) -> dict[tuple[str, str], Operation]:
    """(method, route path) → its operation; RuntimeError naming what is missing on either side."""
    spec = control_spec()
    table = {(op.method, op.path): op for op in spec.operations}
    wanted = {(method, prefix + path) for method, path in routes}
    missing = sorted(f"{m} {p}" for m, p in wanted - set(table))
    extra = sorted(f"{m} {p}" for m, p in set(table) - wanted)
    if missing or extra:
        raise RuntimeError(f"specs/control/control.yaml: routes without an operation {missing}, operations without a route {extra}")
    return {(method, path): table[(method, prefix + path)] for method, path in routes}


async def check(request: web.Request, op: Operation, body_timeout: float, max_body: int | None = None) -> None:
    """Validate ``request`` against ``op``; RequestInvalid names the field. Typed values go to request[QUERY], request[BODY].
    ``max_body``: this operation's body may be larger than the application's limit (413 naming it above)."""
    if op.path_params:
        parse_path(op.path_params, request.match_info)
    request[QUERY] = parse_query(op.query_params, request.query) if op.query_params else {}
    body: Any = MISSING
    if op.body is not None:
        if max_body is None:
            raw = await read_body(request, body_timeout)
        else:
            try:
                raw = await read_body(request.clone(client_max_size=max_body), body_timeout)
            except web.HTTPRequestEntityTooLarge:
                raise RequestInvalid(Problem("body", "body", f"larger than the limit of {max_body} bytes for this request",
                                             status=413, kind="too_large")) from None
        try:
            body = op.body.parse(raw, request.content_type if "Content-Type" in request.headers else "")
        except RequestInvalid as exc:
            if exc.problem.rule in ("AnyOf", "OneOf"):
                raise RequestInvalid(_specific(op, raw) or exc.problem) from None
            raise
    request[BODY] = body


def _specific(op: Operation, raw: bytes) -> Problem | None:
    """A violation naming a field (``[1].latencyMs``) rather than the whole object that fits none of an anyOf's
    alternatives, when there is one: the shallowest of the others."""
    import json

    assert op.body is not None
    value = json.loads(raw)
    errors = [e for e in op.body.validator.iter_errors(value) if type(e.kind).__name__ not in ("AnyOf", "OneOf")]
    if not errors:
        return None
    error = min(errors, key=lambda e: len(list(e.instance_path)))
    return Problem("body", field_name(list(error.instance_path)) or "body", error.message[:300], rule=type(error.kind).__name__)


__all__ = ["BODY", "QUERY", "RequestInvalid", "check", "control_spec", "operations"]
