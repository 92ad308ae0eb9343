"""Shared support for the control-plane tests: each response checked against specs/control/control.yaml, and a
schemathesis run against that document."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jsonschema_rs
import requests

from allowlist_emulator.control.spec import control_spec


@cache
def _routes() -> list[tuple[re.Pattern, str, Any]]:
    spec = control_spec()
    out = []
    for op in spec.operations:
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(op.path))
        out.append((re.compile(pattern + "$"), op.method, op))
    return out


@cache
def _validator(operation_id: str, status: str) -> Any:
    op = control_spec().by_id[operation_id]
    response = op.raw["responses"][status]
    content = response.get("content", {})
    schema = (content.get("application/json") or {}).get("schema")
    return jsonschema_rs.Draft202012Validator(schema) if schema is not None else None


def check_control(response: requests.Response) -> requests.Response:
    """AssertionError unless ``response`` (to a /_emulator request) has a declared status and a body its schema allows."""
    request = response.request
    path = re.sub(r"^/_ns/[^/]+", "", requests.utils.urlparse(request.url).path)
    found = [op for pattern, method, op in _routes() if method == request.method and pattern.match(path)]
    assert found, f"{request.method} {path} is not an operation of specs/control/control.yaml"
    op = max(found, key=lambda o: len(o.path) - o.path.count("{") * 10)  # the literal path wins over a template
    status = str(response.status_code)
    assert status in op.statuses, f"{request.method} {path} answered {status}, not declared for {op.operation_id}: {response.text[:300]}"
    validator = _validator(op.operation_id, status)
    if validator is not None:
        body = response.json()
        errors = [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, f"{request.method} {path} → {status} does not fit {op.operation_id}: {errors[:3]}\n{response.text[:500]}"
    return response


class ControlClient:
    """requests to a running emulator's control plane, every response checked against the control spec."""

    def __init__(self, url: str, namespace: str | None = None):
        self.url = url.rstrip("/") + "/_emulator"
        self.session = requests.Session()
        if namespace:
            self.session.headers["X-Emulator-Namespace"] = namespace

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return check_control(self.session.request(method, self.url + path, timeout=30, **kwargs))


# Operations that hold a bounded resource (64 listeners, 1,000 fault rules per namespace), undone after each case as
# a test would, so that the fuzzing never meets the bound (its 503 is tested in test_listeners and test_hostile_memory)
UNDO = {"openListener": ("DELETE", "/_emulator/listeners"), "addFaults": ("DELETE", "/_emulator/faults")}


def _examples(operation: Any, mode: Any, excluded: list, session: requests.Session, seed: int, max_examples: int,
              failures: list[str], base_url: str) -> Any:
    """A hypothesis test sending ``max_examples`` cases of ``operation`` in generation ``mode``; failures collected."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    @hypothesis_seed(seed)
    @settings(max_examples=max_examples, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        try:
            response = case.call_and_validate(session=session, timeout=30, excluded_checks=excluded)
            if response.status_code == 400:
                assert response.json()["error"]["field"], response.text
            undo = UNDO.get(operation.definition.raw.get("operationId"))
            if undo is not None and response.status_code < 300:  # what a test would clean up: no capacity bound reached
                namespace = (case.headers or {}).get("X-Emulator-Namespace")
                session.request(undo[0], base_url + undo[1], timeout=30,
                                headers={"X-Emulator-Namespace": namespace} if namespace is not None else {})
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # schemathesis raises exception groups; every failure is reported
            failures.append(f"{operation.label} ({mode.value}): {type(exc).__name__}: {str(exc)[:600]}")

    return run


def operation_has_inputs(operation: Any) -> bool:
    raw = operation.definition.raw
    return bool(raw.get("parameters") or raw.get("requestBody") or operation.path_parameters)


def schemathesis_run(base_url: str, max_examples: int, seed: int, skip: tuple[str, ...] = ("events",)) -> list[str]:
    """Every check of schemathesis on every operation of the control spec (but ``skip``), ``max_examples`` each with
    a fixed seed; the failures found, as text (empty: none)."""
    import copy

    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.generation.modes import GenerationMode

    config = SchemathesisConfig.from_dict({
        "seed": seed, "base-url": base_url, "generation": {"max-examples": max_examples, "database": "none"},
    })
    schema = schemathesis.openapi.from_dict(copy.deepcopy(control_spec().document), config=config)
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    failures: list[str] = []
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("operationId") in skip:
            continue
        # an operation whose handler checks what its schema cannot say (x-checked-beyond-schema) may refuse
        # schema-valid data with 400 naming the field: every other check still runs on it
        excluded = [positive_data_acceptance] if operation.definition.raw.get("x-checked-beyond-schema") else []

        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode is GenerationMode.NEGATIVE and not operation_has_inputs(operation):
                continue
            _examples(operation, mode, excluded, session, seed, max_examples, failures, base_url)()
    return failures
