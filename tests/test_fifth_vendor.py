"""A fifth vendor is one folder. In a copy of the package, Talend's folder and spec copied under a new key plus one
registry line make a vendor the whole toolkit knows: ``serve`` (with ``--config`` and ``--state-file``), its
requests, the dashboard's state view, ``contract``, ``record`` and ``replay``, ``replicate`` and ``diff``, and the pytest
plugin's ``credentials``/``base``. Every command runs as a separate process with the copy first on ``PYTHONPATH``.

The copy answers the same paths as Talend, so it is mounted apart (``--mount acme=/acme``); served at the same paths,
start-up refuses and says so.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from .support import free_port

ROOT = Path(__file__).resolve().parents[1]
KEY, SOURCE = "acme", "talend"
TOKEN = {"Authorization": "Bearer talend-admin-token"}  # the copied folder's demo identity
SEEDED, WRITTEN = "198.51.100.7", "203.0.113.9"


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """A copy of the package with the vendor folder and spec copied under KEY and one line added to the registry,
    laid out as the wheel is (specs inside the package)."""
    root = tmp_path_factory.mktemp("fifth")
    package = root / "allowlist_emulator"
    shutil.copytree(ROOT / "src" / "allowlist_emulator", package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "specs", package / "specs")
    shutil.copytree(package / "vendors" / SOURCE, package / "vendors" / KEY)
    shutil.copy(package / "specs" / f"{SOURCE}.yaml", package / "specs" / f"{KEY}.yaml")
    registry = package / "vendors" / "__init__.py"
    lines = registry.read_text().splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if line.startswith('    "'))  # the last entry of FOLDERS
    lines.insert(last + 1, f'    "{KEY}",\n')  # the one line
    registry.write_text("".join(lines))
    (root / "config.yaml").write_text(f"vendors:\n  {KEY}:\n    policy: {{enabled: true, ips: [{{ip: {SEEDED}}}]}}\n")
    return root


def _env(copy: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(copy), "PYTHONUNBUFFERED": "1", "ALLOWLIST_EMULATOR_NO_CACHE": "1"}


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "allowlist_emulator.cli", *args]


def _run(copy: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(_command(*args), capture_output=True, text=True, timeout=timeout, cwd=copy, env=_env(copy))


def _started(copy: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """A foreground command (record, replay) and the URL its first line says it listens on."""
    process = subprocess.Popen(_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=copy,
                               env=_env(copy))
    line = process.stdout.readline()  # type: ignore[union-attr]
    assert "http://127.0.0.1:" in line, (line, process.stderr.read() if process.poll() is not None else "")  # type: ignore[union-attr]
    return process, "http://127.0.0.1:" + line.split("http://127.0.0.1:", 1)[1].split()[0].rstrip(",")


def _serve(copy: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(_command("serve", "--port", str(port), "--mount", f"{KEY}=/{KEY}", "--seed", "5",
                                        "--config", "config.yaml", "--state-file", "state.db"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=copy, env=_env(copy))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {process.stdout.read()}")  # type: ignore[union-attr]
        try:
            requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=0.5)
            return process
        except requests.ConnectionError:
            time.sleep(0.05)
    raise AssertionError("serve did not start")


def _stop(process: subprocess.Popen) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    try:
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, (out, err)
    return out, err


def _ips(base: str, headers: dict | None = None) -> list[str]:
    response = requests.get(f"{base}/security/ip-allowlist", headers={**TOKEN, **(headers or {})}, timeout=10)
    assert response.status_code == 200, response.text
    return [entry["ip"] for entry in response.json()["ips"]]


def test_a_copied_folder_and_one_line_make_a_vendor_of_the_whole_toolkit(copy):
    # at the original's paths, the copy would be unreachable: start-up refuses and names the way out
    refused = _run(copy, "serve", "--port", str(free_port()))
    assert refused.returncode == 2 and f"vendors {SOURCE} and {KEY} both answer" in refused.stderr, refused.stderr
    assert f"--mount {KEY}=/PATH" in refused.stderr

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    base = f"{url}/{KEY}"
    server = _serve(copy, port)
    try:
        # serve, --config, a vendor request (and a write, which --state-file keeps)
        assert requests.get(f"{url}/_emulator/health", timeout=10).json()["bases"][KEY] == f"/{KEY}"
        assert _ips(base) == [SEEDED]
        added = requests.post(f"{base}/security/ip-allowlist/ips", json=[{"ip": WRITTEN, "description": "fifth"}], headers=TOKEN, timeout=10)
        assert added.status_code in (200, 201), added.text

        # the dashboard's state view: the folder's renderer and the vendor's state
        view = requests.get(f"{url}/_emulator/ui/vendors/{KEY}/view.js", timeout=10)
        assert view.status_code == 200 and "export" in view.text
        state = requests.get(f"{url}/_emulator/state", timeout=10).json()
        assert [entry["ip"] for entry in state["vendors"][KEY]["policy"]["ips"]] == [SEEDED, WRITTEN]

        # contract, read-only, the smallest run
        contract = _run(copy, "contract", KEY, "--url", base, "--max-examples", "1", "--phases", "examples,fuzzing", "-q")
        assert contract.returncode == 0, contract.stdout + contract.stderr

        # record through the proxy, then replay what was recorded
        recorder, proxy = _started(copy, "record", KEY, "--target", base, "--cassette", "acme.yaml", "--port", "0")
        try:
            assert _ips(proxy) == [SEEDED, WRITTEN]
        finally:
            _, err = _stop(recorder)
        assert f"no drift: all 1 checked responses match specs/{KEY}.yaml" in err, err
        replayer, replay = _started(copy, "replay", "--cassette", "acme.yaml", "--port", "0")
        try:
            assert _ips(f"{replay}/{KEY}") == [SEEDED, WRITTEN]  # the cassette keeps the URL recorded, mount and all
        finally:
            _stop(replayer)

        # replicate: the vendor's live allowlist (here, this emulator) into a state file, the same entries on both sides
        replicated = _run(copy, "replicate", KEY, "--url", base, "--state-file", "replica.db")
        assert replicated.returncode == 0, replicated.stdout + replicated.stderr
        same = _run(copy, "diff", "--vendor", KEY, "replica.db", f"{url}/_ns/default")
        assert same.returncode == 0, same.stdout + same.stderr

        # the pytest plugin against this emulator: the vendor's demo credentials, and its base in a fresh namespace
        (copy / "test_client.py").write_text(textwrap.dedent(f"""
            import requests

            def test_client(allowlist_emulator):
                headers = allowlist_emulator.credentials["{KEY}"]["headers"]
                base = allowlist_emulator.base("{KEY}")
                assert base.endswith("/{KEY}") and "/_ns/" in base
                assert requests.post(base + "/security/ip-allowlist/ips", json=[{{"ip": "192.0.2.1", "description": "plugin"}}], headers=headers).ok
                listed = requests.get(base + "/security/ip-allowlist", headers=headers).json()["ips"]
                assert [entry["ip"] for entry in listed] == ["{SEEDED}", "192.0.2.1"]  # config seeded, this test's own
        """))
        plugin = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                                 f"--allowlist-target={url}", "test_client.py"],
                                capture_output=True, text=True, timeout=120, cwd=copy, env=_env(copy))
        assert plugin.returncode == 0, plugin.stdout + plugin.stderr
    finally:
        _stop(server)

    # --state-file: the write is there after a restart
    server = _serve(copy, port)
    try:
        assert _ips(base) == [SEEDED, WRITTEN]
    finally:
        _stop(server)
