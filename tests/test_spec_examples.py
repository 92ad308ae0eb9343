"""Every example in a spec validates against its schema (what Spectral's ``oas3-valid-media-example`` and
``oas3-valid-schema-example`` rules check), with format checking, on the spec with every ``$ref`` resolved.

Users feed these specs to their own tools (Prism, generated clients, gateways): an example that its own schema
refuses makes those tools fail. This is the quick check; the Spectral run itself is a separate test.
"""

from __future__ import annotations

from typing import Any, Iterator

import jsonschema
import pytest

from allowlist_emulator.engine.spec import vendor_spec
from allowlist_emulator.vendors import REGISTRY

VENDORS = tuple(REGISTRY)


def _examples(node: Any, where: str) -> Iterator[tuple[str, dict, Any]]:
    """(location, schema, example value) for every example the spec gives next to a schema."""
    if isinstance(node, dict):
        schema = node.get("schema")
        if isinstance(schema, dict):  # a media type, a parameter or a header
            if "example" in node:
                yield f"{where}.example", schema, node["example"]
            for name, example in (node.get("examples") or {}).items():
                if isinstance(example, dict) and "value" in example:
                    yield f"{where}.examples.{name}", schema, example["value"]
        if node.get("type") is not None or "properties" in node or "anyOf" in node:  # a schema object
            for index, value in enumerate(node.get("examples") or [] if isinstance(node.get("examples"), list) else []):
                yield f"{where}.examples[{index}]", node, value
            if "default" in node:
                yield f"{where}.default", node, node["default"]
        for key, value in node.items():
            yield from _examples(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _examples(value, f"{where}[{index}]")


def _problems(vendor: str) -> list[str]:
    resolved = vendor_spec(vendor).resolved
    out = []
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    found = list(_examples({k: v for k, v in resolved.items() if k in ("paths", "components")}, "#"))
    assert len(found) > 20, f"the walk found only {len(found)} examples in specs/{vendor}.yaml"
    for where, schema, value in found:
        for error in jsonschema.Draft202012Validator(schema, format_checker=checker).iter_errors(value):
            out.append(f"{where}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
    return out


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_example_validates_against_its_schema(vendor):
    assert _problems(vendor) == []


def test_the_check_catches_a_wrong_example():
    """The walk reaches media examples and a wrong one is reported (so an empty list above means something)."""
    spec = {"paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {
        "schema": {"type": "object", "properties": {"id": {"type": "string"}}},
        "examples": {"bad": {"value": {"id": 1998}}}}}}}}}}}
    found = list(_examples(spec, "#"))
    assert len(found) == 1
    _where, schema, value = found[0]
    assert not jsonschema.Draft202012Validator(schema).is_valid(value)
