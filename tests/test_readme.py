"""The README's commands, run as written: the tour's curl lines and contract command against a freshly started
``serve``, the fixture example as a user's test file, and the two test commands' tiers as pytest understands them."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys

import pytest

from .docs_support import ROOT, block_after, commands, running_serve
from .support import need_tool

pytest_plugins = ("pytester",)

README = ROOT / "README.md"


def test_readme_demo_sequence_succeeds_on_a_fresh_start():
    need_tool("curl", shutil.which("curl") is not None, "apt-get install curl")
    demo = commands(block_after(README, "demo-curl"))
    assert len(demo) >= 4 and all(c.startswith("curl ") and "127.0.0.1:8080" in c for c in demo)
    with running_serve() as port:
        outputs = []
        for command in demo:
            line = command.replace("127.0.0.1:8080", f"127.0.0.1:{port}") + " --fail-with-body"
            done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, f"{command}\n→ exit {done.returncode}: {done.stdout} {done.stderr}"
            outputs.append(done.stdout)
    assert '"startAddress": "10.20.30.0"' in outputs[1].replace('":"', '": "')
    assert "203.0.113.10" in outputs[3]
    assert all(out.endswith("\n") and out.count("\n") == 1 for out in outputs), "one answer per line"


def test_readme_contract_command_passes_against_a_fresh_serve():
    [command] = commands(block_after(README, "contract-command"))
    argv = shlex.split(command)
    assert argv[0] == ".venv/bin/allowlist-emulator" and argv[1] == "contract"
    with running_serve() as port:
        args = [a.replace("127.0.0.1:8080", f"127.0.0.1:{port}") for a in argv[2:]]
        done = subprocess.run([sys.executable, "-m", "allowlist_emulator.cli", "contract", *args],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "PASSED" in done.stdout


def test_readme_fixture_example_passes_as_a_users_test(pytester):
    pytester.makepyfile(test_users_client=block_after(README, "fixture-example", "python"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest",
                                           "-p", "no:faker", "-p", "no:anyio", "-q")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("marker, tier", [("test-command", "not deep"), ("deep-test-command", "deep")])
def test_readme_test_commands_select_the_tiers_ci_runs(marker, tier):
    """``.ci/run`` runs both blocks; between them they select every test, and the deep marker is registered."""
    [command] = commands(block_after(README, marker))
    assert f'-m "{tier}"' in command or f"-m {tier}" in command
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"deep: ' in pyproject
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"<!-- {marker} -->" in ci
