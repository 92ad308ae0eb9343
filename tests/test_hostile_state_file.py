"""One server per ``--state-file`` (a lock beside it), and a file only its owner can read (it holds passwords and
live tokens)."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import time

import pytest
import requests

from allowlist_emulator.app import Options, build_app
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.state.persistence import StateFileError

from .support import free_port, serve_cli

BASIC = {"Authorization": "Basic " + base64.b64encode(b"d2cadmin:d2cadmin").decode()}
WHITELIST = "/api/admin/security/whitelist/tenants/2"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_second_serve_on_the_same_file_exits_2_naming_the_file_and_the_holder(tmp_path):
    state_file = tmp_path / "state.db"
    port = free_port()
    first = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), "--vendor", "hdp",
                              "--state-file", str(state_file)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        result = serve_cli("--port", str(free_port()), "--vendor", "hdp", "--state-file", str(state_file))
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(state_file) in lines[0] and f"pid {first.pid}" in lines[0], result.stderr
        assert "Traceback" not in result.stderr
        # the first server's writes are its own: nothing overwrote them
        body = {"managementAPI": [{"startAddress": "10.9.9.1"}]}
        assert requests.post(f"http://127.0.0.1:{port}{WHITELIST}", json=body, headers=BASIC, timeout=10).status_code < 300
    finally:
        first.terminate()
        first.wait(30)
    assert sorted(os.listdir(tmp_path)) == ["state.db"]  # the lock file goes with the server that held it
    with EmulatorServer(Options(vendors=("hdp",), state_file=str(state_file))):  # and the file is free again
        pass


def test_two_servers_in_one_process_cannot_share_a_file(tmp_path):
    path = str(tmp_path / "state.db")
    with EmulatorServer(Options(vendors=("hdp",), state_file=path)):
        with pytest.raises(StateFileError, match="in use by another allowlist-emulator"):
            build_app(Options(vendors=("hdp",), state_file=path))
    with EmulatorServer(Options(vendors=("hdp",), state_file=path)):  # the first one stopped: free again
        pass


def test_a_lock_left_by_a_killed_server_is_taken_over(tmp_path):
    state_file = tmp_path / "state.db"
    port = free_port()
    first = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), "--vendor", "hdp",
                              "--state-file", str(state_file)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not (tmp_path / "state.db.lock").exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    first.kill()
    first.wait(30)
    assert (tmp_path / "state.db.lock").exists()
    with EmulatorServer(Options(vendors=("hdp",), state_file=str(state_file))):
        pass


def test_the_file_and_its_companions_are_owner_only(tmp_path):
    path = tmp_path / "state.db"
    old = os.umask(0o022)
    try:
        with EmulatorServer(Options(vendors=("hdp",), state_file=str(path))) as server:
            body = {"managementAPI": [{"startAddress": "10.9.9.1"}]}
            assert requests.post(server.url + WHITELIST, json=body, headers=BASIC, timeout=10).status_code < 300
            present = [p for p in tmp_path.iterdir()]
            assert {p.name for p in present} >= {"state.db", "state.db-wal", "state.db-shm", "state.db.lock"}
            for item in present:
                assert mode(item) == 0o600, (item.name, oct(mode(item)))
    finally:
        os.umask(old)


def test_an_existing_file_readable_by_others_is_tightened(tmp_path):
    path = tmp_path / "state.db"
    with EmulatorServer(Options(vendors=("hdp",), state_file=str(path))):
        pass
    os.chmod(path, 0o644)
    with EmulatorServer(Options(vendors=("hdp",), state_file=str(path))):
        assert mode(path) == 0o600
