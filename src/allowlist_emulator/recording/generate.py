"""Generate the shipped fixtures: ``fixtures/<vendor>/<scenario>.yaml`` and ``fixtures/<vendor>/README.md``.

    python -m allowlist_emulator.recording.generate                 # every registered vendor, into ./fixtures
    python -m allowlist_emulator.recording.generate --vendor hdp    # one vendor
    python -m allowlist_emulator.recording.generate --check         # compare instead of writing; exit 1 on a difference

Each scenario (``scenarios.py``) runs through the real recording proxy (``proxy.Recorder``) against an in-process
emulator. The output is byte-for-byte deterministic:

* the emulator runs with a fixed ``--seed`` (ids, tokens and request ids come from it) and each scenario in its own
  namespace, whose clock is frozen at a fixed instant before the first call (timestamps, ObjectIds, X-Sdk-Date);
* the client sends a fixed set of headers (no library version in ``User-Agent``); the proxy drops ``Host`` and the
  namespace header, and generation drops the response's ``Date`` and ``Server`` (wall clock, aiohttp version);
* URLs are recorded as the vendor's production-like base (``demo.RECORDED_BASES``), whatever port things ran on;
* the YAML is written by a pure-Python dumper with fixed options.

Every response must have the status the scenario expects and validate against the vendor's spec, and together a
vendor's scenarios must succeed (2xx) at every operation of the spec, or generation fails.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import urlencode, urlsplit

import aiohttp
from aiohttp import web
from yarl import URL

from ..app import Options, build_app
from ..state.clock import parse_iso
from ..engine.spec import vendor_spec
from ..state import NAMESPACE_HEADER
from . import cassette as cas
from .demo import RECORDED_BASES
from .proxy import Recorder
from .scenarios import NO_BODY, Call, Scenario, Step
from ..vendors import REGISTRY

SEED = 20250115
FROZEN_AT = "2025-01-15T09:30:00+00:00"
USER_AGENT = "allowlist-emulator-fixtures"
DROPPED_RESPONSE_HEADERS = ("Date", "Server")
REGENERATE = "python -m allowlist_emulator.recording.generate"

# Each vendor folder's scenarios.py: its scenarios, and how a step's named credential is set on the request.
SCENARIOS: dict[str, list[Scenario]] = {
    key: vendor.part("scenarios").SCENARIOS for key, vendor in REGISTRY.items() if vendor.has("scenarios")}
AUTH: dict[str, Callable[[str, Call], None]] = {
    key: vendor.part("scenarios").authorize for key, vendor in REGISTRY.items() if vendor.has("scenarios")}


def default_fixtures_dir() -> Path:
    """``fixtures/`` of a source checkout (where the generator writes by default)."""
    return Path(__file__).resolve().parents[3] / "fixtures"


class GenerationError(RuntimeError):
    pass


# -- running a scenario ----------------------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\{(\w+)\}")


def _fill(value: Any, variables: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: variables[m.group(1)] if m.group(1) in variables else m.group(0), value)
    if isinstance(value, list):
        return [_fill(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, variables) for key, item in value.items()}
    return value


def _pick(document: Any, dotted: str) -> str:
    node = document
    for part in dotted.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return str(node)


async def _start(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def scenario_comment(scenario: Scenario) -> str:
    return (f"allowlist-emulator fixture {scenario.vendor}/{scenario.name}: {scenario.title}.\n"
            f"Recorded from the emulator (seed {SEED}, clock frozen at {FROZEN_AT}) through `allowlist-emulator record`;\n"
            f"credentials are <REDACTED>. Do not edit: regenerate with `{REGENERATE}`.")


async def run_scenario(client: aiohttp.ClientSession, emulator_url: str, mount: str, scenario: Scenario) -> Recorder:
    vendor = scenario.vendor
    namespace = f"fixtures-{vendor}-{scenario.name}"
    control = {NAMESPACE_HEADER: namespace}
    for body in ({"freeze": True}, {"set": FROZEN_AT}):  # frozen first, so "set" lands exactly on the instant
        async with client.post(f"{emulator_url}/_emulator/clock", json=body, headers=control) as response:
            if response.status != 200:
                raise GenerationError(f"setting the clock failed: {response.status} {await response.text()}")
    recorder = Recorder(vendor, emulator_url + mount, None, record_as=RECORDED_BASES[vendor],
                        drop_response_headers=DROPPED_RESPONSE_HEADERS, stream=io.StringIO())
    runner, proxy_url = await _start(recorder.app())
    emulator_host = urlsplit(emulator_url).netloc
    variables: dict[str, str] = {}
    try:
        for number, step in enumerate(scenario.steps):
            await _run_step(client, proxy_url, mount, emulator_host, namespace, vendor, step, variables,
                            f"{vendor}/{scenario.name} step {number}")
    finally:
        await runner.cleanup()
    if recorder.drift is not None and recorder.drift.findings:
        raise GenerationError(f"{vendor}/{scenario.name}: the emulator's responses drift from specs/{vendor}.yaml:\n"
                              + "\n".join(f.line(vendor) for f in recorder.drift.findings))
    return recorder


async def _run_step(client: aiohttp.ClientSession, proxy_url: str, mount: str, emulator_host: str, namespace: str,
                    vendor: str, step: Step, variables: dict[str, str], where: str) -> None:
    path = _fill(step.path, variables)
    query = urlencode([(k, _fill(v, variables)) for k, v in step.query])
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **step.headers}
    body = b""
    if step.json is not NO_BODY:
        body = json.dumps(_fill(step.json, variables)).encode("utf-8")
        headers["Content-Type"] = "application/json"
    elif step.body is not None:
        body = _fill(step.body, variables).encode("utf-8")
        if step.content_type:
            headers["Content-Type"] = step.content_type
    if step.auth is not None:
        call = Call(step.method, mount + path, query, headers, body, emulator_host, variables, parse_iso(FROZEN_AT))
        AUTH[vendor](step.auth, call)
    headers[NAMESPACE_HEADER] = namespace
    url = URL(proxy_url + path + (f"?{query}" if query else ""), encoded=True)
    async with client.request(step.method, url, headers=headers, data=body or None, allow_redirects=False,
                              skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type")) as response:
        text = await response.text()
        if response.status != step.expect:
            raise GenerationError(f"{where}: {step.method} {path}{'?' + query if query else ''} answered "
                                  f"{response.status}, the scenario expects {step.expect}: {text[:400]}")
        if step.capture:
            document = json.loads(text)
            for name, dotted in step.capture.items():
                variables[name] = _pick(document, dotted)


# -- coverage and the index ------------------------------------------------------------------------------------------


def _operation_of(vendor: str, method: str, path: str) -> str | None:
    for op in vendor_spec(vendor).operations:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path)) + "$"
        if op.method == method and re.match(pattern, path):
            return op.operation_id
    return None


def _relative(vendor: str, uri: str) -> str:
    return uri[len(RECORDED_BASES[vendor]):].split("?", 1)[0]


def check_coverage(vendor: str, recorded: dict[str, list[cas.Interaction]]) -> dict[str, list[str]]:
    """operationId → the cassettes where it succeeds; raises when an operation never succeeds."""
    covered: dict[str, list[str]] = {op.operation_id: [] for op in vendor_spec(vendor).operations}
    for name, interactions in recorded.items():
        for item in interactions:
            op = _operation_of(vendor, item.method, _relative(vendor, item.uri))
            if op is not None and 200 <= item.status < 300 and name not in covered[op]:
                covered[op].append(name)
    missing = [op for op, names in covered.items() if not names]
    if missing:
        raise GenerationError(f"{vendor}: no scenario succeeds at {', '.join(missing)}; add steps to scenarios.py")
    return covered


def render_index(vendor: str, scenarios: list[Scenario], recorded: dict[str, list[cas.Interaction]],
                 covered: dict[str, list[str]]) -> str:
    lines = [
        f"# {vendor} fixtures",
        "",
        f"VCR.py cassettes (format version 1) recorded from allowlist-emulator (seed {SEED}, clock frozen at "
        f"{FROZEN_AT}) through `allowlist-emulator record`. URLs are recorded as `{RECORDED_BASES[vendor]}`; "
        "credentials are `<REDACTED>`. Generated: do not edit; regenerate with",
        "",
        f"    {REGENERATE} --vendor {vendor}",
        "",
    ]
    for scenario in scenarios:
        lines += [f"## {scenario.name}.yaml", "", scenario.title + ".", "", "| # | request | status |", "|---|---|---|"]
        for index, item in enumerate(recorded[scenario.name]):
            target = item.uri[len(RECORDED_BASES[vendor]):]
            lines.append(f"| {index} | `{item.method} {target}` | {item.status} |")
        lines.append("")
    lines += ["## Operations", "", "| operationId | succeeds in |", "|---|---|"]
    for op, names in covered.items():
        lines.append(f"| {op} | {', '.join(f'{name}.yaml' for name in names)} |")
    return "\n".join(lines) + "\n"


# -- the whole set ---------------------------------------------------------------------------------------------------


@dataclass
class Rendered:
    files: dict[str, str]  # {"<vendor>/errors.yaml": text, "<vendor>/README.md": text, ...}
    secrets: set[str]  # every credential the recorder replaced (tokens, signatures, Basic values, ...)


async def render_async(vendors: Iterable[str]) -> Rendered:
    """The fixtures of the given vendors, as text, without writing anything."""
    vendors = list(vendors)
    app = build_app(Options(vendors=tuple(vendors), seed=SEED, trust_forwarded_for=True))
    runner, emulator_url = await _start(app)
    out: dict[str, str] = {}
    secrets: set[str] = set()
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client:
            from ..app import EMULATOR

            for vendor in vendors:
                mount = app[EMULATOR].base_path(vendor)
                recorded: dict[str, list[cas.Interaction]] = {}
                for scenario in SCENARIOS[vendor]:
                    recorder = await run_scenario(client, emulator_url, mount, scenario)
                    secrets |= recorder.redactor.secrets
                    interactions = recorder.cassette()
                    recorded[scenario.name] = interactions
                    out[f"{vendor}/{scenario.name}.yaml"] = cas.dumps(interactions, scenario_comment(scenario))
                covered = check_coverage(vendor, recorded)
                out[f"{vendor}/README.md"] = render_index(vendor, SCENARIOS[vendor], recorded, covered)
    finally:
        await runner.cleanup()
    return Rendered(out, secrets)


def render(vendors: Iterable[str]) -> Rendered:
    return asyncio.run(render_async(vendors))


def differences(rendered: dict[str, str], out_dir: Path, vendors: Iterable[str]) -> list[str]:
    """What differs between freshly rendered fixtures and the files in ``out_dir`` (missing, changed, stale)."""
    problems = []
    for name, text in sorted(rendered.items()):
        path = out_dir / name
        if not path.exists():
            problems.append(f"{path}: missing")
        elif path.read_bytes() != text.encode("utf-8"):
            problems.append(f"{path}: differs from a fresh recording of the emulator")
    for vendor in vendors:
        for path in sorted((out_dir / vendor).glob("*")):
            if f"{vendor}/{path.name}" not in rendered:
                problems.append(f"{path}: not produced by the generator (stale)")
    return problems


def write_all(rendered: dict[str, str], out_dir: Path, vendors: Iterable[str]) -> list[Path]:
    written = [cas.write_text(out_dir / name, text) for name, text in sorted(rendered.items())]
    for vendor in vendors:
        for path in (out_dir / vendor).glob("*.yaml"):
            if f"{vendor}/{path.name}" not in rendered:
                path.unlink()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m allowlist_emulator.recording.generate", description=__doc__.split("\n\n")[0])
    p.add_argument("--vendor", action="append", choices=sorted(SCENARIOS), help="only this vendor (repeatable; default: every registered one)")
    p.add_argument("--out", type=Path, default=default_fixtures_dir(), help="fixtures folder (default: fixtures/ of this checkout)")
    p.add_argument("--check", action="store_true", help="compare with the files instead of writing; exit 1 on any difference")
    args = p.parse_args(argv)
    vendors = args.vendor or [key for key in SCENARIOS if key in REGISTRY]
    unregistered = [key for key in vendors if key not in REGISTRY]
    if unregistered:
        print(f"not registered in allowlist_emulator.vendors.REGISTRY yet: {', '.join(unregistered)}", file=sys.stderr)
        return 2
    try:
        rendered = render(vendors).files
    except GenerationError as exc:
        print(f"generation failed: {exc}", file=sys.stderr)
        return 1
    if args.check:
        problems = differences(rendered, args.out, vendors)
        for line in problems:
            print(line, file=sys.stderr)
        print(f"{len(problems)} difference(s)" if problems else f"fixtures up to date ({len(rendered)} files)")
        return 1 if problems else 0
    written = write_all(rendered, args.out, vendors)
    print(f"wrote {len(written)} files under {args.out} for {', '.join(vendors)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
