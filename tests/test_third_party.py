"""Specs that third-party tools accept: independent evidence that the specs are what users' own tools can consume.

- Spectral (``spectral:oas``, ruleset ``tools/spectral.yaml``) reports no error in any spec.
- Every example in every spec (media type, parameter, header and schema examples) validates against its
  dereferenced schema with jsonschema, formats checked (pure Python: runs everywhere).
- Prism's validation proxy (``prism proxy SPEC UPSTREAM --errors``) and the emulator agree on which of the seeds'
  requests (and deliberately broken variants of them) are valid: what Prism passes upstream the emulator accepts, and
  what Prism refuses the emulator refuses.

The Node tools come from ``tools/node`` (``npm ci --prefix tools/node``); without them these tests skip, and in CI
(``ALLOWLIST_EMULATOR_REQUIRE_TOOLS=all``) they fail.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from jsonschema import Draft202012Validator

from allowlist_emulator.engine.spec import vendor_spec

from .support import free_port, need_tool

ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = ROOT / "tools" / "node" / "node_modules" / ".bin"
VENDORS = ("talend", "hdp", "codearts", "b2core")
HOW = "run `npm ci --prefix tools/node` (Node 20)"


def _tool(name: str) -> Path:
    path = NODE_BIN / name
    need_tool(name, path.exists() and shutil.which("node") is not None, HOW)
    return path


# -- Spectral ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spectral_findings() -> dict[str, list[dict]]:
    """One ``spectral lint`` over all four specs (one Node start-up), findings grouped by vendor."""
    spectral = _tool("spectral")
    specs = [str(ROOT / "specs" / f"{v}.yaml") for v in VENDORS]
    done = subprocess.run([str(spectral), "lint", *specs, "--ruleset", str(ROOT / "tools" / "spectral.yaml"),
                           "--format", "json", "--quiet", "--fail-severity", "error"],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert done.stdout.strip().startswith("["), f"spectral failed (exit {done.returncode}): {done.stderr[:2000]}"
    by_vendor: dict[str, list[dict]] = {v: [] for v in VENDORS}
    for finding in json.loads(done.stdout):
        by_vendor[Path(finding["source"]).stem].append(finding)
    return by_vendor


SEVERITY = {0: "error", 1: "warning", 2: "info", 3: "hint"}


def _describe(finding: dict) -> str:
    line = finding["range"]["start"]["line"] + 1
    return (f"specs/{Path(finding['source']).name}:{line} {SEVERITY[finding['severity']]} {finding['code']}: "
            f"{finding['message']} at {'.'.join(map(str, finding['path']))}")


@pytest.mark.parametrize("vendor", VENDORS)
def test_spectral_oas_finds_no_error(spectral_findings, vendor):
    findings = spectral_findings[vendor]
    for finding in findings:  # warnings are printed (pytest -s, or on failure), errors fail the test
        print(_describe(finding))
    errors = [_describe(f) for f in findings if f["severity"] == 0]
    assert not errors, f"{len(errors)} Spectral error(s) in specs/{vendor}.yaml:\n" + "\n".join(errors)


# -- every example validates against its schema (pure Python) ---------------------------------------------------------
SCHEMA_CHILDREN = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
                   "unevaluatedItems", "unevaluatedProperties")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
EXAMPLE_KEYS = ("example", "examples")


def _schema_examples(schema: Any, where: str, seen: set[int]) -> Iterator[tuple[str, dict, Any]]:
    """(where, schema, example) for every ``example`` / ``examples`` inside a schema, at any depth. A dereferenced
    document shares one object per ``$ref`` target: each is walked once (where it is first met), not at every use."""
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    bare = {k: v for k, v in schema.items() if k not in EXAMPLE_KEYS}
    if "example" in schema:
        yield f"{where}.example", bare, schema["example"]
    if isinstance(schema.get("examples"), list):
        for i, value in enumerate(schema["examples"]):
            yield f"{where}.examples[{i}]", bare, value
    for key in SCHEMA_CHILDREN:
        yield from _schema_examples(schema.get(key), f"{where}.{key}", seen)
    for key in SCHEMA_LISTS:
        for i, child in enumerate(schema.get(key) or []):
            yield from _schema_examples(child, f"{where}.{key}[{i}]", seen)
    for key in SCHEMA_MAPS:
        for name, child in (schema.get(key) or {}).items():
            yield from _schema_examples(child, f"{where}.{key}.{name}", seen)


def _object_examples(obj: dict, where: str, seen: set[int]) -> Iterator[tuple[str, dict, Any]]:
    """A media type, parameter or header object: its own examples against its schema, then the schema's."""
    schema = obj.get("schema")
    if not isinstance(schema, dict):
        return
    if "example" in obj:
        yield f"{where}.example", schema, obj["example"]
    for name, example in (obj.get("examples") or {}).items():
        if isinstance(example, dict) and "value" in example:
            yield f"{where}.examples.{name}", schema, example["value"]
    yield from _schema_examples(schema, f"{where}.schema", seen)


def spec_examples(document: dict) -> Iterator[tuple[str, dict, Any]]:
    """Every example of a dereferenced OpenAPI 3.1 document, with the schema it must satisfy."""
    seen: set[int] = set()
    components = document.get("components", {})
    for name, schema in components.get("schemas", {}).items():
        yield from _schema_examples(schema, f"components.schemas.{name}", seen)

    def headers_and_content(holder: dict, where: str) -> Iterator[tuple[str, dict, Any]]:
        for media, obj in (holder.get("content") or {}).items():
            yield from _object_examples(obj, f"{where}.content.{media}", seen)
        for name, header in (holder.get("headers") or {}).items():
            yield from _object_examples(header, f"{where}.headers.{name}", seen)

    for path, item in document.get("paths", {}).items():
        for i, param in enumerate(item.get("parameters", [])):
            yield from _object_examples(param, f"paths.{path}.parameters[{i}]", seen)
        for method, op in item.items():
            if not isinstance(op, dict) or method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            for param in op.get("parameters", []):
                yield from _object_examples(param, f"{where} parameter {param.get('name')}", seen)
            if op.get("requestBody"):
                yield from headers_and_content(op["requestBody"], f"{where} requestBody")
            for status, response in (op.get("responses") or {}).items():
                yield from headers_and_content(response, f"{where} response {status}")


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_example_validates_against_its_schema(vendor):
    document = vendor_spec(vendor).resolved
    problems, count = [], 0
    for where, schema, example in spec_examples(document):
        count += 1
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        for error in validator.iter_errors(example):
            at = "/".join(map(str, error.absolute_path)) or "(root)"
            problems.append(f"{where}: {at}: {error.message[:300]}")
    assert count >= 10, f"only {count} examples found in specs/{vendor}.yaml: is the walk missing some?"
    assert not problems, f"{len(problems)} example problem(s) in specs/{vendor}.yaml:\n" + "\n".join(problems)


def test_the_example_walk_finds_examples_at_every_level():
    schema = {"type": "object", "properties": {"ip": {"type": "string", "format": "ipv4", "examples": ["1.2.3.4"]}},
              "example": {"ip": "1.2.3.4"}}
    document = {
        "components": {"schemas": {"S": schema}},
        "paths": {"/x/{id}": {
            "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}, "example": 5}],
            "post": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"},
                                     "examples": {"a": {"value": "v"}}}],
                     "requestBody": {"content": {"application/json": {"schema": schema,
                                                                       "examples": {"bad": {"value": {"ip": "x"}}}}}},
                     "responses": {"200": {"headers": {"X-Total": {"schema": {"type": "integer"}, "example": "n"}},
                                           "content": {"application/json": {"schema": schema}}}}}}},
    }
    found = list(spec_examples(document))
    # The schema S is used three times but its two examples are checked once: 2 + path, query, body, header.
    assert len(found) == 6, [w for w, _, _ in found]
    failing = {where for where, s, value in found
               if list(Draft202012Validator(s, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(value))}
    assert failing == {"POST /x/{id} requestBody.content.application/json.examples.bad",
                       "POST /x/{id} response 200.headers.X-Total.example"}
