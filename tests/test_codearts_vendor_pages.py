"""CodeArts Repo against Huawei's pages (tests/vendor_artifacts/codearts.py): every sample validates against
specs/codearts.yaml (the repository-list sample has no `remark` and a numeric `id`), the seed's example path serves the
tenant list, path and query numbers are bounded as the pages say (spec and emulator alike, also through the official
SDK), and the access decision follows the user guide's visibility rule and owner exemption."""

from __future__ import annotations

import uuid

import jsonschema
import pytest
from huaweicloudsdkcodeartsrepo.v4 import (
    AddTrustedIpAddressRequest,
    AddTrustedIpAddressRequestBody,
    CodeArtsRepoClient,
    ListTenantTrustedIpAddressesRequest,
    ListTrustedIpAddressesRequest,
)
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from allowlist_emulator.app import Options
from allowlist_emulator.engine.spec import vendor_spec
from allowlist_emulator.server import EmulatorServer

from . import vendor_artifacts
from .support import VendorClient
from .vendor_artifacts import codearts as doc

TOKEN = {"X-Auth-Token": "codearts-token"}


@pytest.fixture
def codearts(client_for) -> VendorClient:
    return client_for("codearts", headers=TOKEN)


# -- samples ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, status, body", doc.SAMPLES, ids=[f"{m} {p} {s}" for m, p, s, _ in doc.SAMPLES])
def test_every_complete_sample_validates_against_the_spec(method, path, status, body):
    assert vendor_artifacts.sample_problems("codearts", method, path, status, body) == []


@pytest.mark.parametrize("method, path, status, fields", doc.PARTIAL, ids=[f"{m} {p}" for m, p, _s, _f in doc.PARTIAL])
def test_the_fields_of_partial_samples_have_the_specs_types(method, path, status, fields):
    schema = vendor_spec("codearts").resolved["paths"][path][method.lower()]["responses"][str(status)]["content"][
        "application/json"]["schema"]
    partial = {**schema, "required": []}
    assert list(jsonschema.Draft202012Validator(partial).iter_errors(fields)) == []


def test_the_error_codes_pages_contradictory_sample_is_not_what_the_emulator_sends(codearts):
    """Recorded (x-fidelity), not followed: the seed's error_code/error_msg samples win."""
    assert vendor_artifacts.sample_problems("codearts", "GET", doc.TENANT_LIST, 403, doc.ERROR_CODES_PAGE_SAMPLE)
    body = codearts.get("/v4/projects/999/trusted-ip-addresses").json()
    assert set(body) == {"error_code", "error_msg"}


# -- the seed's example path ---------------------------------------------------------------------------------------------

def test_the_seeds_example_path_answers_the_tenant_list(codearts):
    for ip in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        assert codearts.post(doc.TENANT_LIST, json={"ip_start": ip}).status_code == 200
    for query in ({}, {"offset": 1, "limit": 1}):
        listed = codearts.get(doc.TENANT_LIST, params=query)
        example = codearts.get(doc.SEED_EXAMPLE_PATH, params=query)
        assert example.status_code == 200, example.text
        assert example.json() == listed.json() and example.headers["X-Total"] == listed.headers["X-Total"] == "3"
    assert codearts.get(doc.SEED_EXAMPLE_PATH, params={"limit": 101}).status_code == 400
    assert codearts.get(doc.SEED_EXAMPLE_PATH, headers={"X-Auth-Token": "nope"}).status_code == 401


# -- bounds --------------------------------------------------------------------------------------------------------------

def test_the_spec_declares_the_pages_bounds():
    resolved = vendor_spec("codearts").resolved
    for path, item in resolved["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            for param in list(item.get("parameters", [])) + list(op.get("parameters", [])):
                if param["name"] in doc.BOUNDS:
                    low, high = doc.BOUNDS[param["name"]]
                    assert (param["schema"]["minimum"], param["schema"]["maximum"]) == (low, high), (path, param["name"])
                    if param["name"] in doc.DEFAULTS:
                        assert param["schema"]["default"] == doc.DEFAULTS[param["name"]]


@pytest.mark.parametrize("path, query, status", [
    ("/v4/projects/0/trusted-ip-addresses", {}, 400),
    ("/v4/projects/2147483648/trusted-ip-addresses", {}, 400),
    ("/v4/projects/2147483647/trusted-ip-addresses", {}, 404),  # in range, no such repository
    ("/v4/projects/-1/trusted-ip-addresses", {}, 400),
    ("/v4/projects/1001/trusted-ip-addresses", {"offset": -1}, 400),
    ("/v4/projects/1001/trusted-ip-addresses", {"offset": 2147483648}, 400),
    ("/v4/projects/1001/trusted-ip-addresses", {"offset": 2147483647}, 200),
    ("/v4/projects/1001/trusted-ip-addresses", {"limit": 0}, 400),
    ("/v4/projects/1001/trusted-ip-addresses", {"limit": 101}, 400),
    ("/v4/projects/1001/trusted-ip-addresses", {"limit": 100}, 200),
    (doc.TENANT_LIST, {"limit": 101}, 400),
    (doc.TENANT_LIST, {"offset": 2147483648}, 400),
    ("/v4/tenant/trusted-ip-addresses/0", None, 400),
    ("/v4/tenant/trusted-ip-addresses/2147483648", None, 400),
])
def test_the_emulator_enforces_the_pages_bounds(codearts, path, query, status):
    if query is None:  # ip_id: on PUT (GET is not an operation there)
        response = codearts.put(path, json={"remark": "x"})
    else:
        response = codearts.get(path, params=query)
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["error_code"] == "CH.010001"


def test_the_official_sdk_meets_the_bounds(server):
    client = (CodeArtsRepoClient.new_builder().with_credentials(BasicCredentials("emulator-ak", "emulator-sk"))
              .with_endpoints([server.url]).build())
    client.preset_headers["X-Emulator-Namespace"] = f"sdk-{uuid.uuid4().hex[:12]}"
    assert client.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest(limit=100)).status_code == 200
    for request in (ListTenantTrustedIpAddressesRequest(limit=101), ListTrustedIpAddressesRequest(id=0),
                    ListTrustedIpAddressesRequest(id=1001, offset=-1)):
        call = (client.list_tenant_trusted_ip_addresses if isinstance(request, ListTenantTrustedIpAddressesRequest)
                else client.list_trusted_ip_addresses)
        with pytest.raises(ClientRequestException) as info:
            call(request)
        assert (info.value.status_code, info.value.error_code) == (400, "CH.010001")
    with pytest.raises(ClientRequestException) as info:
        client.add_trusted_ip_address(AddTrustedIpAddressRequest(id=2147483648, body=AddTrustedIpAddressRequestBody(ip_start="1.1.1.1")))
    assert info.value.status_code == 400


# -- the access decision for repositories ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def configured():
    config = {"repositories": [{"id": 3001, "owner": 42, "visibility": "public"},
                               {"id": 3002, "owner": 42, "visibility": "tenant-read-only"}, 3003]}
    with EmulatorServer(Options(vendors=("codearts",), config={"vendors": {"codearts": config}}, seed=2)) as running:
        yield running


def test_decide_follows_visibility_and_the_owner_exemption(configured):
    client = VendorClient("codearts", configured.url, headers=TOKEN)
    for repository in (3001, 3002, 3003, 1001):
        created = client.post(f"/v4/projects/{repository}/trusted-ip-addresses",
                              json={"ip_start": "203.0.113.5", "view_flag": 1, "download_flag": 1})
        assert created.status_code == 200, created.text

    def decide(**query):
        return client.decide(ip="198.51.100.9", **query)

    # a Public repository: its list (and the tenant's) does not apply
    public = decide(repository=3001, action="upload")
    assert public["allowed"] and "Public" in public["reason"]
    # Read-only for tenant members: restricted like Private
    assert not decide(repository=3002)["allowed"]
    # the owner may view from anywhere; download and commit name no owner exemption
    owner = decide(repository=3002, user=42)
    assert owner["allowed"] and "owns" in owner["reason"]
    assert not decide(repository=3002, user=42, action="download")["allowed"]
    assert not decide(repository=3002, user=7)["allowed"]
    # the demo repositories are Private and owned by the demo user 9155
    assert decide(repository=1001, user=9155)["allowed"]
    assert not decide(repository=1001, user=42)["allowed"]
    assert not decide(repository=3003)["allowed"]  # a plain id: Private
    assert client.decide(ip="203.0.113.5", repository=3002, action="download")["allowed"]
    bad = client.control("GET", "/decide/codearts", params={"ip": "198.51.100.9", "user": "42"})
    assert bad.status_code == 400
    bad = client.control("GET", "/decide/codearts", params={"ip": "198.51.100.9", "repository": "3002", "user": "x"})
    assert bad.status_code == 400


def test_a_wrong_visibility_in_config_is_refused():
    from allowlist_emulator.vendors.codearts.models import CodeArtsModel

    with pytest.raises(ValueError, match="visibility"):
        CodeArtsModel._empty({"repositories": [{"id": 5, "visibility": "secret"}]})


def test_the_add_pages_example_path_is_not_served(codearts):
    """The 2025 add page's example POSTs to /v4/tenant/setting/trusted-ip-addresses; no seed backs it (x-fidelity)."""
    response = codearts.post(doc.ADD_EXAMPLE_PATH, json={"ip_start": "2.2.2.5"}, check=False)  # no such path in the spec
    assert response.status_code == 404 and response.json()["error_code"] == "CH.000404"
    assert codearts.get(doc.TENANT_LIST).headers["X-Total"] == "0"
