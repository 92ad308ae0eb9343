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
