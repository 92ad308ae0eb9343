"""Reading the commands the README and docs/ pages show, and a ``serve`` to run them against, for the tests that
run those commands as a user would (tests/test_readme.py, tests/test_docs.py)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from .support import free_port

ROOT = Path(__file__).resolve().parents[1]


def block_after(page: Path, marker: str, language: str = "sh") -> str:
    """The fenced block that follows ``<!-- marker -->`` on the page."""
    text = page.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {re.escape(marker)} -->\n```{language}\n(.*?)```", text, re.S)
    assert found, f"{page.name} has no ```{language} block after <!-- {marker} -->"
    return found.group(1)


def sh_blocks(page: Path) -> list[str]:
    """Every ```sh block on the page."""
    return re.findall(r"^```sh\n(.*?)^```", page.read_text(encoding="utf-8"), re.S | re.M)


def commands(block: str) -> list[str]:
    """The block's commands, one per line: continuation lines joined, comments and blank lines left out."""
    lines = [line.strip() for line in block.replace("\\\n", " ").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


@contextlib.contextmanager
def running_serve(*args: str) -> Iterator[int]:
    """``allowlist-emulator serve`` as a user starts it, on a free port; yields the port."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                if process.poll() is not None:
                    raise AssertionError(f"serve exited {process.returncode}: {process.stdout.read()}") from None
                time.sleep(0.05)
        else:
            raise AssertionError("serve did not answer /_emulator/health within 30 s")
        yield port
    finally:
        process.terminate()
        process.communicate(timeout=10)
