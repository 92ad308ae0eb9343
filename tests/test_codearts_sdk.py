"""CodeArts Repo driven by the official Huawei Cloud SDK, unchanged: all eight operations, error mapping, paging.

Isolation: the SDK client's ``preset_headers`` (a plain attribute of ``huaweicloudsdkcore.client.Client`` that it
adds to every request, and signs like any other header) carries ``X-Emulator-Namespace``, so each test has its own
namespace on the shared session server.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from huaweicloudsdkcodeartsrepo.v4 import (
    AddTenantTrustedIpAddressRequest,
    AddTrustedIpAddressRequest,
    AddTrustedIpAddressRequestBody,
    CodeArtsRepoClient,
    DeleteTenantTrustedIpAddressRequest,
    DeleteTrustedIpAddressRequest,
    ListTenantTrustedIpAddressesRequest,
    ListTrustedIpAddressesRequest,
    UpdateTenantTrustedIpAddressRequest,
    UpdateTrustedIpAddressRequest,
)
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServerResponseException

from .codearts_support import make_client

NAMESPACE_HEADER = "X-Emulator-Namespace"
TIMESTAMP = r"^[A-Z][a-z]{2} [1-9]\d?, \d{4} [1-9]\d?:\d{2}:\d{2} (AM|PM)$"


@pytest.fixture
def namespace() -> str:
    return f"sdk-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def sdk(server, namespace) -> CodeArtsRepoClient:
    return make_client(server, namespace)


def body(**fields) -> AddTrustedIpAddressRequestBody:
    return AddTrustedIpAddressRequestBody(**fields)


def raises(call, request) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as info:
        call(request)
    return info.value


def test_tenant_crud(sdk):
    empty = sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest())
    assert empty.status_code == 200 and empty.body is None and empty.x_total == "0"

    added = sdk.add_tenant_trusted_ip_address(AddTenantTrustedIpAddressRequest(
        body=body(ip_type=0, ip_start="1.1.1.1", view_flag=1, download_flag=1, upload_flag=1, remark="office")))
    assert added.status_code == 200
    assert added.id == "1" and added.ip_range == "1.1.1.1" and added.ip_start == added.ip_end == "1.1.1.1"
    assert added.user_id == 9155 and added.domain_id == "159b65b41ead484d8ddff250a4731781"
    assert (added.view_flag, added.download_flag, added.upload_flag, added.order_flag) == (1, 1, 1, 1)
    assert added.remark == "office"
    assert re.match(TIMESTAMP, added.created_at) and added.created_at == added.updated_at

    cidr = sdk.add_tenant_trusted_ip_address(AddTenantTrustedIpAddressRequest(
        body=body(ip_type=2, ip_start="10.0.0.0/24", view_flag=1)))
    assert (cidr.id, cidr.ip_range, cidr.ip_start, cidr.ip_end) == ("2", "10.0.0.0/24", "10.0.0.0", "10.0.0.255")

    updated = sdk.update_tenant_trusted_ip_address(UpdateTenantTrustedIpAddressRequest(
        ip_id=int(cidr.id), body=body(upload_flag=1, remark="vpn")))
    assert updated.status_code == 200
    assert (updated.ip_range, updated.view_flag, updated.upload_flag, updated.remark) == ("10.0.0.0/24", 1, 1, "vpn")

    listed = sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest(offset=0, limit=20))
    assert listed.x_total == "2" and [item.id for item in listed.body] == ["1", "2"]
    assert listed.body[1].remark == "vpn"

    deleted = sdk.delete_tenant_trusted_ip_address(DeleteTenantTrustedIpAddressRequest(ip_id=1))
    assert deleted.status_code == 200 and deleted.status == "success"
    after = sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest())
    assert after.x_total == "1" and [item.id for item in after.body] == ["2"]


def test_repository_crud(sdk):
    for repository in (1001, 1002):
        empty = sdk.list_trusted_ip_addresses(ListTrustedIpAddressesRequest(id=repository))
        assert empty.body is None and empty.x_total == "0"

    added = sdk.add_trusted_ip_address(AddTrustedIpAddressRequest(
        id=1001, body=body(ip_type=1, ip_start="192.168.1.10", ip_end="192.168.1.20", view_flag=1)))
    assert (added.id, added.repository_id, added.ip_range) == ("1", 1001, "192.168.1.10-192.168.1.20")
    assert added.order_flag == 1 and added.remark == ""

    updated = sdk.update_trusted_ip_address(UpdateTrustedIpAddressRequest(
        id=1001, ip_id=1, body=body(ip_end="192.168.1.30", download_flag=1)))
    assert (updated.ip_range, updated.view_flag, updated.download_flag) == ("192.168.1.10-192.168.1.30", 1, 1)

    # the lists are separate: 1002 and the tenant list are still empty, and 1002 does not know rule 1
    assert sdk.list_trusted_ip_addresses(ListTrustedIpAddressesRequest(id=1002)).x_total == "0"
    assert sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest()).x_total == "0"
    err = raises(sdk.delete_trusted_ip_address, DeleteTrustedIpAddressRequest(id=1002, ip_id=1))
    assert (err.status_code, err.error_code) == (404, "CH.000404")

    listed = sdk.list_trusted_ip_addresses(ListTrustedIpAddressesRequest(id=1001))
    assert listed.x_total == "1" and listed.body[0].repository_id == 1001
    deleted = sdk.delete_trusted_ip_address(DeleteTrustedIpAddressRequest(id=1001, ip_id=1))
    assert deleted.status == "success"
    assert sdk.list_trusted_ip_addresses(ListTrustedIpAddressesRequest(id=1001)).body is None


def test_paging_across_pages(sdk):
    for i in range(7):
        sdk.add_tenant_trusted_ip_address(AddTenantTrustedIpAddressRequest(body=body(ip_start=f"10.1.1.{i + 1}")))
    seen = []
    for offset in (0, 3, 6):
        page = sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest(offset=offset, limit=3))
        assert page.x_total == "7"
        seen += [item.ip_start for item in page.body]
    assert seen == [f"10.1.1.{i + 1}" for i in range(7)]
    past = sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest(offset=7, limit=3))
    assert past.body is None and past.x_total == "7"
    default = sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest())
    assert len(default.body) == 7


def test_error_mapping(sdk):
    err = raises(sdk.list_tenant_trusted_ip_addresses, ListTenantTrustedIpAddressesRequest(limit=101))
    assert (err.status_code, err.error_code) == (400, "CH.010001") and "limit" in err.error_msg
    assert len(err.request_id) == 32

    err = raises(sdk.add_tenant_trusted_ip_address, AddTenantTrustedIpAddressRequest(body=body(ip_type=1, ip_start="1.1.1.9", ip_end="1.1.1.1")))
    assert (err.status_code, err.error_code) == (400, "CH.010001") and "ip_start" in err.error_msg

    err = raises(sdk.add_tenant_trusted_ip_address, AddTenantTrustedIpAddressRequest())
    assert (err.status_code, err.error_code, err.error_msg) == (400, "CH.010001", "Invalid parameter: request body is required")

    err = raises(sdk.update_tenant_trusted_ip_address, UpdateTenantTrustedIpAddressRequest(ip_id=77, body=body(remark="x")))
    assert (err.status_code, err.error_code, err.error_msg) == (404, "CH.000404", "Resource unavailable.")

    err = raises(sdk.list_trusted_ip_addresses, ListTrustedIpAddressesRequest(id=4242))
    assert (err.status_code, err.error_code) == (404, "CH.000404")
    err = raises(sdk.add_trusted_ip_address, AddTrustedIpAddressRequest(id=4242, body=body(ip_start="1.1.1.1")))
    assert (err.status_code, err.error_code) == (404, "CH.000404")

    sdk.add_tenant_trusted_ip_address(AddTenantTrustedIpAddressRequest(body=body(ip_start="2.2.2.2")))
    err = raises(sdk.add_tenant_trusted_ip_address, AddTenantTrustedIpAddressRequest(body=body(ip_start="2.2.2.2")))
    assert (err.status_code, err.error_code) == (400, "CH.010001") and "already exists" in err.error_msg
    assert sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest()).x_total == "1"


def test_wrong_sk_is_401_apigw(server, namespace):
    wrong = make_client(server, namespace, sk="not-the-sk")
    err = raises(wrong.list_tenant_trusted_ip_addresses, ListTenantTrustedIpAddressesRequest())
    assert (err.status_code, err.error_code) == (401, "APIGW.0301")
    assert err.error_msg == "Incorrect IAM authentication information: verify aksk signature fail"

    unknown = make_client(server, namespace, ak="nobody")
    err = raises(unknown.list_tenant_trusted_ip_addresses, ListTenantTrustedIpAddressesRequest())
    assert (err.status_code, err.error_code) == (401, "APIGW.0301") and "ak:nobody,err:ak not exist" in err.error_msg


def test_stale_date_and_lockout_with_the_sdk(server, sdk, namespace):
    clock = f"{server.url}/_emulator/clock"
    headers = {NAMESPACE_HEADER: namespace}
    requests.post(clock, json={"advance": 16 * 60}, headers=headers, timeout=10).raise_for_status()
    err = raises(sdk.list_tenant_trusted_ip_addresses, ListTenantTrustedIpAddressesRequest())
    assert (err.status_code, err.error_code) == (401, "APIGW.0301") and "signature expired" in err.error_msg
    requests.post(clock, json={"advance": -16 * 60}, headers=headers, timeout=10).raise_for_status()
    assert sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest()).status_code == 200

    wrong = make_client(server, namespace, sk="not-the-sk")
    for _ in range(5):
        err = raises(wrong.list_tenant_trusted_ip_addresses, ListTenantTrustedIpAddressesRequest())
        assert "verify aksk signature fail" in err.error_msg
    err = raises(sdk.list_tenant_trusted_ip_addresses, ListTenantTrustedIpAddressesRequest())
    assert (err.status_code, err.error_code) == (401, "APIGW.0301") and "reach the limit" in err.error_msg
    requests.post(clock, json={"advance": 5 * 60}, headers=headers, timeout=10).raise_for_status()
    assert sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest()).status_code == 200


def test_namespaces_are_separate(server, sdk):
    sdk.add_tenant_trusted_ip_address(AddTenantTrustedIpAddressRequest(body=body(ip_start="3.3.3.3")))
    other = make_client(server, f"sdk-{uuid.uuid4().hex[:12]}")
    assert other.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest()).x_total == "0"


@pytest.mark.parametrize("status,code", [(500, "CH.000001"), (504, "CH.080504"), (503, "CH.000001"), (401, "DEV.00000003")])
def test_injected_faults_use_the_documented_codes(server, sdk, namespace, status, code):
    rule = {"vendor": "codearts", "operationId": "ListTenantTrustedIpAddresses", "status": status, "times": 1}
    requests.post(f"{server.url}/_emulator/faults", json=rule, headers={NAMESPACE_HEADER: namespace}, timeout=10).raise_for_status()
    with pytest.raises((ClientRequestException, ServerResponseException)) as info:
        sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest())
    assert (info.value.status_code, info.value.error_code) == (status, code)
    assert sdk.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest()).status_code == 200


# -- the namespace in the URL (/_ns/<name>) and AK/SK signatures ------------------------------------------------------
#
# The SDK (huaweicloudsdkcore.client.Client.build_future_request) keeps only the scheme and host of an endpoint and
# sends each operation's own resource path: ``with_endpoints(["http://host/_ns/a"])`` reaches ``/v4/...``, not
# ``/_ns/a/v4/...``. SDK users isolate with ``preset_headers`` (above) or with a namespace listener's endpoint
# (test_listeners.py). What a client that does send the prefix gets is tested with the SDK's own signer: the
# signature covers the full path, the prefix included.


def test_the_sdk_sends_no_path_of_its_endpoint(server):
    """If a later SDK kept the endpoint's path, this fails, and docs/client-test-suites.md should say so."""
    name = f"sdk-e-{uuid.uuid4().hex[:8]}"
    marker = f"sdk-e-{uuid.uuid4().hex[:8]}"
    client = (CodeArtsRepoClient.new_builder()
              .with_credentials(BasicCredentials("emulator-ak", "emulator-sk"))
              .with_endpoints([f"{server.url}/_ns/{name}"])
              .build())
    client.preset_headers[NAMESPACE_HEADER] = marker  # read-only; lands in a throwaway namespace either way
    client.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest())
    seen = requests.get(f"{server.url}/_emulator/requests", headers={NAMESPACE_HEADER: marker}, timeout=10).json()
    assert [e["path"] for e in seen["requests"]] == ["/v4/tenant/trusted-ip-addresses"]


def signed(server, method: str, sent_path: str, signed_path: str | None = None, body: str = "", query: str = "",
           sk: str = "emulator-sk") -> requests.Response:
    """A request signed by the SDK's own Signer over ``signed_path`` (default: the path sent)."""
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    params = [tuple(pair.split("=", 1)) for pair in query.split("&")] if query else []
    request = SdkRequest(method=method, schema="http", host=server.url.removeprefix("http://"),
                         resource_path=signed_path or sent_path, query_params=params,
                         header_params={"Content-Type": "application/json;charset=UTF-8"}, body=body)
    Signer(BasicCredentials("emulator-ak", sk)).sign(request)
    url = f"{server.url}{sent_path}" + (f"?{query}" if query else "")
    return requests.request(method, url, headers=request.header_params, data=body.encode() or None, timeout=10)


def test_two_namespaces_side_by_side_with_signed_requests(server):
    a, b = f"sdk-a-{uuid.uuid4().hex[:8]}", f"sdk-b-{uuid.uuid4().hex[:8]}"
    tenant = "/v4/tenant/trusted-ip-addresses"
    for name, address in ((a, "10.1.1.1"), (b, "10.2.2.2"), (a, "10.1.1.2")):
        added = signed(server, "POST", f"/_ns/{name}{tenant}", body=f'{{"ip_type": 0, "ip_start": "{address}", "view_flag": 1}}')
        assert added.status_code == 200, added.text
    seen_a = signed(server, "GET", f"/_ns/{a}{tenant}", query="offset=0&limit=20")
    seen_b = signed(server, "GET", f"/_ns/{b}{tenant}")
    assert [r["ip_start"] for r in seen_a.json()] == ["10.1.1.1", "10.1.1.2"] and seen_a.headers["X-Total"] == "2"
    assert [r["ip_start"] for r in seen_b.json()] == ["10.2.2.2"] and [r["id"] for r in seen_b.json()] == ["1"]
    assert signed(server, "DELETE", f"/_ns/{b}{tenant}/1").status_code == 200
    assert signed(server, "GET", f"/_ns/{b}{tenant}").headers["X-Total"] == "0"
    # the SDK, with the namespace in a header, sees what the URL form wrote
    header = make_client(server, a)
    assert header.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest()).x_total == "2"
    journal = requests.get(f"{server.url}/_ns/{a}/_emulator/requests", params={"vendor": "codearts"}, timeout=10).json()
    assert journal["requests"][0]["path"] == f"/_ns/{a}{tenant}"


def test_the_signature_covers_the_prefix(server):
    name = f"sdk-s-{uuid.uuid4().hex[:8]}"
    tenant = "/v4/tenant/trusted-ip-addresses"
    assert signed(server, "GET", f"/_ns/{name}{tenant}").status_code == 200
    for refused in (signed(server, "GET", f"/_ns/{name}{tenant}", signed_path=tenant),  # signed without the prefix
                    signed(server, "GET", f"/_ns/{name}{tenant}", sk="not-the-sk")):
        assert refused.status_code == 401 and refused.json()["error_code"] == "APIGW.0301", refused.text
    # a name that needs percent-encoding is signed as sent
    assert signed(server, "GET", f"/_ns/a%2F{name}{tenant}").status_code == 200
