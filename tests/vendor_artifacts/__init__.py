"""The vendors' own published documents, as facts written down for the tests: operations, statuses, schemas and the
samples on their pages. Each module's docstring names the documents it was read from.

``check(vendor, response)`` runs one answer of the emulator through the vendor's own document, where the vendor
publishes one: the status must be one the vendor declares for the operation, or one the spec's ``x-fidelity``
explains (an entry whose ``statuses`` lists it), and a body the vendor gives a schema for must validate against it.
``VendorClient`` calls it on every response, so every answer the suite produces is checked.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator

from . import talend

# vendor → its published operations: (operationId, method, path template, request schema, {status: response schema})
DOCUMENTS = {"talend": talend.OPERATIONS}


@lru_cache(maxsize=None)
def _routes(vendor: str) -> tuple:
    routes = []
    for operation_id, method, template, _request, statuses in DOCUMENTS.get(vendor, ()):
        pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
        routes.append((method, pattern, operation_id, statuses))
    return tuple(routes)


@lru_cache(maxsize=None)
def explained_statuses(vendor: str) -> dict[str, frozenset[int]]:
    """operationId → the statuses the spec's x-fidelity keeps beyond the vendor's (entries with ``statuses``)."""
    from allowlist_emulator.engine.spec import vendor_spec

    found = {}
    for op in vendor_spec(vendor).operations:
        statuses = set()
        for entry in op.raw.get("x-fidelity") or []:
            statuses.update(int(s) for s in entry.get("statuses") or ())
        found[op.operation_id] = frozenset(statuses)
    return found


def operation_of(vendor: str, method: str, path: str) -> tuple[str, dict] | None:
    for route_method, pattern, operation_id, statuses in _routes(vendor):
        if route_method == method.upper() and pattern.match(path):
            return operation_id, statuses
    return None


def problems(vendor: str, method: str, path: str, status: int, body: bytes, fault: bool = False) -> list[str]:
    """What the vendor's own document says is wrong with this answer ([] when nothing, or no document covers it)."""
    found = operation_of(vendor, method, path)
    if found is None:
        return []
    operation_id, statuses = found
    out = []
    if status not in statuses and not fault and status not in explained_statuses(vendor).get(operation_id, ()):
        out.append(f"{operation_id}: status {status} is neither declared by the vendor ({sorted(statuses)}) "
                   f"nor explained by an x-fidelity entry with statuses")
    schema = statuses.get(status)
    if schema is not None:
        try:
            data: Any = json.loads(body)
        except ValueError:
            return out + [f"{operation_id}: {status} body is not JSON"]
        out += [f"{operation_id}: {status} body: {'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in Draft7Validator(schema).iter_errors(data)]
    return out


def check(vendor: str, response) -> None:
    """Raise AssertionError when the vendor's own document rejects this ``requests`` response."""
    if vendor not in DOCUMENTS:
        return
    request = response.request
    path = urlsplit(request.url).path
    path = re.sub(r"^/_ns/[^/]+", "", path)  # a URL namespace prefix (/_ns/name/...) is the emulator's, not the vendor's
    fault = response.status_code >= 500  # 5xx other than 500 come from fault rules and capacity limits only
    found = problems(vendor, request.method, path, response.status_code, response.content, fault)
    if found:
        raise AssertionError(f"{request.method} {request.url} → {response.status_code} breaks {vendor}'s own "
                             f"document: {'; '.join(found)}\nbody: {response.text[:300]}")


def sample_problems(vendor: str, method: str, path: str, status: int | None, body: Any) -> list[str]:
    """What our spec (every ``$ref`` resolved, formats checked) says is wrong with a sample from the vendor's pages:
    a response body when ``status`` is given, else a request body."""
    import jsonschema

    from allowlist_emulator.engine.spec import vendor_spec

    operation = vendor_spec(vendor).resolved["paths"][path][method.lower()]
    if status is None:
        media = operation["requestBody"]["content"]
    else:
        media = operation["responses"][str(status)].get("content") or {}
    schema = (media.get("application/json") or next(iter(media.values()), {})).get("schema")
    if schema is None:
        return [f"{method} {path} {status}: the spec gives no body schema"]
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return [f"{method} {path} {status or 'request'}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in jsonschema.Draft202012Validator(schema, format_checker=checker).iter_errors(body)]
