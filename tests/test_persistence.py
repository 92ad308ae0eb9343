"""--state-file: acknowledged writes survive kill -9; torn tails are dropped; damaged or foreign files are refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.state.persistence import StateFile, StateFileError
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.state import Store
from allowlist_emulator.vendors import REGISTRY

from .support import free_port, serve_cli

ADMIN = ("d2cadmin", "d2cadmin")
TENANT = "/api/admin/security/whitelist/tenants/{}"



def _serve(state_file, port):
    process = subprocess.Popen(
        [sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), "--vendor", "hdp", "--state-file", str(state_file)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        if process.poll() is not None:
            return process
        try:
            requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=0.5)
            return process
        except requests.ConnectionError:
            time.sleep(0.05)
    raise AssertionError("the emulator did not start")


def test_acknowledged_writes_survive_kill_9(tmp_path):
    state_file = tmp_path / "state.jsonl"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _serve(state_file, port)
    try:
        ns = {"X-Emulator-Namespace": "durable"}
        for tenant in (1, 2, 3):
            body = {"managementAPI": [{"startAddress": f"10.0.0.{tenant}"}]}
            assert requests.post(url + TENANT.format(tenant), json=body, auth=ADMIN, headers=ns).status_code == 201
        assert requests.delete(url + TENANT.format(3), auth=ADMIN, headers=ns).status_code == 204
        assert requests.put(url + "/api/admin/configurations/8", json={"value": "false"}, auth=ADMIN).status_code == 200
        assert requests.post(url + "/_emulator/clock", json={"set": "2030-01-01T00:00:00+00:00", "freeze": True}, headers=ns).status_code == 200
        # a rejected write stores nothing, durable or not
        assert requests.post(url + TENANT.format(3), json={"webUI": [{"startAddress": "1.1.1.1"}]}, auth=ADMIN, headers=ns).status_code == 400
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    process = _serve(state_file, port)
    try:
        ns = {"X-Emulator-Namespace": "durable"}
        assert requests.get(url + TENANT.format(1), auth=ADMIN, headers=ns).json() == {"managementAPI": [{"startAddress": "10.0.0.1"}]}
        assert requests.get(url + TENANT.format(2), auth=ADMIN, headers=ns).status_code == 200
        assert requests.get(url + TENANT.format(3), auth=ADMIN, headers=ns).status_code == 404
        assert requests.get(url + "/api/admin/configurations/8", auth=ADMIN).json()["value"] == "false"
        assert requests.get(url + "/_emulator/clock", headers=ns).json()["now"].startswith("2030-01-01T00:00:00")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)


def test_a_torn_last_line_is_dropped_and_the_rest_kept(tmp_path):
    state_file = tmp_path / "state.jsonl"
    with EmulatorServer(Options(vendors=("hdp",), state_file=str(state_file))) as server:
        assert requests.post(server.url + TENANT.format(2), json={"adminAPI": []}, auth=ADMIN).status_code == 201
    with open(state_file, "a") as handle:
        handle.write('{"namespace": "default", "vendors": {"hdp": {"tena')  # kill -9 in the middle of a write
    with EmulatorServer(Options(vendors=("hdp",), state_file=str(state_file))) as server:
        assert requests.get(server.url + TENANT.format(2), auth=ADMIN).json() == {"adminAPI": []}
    assert state_file.read_text().endswith("\n")  # the torn tail was cut off


@pytest.mark.parametrize("content", ["hello, world\n", "", '{"format": "something-else"}\n', '{"format": "allowlist-emulator-state", "version": 99}\n'])
def test_foreign_files_are_refused_and_left_alone(tmp_path, content):
    state_file = tmp_path / "state.jsonl"
    state_file.write_text(content)
    with pytest.raises(StateFileError):
        StateFile(state_file, Store({"hdp": REGISTRY["hdp"].loaded()})).open()
    assert state_file.read_text() == content


def test_corruption_before_the_last_line_is_refused_by_serve(tmp_path):
    state_file = tmp_path / "state.jsonl"
    content = '{"format": "allowlist-emulator-state", "version": 1}\nnot json\n{"namespace": "default", "vendors": {}}\n'
    state_file.write_text(content)
    result = serve_cli("--port", str(free_port()), "--state-file", str(state_file))
    assert result.returncode == 2
    assert "line 2 is corrupt" in result.stderr
    assert state_file.read_text() == content


def test_compaction_keeps_the_state_and_a_readable_file(tmp_path):
    state_file = tmp_path / "state.jsonl"
    with EmulatorServer(Options(vendors=("hdp",), state_file=str(state_file))) as server:
        server.emulator.state_file.compact_after = 5
        for i in range(12):
            body = {"managementAPI": [{"startAddress": f"10.0.1.{i}"}]}
            method = requests.post if i == 0 else requests.put
            assert method(server.url + TENANT.format(2), json=body, auth=ADMIN).status_code in (200, 201)
        lines = state_file.read_text().splitlines()
        assert len(lines) < 7
        assert json.loads(lines[0])["format"] == "allowlist-emulator-state"
    with EmulatorServer(Options(vendors=("hdp",), state_file=str(state_file))) as server:
        assert requests.get(server.url + TENANT.format(2), auth=ADMIN).json() == {"managementAPI": [{"startAddress": "10.0.1.11"}]}


def test_reset_all_is_durable(tmp_path):
    state_file = tmp_path / "state.jsonl"
    with EmulatorServer(Options(vendors=("hdp",), state_file=str(state_file))) as server:
        requests.post(server.url + TENANT.format(2), json={}, auth=ADMIN)
        requests.post(server.url + "/_emulator/reset", params={"all": "true"})
    with EmulatorServer(Options(vendors=("hdp",), state_file=str(state_file))) as server:
        assert requests.get(server.url + TENANT.format(2), auth=ADMIN).status_code == 404
