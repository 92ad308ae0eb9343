"""The docs/ pages as a reader uses them: every relative link (and its #anchor) leads somewhere, and every block of
curl commands a page shows succeeds, line by line, against a freshly started ``serve``."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .docs_support import ROOT, commands, running_serve, sh_blocks
from .support import need_tool

PAGES = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


@pytest.mark.parametrize("page", [ROOT / "README.md", ROOT / "bench" / "README.md", *PAGES], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not followed here
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(target)
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(target)
    assert not broken, f"{page.name}: links that lead nowhere: {broken}"


def curl_blocks() -> list[tuple[str, list[str]]]:
    return [(page.name, lines) for page in PAGES for block in sh_blocks(page)
            if (lines := commands(block)) and all(line.startswith("curl ") for line in lines)]


def test_the_pages_that_show_curl_commands_are_found():
    names = {name for name, _ in curl_blocks()}
    assert {"faults.md", "namespaces.md"} <= names, names


@pytest.mark.parametrize("page, lines", curl_blocks(), ids=lambda v: v if isinstance(v, str) else str(len(v)))
def test_curl_commands_on_the_page_succeed(page, lines):
    need_tool("curl", shutil.which("curl") is not None, "apt-get install curl")
    with running_serve() as port:
        for line in lines:
            assert "127.0.0.1:8080" in line, f"{page}: the docs' examples use http://127.0.0.1:8080: {line}"
            command = line.replace("127.0.0.1:8080", f"127.0.0.1:{port}") + " --fail-with-body"
            done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, f"{page}: {line}\n→ exit {done.returncode}: {done.stdout} {done.stderr}"


def documented_invocations() -> dict[str, set[str]]:
    """``{subcommand: {--option, ...}}`` over every ``allowlist-emulator ...`` line in a code block of the README and
    docs/ (continuation lines and the usage synopsis's bracketed lines included)."""
    found: dict[str, set[str]] = {}
    for page in [ROOT / "README.md", *PAGES]:
        for block in re.findall(r"^```[a-z]*\n(.*?)^```", page.read_text(encoding="utf-8"), re.S | re.M):
            text = re.sub(r"\n\s+\[", " [", block.replace("\\\n", " "))  # a usage synopsis wraps with [--...]
            for line in text.splitlines():
                line = line.split(" #")[0].strip()
                match = re.match(r"(?:\.venv/bin/)?allowlist-emulator (\w+)(.*)", line)
                if match:
                    found.setdefault(match.group(1), set()).update(re.findall(r"(?<![\w-])--[a-z][a-z-]*", match.group(2)))
    return found


def test_every_documented_command_line_uses_options_the_command_has():
    """A renamed or dropped option fails here, not in a reader's shell: each subcommand's --help names every option
    the README and docs/ show it with."""
    invocations = documented_invocations()
    assert {"serve", "contract", "record", "replay"} <= set(invocations), invocations
    for command, options in sorted(invocations.items()):
        done = subprocess.run([sys.executable, "-m", "allowlist_emulator.cli", command, "--help"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        missing = sorted(o for o in options if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", done.stdout))
        assert not missing, f"allowlist-emulator {command} --help lacks options the docs use: {missing}"
