"""The ``--config`` file's one JSON Schema, assembled from each vendor's part (``vendors/<key>/config.py``), compiled
once with jsonschema-rs, and the check that names the first bad key by its path (``vendors.hdpx``,
``vendors.talend.ip_limt``, ``faults[0].status``).

Unknown keys are refused everywhere (``additionalProperties: false``). The schema checks shape and types; the vendor
models still check what a schema cannot say (an address that does not parse, a tenant that does not exist) and name
the key too. docs/configuration.md's reference is tested against this schema (tests/test_config.py).
"""

from __future__ import annotations

from typing import Any, Mapping

from .validate import compile_schema, describe

GENERATE = {"type": "integer", "minimum": 1, "maximum": 1_000_000,
            "description": "seed N fake entries made with Faker (the 'faker' extra), the same for the same --seed"}
_FAULT = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "namespace": {"type": "string", "minLength": 1}, "vendor": {"type": "string"}, "operationId": {"type": "string"},
        "probability": {"type": "number", "minimum": 0, "maximum": 1}, "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "message": {"type": "string"}, "latencyMs": {"type": "number", "minimum": 0, "maximum": 60000},
        "lognormal": {"type": "object"}, "drop": {"type": "boolean"}, "times": {"type": "integer", "minimum": 1},
    },
}
TOP_LEVEL: dict[str, dict] = {
    "faults": {"type": "array", "items": _FAULT, "description": "fault rules, as POST /_emulator/faults, plus namespace"},
    "journal_limit": {"type": "integer", "minimum": 1, "description": "requests kept for GET /_emulator/requests"},
    "max_namespaces": {"type": "integer", "minimum": 1, "description": "namespaces the emulator holds"},
    "trust_forwarded_for": {"type": "boolean", "description": "as --trust-forwarded-for"},
}


def config_schema(vendors: Mapping[str, Any]) -> dict:
    """The whole file's schema: the top-level keys, and ``vendors.<key>`` from each vendor's ``config_schema``
    (each also takes ``generate``)."""
    parts = {}
    for key, vendor in vendors.items():
        part = dict(vendor.config_schema)
        part["properties"] = {**part.get("properties", {}), "generate": GENERATE}
        parts[key] = part
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "vendors": {"type": ["object", "null"], "additionalProperties": False, "properties": parts},
            **TOP_LEVEL,
        },
    }


_COMPILED: dict[tuple, Any] = {}  # one validator per set of vendor parts (in practice: the registry's), compiled once


def _validator(vendors: Mapping[str, Any]) -> Any:
    key = tuple((name, id(vendor.config_schema)) for name, vendor in vendors.items())
    if key not in _COMPILED:
        _COMPILED[key] = compile_schema(config_schema(vendors))
    return _COMPILED[key]


def check_config(config: Any, vendors: Mapping[str, Any]) -> None:
    """Raise ValueError ``--config <path>: <problem>`` for the first (shallowest) violation of the schema.

    ``vendors`` is the registry: every registered vendor's section is accepted, served or not (``--vendor hdp`` with a
    config for every vendor)."""
    validator = _validator(vendors)
    config = _string_keys(config)  # YAML reads {2: ...} with an int key; JSON Schema (and jsonschema-rs) wants text
    if validator.is_valid(config):
        return
    problem = describe(validator, config, "config")
    text = problem.message
    if problem.rule == "AdditionalProperties":
        text = "unknown key" + _known(problem.field, vendors)
    raise ValueError(f"--config {problem.field or '(top level)'}: {text}")


def _string_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _string_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_string_keys(item) for item in value]
    return value


def _known(path: str, vendors: Mapping[str, Any]) -> str:
    """`` (known: a, b, c)`` for the object holding the unknown key at ``path``, when the schema lists its keys."""
    node: Any = config_schema(vendors)
    for part in path.replace("]", "").replace("[", ".").split(".")[:-1]:
        if part.isdigit() and "items" in node:
            node = node["items"]
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return ""
        while "anyOf" in node:
            node = next((n for n in node["anyOf"] if n.get("type") != "null"), {})
    names = sorted(node.get("properties", {}))
    return f" (known: {', '.join(names)})" if names else ""
