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
    assert em.base("hdp") == em.url + "/_ns/" + em.namespace  # the test's namespace, in the base URL
    assert em.base("b2core") == em.url + "/_ns/" + em.namespace + "/b2core"
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


# a client suite whose clients get a base URL and credentials only: no header, no namespace of their own
BASE_URL_ONLY_TESTS = '''
import pytest
import requests

ADDRESS = "192.0.2.%d"


class Client:
    """What a client configured with a base URL alone does: every vendor, one write and one read."""

    def __init__(self, vendor, base, credentials):
        self.vendor, self.base, self.c = vendor, base.rstrip("/"), credentials
        self.http = requests.Session()
        if vendor == "hdp":
            self.http.auth = self.c["auth"]
        elif vendor in ("talend", "codearts"):
            self.http.headers.update(self.c["headers"])
        else:
            token = self.http.post(self.base + "/tokens", auth=self.c["auth"],
                                   json={"grant_type": "client_credentials"}, timeout=10).json()["access_token"]
            self.http.headers["Authorization"] = "Bearer " + token

    def addresses(self):
        if self.vendor == "hdp":
            r = self.http.get(self.base + "/api/admin/security/whitelist/system", timeout=10)
            return [] if r.status_code == 404 else [e["startAddress"] for e in r.json()["managementAPI"]]
        if self.vendor == "talend":
            r = self.http.get(self.base + "/security/ip-allowlist/ips", timeout=10)
            return [] if r.status_code == 404 else [e["ip"] for e in r.json()]
        if self.vendor == "codearts":
            return [e["ip_start"] for e in self.http.get(self.base + "/v4/tenant/trusted-ip-addresses", timeout=10).json()]
        return [e["ipAddress"] for e in self.http.get(self.base + "/addresses", timeout=10).json()]

    def add(self, address):
        if self.vendor == "hdp":
            r = self.http.post(self.base + "/api/admin/security/whitelist/system",
                               json={"managementAPI": [{"startAddress": address}]}, timeout=10)
        elif self.vendor == "talend":
            r = self.http.post(self.base + "/security/ip-allowlist",
                               json={"enabled": False, "description": "t", "ips": [{"ip": address, "description": "t"}]},
                               timeout=10)
        elif self.vendor == "codearts":
            r = self.http.post(self.base + "/v4/tenant/trusted-ip-addresses",
                               json={"ip_type": 0, "ip_start": address, "view_flag": 1}, timeout=10)
        else:
            r = self.http.post(self.base + "/addresses", json={"ipAddress": address, "policy": "allow"}, timeout=10)
        assert r.status_code < 300, r.text


@pytest.mark.parametrize("run", range(1, 5))
@pytest.mark.parametrize("vendor", ["talend", "hdp", "codearts", "b2core"])
def test_a_base_url_alone_isolates(allowlist_emulator, vendor, run):
    client = Client(vendor, allowlist_emulator.base(vendor), allowlist_emulator.credentials[vendor])
    assert client.addresses() == []  # no other test's writes
    client.add(ADDRESS % run)
    assert client.addresses() == [ADDRESS % run]
    # the control plane sees the same namespace
    assert allowlist_emulator.admin.requests(vendor=vendor)


def test_a_made_namespace(allowlist_emulator):
    """Another namespace this test makes (by header) is dropped when it ends, with its fault rules."""
    requests.post(allowlist_emulator.url + "/_emulator/faults", json={"vendor": "hdp", "status": 500},
                  headers={"X-Emulator-Namespace": "made-by-a-test"}, timeout=10).raise_for_status()


def test_z_nothing_is_left(allowlist_emulator, request):
    target = request.getfixturevalue("_allowlist_target")
    if target.server is None:
        pytest.skip("in-process only: the store is not reachable on a target")
    emulator = target.server.emulator
    assert [n for n in emulator.store.names() if n != "default"] == []
    assert emulator.faults.rules == []
'''


def test_a_client_given_only_base_urls_is_isolated(pytester):
    pytester.makepyfile(test_base_only=BASE_URL_ONLY_TESTS)
    result = pytester.runpytest_subprocess(*INNER)
    result.assert_outcomes(passed=18)


def test_a_client_given_only_base_urls_is_isolated_under_xdist(pytester):
    pytester.makepyfile(test_base_only=BASE_URL_ONLY_TESTS)
    result = pytester.runpytest_subprocess(*INNER, "-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=18)


def test_a_client_given_only_base_urls_against_a_target_emulator(pytester, server):
    pytester.makepyfile(test_base_only=BASE_URL_ONLY_TESTS)
    result = pytester.runpytest_subprocess(*INNER, f"--allowlist-target={server.url}")
    result.assert_outcomes(passed=17, skipped=1)


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


# -- what a long session keeps, and how the emulator is started ----------------------------------------------------------

KEPT_TESTS = '''
import gc

import pytest

N = 200


def requests_kept():
    """pytest's fixture requests for ``allowlist_emulator`` that are still alive (after a collection)."""
    gc.collect()
    return sum(1 for o in gc.get_objects()
               if type(o).__name__ == "SubRequest" and getattr(o, "fixturename", None) == "allowlist_emulator")


@pytest.mark.parametrize("i", range(N))
def test_many(i, allowlist_emulator):
    pass


def test_zz_finished_tests_leave_no_fixture_request_behind():
    assert requests_kept() <= 1
'''


def test_a_long_session_keeps_nothing_of_each_finished_test(pytester):
    """pytest hangs a function fixture's finalizer (holding the test's fixture request) on every fixture it takes as
    an argument, and a session fixture keeps them to the session's end: ~0.9 KB a test, for ever. The fixture looks
    the session's target up instead, so 200 finished tests leave no request of theirs alive."""
    pytester.makepyfile(test_kept=KEPT_TESTS)
    result = pytester.runpytest_subprocess(*INNER)
    result.assert_outcomes(passed=201)


START_TESTS = '''
import sys


def test_started(allowlist_emulator):
    import allowlist_emulator.app
    import allowlist_emulator.pytest_plugin
    import allowlist_emulator.vendors.hdp.models

    hooks = [type(finder).__module__ for finder in sys.meta_path]
    assert hooks[0] == "_pytest.assertion.rewrite", hooks  # put back where pytest keeps it
    # the emulator's modules were imported as a library is; the plugin module itself by pytest's rewriting hook
    rewriting = type(sys.meta_path[0])
    assert not isinstance(allowlist_emulator.app.__spec__.loader, rewriting)
    assert not isinstance(allowlist_emulator.vendors.hdp.models.__spec__.loader, rewriting)
    assert isinstance(allowlist_emulator.pytest_plugin.__spec__.loader, rewriting)
    import gc
    assert gc.isenabled()  # paused while the emulator started, then back as it was
    # what start-up made is frozen: no collection of the session walks aiohttp's and the emulator's objects again
    assert gc.get_freeze_count() > 20_000, gc.get_freeze_count()


def test_a_test_module_is_still_rewritten():
    x = [1, 2]
    try:
        assert x == [1, 3]
    except AssertionError as exc:
        assert "[1, 2] == [1, 3]" in str(exc)  # pytest's rewritten assert explains itself
'''


def test_the_emulator_starts_without_assertion_rewriting_and_leaves_pytest_as_it_was(pytester):
    pytester.makepyfile(test_start=START_TESTS)
    result = pytester.runpytest_subprocess(*INNER)
    result.assert_outcomes(passed=2)
