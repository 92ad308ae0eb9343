"""Run schemathesis against a base URL with the project's spec: :func:`run_contract`, shared by the CLI, the
project's tests and the pytest hook.

Expected findings: an operation's ``x-fidelity`` entry with ``check`` (a schemathesis check name), ``answer`` (a
regular expression searched in the failing answer, ``"<status> <body>"``) and ``reason`` marks a check failure the
emulator gives by design (e.g. ``positive_data_acceptance`` on a duplicate, a rule no schema can state). Such a
failure is recorded in :attr:`OperationResult.expected` (and printed), not in ``failures``; any other stays a failure.

How: the vendor's spec (``vendor_spec(key).document``) is loaded with ``schemathesis.openapi.from_dict`` and a
``schemathesis.Config`` built here (base URL, seed, checks, phases, max examples), the vendor's auth adapter is
attached with ``schema.auth.set_from_requests``, and the run is schemathesis's own engine
(``schemathesis.engine.from_schema(schema).execute()``), whose event stream is folded into a :class:`Result`:
per operation the cases sent, the statuses seen and the failing checks.
"""

from __future__ import annotations

import copy
import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import urlsplit

import requests

from ..engine.spec import vendor_spec
from ..state.namespaces import split_namespace_path
from .auth import Credentials, VendorAuth, make_auth
from .choices import (CHECKS, DEFAULT_MAX_EXAMPLES, PHASES, SCHEMATHESIS_CHECKS, NamespaceConflict,
                      url_namespace, vendors)
from .safety import GuardedAuth, RestoreReport, make_safety

NAMESPACE_HEADER = "X-Emulator-Namespace"


def __getattr__(name: str):
    if name == "VENDORS":  # read from the registry when asked, as ``vendors()``
        return vendors()
    raise AttributeError(name)


@dataclass
class CheckFailure:
    check: str
    operation: str  # operationId (or the schemathesis label when unknown)
    label: str  # "METHOD /path"
    title: str
    message: str
    phase: str
    reproduce: str = ""  # curl command(s)
    response: str = ""  # the answer that failed the check: "<status> <body>" (x-fidelity answers are matched on it)

    def line(self) -> str:
        return f"{self.check}: {self.operation} ({self.label}): {self.title}. {self.message}".strip()


@dataclass(frozen=True)
class Expectation:
    """An ``x-fidelity`` entry that names a check failure the emulator gives by design (see the module docstring)."""

    check: str
    answer: re.Pattern
    reason: str
    gap: str

    def covers(self, failure: CheckFailure) -> bool:
        return failure.check == self.check and bool(failure.response) and bool(self.answer.search(failure.response))


def _fidelity_sources(op) -> list[tuple[str, list]]:
    """Where an operation's expected findings are written: its own ``x-fidelity``, and that of every part it takes
    (its request body, any schema inside the body, its parameters and their schemas). A rule written once on a shared
    part (a request body, an address schema) applies to every operation that has the part."""
    raw = op.raw
    sources = [(op.operation_id, raw.get("x-fidelity") or [])]
    seen: set[int] = set()

    def walk(node, where: str) -> None:
        if isinstance(node, dict):
            if id(node) in seen:
                return
            seen.add(id(node))
            entries = node.get("x-fidelity")
            if isinstance(entries, list) and entries:
                sources.append((where, entries))
            for key, child in node.items():
                if key not in ("x-fidelity", "examples", "example", "default", "const", "enum"):
                    walk(child, where)
        elif isinstance(node, list):
            for child in node:
                walk(child, where)

    walk(raw.get("requestBody") or {}, "requestBody")
    for param in raw.get("parameters") or []:
        walk(param, f"parameter {param.get('name')}")
    return sources


def expectations(spec) -> dict[str, tuple[Expectation, ...]]:
    """Per operationId, the expected check failures its ``x-fidelity`` lists (with those of its request body and
    parameters, see :func:`_fidelity_sources`). A malformed entry raises ValueError."""
    found: dict[str, tuple[Expectation, ...]] = {}
    compiled: dict[tuple[str, str], Expectation] = {}  # one Expectation per rule, shared by its operations
    for op in spec.operations:
        items: list[Expectation] = []
        for source, entries in _fidelity_sources(op):
            for entry in entries:
                keys = {"check", "answer", "reason"} & set(entry)
                if not keys:
                    continue
                where = f"specs/{spec.vendor}.yaml {op.operation_id} ({source}) x-fidelity {entry.get('gap', '')[:60]!r}"
                if keys != {"check", "answer", "reason"} or not all(isinstance(entry[k], str) and entry[k] for k in keys):
                    raise ValueError(f"{where}: an expected finding needs check, answer and reason (non-empty strings)")
                if entry["check"] not in SCHEMATHESIS_CHECKS:
                    raise ValueError(f"{where}: unknown check {entry['check']!r}")
                key = (entry["check"], entry["answer"])
                if key not in compiled:
                    try:
                        pattern = re.compile(entry["answer"])
                    except re.error as exc:
                        raise ValueError(f"{where}: answer is not a regular expression: {exc}") from None
                    compiled[key] = Expectation(entry["check"], pattern, entry["reason"], entry.get("gap", ""))
                if compiled[key] not in items:
                    items.append(compiled[key])
        if items:
            found[op.operation_id] = tuple(items)
    return found


@dataclass
class OperationResult:
    operation_id: str
    label: str
    cases: int = 0  # requests that got an answer
    statuses: Counter = field(default_factory=Counter)
    phases: set[str] = field(default_factory=set)
    failures: list[CheckFailure] = field(default_factory=list)
    expected: list[tuple[CheckFailure, Expectation]] = field(default_factory=list)  # listed in x-fidelity
    excluded: str | None = None  # why it did not run (read-only run, live-target guard)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.excluded:
            state = "SKIPPED"
            detail = self.excluded
        else:
            state = "FAILED" if self.failures else ("PASSED" if self.cases else "UNTESTED")
            statuses = ", ".join(f"{code}×{n}" for code, n in sorted(self.statuses.items()))
            detail = f"{self.cases} requests [{statuses}]"
            if self.failures:
                detail += "; failed: " + ", ".join(sorted({f.check for f in self.failures}))
            if self.expected:
                detail += "; expected (x-fidelity): " + ", ".join(sorted({f.check for f, _ in self.expected}))
        return f"{state:8} {self.operation_id:36} {self.label:60} {detail}"


@dataclass
class Result:
    vendor: str
    base_url: str
    emulator: bool
    namespace: str | None
    seed: int
    allow_writes: bool
    phases: tuple[str, ...]
    operations: dict[str, OperationResult]  # by operationId
    errors: list[str] = field(default_factory=list)  # run-level problems (unreachable target, schema errors, ...)
    restore: RestoreReport | None = None
    interrupted: bool = False
    elapsed: float = 0.0
    identity: str = ""
    stopped: str = ""  # why the run stopped before sending a request (unreachable target, wrong base URL)

    @property
    def failures(self) -> list[CheckFailure]:
        return [f for op in self.operations.values() for f in op.failures]

    @property
    def failed_checks(self) -> set[str]:
        return {f.check for f in self.failures}

    @property
    def tested(self) -> list[str]:
        return [op.operation_id for op in self.operations.values() if op.cases and not op.excluded]

    @property
    def untested(self) -> list[str]:
        return [op.operation_id for op in self.operations.values() if not op.cases and not op.excluded]

    @property
    def ok(self) -> bool:
        return (not self.failures and not self.errors and not self.interrupted and not self.untested
                and not self.stopped
                and (self.restore is None or self.restore.ok))

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    @property
    def expected(self) -> list[tuple[CheckFailure, Expectation]]:
        return [pair for op in self.operations.values() for pair in op.expected]

    def failures_of(self, check: str) -> list[CheckFailure]:
        return [f for f in self.failures if f.check == check]

    def summary(self, details: bool = True) -> str:
        if self.stopped:
            return f"contract {self.vendor} against {self.base_url}\n\nFAILED: nothing was run: {self.stopped}"
        target = f"{self.base_url} ({'emulator, namespace ' + str(self.namespace) if self.emulator else 'live target'})"
        lines = [
            f"contract {self.vendor} against {target}",
            f"  as {self.identity}; {'reads and writes' if self.allow_writes else 'read-only (no --allow-writes)'}; "
            f"phases {', '.join(self.phases)}; seed {self.seed}",
            "",
        ]
        lines += ["  " + op.summary() for op in self.operations.values()]
        if details and self.failures:
            lines += ["", "Failures:"]
            seen = set()
            for failure in self.failures:
                key = (failure.check, failure.operation, failure.title)
                if key in seen:
                    continue
                seen.add(key)
                lines.append(f"  - {failure.line()}")
                if failure.reproduce:
                    lines += ["      " + row for row in failure.reproduce.splitlines()[:6]]
                if failure.response:
                    lines.append(f"      answered {failure.response[:500]}")
        if details and self.expected:
            lines += ["", "Expected (listed with their reason in the operation's x-fidelity):"]
            seen_expected = set()
            for failure, why in self.expected:
                if (failure.operation, why) in seen_expected:
                    continue
                seen_expected.add((failure.operation, why))
                lines.append(f"  - {failure.check}: {failure.operation}: answered {failure.response[:160]}")
                lines.append(f"      because {why.reason}")
        if self.errors:
            lines += ["", "Errors:"] + [f"  - {e[:500]}" for e in self.errors[:20]]
        if self.restore is not None:
            lines.append("")
            if self.restore.ok:
                lines.append(f"Restored: {', '.join(self.restore.restored) or 'nothing was written'}")
            else:
                lines += ["Restore problems:"] + [f"  - {p[:500]}" for p in self.restore.problems[:20]]
                if len(self.restore.problems) > 20:
                    lines.append(f"  … and {len(self.restore.problems) - 20} more")
        if self.interrupted:
            lines.append("Interrupted.")
        if self.untested:
            lines.append(f"Not exercised: {', '.join(self.untested)}")
        counts = Counter("failed" if op.failures else "skipped" if op.excluded else "passed" if op.cases else "untested"
                         for op in self.operations.values())
        verdict = "PASSED" if self.ok else "INTERRUPTED" if self.interrupted else "FAILED"
        lines += ["", f"{verdict}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
                  + f" in {self.elapsed:.1f}s"]
        return "\n".join(lines)


def detect_emulator(base_url: str, vendor: str, timeout: float = 5.0, verify: bool | str = True) -> dict | None:
    """The emulator's health document when ``base_url``'s origin answers ``GET /_emulator/health`` like one."""
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    try:
        response = requests.get(origin + "/_emulator/health", timeout=timeout, verify=verify)
        data = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None
    if isinstance(data, dict) and data.get("status") == "ok" and isinstance(data.get("vendors"), list):
        return data
    return None


def _config(base_url: str, seed: int, max_examples: int, phases: Sequence[str], checks: Iterable[str],
            headers: dict[str, str], request_timeout: float, verify: bool | str, workers: int,
            unexpected_methods: list[str] | None = None):
    from schemathesis.config import SchemathesisConfig

    data: dict = {
        "seed": seed,
        "base-url": base_url,
        "workers": workers,
        "request-timeout": request_timeout,
        "tls-verify": verify,
        "generation": {"max-examples": max_examples, "database": "none"},  # runs are reproduced by --seed
        "checks": {"enabled": False, **{name: {"enabled": True} for name in checks if name in SCHEMATHESIS_CHECKS}},
        # Go on after a failure: an expected one (x-fidelity) must not end the scenario before an unexpected one.
        "continue-on-failure": True,
        "phases": {name: {"enabled": name in phases} for name in PHASES},
    }
    if unexpected_methods is not None:
        data["phases"]["coverage"]["unexpected-methods"] = unexpected_methods
    if headers:
        data["headers"] = headers
    return SchemathesisConfig.from_dict(data)


@dataclass
class Target:
    """Where a run goes, as the target itself says: an emulator (its health document) or a live deployment."""

    base_url: str
    emulator: bool
    namespace: str | None
    headers: dict[str, str]
    health: dict | None = None
    note: str = ""  # what was found out (printed): e.g. the base read from /_emulator/health
    error: str = ""  # why the run cannot start: nothing is sent then


def _check_choices(vendor: str, phases: Sequence[str]) -> None:
    if vendor not in vendors():
        raise ValueError(f"unknown vendor {vendor!r}; known: {', '.join(vendors())}")
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        raise ValueError(f"unknown phase(s) {', '.join(unknown)}; known: {', '.join(PHASES)}")


def _unreachable(base_url: str, timeout: float, verify: bool | str) -> str | None:
    """Why nothing at ``base_url`` answers (connection refused, no such host, TLS), or None when something does."""
    try:
        requests.get(base_url, timeout=min(timeout, 10.0), verify=verify, allow_redirects=False).close()
    except requests.exceptions.SSLError as exc:
        return f"TLS with {base_url} failed ({_first_line(exc)}); --insecure skips the certificate check"
    except (requests.ConnectionError, requests.Timeout) as exc:
        return f"nothing answers at {base_url} ({_first_line(exc)})"
    except requests.RequestException:
        return None
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out", "No route to host"):
        if marker in text:
            return marker.lower()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _find_target(vendor: str, base_url: str, namespace: str | None, verify: bool | str, timeout: float) -> Target:
    """The emulator's health document tells the namespace in force and where it serves ``vendor``: a server root given
    for a vendor served below a mount (B2Core's ``/b2core``) is completed from it; any other path that is not the
    vendor's base stops the run, naming the URL to use. Anything that does not answer as an emulator is a live target;
    one that does not answer at all stops the run before any phase."""
    health = detect_emulator(base_url, vendor, verify=verify)
    if health is None:
        problem = _unreachable(base_url, timeout, verify)
        return Target(base_url, False, None, {}, error=problem or "")
    pinned = health["namespace"] if health.get("listener") else None  # a namespace listener's port
    if pinned is not None and namespace is not None and namespace != pinned:
        raise NamespaceConflict(f"namespace {namespace!r} and the base URL (a listener of namespace {pinned!r}) name "
                                f"different namespaces")
    # a base URL under /_ns/<name> or on a listener has chosen the namespace: the header names it too
    namespace = url_namespace(base_url) or pinned or namespace or f"contract-{uuid.uuid4().hex[:12]}"
    target = Target(base_url, True, namespace, {NAMESPACE_HEADER: namespace}, health)
    if vendor not in health.get("vendors", []):
        target.error = f"the emulator at {base_url} does not serve {vendor} (it serves {', '.join(health['vendors'])})"
        return target
    mount = str((health.get("bases") or {}).get(vendor) or "/").rstrip("/")
    parts = urlsplit(base_url)
    in_ns = split_namespace_path(parts.path)
    prefix = parts.path[: len(parts.path) - len(in_ns[1])] if in_ns else ""
    path = (in_ns[1] if in_ns else parts.path).rstrip("/")
    if path == mount:
        return target
    wanted = f"{parts.scheme}://{parts.netloc}{prefix.rstrip('/')}{mount}"
    if path == "":
        target.base_url = wanted
        target.note = f"{vendor} is served at {wanted} (its base, from /_emulator/health)"
    else:
        target.error = f"the emulator serves {vendor} at {wanted}, not at {base_url}: use --url {wanted}"
    return target


def _select(spec, results: dict[str, OperationResult], operations: Iterable[str] | None, allow_writes: bool,
            safety) -> list[str]:
    """Mark the operations left out (not selected, a write in a read-only run, a live-target guard); the rest run."""
    selected = set(operations) if operations is not None else set(results)
    for op in spec.operations:
        if op.operation_id not in selected:
            results[op.operation_id].excluded = "not selected"
        elif not allow_writes and op.method != "GET":
            results[op.operation_id].excluded = "writes need --allow-writes"
    if safety is not None:
        try:
            for op_id, reason in safety.exclusions().items():
                if op_id in results and not results[op_id].excluded:
                    results[op_id].excluded = f"live-target guard: {reason}"
        except requests.RequestException as exc:  # when in doubt, no writes
            for op in spec.operations:
                if op.method != "GET" and not results[op.operation_id].excluded:
                    results[op.operation_id].excluded = f"live-target guard: the enforcement state could not be read ({exc})"
    return [op_id for op_id, op in results.items() if not op.excluded]


def _unexpected_methods(spec, run_ids: list[str], results: dict) -> list[str] | None:
    """The coverage phase also sends methods a path does not declare (expecting 405). Schemathesis judges "declared"
    on the filtered schema, so a left-out operation's method would reach the real handler: with any operation left
    out, only methods the spec uses nowhere are sent that way."""
    if len(run_ids) == len(results):
        return None
    used = {op.method.lower() for op in spec.operations}
    return sorted({"get", "put", "post", "delete", "options", "patch", "trace", "query"} - used)


def _schemathesis_schema(spec, config, run_ids: list[str], auth):
    """The spec as schemathesis loads it, narrowed to ``run_ids``, with the run's auth adapter; None when empty."""
    import schemathesis

    from .formats import register as register_formats

    register_formats()
    if not run_ids:
        return None
    schema = schemathesis.openapi.from_dict(copy.deepcopy(spec.document), config=config).include(operation_id=run_ids)
    schema.auth.set_from_requests(auth)
    return schema


#: Why schemathesis skipped a phase, in words (its PhaseSkipReason values).
SKIP_REASONS = {
    "disabled": "left out (--phases, --no-stateful)",
    "not_supported": "not supported for this spec",
    "not_applicable": "no OpenAPI link between the operations run (a read-only run has no create to follow)",
    "failure_limit_reached": "stopped: the failure limit was reached",
    "server_unavailable": "stopped: the server stopped answering",
    "nothing_to_test": "nothing to test",
    "no_checks_ran": "no check applied to the requests it sent",
}


class _Fold:
    """Folds schemathesis' events into the run's :class:`Result` (per operation: requests, statuses, phases, failing
    checks, each matched against the expected findings), and reports each phase's outcome in words."""

    def __init__(self, result: Result, spec, expected_by_op: dict, say: Callable[[str], None], partial: bool):
        self.result = result
        self.results = result.operations
        self.by_label = {f"{op.method} {op.path}": op.operation_id for op in spec.operations}
        self.expected_by_op = expected_by_op
        self.say = say
        self.partial = partial  # some operations are left out
        self.seen_failures: set[tuple] = set()
        self.phase_requests: Counter = Counter()
        self.phase_unexpected: Counter = Counter()
        self.phase_expected: Counter = Counter()
        self.scenarios = 0
        self.last_report = time.monotonic()

    def event(self, event) -> None:
        from schemathesis.engine import events

        if isinstance(event, events.ScenarioFinished):
            self.fold(event.recorder, _value(event.phase))
            self.scenarios += 1
            if time.monotonic() - self.last_report >= PROGRESS_EVERY:
                self.last_report = time.monotonic()
                phase = _value(event.phase)
                self.say(f"  phase {phase}: {self.phase_requests[phase]} requests so far…")
        elif isinstance(event, events.NonFatalError):
            text = f"{event.label}: {event.info.title}: {event.info.message}".strip()
            if "excluded by filters" in text and self.partial:
                # A run with operations left out (read-only, --operation, a live-target guard) may leave the stateful
                # phase without a complete link (create → get/update/delete): nothing to test, not an error.
                return
            if text not in self.result.errors:
                self.result.errors.append(text)
        elif isinstance(event, events.FatalError):
            self.result.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.Interrupted):
            self.result.interrupted = True
        elif isinstance(event, events.PhaseFinished):
            self.phase_finished(event)
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures or []:
                op_id = self.by_label.get(failure.operation or "", failure.operation or "run")
                target = self.results.setdefault(op_id, OperationResult(op_id, failure.operation or ""))
                checks = getattr(failure, "checks", None)
                target.failures.append(CheckFailure(check=checks[0] if checks else "after_run", operation=op_id,
                                                    label=failure.operation or "", title=failure.title,
                                                    message=failure.message, phase="after-run"))

    def phase_finished(self, event) -> None:
        name = _value(event.phase.name)
        if name not in PHASES:
            return  # probing, schema analysis, auth bootstrap: schemathesis' own preparations
        if _value(event.status) == "skip":
            reason = _value(getattr(event.phase, "skip_reason", None) or "")
            self.say(f"  phase {name}: skipped, {SKIP_REASONS.get(reason, reason.replace('_', ' ') or 'nothing to run')}")
            return
        requests_sent = self.phase_requests[name]
        unexpected, expected = self.phase_unexpected[name], self.phase_expected[name]
        if not requests_sent and name == "stateful" and self.partial:
            self.say(f"  phase {name}: skipped, {SKIP_REASONS['not_applicable']}")
            return
        verdict = (f"FAILED, {unexpected} unexpected finding{'s' * (unexpected != 1)}" if unexpected
                   else "passed" + (f" ({expected} expected finding{'s' * (expected != 1)}, see x-fidelity)"
                                    if expected else ""))
        self.say(f"  phase {name}: {requests_sent} request{'s' * (requests_sent != 1)}, {verdict}")

    def fold(self, recorder, phase: str) -> None:
        from schemathesis.engine import Status

        for case_id, node in recorder.cases.items():
            op_id = self.by_label.get(node.value.operation.label)
            interaction = recorder.interactions.get(case_id)
            if op_id is None or interaction is None or interaction.response is None:
                continue
            op = self.results[op_id]
            op.cases += 1
            op.statuses[interaction.response.status_code] += 1
            op.phases.add(phase)
            self.phase_requests[phase] += 1
        for case_id, checks_done in recorder.checks.items():
            node = recorder.cases.get(case_id)
            label = node.value.operation.label if node is not None else recorder.label
            for check in checks_done:
                if check.status != Status.FAILURE or check.failure_info is None:
                    continue
                self.failure(check, label, recorder.interactions.get(case_id), phase)

    def failure(self, check, label: str, interaction, phase: str) -> None:
        failure = check.failure_info.failure
        label = failure.operation or label
        op_id = self.by_label.get(label, label)
        answer = interaction.response if interaction is not None else None
        record = CheckFailure(check=check.name, operation=op_id, label=label, title=failure.title,
                              message=failure.message.strip(), phase=phase,
                              reproduce=check.failure_info.code_sample or "",
                              response=f"{answer.status_code} {answer.content[:65536].decode('utf-8', 'replace')}"
                              if answer is not None else "")
        why = next((e for e in self.expected_by_op.get(op_id, ()) if e.covers(record)), None)
        key = (check.name, op_id, failure.title, failure.message, why)
        if key in self.seen_failures:
            return
        self.seen_failures.add(key)
        target = self.results.get(op_id)
        if target is None:
            target = self.results.setdefault(op_id, OperationResult(op_id, label))
        if why is None:
            target.failures.append(record)
            self.phase_unexpected[phase] += 1
        else:
            target.expected.append((record, why))
            self.phase_expected[phase] += 1


PROGRESS_EVERY = 3.0  # seconds between progress lines within a phase


def _value(item) -> str:
    return str(getattr(item, "value", item))


def run_contract(
    vendor: str,
    base_url: str,
    auth: Credentials | VendorAuth | None = None,
    allow_writes: bool = False,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    seed: int | None = None,
    report: str | Path | None = None,
    *,
    phases: Sequence[str] = PHASES,
    checks: Iterable[str] = tuple(CHECKS),
    namespace: str | None = None,
    operations: Iterable[str] | None = None,
    request_timeout: float = 10.0,
    verify: bool | str = True,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Run the contract suite of ``vendor`` against ``base_url`` (where the vendor's spec paths start; against an
    emulator its root will do: the vendor's base is read from ``/_emulator/health``).

    ``auth``: :class:`Credentials` (missing ones fall back to the demo identities) or a ready adapter.
    Without ``allow_writes`` only GET operations run. With it, every scope the run writes to is snapshotted before
    the first write and restored at the end, also on failure and Ctrl-C; on live targets (anything that does not
    answer ``/_emulator/health``) the operations in ``safety.py``'s guards are left out.
    ``namespace``: the ``X-Emulator-Namespace`` to use against an emulator (default: the ``/_ns/<name>`` of
    ``base_url``, else a fresh one per run).
    ``operations``: run only these operationIds.

    The steps: check the choices, find the target (:func:`_find_target`), select the operations (:func:`_select`),
    load the spec into schemathesis (:func:`_schemathesis_schema`), send the address probes, run schemathesis' engine
    and fold its events (:class:`_Fold`), restore what was written, write the report.
    """
    checks = tuple(checks)
    _check_choices(vendor, phases)
    base_url = base_url.rstrip("/")
    in_url = url_namespace(base_url)
    if in_url is not None and namespace is not None and namespace != in_url:
        raise NamespaceConflict(f"namespace {namespace!r} and the base URL (/_ns/{in_url}) name different namespaces")
    started = time.monotonic()
    seed = seed if seed is not None else int.from_bytes(uuid.uuid4().bytes[:4], "big")
    say = progress or (lambda _line: None)
    spec = vendor_spec(vendor)
    results = {op.operation_id: OperationResult(op.operation_id, f"{op.method} {op.path}") for op in spec.operations}

    target = _find_target(vendor, base_url, namespace, verify, request_timeout)
    headers = dict(target.headers)
    adapter = auth if isinstance(auth, VendorAuth) else make_auth(vendor, target.base_url, auth, headers=headers,
                                                                  verify=verify)
    adapter.add_headers(headers)  # e.g. a token request: tokens are per namespace on an emulator
    result = Result(vendor=vendor, base_url=target.base_url, emulator=target.emulator, namespace=target.namespace,
                    seed=seed, allow_writes=allow_writes, phases=tuple(phases), operations=results,
                    identity=adapter.describe())
    if target.note:
        say(f"contract {vendor}: {target.note}")
    if target.error:
        result.stopped = target.error
        result.errors.append(target.error)
        for op in results.values():
            op.excluded = op.excluded or "the run did not start"
        return _finished(result, started, report)

    session = requests.Session()
    session.headers.update(headers)
    session.auth = adapter
    session.verify = verify
    safety = (make_safety(vendor, target.base_url, session, adapter, live=not target.emulator)
              if allow_writes else None)
    stream = None
    try:
        run_ids = _select(spec, results, operations, allow_writes, safety)
        config = _config(target.base_url, seed, max_examples, phases, checks, headers, request_timeout, verify,
                         workers, _unexpected_methods(spec, run_ids, results))
        schema = _schemathesis_schema(spec, config, run_ids, GuardedAuth(adapter, safety))
        if schema is None:
            result.errors.append("no operation left to run")
            return result
        if allow_writes and "invalid_address_rejection" in checks:
            _address_probes(spec, set(run_ids), target.base_url, session, GuardedAuth(adapter, safety),
                            request_timeout, results, say)
        say(f"contract {vendor}: {len(run_ids)} operations against {target.base_url}"
            + (f" (emulator namespace {target.namespace})" if target.emulator else " (live target)")
            + f", seed {seed}")
        from schemathesis.engine import from_schema

        fold = _Fold(result, spec, expectations(spec), say, partial=len(run_ids) < len(results))
        stream = from_schema(schema).execute()
        for event in stream:
            fold.event(event)
    except KeyboardInterrupt:
        result.interrupted = True
        if stream is not None:
            stream.stop()
    finally:
        if safety is not None:
            say("restoring what the run wrote…")
            result.restore = _restore_uninterruptibly(safety)
            result.errors.extend(safety.errors)
        session.close()
        _finished(result, started, report)
    return result


def _finished(result: Result, started: float, report: str | Path | None) -> Result:
    result.elapsed = time.monotonic() - started
    _write_report(result, report)
    return result


def _address_probes(spec, operation_ids, base_url, session, auth, timeout, results, say) -> None:
    from .probes import CHECK, run_probes

    done = run_probes(spec, operation_ids, base_url, session, auth, timeout)
    if done:
        say(f"  address probes: {len(done)} requests")
    for probe, response, error in done:
        op = results[probe.operation.operation_id]
        where = f"{probe.operation.method} {probe.path} with {probe.field}={probe.bad!r}"
        if response is None:
            op.failures.append(CheckFailure(CHECK, op.operation_id, op.label, "Network error", f"{where}: {error}",
                                            "address-probes"))
            continue
        op.cases += 1
        op.statuses[response.status_code] += 1
        op.phases.add("address-probes")
        if 200 <= response.status_code < 300:
            op.failures.append(CheckFailure(
                CHECK, op.operation_id, op.label, "Invalid address accepted",
                f"{where} answered {response.status_code}; a malformed address must be refused with 4xx",
                "address-probes", reproduce=f"body: {json.dumps(probe.body)[:500]}"))
        elif response.status_code >= 500:
            op.failures.append(CheckFailure(
                "not_a_server_error", op.operation_id, op.label, "Server error",
                f"{where} answered {response.status_code}: {response.text[:200]}", "address-probes"))


def _restore_uninterruptibly(safety) -> RestoreReport:
    """Restore; a Ctrl-C during the restore is noted and the restore goes on (a second one in the CLI aborts)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return safety.restore()
    pressed: list[int] = []
    previous = signal.getsignal(signal.SIGINT)

    def note(signum, frame):  # pragma: no cover - interactive
        if pressed:
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        pressed.append(1)
        print("allowlist-emulator contract: restoring the target's allowlists; press Ctrl-C again to abort", flush=True)

    signal.signal(signal.SIGINT, note)
    try:
        return safety.restore()
    finally:
        signal.signal(signal.SIGINT, previous)


def _write_report(result: Result, report: str | Path | None) -> None:
    if report:
        from .report import write_junit

        write_junit(result, Path(report))
