"""The slim install: the plain install holds only what ``serve`` imports; contract, record's drift checks and
generated data come with extras, and a command that needs a missing one says which in one line (exit 2).

"Missing" is made real for a subprocess by a ``sitecustomize`` on PYTHONPATH whose meta-path finder refuses the
extras' modules (as an interpreter without them installed would: ModuleNotFoundError), and writes down every import
it refused, so the tests also see that ``serve`` never even tries one. bench/install_footprint.py measures a real
plain install (packages, MB, pytest start-up).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from allowlist_emulator.extras import EXTRAS

from .support import free_port

ROOT = Path(__file__).resolve().parents[1]
EXTRA_MODULES = ("schemathesis", "hypothesis", "faker", "openapi_core", "requests", "vcr", "openapi_spec_validator")
BLOCKER = textwrap.dedent('''
    import os, sys
    from importlib.abc import MetaPathFinder

    BLOCKED = set(filter(None, os.environ.get("BLOCK_MODULES", "").split(",")))
    LOG = os.environ.get("BLOCK_LOG")

    class Blocked(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            top = name.partition(".")[0]
            if top in BLOCKED:
                if LOG:
                    with open(LOG, "a") as handle:
                        handle.write(name + "\\n")
                raise ModuleNotFoundError(f"No module named {top!r}", name=top)
            return None

    sys.meta_path.insert(0, Blocked())
''')
pytest_plugins = ("pytester",)


@pytest.fixture
def without(tmp_path):
    """``env = without("schemathesis", ...)``: an environment in which those modules are not importable."""
    site = tmp_path / "blocker"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    log = tmp_path / "refused.txt"

    def make(*modules: str) -> dict:
        path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))
        return {**os.environ, "PYTHONPATH": path, "BLOCK_MODULES": ",".join(modules), "BLOCK_LOG": str(log),
                "PYTHONUNBUFFERED": "1"}

    make.refused = lambda: log.read_text().split() if log.exists() else []  # type: ignore[attr-defined]
    return make


def cli(env: dict, *args: str, cwd=None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "allowlist_emulator.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


def test_core_dependencies_are_what_serve_imports():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {dep.split(">")[0].split("<")[0].split("=")[0].split(";")[0].strip() for dep in project["dependencies"]}
    assert names == {"aiohttp", "pyyaml", "jsonschema-rs", "orjson"}
    extras = project["optional-dependencies"]
    assert {"contract", "record", "faker", "test"} <= set(extras)
    assert any(dep.startswith("schemathesis") for dep in extras["contract"])
    assert any(dep.startswith("openapi-core") for dep in extras["record"])
    assert any(dep.startswith("faker") for dep in extras["faker"])
    assert "allowlist-emulator[contract,record,faker]" in extras["test"]  # the README's test command does everything


def test_blocker_really_blocks(without):
    env = without("schemathesis")
    result = subprocess.run([sys.executable, "-c", "import schemathesis"], env=env, capture_output=True, text=True)
    assert result.returncode == 1 and "No module named 'schemathesis'" in result.stderr


def test_serve_works_without_any_extra_and_never_imports_one(without, tmp_path):
    env = without(*EXTRA_MODULES)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 30
        while time.time() < deadline and "control plane" not in process.stdout.readline():
            pass
        assert requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=5).json()["status"] == "ok"
        created = requests.post(f"http://127.0.0.1:{port}/api/admin/security/whitelist/tenants/2", auth=("d2cadmin", "d2cadmin"),
                                json={"managementAPI": [{"startAddress": "10.0.0.1"}]}, timeout=5)
        assert created.status_code == 201
        bad = requests.post(f"http://127.0.0.1:{port}/b2core/addresses", json={"ipAddress": 1}, timeout=5)
        assert bad.status_code == 401  # auth, then validation: the compiled validators need no extra
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "Traceback" not in output
    assert without.refused() == [], "serve tried to import an extra's module"


@pytest.mark.parametrize("args, extra", [
    (("contract", "hdp", "--url", "http://127.0.0.1:1"), "contract"),
    (("record", "hdp", "--target", "http://127.0.0.1:1", "--cassette", "c.yaml", "--port", "0"), "record"),
])
def test_a_command_without_its_extra_names_the_extra(without, tmp_path, args, extra):
    result = cli(without(*EXTRAS[extra]), *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert line.endswith(f"pip install 'allowlist-emulator[{extra}]'"), line
    assert f"needs the '{extra}' extra" in line
    assert not (tmp_path / "c.yaml").exists()


def test_generated_data_without_faker_names_the_extra(without, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("vendors:\n  hdp:\n    generate: 10\n")
    result = cli(without("faker"), "serve", "--port", str(free_port()), "--config", str(config))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("pip install 'allowlist-emulator[faker]'"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_pytest_plugin_imports_nothing_heavy():
    """Entry point pytest11 loads at every pytest start-up of a user's suite: it must not import the emulator, the
    contract suites or their libraries until a fixture is used, and costs far less than 0.3 s beyond pytest."""
    heavy = ("aiohttp", "yaml", "requests", "schemathesis", "hypothesis", "faker", "openapi_core", "jsonschema_rs",
             "allowlist_emulator.app", "allowlist_emulator.contract.runner")
    code = ("import sys; import pytest; import allowlist_emulator.pytest_plugin, allowlist_emulator.contract.pytest_hook; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
    # -X importtime: "import time: self [us] | cumulative | name"; pytest is imported first, so the plugin's
    # top-level modules' cumulative times are what it adds. Compared with pytest's own import (the machine's load
    # slows both alike): a plugin that pulled in aiohttp or schemathesis would cost several times pytest.
    rows = [line.split("|") for line in result.stderr.splitlines() if line.startswith("import time:")
            and line.split("|")[1].strip().isdigit()]
    top = [(int(row[1]), row[2].strip()) for row in rows if not row[2].startswith("  ")]
    ours = sum(us for us, name in top if name.startswith("allowlist_emulator"))
    pytest_us = next(us for us, name in top if name == "pytest")
    assert 0 < ours < pytest_us / 2, (ours, pytest_us)


def test_pytest_hook_constants_agree_with_the_runner():
    from allowlist_emulator.contract import pytest_hook, runner

    assert pytest_hook.VENDORS == runner.VENDORS and pytest_hook.DEFAULT_MAX_EXAMPLES == runner.DEFAULT_MAX_EXAMPLES


def test_plugin_fixtures_without_the_extras(pytester, without):
    """A user's suite with the plain install: the emulator fixture works; the contract fixture fails its test with
    one line naming the extra (and only that test)."""
    pytester.makepyfile(test_user="""
        import json, urllib.request

        def test_emulator(allowlist_emulator):
            with urllib.request.urlopen(allowlist_emulator.url + "/_emulator/health") as response:
                assert json.load(response)["status"] == "ok"

        def test_contract(allowlist_contract):
            allowlist_contract.check("hdp")
    """)
    env = without(*EXTRA_MODULES)
    old = dict(os.environ)
    os.environ.update(env)
    try:
        # only our plugin, as in an environment without the extras (whose packages would register theirs)
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        result = pytester.runpytest_subprocess("-p", "allowlist_emulator.pytest_plugin", "-p", "no:cacheprovider")
    finally:
        os.environ.clear()
        os.environ.update(old)
    result.assert_outcomes(passed=1, errors=1)
    output = result.stdout.str()
    assert "the allowlist_contract fixture needs the 'contract' extra" in output
    assert "pip install 'allowlist-emulator[contract]'" in output
