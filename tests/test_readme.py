"""The README's demo curl lines, run as written (curl through bash) against a freshly started ``serve``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

from .support import free_port, need_tool

ROOT = Path(__file__).resolve().parents[1]


def demo_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- demo-curl -->\n```sh\n(.*?)```", text, re.S).group(1)
    return [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def test_readme_demo_sequence_succeeds_on_a_fresh_start():
    need_tool("curl", shutil.which("curl") is not None, "apt-get install curl")
    commands = demo_commands()
    assert len(commands) >= 4 and all(c.startswith("curl ") and "127.0.0.1:8080" in c for c in commands)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.time() + 30
        while time.time() < deadline and "control plane" not in process.stdout.readline():
            pass
        assert requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=5).status_code == 200
        outputs = []
        for command in commands:
            line = command.replace("127.0.0.1:8080", f"127.0.0.1:{port}") + " --fail-with-body"
            done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, f"{command}\n→ exit {done.returncode}: {done.stdout} {done.stderr}"
            outputs.append(done.stdout)
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert '"startAddress": "10.20.30.0"' in outputs[1].replace('":"', '": "')
    assert "203.0.113.10" in outputs[3]
