"""Fault rules set from ``--config`` (the control-plane path is in test_engine.py), and the hot path without rules."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.engine import router
from allowlist_emulator.server import EmulatorServer

from .support import free_port, serve_cli

HDP_AUTH = ("d2cadmin", "d2cadmin")
SYSTEM = "/api/admin/security/whitelist/system"
CONFIGURATIONS = "/api/admin/configurations"
CODEARTS_LIST = "/v4/tenant/trusted-ip-addresses"
CODEARTS_TOKEN = {"X-Auth-Token": "codearts-token"}



def test_config_faults_apply_from_the_command_line(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        "faults:\n"
        "  - {vendor: hdp, operationId: getSystemWhitelist, status: 503}\n"
        "  - {vendor: hdp, operationId: listConfigurations, drop: true, namespace: flaky}\n"
    )
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                requests.get(url + "/_emulator/health", timeout=2)
                break
            except requests.ConnectionError:
                if time.time() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        response = requests.get(url + SYSTEM, auth=HDP_AUTH)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == 222208712  # HDP's own "problem getting" code, in HDP's envelope
        assert requests.get(url + CONFIGURATIONS, auth=HDP_AUTH).status_code == 200  # other operations untouched
        listed = requests.get(url + "/_emulator/faults").json()["faults"]
        assert [(r["operationId"], r["status"]) for r in listed] == [("getSystemWhitelist", 503)]
        # the second rule belongs to the namespace it names
        assert requests.get(url + "/_emulator/faults", headers={"X-Emulator-Namespace": "flaky"}).json()["faults"][0]["drop"] is True
        with pytest.raises(requests.ConnectionError):
            requests.get(url + CONFIGURATIONS, auth=HDP_AUTH, headers={"X-Emulator-Namespace": "flaky"})
    finally:
        process.terminate()
        process.wait(10)


def test_a_bad_config_fault_stops_serve_with_the_field_named(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("faults:\n  - {vendor: hdp, probability: 3, status: 500}\n")
    result = serve_cli("--port", "1", "--config", str(config))
    assert result.returncode == 2
    assert "probability" in result.stderr


def test_config_faults_log_normal_latency_and_vendor_shaped_errors():
    config = {"faults": [
        {"vendor": "hdp", "operationId": "listConfigurations", "lognormal": {"medianMs": 80, "sigma": 0.05}},
        {"vendor": "codearts", "operationId": "ListTenantTrustedIpAddresses", "status": 500, "namespace": "ca"},
    ]}
    with EmulatorServer(Options(config=config, seed=7)) as running:
        started = time.perf_counter()
        assert requests.get(running.url + CONFIGURATIONS, auth=HDP_AUTH).status_code == 200
        assert time.perf_counter() - started >= 0.05  # 80 ms median, sigma 0.05: never below 50 ms in practice
        response = requests.get(running.url + CODEARTS_LIST, headers={**CODEARTS_TOKEN, "X-Emulator-Namespace": "ca"})
        assert response.status_code == 500
        assert set(response.json()) >= {"error_code", "error_msg"}  # CodeArts' envelope, not HDP's
        assert requests.get(running.url + CODEARTS_LIST, headers=CODEARTS_TOKEN).status_code == 200  # other namespace


def test_config_probability_faults_repeat_under_the_same_seed():
    config = {"faults": [{"vendor": "hdp", "operationId": "listConfigurations", "status": 500, "probability": 0.5}]}

    def statuses() -> list[int]:
        with EmulatorServer(Options(config=config, seed=42)) as running:
            return [requests.get(running.url + CONFIGURATIONS, auth=HDP_AUTH).status_code for _ in range(24)]

    first, second = statuses(), statuses()
    assert first == second and 500 in first and 200 in first


def test_without_rules_the_hot_path_never_looks_at_faults(monkeypatch):
    def forbidden(*args, **kwargs):  # pragma: no cover - the assertion is that this never runs
        raise AssertionError("apply_faults ran with no fault rule set")

    monkeypatch.setattr(router, "apply_faults", forbidden)
    with EmulatorServer(Options()) as running:
        assert running.emulator.faults.rules == []
        assert requests.get(running.url + CONFIGURATIONS, auth=HDP_AUTH).status_code == 200
        rule = requests.post(running.url + "/_emulator/faults", json={"vendor": "hdp", "status": 503}).json()
        # with a rule, the pipeline does call it (the stand-in raises: the emulator's own 500, not the rule's 503)
        assert requests.get(running.url + CONFIGURATIONS, auth=HDP_AUTH).status_code == 500
        requests.delete(running.url + f"/_emulator/faults/{rule['id']}")
        assert requests.get(running.url + CONFIGURATIONS, auth=HDP_AUTH).status_code == 200
