"""The README's rehearsal block, run as printed.

Substitutions, and nothing else: a local emulator stands in for production (``$TALEND_URL``, with the demo token as
``$TALEND_TOKEN``); ``http://127.0.0.1:8080`` is a test emulator on a free port, already serving, so the ``serve``
line is not run; ``./apply-allowlist-change`` is a stand-in automation that takes its base URL from the line's own
``TALEND_URL=`` and removes the office address (the change that locks the office out). Every ``allowlist-emulator``
line runs through the CLI's ``main``, in order, and the exit codes are the README's story: copied, copied, a
difference, the office refused.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import requests

from allowlist_emulator.app import Options
from allowlist_emulator.cli import main
from allowlist_emulator.server import EmulatorServer

README = Path(__file__).resolve().parents[1] / "README.md"
TOKEN = {"Authorization": "Bearer talend-admin-token"}
PRODUCTION_POLICY = {"enabled": True, "description": "production", "ips": [
    {"ip": "203.0.113.10", "description": "office"}, {"ip": "198.51.100.0/24", "description": "vpn"}]}


def block() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- rehearsal -->", 1)[1].split("<!-- /rehearsal -->", 1)[0]
    code = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert code, "the rehearsal section has no ```sh block"
    return [line for line in code.group(1).splitlines() if line.strip()]


def apply_change(base_url: str) -> None:
    """The stand-in automation: remove the office address from the Talend policy at ``base_url``."""
    entries = requests.get(f"{base_url}/security/ip-allowlist/ips", headers=TOKEN, timeout=10).json()
    office = next(entry for entry in entries if entry["ip"] == "203.0.113.10")
    assert requests.delete(f"{base_url}/security/ip-allowlist/ips/{office['id']}", headers=TOKEN, timeout=10).status_code == 204


def test_the_readme_rehearsal_block_runs_as_printed(capsys):
    with EmulatorServer(Options()) as production, EmulatorServer(Options()) as local:
        requests.post(f"{production.url}/security/ip-allowlist", headers=TOKEN, json=PRODUCTION_POLICY, timeout=10)
        env = {"TALEND_URL": production.url, "TALEND_TOKEN": "talend-admin-token"}
        codes = []
        for line in block():
            line = line.split("   #", 1)[0].replace("http://127.0.0.1:8080", local.url)
            words = shlex.split(re.sub(r"\$\{?(\w+)\}?", lambda m: env[m.group(1)], line).rstrip("&"))
            if words[:2] == ["allowlist-emulator", "serve"]:
                continue  # ``local`` is serving already
            if words[-1] == "./apply-allowlist-change":
                assignment = dict(word.split("=", 1) for word in words[:-1])
                apply_change(assignment["TALEND_URL"])
                continue
            assert words[0] == "allowlist-emulator", line
            codes.append(main(words[1:]))
        out = capsys.readouterr().out
    assert codes == [0, 0, 1, 1], out
    assert "  - entry 203.0.113.10  [description='office']" in out.splitlines(), out
    assert re.search(r"talend +203\.0\.113\.10 +- +REFUSED", out) and re.search(r"talend +198\.51\.100\.7 +- +admitted", out), out
