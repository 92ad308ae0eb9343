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
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from jsonschema import Draft202012Validator

from allowlist_emulator.engine.spec import vendor_spec
from allowlist_emulator.vendors import REGISTRY

from .support import free_port, need_tool

ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = ROOT / "tools" / "node" / "node_modules" / ".bin"
VENDORS = tuple(REGISTRY)
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


# -- Prism's validation proxy and the emulator agree ------------------------------------------------------------------
#: Answers that refuse a request as invalid (bad body or parameter, missing or wrong credentials, wrong method or
#: media type). 404 and 409 are answers about the state (no such resource, already there), not about validity.
REFUSALS = frozenset({400, 401, 403, 405, 413, 415, 422})
BAD_ADDRESS = "10.20.30.256"
CREDENTIALS = {  # the demo identities (conventions.md); CodeArts by token: a signature would not survive the proxy
    "talend": {"headers": {"Authorization": "Bearer talend-admin-token"}},
    "hdp": {"auth": ("d2cadmin", "d2cadmin")},
    "codearts": {"headers": {"X-Auth-Token": "codearts-token"}},
    "b2core": {},  # a bearer token from POST /tokens, per namespace
}


@dataclass
class Probe:
    vendor: str
    operation_id: str
    method: str
    path: str  # filled in with the parameters' examples, relative to the vendor's base
    query: dict
    path_values: dict  # the path parameters' values used for ``path``
    body: Any  # JSON value, or None for no body
    variant: str  # "example <name>" or the broken variant


def _param_value(param: dict) -> Any:
    if "example" in param:
        return param["example"]
    for example in (param.get("examples") or {}).values():
        return example.get("value")
    schema = param.get("schema", {})
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    return {"integer": schema.get("minimum", 1), "boolean": True}.get(schema.get("type"), "x")


def _leaves(value: Any, at: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, at + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _leaves(child, at + (i,))
    else:
        yield at, value


def _replaced(value: Any, at: tuple, new: Any) -> Any:
    copied = copy.deepcopy(value)
    node = copied
    for part in at[:-1]:
        node = node[part]
    node[at[-1]] = new
    return copied


def _is_address(text: Any) -> bool:
    import ipaddress

    if not isinstance(text, str) or not text:
        return False
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _without_a_required_field(body: Any, schema: dict, at: tuple = ()) -> tuple[Any, str] | None:
    """The body with the first required property the schema names (at any depth) removed, and where it was."""
    if not isinstance(schema, dict):
        return None
    if isinstance(body, dict):
        for name in schema.get("required", []):
            if name in body:
                return {k: v for k, v in body.items() if k != name}, ".".join(map(str, at + (name,)))
        for name, child in body.items():
            found = _without_a_required_field(child, (schema.get("properties") or {}).get(name), at + (name,))
            if found:
                return {**body, name: found[0]}, found[1]
    if isinstance(body, list) and body:
        found = _without_a_required_field(body[0], schema.get("items"), at + (0,))
        if found:
            return [found[0], *body[1:]], found[1]
    return None


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, str):
        return 12345 if isinstance(value, str) else "yes"
    if isinstance(value, (int, float)):
        return "not-a-number"
    return "x"


def probes(vendor: str) -> list[Probe]:
    """Per operation: each documented request example as sent, then three broken variants of the first one."""
    spec = vendor_spec(vendor)
    found: list[Probe] = []
    for op in spec.operations:
        raw = spec.resolved["paths"][op.path][op.method.lower()]
        params = {(p["in"], p["name"]): p for p in spec.resolved["paths"][op.path].get("parameters", [])}
        params.update({(p["in"], p["name"]): p for p in raw.get("parameters", [])})
        path = op.path
        query: dict = {}
        values: dict = {}
        for (where, name), param in params.items():
            if where == "path":
                values[name] = _param_value(param)
                path = path.replace("{" + name + "}", str(values[name]))
            elif where == "query" and param.get("required"):
                query[name] = _param_value(param)
        media = (raw.get("requestBody") or {}).get("content", {}).get("application/json")
        if media is None:
            found.append(Probe(vendor, op.operation_id, op.method, path, query, values, None, "no body"))
            continue
        examples = [(name, ex["value"]) for name, ex in (media.get("examples") or {}).items()]
        for name, body in examples:
            found.append(Probe(vendor, op.operation_id, op.method, path, query, values, body, f"example {name}"))
        if not examples:
            continue
        name, body = examples[0]
        leaves = list(_leaves(body))
        if leaves and leaves[0][0]:
            at, value = leaves[0]
            found.append(Probe(vendor, op.operation_id, op.method, path, query, values, _replaced(body, at, _wrong_type(value)),
                               f"example {name} with {'.'.join(map(str, at))} of the wrong type"))
        missing = _without_a_required_field(body, media.get("schema", {}))
        if missing:
            found.append(Probe(vendor, op.operation_id, op.method, path, query, values, missing[0],
                               f"example {name} without required {missing[1]}"))
        address = next(((at, value) for at, value in leaves if at and _is_address(value)), None)
        if address:
            found.append(Probe(vendor, op.operation_id, op.method, path, query, values, _replaced(body, address[0], BAD_ADDRESS),
                               f"example {name} with {'.'.join(map(str, address[0]))}={BAD_ADDRESS!r}"))
    return found


@pytest.fixture(scope="module")
def emulator():
    """Its own emulator (clients are who they are: no X-Forwarded-For trust), seeded like the session one."""
    from allowlist_emulator.app import Options
    from allowlist_emulator.server import EmulatorServer

    with EmulatorServer(Options(seed=1234)) as running:
        yield running


@pytest.fixture(scope="module")
def prisms(emulator):
    """``prism proxy specs/<vendor>.yaml <emulator>/<base> --errors`` per vendor, each on a free loopback port,
    started together and stopped (their process groups, by id) at the end."""
    prism = _tool("prism")
    started: dict[str, tuple[subprocess.Popen, str]] = {}
    try:
        for vendor in VENDORS:
            port = free_port()
            upstream = emulator.url + emulator.emulator.base_path(vendor)
            process = subprocess.Popen(
                [str(prism), "proxy", str(ROOT / "specs" / f"{vendor}.yaml"), upstream, "--errors",
                 "--host", "127.0.0.1", "--port", str(port)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True, cwd=ROOT)
            started[vendor] = (process, f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 120
        for vendor, (process, url) in started.items():
            while True:
                if process.poll() is not None:
                    pytest.fail(f"prism for {vendor} exited {process.returncode}: {process.stdout.read()[-2000:]}")
                try:
                    requests.get(url + "/", timeout=2)
                    break
                except requests.ConnectionError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"prism for {vendor} did not start listening on {url} within 120 s")
                    time.sleep(0.3)
        yield {vendor: url for vendor, (_, url) in started.items()}
    finally:
        for process, _ in started.values():
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process, _ in started.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=10)


def _session(emulator, vendor: str, probe: Probe, namespace: str) -> requests.Session:
    session = requests.Session()
    session.headers["X-Emulator-Namespace"] = namespace
    creds = CREDENTIALS[vendor]
    session.headers.update(creds.get("headers", {}))
    session.auth = creds.get("auth")
    if vendor == "b2core":
        if probe.operation_id == "createToken":
            session.auth = ("b2core-client", "b2core-secret")
        else:
            token = session.post(emulator.url + emulator.emulator.base_path("b2core") + "/tokens", timeout=10,
                                 auth=("b2core-client", "b2core-secret"), json={"grant_type": "client_credentials"})
            session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session


def _prepare(session: requests.Session, base: str, vendor: str, probe: Probe, depth: int = 0) -> str:
    """Make the probed resource exist, as the spec's OpenAPI links say (the create operation linking to the probed
    one, itself prepared the same way, sent with its first example, straight to the emulator), so that the answer
    is about the request, not about a missing resource. The probe's path, with the created resource's id."""
    spec = vendor_spec(vendor)
    if depth > 3:
        return probe.path
    for op in spec.operations:
        if op.operation_id == probe.operation_id:
            continue
        raw = spec.resolved["paths"][op.path][op.method.lower()]
        for status, response in raw.get("responses", {}).items():
            for link in (response.get("links") or {}).values():
                if link.get("operationId") != probe.operation_id:
                    continue
                create = next(p for p in probes(vendor) if p.operation_id == op.operation_id
                              and p.variant.startswith("example"))
                create_path = _prepare(session, base, vendor, create, depth + 1)
                made = session.request(create.method, base + create_path, params={**create.query, **probe.query},
                                       json=create.body, timeout=30)
                if made.status_code != int(status):
                    return probe.path  # could not be made: the probe meets the seeded state
                values = dict(probe.path_values)
                for name, expression in (link.get("parameters") or {}).items():
                    if isinstance(expression, str) and expression.startswith("$response.body#") and name in values:
                        node: Any = made.json()
                        for part in [p for p in expression.split("#", 1)[1].split("/") if p]:
                            node = node[int(part)] if isinstance(node, list) else node[part]
                        values[name] = node
                template = next(o.path for o in spec.operations if o.operation_id == probe.operation_id)
                for name, value in values.items():
                    template = template.replace("{" + name + "}", str(value))
                return template
    return probe.path


def _send(emulator, vendor: str, base: str, probe: Probe, namespace: str) -> tuple[requests.Response, str]:
    session = _session(emulator, vendor, probe, namespace)
    path = _prepare(session, emulator.url + emulator.emulator.base_path(vendor), vendor, probe)
    kwargs: dict[str, Any] = {"params": probe.query, "timeout": 30}
    if probe.body is not None:
        kwargs["json"] = probe.body
    return session.request(probe.method, base + path, **kwargs), path


def _reached_emulator(emulator, vendor: str, probe: Probe, path: str, namespace: str) -> bool:
    """Whether the journal of ``namespace`` holds the probed request: did Prism pass it upstream?"""
    journal = requests.get(emulator.url + "/_emulator/requests", headers={"X-Emulator-Namespace": namespace},
                           params={"vendor": vendor}, timeout=10).json()["requests"]
    return any(e["operationId"] == probe.operation_id and e["path"].endswith(path) for e in journal)


@pytest.mark.parametrize("vendor", VENDORS)
def test_prism_proxy_and_the_emulator_agree_on_validity(emulator, prisms, vendor):
    """Each probe is sent through Prism into a fresh namespace and straight to the emulator into another fresh one
    (so both meet the same seeded state). Prism passing it upstream must match the emulator not refusing it, and
    what Prism passed must come back with the emulator's own status."""
    direct_base = emulator.url + emulator.emulator.base_path(vendor)
    agree, disagree = 0, []
    for probe in probes(vendor):
        tag = uuid.uuid4().hex[:10]
        via_prism, path = _send(emulator, vendor, prisms[vendor], probe, f"prism-{tag}")
        forwarded = _reached_emulator(emulator, vendor, probe, path, f"prism-{tag}")
        direct, path = _send(emulator, vendor, direct_base, probe, f"direct-{tag}")
        accepted = direct.status_code not in REFUSALS and direct.status_code < 500
        where = f"{probe.method} {path} {probe.variant}"
        if forwarded != accepted:
            disagree.append(f"{where}: Prism {'passed it upstream' if forwarded else 'refused it'} "
                            f"({via_prism.status_code} {via_prism.text[:300]}), "
                            f"the emulator answered {direct.status_code} {direct.text[:300]}")
        elif forwarded and via_prism.status_code != direct.status_code:
            disagree.append(f"{where}: through Prism {via_prism.status_code} {via_prism.text[:300]}, "
                            f"straight {direct.status_code} {direct.text[:300]}")
        else:
            agree += 1
    print(f"{vendor}: Prism and the emulator agree on {agree} of {agree + len(disagree)} requests")
    assert agree >= 10
    assert not disagree, f"{len(disagree)} disagreement(s) for {vendor}:\n" + "\n".join(disagree)
