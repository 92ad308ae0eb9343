"""Support for tests that use the contract suite as a user does: ``allowlist-emulator serve`` as its own process (its
console captured), and ``allowlist-emulator contract ...`` run against it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import requests

from .support import free_port


class Served:
    """A ``serve`` process: ``url`` (its root), ``output()`` (what it printed so far)."""

    def __init__(self, process: subprocess.Popen, url: str):
        self.process = process
        self.url = url
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.append(line)

    def output(self) -> str:
        return "".join(self._lines)


@contextmanager
def served(*args: str) -> Iterator[Served]:
    """``allowlist-emulator serve --port <free> ARGS`` until the block ends (SIGTERM, then its output is complete)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    running = Served(process, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(running.url + "/_emulator/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {running.output()}")
            time.sleep(0.1)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait()
        running._reader.join(timeout=5)


def contract(*args: str, timeout: float = 240, env: dict | None = None, cwd: str | None = None
             ) -> subprocess.CompletedProcess:
    """``allowlist-emulator contract ARGS`` as a user runs it: exit code, stdout (the summary), stderr (progress)."""
    return subprocess.run([sys.executable, "-m", "allowlist_emulator.cli", "contract", *args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=cwd)


BLOCKER = '''
import os, sys
from importlib.abc import MetaPathFinder

BLOCKED = set(filter(None, os.environ.get("BLOCK_MODULES", "").split(",")))


class Blocked(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
        return None


sys.meta_path.insert(0, Blocked())
'''


def without_modules(tmp_path, *modules: str) -> dict:
    """An environment in which ``modules`` cannot be imported (an install without an extra)."""
    site = tmp_path / "blocker"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(BLOCKER)
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path, "BLOCK_MODULES": ",".join(modules)}


# -- stock schemathesis ------------------------------------------------------------------------------------------------


def stock_auth(vendor: str, base_url: str, namespace: str) -> dict[str, dict[str, str]]:
    """Credentials per security scheme, as schemathesis.toml's ``[auth.openapi.<scheme>]`` takes them: the vendor's
    demo identities (``vendor.demo_credentials``); a bearer token the vendor hands out (B2Core's) is fetched first.
    A signing scheme (CodeArts AK/SK) has no static form and is left out: the operations also take the token."""
    from allowlist_emulator.contract.auth import make_auth
    from allowlist_emulator.engine.spec import vendor_spec
    from allowlist_emulator.vendors import REGISTRY

    demo = dict(REGISTRY[vendor].demo_credentials)
    schemes: dict[str, dict[str, str]] = {}
    for name, scheme in vendor_spec(vendor).security_schemes.items():
        kind = (scheme.get("type"), str(scheme.get("scheme", "")).lower())
        if kind == ("http", "basic"):
            pair = demo.get("auth") or (demo.get("service_account"), demo.get("service_account_secret"))
            if all(pair):
                schemes[name] = {"username": pair[0], "password": pair[1]}
        elif kind == ("http", "bearer"):
            token = demo.get("token")
            if not token:
                adapter = make_auth(vendor, base_url, None, headers={"X-Emulator-Namespace": namespace})
                token = adapter.token() if hasattr(adapter, "token") and callable(adapter.token) else None
            if token:
                schemes[name] = {"bearer": token}
        elif scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            value = (demo.get("headers") or {}).get(scheme.get("name"))
            if value:
                schemes[name] = {"api_key": value}
    return schemes


def stock_schemathesis(vendor: str, base_url: str, seed: int, folder, max_examples: int = 25,
                       timeout: float = 280) -> tuple[subprocess.CompletedProcess, list[str], int]:
    """``schemathesis run specs/<vendor>.yaml --checks all --phases examples,coverage,fuzzing,stateful`` (schemathesis'
    own CLI, credentials in a ``schemathesis.toml``) against ``base_url`` in a fresh namespace; its NDJSON report
    read back. Returns the process, the failures no ``x-fidelity`` entry expects (one line each), and the number of
    expected ones."""
    import base64
    import json
    import uuid
    from pathlib import Path

    from allowlist_emulator.contract.runner import CheckFailure, expectations
    from allowlist_emulator.engine.spec import vendor_spec

    folder = Path(folder)
    namespace = f"stock-{vendor}-{seed}-{uuid.uuid4().hex[:6]}"
    lines = [f'[headers]\n"X-Emulator-Namespace" = "{namespace}"\n']
    for name, fields in stock_auth(vendor, base_url, namespace).items():
        lines.append(f"[auth.openapi.{name}]\n" + "".join(f'{k} = {json.dumps(v)}\n' for k, v in fields.items()))
    (folder / "schemathesis.toml").write_text("\n".join(lines))
    spec = vendor_spec(vendor)
    command = [sys.executable, "-m", "schemathesis.cli", "run", str(spec.path), "--url", base_url, "--checks", "all",
               "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(max_examples),
               "--seed", str(seed), "--report", "ndjson", "--report-dir", str(folder / "reports"), "--no-color"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=folder)
    expected_by_op = expectations(spec)
    by_label = {f"{op.method} {op.path}": op.operation_id for op in spec.operations}
    unexpected: list[str] = []
    expected = 0
    for report in (folder / "reports").glob("*.ndjson"):
        for raw in report.read_text().splitlines():
            event = json.loads(raw)
            recorder = (event.get("ScenarioFinished") or {}).get("recorder") or {}
            for case_id, checks in (recorder.get("checks") or {}).items():
                for check in checks:
                    if check.get("status") != "failure":
                        continue
                    info = (check.get("failure_info") or {}).get("failure") or {}
                    label = info.get("operation") or recorder.get("label", "")
                    op_id = by_label.get(label, label)
                    response = ((recorder.get("interactions") or {}).get(case_id) or {}).get("response") or {}
                    content = response.get("content") or {}
                    body = base64.b64decode(content["$base64"]).decode("utf-8", "replace") if "$base64" in content \
                        else str(content)
                    answer = f"{response.get('status_code', '')} {body}" if response else ""
                    failure = CheckFailure(check["name"], op_id, label, info.get("title", ""), info.get("message", ""),
                                           "", response=answer)
                    if any(e.covers(failure) for e in expected_by_op.get(op_id, ())):
                        expected += 1
                    else:
                        unexpected.append(f"{check['name']}: {label}: {info.get('title', '')}: {answer[:300]}")
    return done, unexpected, expected
