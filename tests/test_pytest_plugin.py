"""The pytest plugin, exercised the way client suites use it: inner pytest runs (pytester), also under xdist."""

from __future__ import annotations

pytest_plugins = ("pytester",)

# inner runs skip the heavy plugins installed alongside (schemathesis, hypothesis, faker): seconds per process
INNER = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:faker", "-p", "no:anyio", "-q")

CLIENT_TESTS = '''
import json
import urllib.request

import pytest
import requests

SYSTEM = "/api/admin/security/whitelist/system"
EMPTY_SYSTEM = {"managementAPI": [], "adminAPI": [], "dataAccess": [], "webUI": []}  # HDP's system list, fresh [doc]


def call(em, vendor, method, path, **kwargs):
    headers = {**em.headers, **kwargs.pop("headers", {})}
    return requests.request(method, em.base(vendor) + path, headers=headers, timeout=10, **kwargs)


def test_handle(allowlist_emulator, allowlist_emulator_url):
    em = allowlist_emulator
    assert em.url == allowlist_emulator_url
    assert requests.get(em.url + "/_emulator/health", timeout=10).json()["status"] == "ok"
    assert em.base("hdp") == em.url and em.base("b2core") == em.url + "/b2core"
    assert em.headers == {"X-Emulator-Namespace": em.namespace} and em.namespace.startswith("pytest-")
    assert em.credentials["hdp"]["auth"] == ("d2cadmin", "d2cadmin")
    assert em.credentials["talend"]["headers"] == {"Authorization": "Bearer talend-admin-token"}
    assert em.credentials["codearts"]["ak"] == "emulator-ak" and em.credentials["b2core"]["client_id"] == "b2core-client"
    assert em.cassette("hdp", "tenant_whitelists").is_file()


@pytest.mark.parametrize("run", [1, 2, 3])
def test_each_test_has_a_fresh_namespace(allowlist_emulator, run):
    em = allowlist_emulator
    auth = em.credentials["hdp"]["auth"]
    assert call(em, "hdp", "GET", SYSTEM, auth=auth).json() == EMPTY_SYSTEM  # nobody else's whitelist
    body = {"managementAPI": [{"startAddress": "10.0.0.%d" % run}]}
    assert call(em, "hdp", "POST", SYSTEM, auth=auth, json=body).status_code == 201
    token = call(em, "b2core", "POST", "/tokens", auth=em.credentials["b2core"]["auth"],
                 json={"grant_type": "client_credentials"}).json()["access_token"]
    assert call(em, "b2core", "GET", "/addresses", headers={"Authorization": "Bearer " + token}).json() == []


def test_admin_client(allowlist_emulator):
    em = allowlist_emulator
    admin = em.admin
    auth = em.credentials["hdp"]["auth"]
    assert call(em, "hdp", "POST", SYSTEM, auth=auth, json={"managementAPI": [{"startAddress": "10.1.2.3"}]}).status_code == 201
    assert admin.state()["vendors"]["hdp"]["whitelists"]["system"] == {"managementAPI": [{"startAddress": "10.1.2.3"}]}
    assert [entry["status"] for entry in admin.requests(vendor="hdp")] == [201]
    assert admin.decide("hdp", "10.1.2.3")["allowed"] and not admin.decide("hdp", "10.9.9.9")["allowed"]
    admin.add_fault(vendor="hdp", operationId="getSystemWhitelist", status=500)
    assert call(em, "hdp", "GET", SYSTEM, auth=auth).status_code == 500
    admin.clear_faults()
    assert call(em, "hdp", "GET", SYSTEM, auth=auth).status_code == 200
    admin.set_clock("2030-01-01T00:00:00+00:00", freeze=True)
    assert admin.clock()["now"].startswith("2030-01-01T00:00:00") and admin.clock()["frozen"]
    assert admin.advance(60)["now"].startswith("2030-01-01T00:01:00")
    admin.reset()
    assert call(em, "hdp", "GET", SYSTEM, auth=auth).json() == EMPTY_SYSTEM


def test_one_server_per_worker(allowlist_emulator, request):
    import os
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    path = request.config.rootpath / ("server-" + worker + ".txt")
    path.write_text(allowlist_emulator.url)
'''


def _passed(result) -> int:
    return result.parseoutcomes().get("passed", 0)


def test_fixtures_in_a_client_suite(pytester):
    pytester.makepyfile(test_client=CLIENT_TESTS)
    result = pytester.runpytest_subprocess(*INNER)
    result.assert_outcomes(passed=6)


def test_fixtures_under_xdist_each_worker_has_its_own_server(pytester):
    pytester.makepyfile(test_client=CLIENT_TESTS)
    result = pytester.runpytest_subprocess(*INNER, "-p", "xdist", "-n", "2", "--dist", "each")
    result.assert_outcomes(passed=12)  # every test on both workers, in parallel, without seeing each other's state
    urls = {path.read_text() for path in pytester.path.glob("server-gw*.txt")}
    assert len(urls) == 2


def test_allowlist_target_runs_the_same_tests_against_a_running_deployment(pytester, server):
    pytester.makepyfile(test_client=CLIENT_TESTS + f'''

def test_is_the_target(allowlist_emulator):
    assert allowlist_emulator.url == "{server.url}" and allowlist_emulator.external
''')
    result = pytester.runpytest_subprocess(*INNER, f"--allowlist-target={server.url}")
    result.assert_outcomes(passed=7)


def test_allowlist_target_per_vendor_and_credentials_file(pytester):
    pytester.makefile(".yaml", creds="hdp:\n  user: alice\n  password: s3cret\n")
    pytester.makepyfile(test_target='''
def test_target(allowlist_emulator, allowlist_emulator_url):
    assert allowlist_emulator_url == "https://hdp.example.com"
    assert allowlist_emulator.base("hdp") == "https://hdp.example.com"
    assert allowlist_emulator.base("b2core") == "https://b2core.example.com/api"
    assert allowlist_emulator.credentials["hdp"] == {"user": "alice", "password": "s3cret"}
    assert allowlist_emulator.credentials["talend"]["token"] == "talend-admin-token"
''')
    result = pytester.runpytest_subprocess(
        *INNER, "--allowlist-target=hdp=https://hdp.example.com",
        "--allowlist-target=b2core=https://b2core.example.com/api", "--allowlist-credentials=creds.yaml")
    result.assert_outcomes(passed=1)


def test_the_plugin_registers_its_options(pytestconfig):
    assert pytestconfig.getoption("allowlist_target") == []
    assert pytestconfig.pluginmanager.has_plugin("allowlist_emulator")
