"""Namespace listeners: a port of the server per namespace, for clients that keep only the scheme, host and port of
the base URL they are given. The official Huawei SDK is one (``with_endpoints`` drops the path, so ``/_ns/<name>``
never reaches the emulator, test_codearts_sdk.py pins that); here it is isolated by its endpoint alone, unchanged.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from huaweicloudsdkcodeartsrepo.v4 import (
    AddTenantTrustedIpAddressRequest,
    AddTrustedIpAddressRequestBody,
    CodeArtsRepoClient,
    DeleteTenantTrustedIpAddressRequest,
    ListTenantTrustedIpAddressesRequest,
)
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from allowlist_emulator.app import Options
from allowlist_emulator.server import EmulatorServer

from .support import NAMESPACE_HEADER, VendorClient
from .namespace_support import VENDORS, fresh

pytest_plugins = ("pytester",)

TENANT = ListTenantTrustedIpAddressesRequest()


def open_listener(server, name: str) -> requests.Response:
    return requests.post(f"{server.url}/_emulator/listeners", headers={NAMESPACE_HEADER: name}, timeout=10)


def listener_url(server, name: str) -> str:
    response = open_listener(server, name)
    assert response.status_code in (200, 201), response.text
    return response.json()["url"]


def sdk(endpoint: str, sk: str = "emulator-sk") -> CodeArtsRepoClient:
    """The official client as its users build it: credentials and an endpoint, nothing else."""
    return (CodeArtsRepoClient.new_builder()
            .with_credentials(BasicCredentials("emulator-ak", sk))
            .with_endpoints([endpoint])
            .build())


def add(client: CodeArtsRepoClient, address: str) -> None:
    client.add_tenant_trusted_ip_address(AddTenantTrustedIpAddressRequest(body=AddTrustedIpAddressRequestBody(ip_start=address)))


def addresses(client: CodeArtsRepoClient) -> list[str]:
    return [rule.ip_start for rule in client.list_tenant_trusted_ip_addresses(TENANT).body or []]  # the SDK reads [] as None


def test_the_huawei_sdk_in_two_namespaces_side_by_side_by_endpoint_alone(server):
    a, b = fresh("sdk-a"), fresh("sdk-b")
    client_a, client_b = sdk(listener_url(server, a)), sdk(listener_url(server, b))
    add(client_a, "10.1.1.1")
    add(client_b, "10.2.2.2")
    add(client_a, "10.1.1.2")
    assert addresses(client_a) == ["10.1.1.1", "10.1.1.2"]
    assert addresses(client_b) == ["10.2.2.2"]
    client_b.delete_tenant_trusted_ip_address(DeleteTenantTrustedIpAddressRequest(ip_id=1))
    assert addresses(client_b) == []
    # the journal: the path the SDK sent (and signed), in the listener's namespace
    journal = requests.get(f"{server.url}/_emulator/requests", headers={NAMESPACE_HEADER: a}, timeout=10).json()
    assert {(e["path"], e["namespace"]) for e in journal["requests"]} == {("/v4/tenant/trusted-ip-addresses", a)}
    # the same namespace through the URL prefix, and nothing in the default namespace
    seen = requests.get(f"{server.url}/_ns/{a}/v4/tenant/trusted-ip-addresses", timeout=10,
                        headers={"X-Auth-Token": "codearts-token"}).json()
    assert [rule["ip_start"] for rule in seen] == ["10.1.1.1", "10.1.1.2"]
    default = requests.get(f"{server.url}/v4/tenant/trusted-ip-addresses", headers={"X-Auth-Token": "codearts-token"},
                           timeout=10).json()
    assert not {"10.1.1.1", "10.2.2.2"} & {rule["ip_start"] for rule in default}


def test_signatures_are_verified_on_a_listener(server):
    endpoint = listener_url(server, fresh("sig"))
    with pytest.raises(ClientRequestException) as info:
        sdk(endpoint, sk="not-the-sk").list_tenant_trusted_ip_addresses(TENANT)
    assert (info.value.status_code, info.value.error_code) == (401, "APIGW.0301")
    assert addresses(sdk(endpoint)) == []


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_every_vendor_is_isolated_by_port_alone(server, vendor):
    defaults, write, read = VENDORS[vendor]
    a, b = fresh("pa"), fresh("pb")
    base = server.emulator.base_path(vendor)

    def on(url: str, name: str) -> VendorClient:
        client = VendorClient(vendor, url, base, namespace=name, **defaults)
        del client.session.headers[NAMESPACE_HEADER]  # the port alone
        return client

    written = write(on(listener_url(server, a), a))
    assert written in read(on(listener_url(server, a), a))
    assert written in read(VendorClient(vendor, server.url, base, namespace=a, **defaults))  # the header: the same
    assert written not in read(on(listener_url(server, b), b))
    assert written not in read(VendorClient(vendor, server.url, base, namespace="default", **defaults))


def test_one_listener_per_namespace_listed_and_closed(server):
    name = fresh("life")
    first = open_listener(server, name)
    again = open_listener(server, name)
    assert (first.status_code, again.status_code) == (201, 200) and first.json() == again.json()
    body = first.json()
    assert body["namespace"] == name and body["url"] == f"http://127.0.0.1:{body['port']}"
    url = body["url"]
    assert requests.get(f"{url}/_emulator/listeners", timeout=10).json() == {"listeners": [body]}  # in its namespace
    assert requests.get(f"{server.url}/_emulator/listeners", timeout=10).json() == {"listeners": []}  # default: none
    kept = requests.Session()
    assert kept.get(f"{url}/_emulator/health", timeout=10).status_code == 200  # a kept-alive connection
    assert requests.delete(f"{url}/_emulator/listeners", timeout=10).json() == {"removed": 1}  # sent on the listener
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):  # neither the kept-alive connection nor a new one is served
        kept.get(f"{url}/_emulator/health", timeout=10)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/_emulator/health", timeout=10)
    assert time.monotonic() - started < 3
    assert requests.delete(f"{server.url}/_emulator/listeners", headers={NAMESPACE_HEADER: name},
                           timeout=10).json() == {"removed": 0}


def test_a_listener_names_one_namespace(server):
    name = fresh("one")
    url = listener_url(server, name)
    hdp = {"auth": ("d2cadmin", "d2cadmin"), "timeout": 10}
    path = "/api/admin/security/whitelist/system"
    other = requests.get(f"{url}{path}", headers={NAMESPACE_HEADER: "someone-else"}, **hdp)
    assert other.status_code == 400 and other.json()["error"]["code"] == 222208726  # INVALID_REQUEST
    assert "X-Emulator-Namespace" in other.text and name in other.text  # the vendor's shape, naming both
    prefixed = requests.get(f"{url}/_ns/someone-else{path}", **hdp)
    assert prefixed.status_code == 400 and "/_ns/<name>" in prefixed.text
    for same in (requests.get(f"{url}/_ns/{name}{path}", **hdp),
                 requests.get(f"{url}{path}", headers={NAMESPACE_HEADER: name}, **hdp)):
        assert same.status_code == 200, same.text
    control = requests.get(f"{url}/_emulator/state", headers={NAMESPACE_HEADER: "someone-else"}, timeout=10)
    assert control.status_code == 400 and control.json()["error"]["field"] == NAMESPACE_HEADER


def test_a_bounded_number_of_listeners():
    with EmulatorServer(Options(vendors=("hdp",))) as running:
        running.emulator.listeners.limit = 2
        assert [open_listener(running, f"n{i}").status_code for i in range(2)] == [201, 201]
        refused = open_listener(running, "n2")
        assert refused.status_code == 503 and "at most 2" in refused.json()["error"]["message"]
        requests.delete(f"{running.url}/_emulator/listeners", headers={NAMESPACE_HEADER: "n0"}, timeout=10)
        assert open_listener(running, "n2").status_code == 201


def test_serve_opens_listeners_and_names_the_port_it_bound():
    """The serve command keeps its runner (the emulator opens listeners on it); with --port 0 the banner names the
    port actually bound."""
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", "0", "--vendor", "hdp"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = process.stdout.readline()
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)$", first.strip())
        assert match and match.group(1) != "0", first
        url = f"http://127.0.0.1:{match.group(1)}"
        listener = requests.post(f"{url}/_ns/cli-a/_emulator/listeners", timeout=10).json()
        hdp = {"auth": ("d2cadmin", "d2cadmin"), "timeout": 10}
        written = requests.post(f"{listener['url']}/api/admin/security/whitelist/system",
                                json={"managementAPI": [{"startAddress": "192.0.2.4"}]}, **hdp)
        assert written.status_code == 201, written.text
        seen = requests.get(f"{url}/api/admin/security/whitelist/system", headers={NAMESPACE_HEADER: "cli-a"}, **hdp)
        assert seen.json()["managementAPI"] == [{"startAddress": "192.0.2.4"}]
        process.terminate()
        assert process.wait(10) == 0
    finally:
        process.kill()
        process.wait(10)


PLUGIN_TESTS = '''
import pytest
from huaweicloudsdkcodeartsrepo.v4 import (AddTenantTrustedIpAddressRequest, AddTrustedIpAddressRequestBody,
                                           CodeArtsRepoClient, ListTenantTrustedIpAddressesRequest)
from huaweicloudsdkcore.auth.credentials import BasicCredentials

SEEN = []


@pytest.mark.parametrize("run", [1, 2, 3])
def test_the_sdk_given_only_an_endpoint(allowlist_emulator, _allowlist_target, run):
    endpoint = allowlist_emulator.endpoint("codearts")
    assert endpoint == allowlist_emulator.endpoint("codearts")  # one listener per test
    assert endpoint.startswith("http://127.0.0.1:") and endpoint != allowlist_emulator.url
    SEEN.append(endpoint)
    client = (CodeArtsRepoClient.new_builder().with_credentials(BasicCredentials("emulator-ak", "emulator-sk"))
              .with_endpoints([endpoint]).build())
    assert client.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest()).x_total == "0"  # nobody else's
    client.add_tenant_trusted_ip_address(AddTenantTrustedIpAddressRequest(
        body=AddTrustedIpAddressRequestBody(ip_start="10.0.0.%d" % run)))
    listeners = _allowlist_target.server.emulator.listeners.ports
    assert list(listeners.values()) == [allowlist_emulator.namespace]  # the earlier tests' are closed


def test_b2core_endpoint_has_its_base(allowlist_emulator):
    assert allowlist_emulator.endpoint("b2core").endswith("/b2core")


def test_z_nothing_is_left(_allowlist_target):
    assert _allowlist_target.server.emulator.listeners.ports == {}
    assert len(set(SEEN)) == 3
'''


def test_the_pytest_fixture_gives_an_endpoint_per_test(pytester):
    pytester.makepyfile(test_endpoint=PLUGIN_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest",
                                           "-p", "no:faker", "-p", "no:anyio", "-q")
    result.assert_outcomes(passed=5)


def test_the_pytest_fixture_against_a_target_emulator(pytester, server):
    pytester.makepyfile(test_endpoint='''
from huaweicloudsdkcodeartsrepo.v4 import CodeArtsRepoClient, ListTenantTrustedIpAddressesRequest
from huaweicloudsdkcore.auth.credentials import BasicCredentials


def test_endpoint(allowlist_emulator):
    endpoint = allowlist_emulator.endpoint("codearts")
    client = (CodeArtsRepoClient.new_builder().with_credentials(BasicCredentials("emulator-ak", "emulator-sk"))
              .with_endpoints([endpoint]).build())
    assert client.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest()).x_total == "0"
    open(NAME_FILE, "w").write(allowlist_emulator.namespace)
'''.replace("NAME_FILE", repr(str(pytester.path / "name.txt"))))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", f"--allowlist-target={server.url}")
    result.assert_outcomes(passed=1)
    name = (pytester.path / "name.txt").read_text()
    assert requests.get(f"{server.url}/_emulator/listeners", headers={NAMESPACE_HEADER: name},
                        timeout=10).json() == {"listeners": []}  # closed when the test ended


def test_the_guides_sdk_example_passes_as_printed(pytester):
    guide = (Path(__file__).resolve().parents[1] / "docs" / "client-test-suites.md").read_text(encoding="utf-8")
    block = guide.split("<!-- sdk-example -->", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    pytester.makepyfile(test_sdk_example=block)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest",
                                           "-p", "no:faker", "-p", "no:anyio", "-q")
    result.assert_outcomes(passed=1)


def test_health_says_whether_a_port_pins_the_namespace(server):
    name = fresh("h")
    url = listener_url(server, name)
    on_listener = requests.get(f"{url}/_emulator/health", timeout=10).json()
    assert (on_listener["namespace"], on_listener["listener"]) == (name, True)
    plain = requests.get(f"{server.url}/_emulator/health", headers={NAMESPACE_HEADER: name}, timeout=10).json()
    assert (plain["namespace"], plain["listener"]) == (name, False)


def test_the_contract_suite_against_a_listener_runs_in_its_namespace(server, capsys):
    from allowlist_emulator.cli import main

    name = fresh("contract-port")
    url = listener_url(server, name)
    # the smallest run that proves the wiring: one operation, one phase (AK/SK signed, verified on the listener)
    code = main(["contract", "codearts", "--url", url, "--allow-writes", "--max-examples", "1",
                 "--phases", "coverage", "--operation", "ListTenantTrustedIpAddresses", "--seed", "3"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"(emulator, namespace {name})" in out, out
    sent = requests.get(f"{server.url}/_emulator/requests", params={"vendor": "codearts"},
                        headers={NAMESPACE_HEADER: name}, timeout=10).json()["requests"]
    assert len(sent) >= 5 and any(e["status"] == 200 for e in sent)  # AK/SK signed, verified on the listener
    assert main(["contract", "codearts", "--url", url, "--namespace", "other", "--max-examples", "1"]) == 2
