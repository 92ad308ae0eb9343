"""The one check schemathesis cannot make here: ``invalid_address_rejection``.

The specs leave address *validity* to the vendor model (``format`` is an annotation, and the address fields are
``anyOf`` several formats), so schemathesis never sends a malformed address as negative data. This step does:
for every write operation whose documented request example holds an address field, it sends that example with the
first address replaced by a few malformed ones, and requires a 4xx answer. A 2xx means the server stored an
invalid address (failure); 404/409 and the like say nothing about the address (inconclusive, not counted).

The requests go through the same auth adapter and snapshot/restore as the rest of the run.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterator

import requests

from ..engine.spec import Operation, Spec

CHECK = "invalid_address_rejection"
ADDRESS_FIELDS = ("startAddress", "endAddress", "ip", "ip_start", "ip_end", "ipAddress")
BAD_ADDRESSES = ("10.20.30.256", "not-an-address", "2001:db8::g1")


@dataclass
class Probe:
    operation: Operation
    path: str
    query: dict[str, Any]
    body: Any
    bad: str
    field: str


def _example_value(node: dict) -> Any:
    if "example" in node:
        return node["example"]
    examples = node.get("examples")
    if isinstance(examples, dict) and examples:
        first = next(iter(examples.values()))
        return first.get("value") if isinstance(first, dict) else first
    if isinstance(examples, list) and examples:
        return examples[0]
    schema = node.get("schema") or {}
    if "example" in schema:
        return schema["example"]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    return None


def _replace_first(value: Any, bad: str) -> tuple[Any, str] | None:
    """A copy of ``value`` with its first address field set to ``bad``, and the field's name."""
    if isinstance(value, dict):
        for key in ADDRESS_FIELDS:
            if isinstance(value.get(key), str):
                out = dict(value)
                out[key] = bad
                return out, key
        for key, child in value.items():
            replaced = _replace_first(child, bad)
            if replaced is not None:
                out = dict(value)
                out[key] = replaced[0]
                return out, replaced[1]
    elif isinstance(value, list):
        for index, child in enumerate(value):
            replaced = _replace_first(child, bad)
            if replaced is not None:
                items = list(value)
                items[index] = replaced[0]
                return items, replaced[1]
    return None


def probes(spec: Spec, operation_ids: set[str]) -> Iterator[Probe]:
    for op in spec.operations:
        if op.operation_id not in operation_ids or op.method not in ("POST", "PUT", "PATCH"):
            continue
        content = (op.raw.get("requestBody") or {}).get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        if not media:
            continue
        example = _example_value(media)
        if example is None:
            continue
        params: dict[tuple[str, str], dict] = {}
        path_item = spec.resolved["paths"][op.path]
        for param in list(path_item.get("parameters", [])) + list(op.raw.get("parameters", [])):
            params[(param["in"], param["name"])] = param
        path, query, usable = op.path, {}, True
        for (where, name), param in params.items():
            value = _example_value(param)
            if where == "path":
                if value is None:
                    usable = False
                    break
                path = path.replace("{" + name + "}", str(value))
            elif where == "query" and value is not None and param.get("required"):
                query[name] = value
        if not usable:
            continue
        for bad in BAD_ADDRESSES:
            replaced = _replace_first(copy.deepcopy(example), bad)
            if replaced is None:
                break
            yield Probe(op, path, query, replaced[0], bad, replaced[1])


def run_probes(spec: Spec, operation_ids: set[str], base_url: str, session: requests.Session, auth,
               timeout: float) -> list[tuple[Probe, requests.Response | None, str | None]]:
    """Send every probe; (probe, response or None, network error or None) for each."""
    out: list[tuple[Probe, requests.Response | None, str | None]] = []
    for probe in probes(spec, operation_ids):
        try:
            response = session.request(probe.operation.method, base_url + probe.path, params=probe.query or None,
                                       json=probe.body, auth=auth, timeout=timeout)
            out.append((probe, response, None))
        except requests.RequestException as exc:
            out.append((probe, None, str(exc)))
    return out
