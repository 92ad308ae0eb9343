"""Issue 24, findings 3 and 9: control-plane input that does not fit is a 400 naming the field, in the control
plane's error shape, with no Python exception text, and nothing changes."""

from __future__ import annotations

import json

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.server import EmulatorServer

from .control_support import check_control

PYTHON_TEXTS = ("Traceback", "object has no attribute", "indices must be", "is not iterable", "invalid literal",
                "not subscriptable", "NoneType", "KeyError", "TypeError")


@pytest.fixture(scope="module")
def server():
    with EmulatorServer(Options()) as running:
        yield running


def refused(response: requests.Response, field: str, status: int = 400) -> dict:
    check_control(response)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field, error
    assert error["message"].startswith(field), error
    assert not any(text in error["message"] for text in PYTHON_TEXTS), error
    return error


@pytest.mark.parametrize("path, field", [
    ("/requests?limit=%C2%B2", "limit"),
    ("/requests?status=%C2%B2", "status"),
    ("/requests?limit=" + "9" * 5000, "limit"),
    ("/requests?status=" + "9" * 5000, "status"),
    ("/requests?limit=-1", "limit"),
    ("/requests?status=99", "status"),
    ("/requests?redact=yes", "redact"),
    ("/requests/%C2%B2", "seq"),
    ("/requests/" + "9" * 5000, "seq"),
    ("/requests/0", "seq"),
    ("/requests/-1", "seq"),
    ("/state?redact=1", "redact"),
])
def test_control_numbers_are_400_naming_the_field(server, path, field):
    error = refused(requests.get(server.url + "/_emulator" + path), field)
    assert len(error["message"]) <= 400  # a 5,000-digit value is not echoed whole


def test_the_limit_keeps_the_last_n(server):
    namespace = {"X-Emulator-Namespace": "limit-n"}
    for _ in range(3):
        requests.get(server.url + "/_emulator/health", headers=namespace)
        requests.get(server.url + "/api/admin/security/whitelist/system", auth=("d2cadmin", "d2cadmin"), headers=namespace)
    listed = requests.get(server.url + "/_emulator/requests", params={"limit": "2"}, headers=namespace).json()
    assert listed["count"] == 2
    assert requests.get(server.url + "/_emulator/requests", params={"limit": "1000000000"}, headers=namespace).json()["count"] == 3
    assert requests.get(server.url + "/_emulator/requests", params={"limit": "0"}, headers=namespace).json()["count"] == 0


@pytest.mark.parametrize("body, field", [
    ({"a": 1}, "a"),
    ({"vendors": {}}, "vendors"),
    ({"vendor": {"hdp": {}}}, "vendor"),
    ({"clock": {"offset": 0}}, "vendors"),
    ([1], "body"),
    ({"vendors": {"hdp": "x"}}, "vendors.hdp"),
    ({"vendors": {"hdp": {"users": 5}}}, "vendors.hdp.users"),
    ({"vendors": {"hdp": {"tenants": "ab"}}}, "vendors.hdp.tenants"),
    ({"vendors": {"hdp": {"tenants": [{"id": "x", "name": "y"}]}}}, "vendors.hdp.tenants[0].id"),
    ({"vendors": {"nope": {}}}, "vendors.nope"),
    ({"vendors": {"talend": {}}, "clock": {"offset": "nan"}}, "clock.offset"),
    ({"vendors": {"talend": {}}, "clock": {"bogus": 1}}, "clock.bogus"),
    ({"vendors": {"talend": {}}, "": 1}, "body"),
])
def test_a_restore_that_does_not_fit_is_refused_whole_and_changes_nothing(server, body, field):
    namespace = {"X-Emulator-Namespace": "restore-whole"}
    url = server.url + "/_emulator/state"
    requests.post(server.url + "/_emulator/reset", headers=namespace)
    state = requests.get(url, headers=namespace).json()
    state["vendors"]["hdp"]["filtering"] = "false"  # a stored change the refused restore must keep
    state["clock"] = {"now": "2030-01-01T00:00:00+00:00", "frozen": True, "offset": 0}
    assert requests.put(url, json=state, headers=namespace).status_code == 200
    before = requests.get(url, headers=namespace).json()
    refused(requests.put(url, data=json.dumps(body), headers=namespace), field)
    assert requests.get(url, headers=namespace).json() == before


def test_a_restore_of_one_vendor_keeps_the_others(server):
    namespace = {"X-Emulator-Namespace": "restore-one"}
    url = server.url + "/_emulator/state"
    state = requests.get(url, headers=namespace).json()
    state["vendors"]["hdp"]["filtering"] = "false"
    assert requests.put(url, json=state, headers=namespace).status_code == 200
    talend = dict(state["vendors"]["talend"])
    response = requests.put(url, json={"vendors": {"talend": talend}, "clock": {"offset": 3600}}, headers=namespace)
    check_control(response)
    assert response.status_code == 200, response.text
    after = requests.get(url, headers=namespace).json()
    assert after["vendors"]["hdp"]["filtering"] == "false"
    assert after["clock"]["offset"] == 3600


def test_fault_rule_errors_name_their_field(server):
    url = server.url + "/_emulator/faults"
    refused(requests.post(url, json={"status": "x"}), "status")
    refused(requests.post(url, json={"vendor": "nope", "status": 500}), "vendor")
    refused(requests.post(url, json=[{"status": 500}, {"latencyMs": -1}]), "[1].latencyMs")
    refused(requests.post(url, json={}), "body")
    assert requests.get(url).json()["faults"] == []  # nothing of a refused array was kept
