"""CodeArts Repo: signatures beside tokens, the vendor's own samples against the response
schemas, string-typed numbers from older pages, the create schema, and a RepositoryId example that reaches a
repository. Over real HTTP (raw requests and the official SDK, unchanged).
"""

from __future__ import annotations

import json
import uuid

import jsonschema
import pytest
import requests
from huaweicloudsdkcodeartsrepo.v4 import ListTenantTrustedIpAddressesRequest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from allowlist_emulator.engine.spec import vendor_spec
from allowlist_emulator.recording.drift import response_problems
from allowlist_emulator.vendors.codearts import signing

from .codearts_support import Signed, apigw_error, make_client

TENANT = "/v4/tenant/trusted-ip-addresses"
REPO = "/v4/projects/{}/trusted-ip-addresses"
TOKEN = {"X-Auth-Token": "codearts-token"}


@pytest.fixture
def signed(server, request):
    return Signed(server, f"second-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def api(client_for):
    return client_for("codearts", headers=TOKEN)


def _send(signed: Signed, prepared, **extra_headers) -> requests.Response:
    method, url, headers, body = prepared
    return requests.request(method, url, headers={**headers, **extra_headers}, data=body, timeout=10)


# -- 9. a present SDK-HMAC-SHA256 Authorization always verifies ------------------------------------------------------------


def test_bad_signature_beside_a_valid_token_is_401(signed):
    _method, url, headers, _body = signed.prepare()
    tampered = dict(headers, Authorization=headers["Authorization"][:-4] + "0000")
    response = requests.get(url, headers={**tampered, **TOKEN}, timeout=10)
    apigw_error(response, "verify aksk signature fail")
    # the token alone works, and so does a correct signature beside it
    assert requests.get(url, headers={"X-Emulator-Namespace": signed.namespace, **TOKEN}, timeout=10).status_code == 200
    assert _send(signed, signed.prepare(), **TOKEN).status_code == 200


@pytest.mark.parametrize("authorization, piece", [
    ("SDK-HMAC-SHA256 garbage", "verify aksk signature fail"),
    ("sdk-hmac-sha256 Access=emulator-ak, SignedHeaders=host;x-sdk-date, Signature=00", "verify aksk signature fail"),
    ("SDK-HMAC-SHA256 Access=someone-else, SignedHeaders=host;x-sdk-date, Signature=00", "ak not exist"),
])
def test_broken_signer_beside_a_valid_token_never_passes(signed, authorization, piece):
    headers = {"X-Emulator-Namespace": signed.namespace, "X-Sdk-Date": signing.format_date(signed.now()),
               "Authorization": authorization, **TOKEN}
    apigw_error(requests.post(f"{signed.url}{TENANT}", headers=headers, json={"ip_start": "1.1.1.1"}, timeout=10), piece)
    listed = requests.get(f"{signed.url}{TENANT}", headers={"X-Emulator-Namespace": signed.namespace, **TOKEN}, timeout=10)
    assert listed.json() == []  # nothing stored


def test_stale_signature_beside_a_valid_token_is_401(signed):
    from datetime import timedelta

    prepared = signed.prepare(when=signed.now() - timedelta(minutes=16))
    apigw_error(_send(signed, prepared, **TOKEN), "signature expired")


def test_other_authorization_schemes_beside_a_token_are_ignored(signed):
    headers = {"X-Emulator-Namespace": signed.namespace, "Authorization": "Bearer something", **TOKEN}
    assert requests.get(f"{signed.url}{TENANT}", headers=headers, timeout=10).status_code == 200
    # without a token, any Authorization must be a valid signature
    del headers["X-Auth-Token"]
    apigw_error(requests.get(f"{signed.url}{TENANT}", headers=headers, timeout=10), "verify aksk signature fail")


def test_valid_signature_acts_as_the_token_identity(signed):
    expired = _send(signed, signed.prepare(), **{"X-Auth-Token": "codearts-expired-token"})
    assert expired.status_code == 401 and expired.json()["error_code"] == "DEV.00000003"
    refused = _send(signed, signed.prepare(), **{"X-Auth-Token": "codearts-no-permission-token"})
    assert refused.status_code == 403 and refused.json()["error_code"] == "CH.004403"
    unknown = _send(signed, signed.prepare(), **{"X-Auth-Token": "nope"})
    apigw_error(unknown, "decrypt token fail")


def test_official_sdk_with_a_wrong_sk_fails_even_with_a_valid_token(server):
    namespace = f"sdk-{uuid.uuid4().hex[:12]}"
    broken = make_client(server, namespace, sk="not-the-secret")
    broken.preset_headers["X-Auth-Token"] = "codearts-token"
    with pytest.raises(ClientRequestException) as info:
        broken.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest())
    assert info.value.status_code == 401 and info.value.error_code == "APIGW.0301"
    good = make_client(server, namespace)
    good.preset_headers["X-Auth-Token"] = "codearts-token"
    assert good.list_tenant_trusted_ip_addresses(ListTenantTrustedIpAddressesRequest()).status_code == 200


def test_bad_signatures_beside_a_token_count_towards_the_lock(signed):
    for _ in range(5):
        _method, url, headers, _body = signed.prepare(sk="wrong")
        apigw_error(requests.get(url, headers={**headers, **TOKEN}, timeout=10), "verify aksk signature fail")
    apigw_error(_send(signed, signed.prepare(), **TOKEN), "reach the limit")


# -- 10. the response schemas accept the vendor's samples; the emulator keeps the SDK's form ------------------------------


def _seed_sample() -> list:
    op = vendor_spec("codearts").resolved["paths"][TENANT]["get"]
    return op["responses"]["200"]["content"]["application/json"]["examples"]["seed"]["value"]


def test_seed_sample_validates_against_the_response_schema():
    op = vendor_spec("codearts").resolved["paths"][TENANT]["get"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    sample = _seed_sample()
    assert sample[0]["id"] == 1998 and sample[0]["ip_type"] == 3
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(sample)


def test_a_real_deployment_answering_the_seed_sample_passes_the_drift_check():
    """What a contract run or the recorder checks a real answer with: the seed's 200, verbatim, has no problems."""
    base = "https://codehub-ext.cn-north-4.myhuaweicloud.com"
    body = json.dumps(_seed_sample()).encode()
    problems = response_problems("codearts", base, "GET", base + TENANT, {"X-Auth-Token": "t"}, None, 200,
                                 {"Content-Type": "application/json", "X-Total": "2"}, body)
    assert problems == []
    # and the schema still has teeth: a wrong type is a problem
    wrong = json.dumps([{**_seed_sample()[0], "id": [1998]}]).encode()
    assert response_problems("codearts", base, "GET", base + TENANT, {"X-Auth-Token": "t"}, None, 200,
                             {"Content-Type": "application/json", "X-Total": "1"}, wrong)


def test_the_emulator_still_answers_string_ids_and_ip_types_0_1_2(api):
    for fields in ({"ip_start": "1.1.1.1"}, {"ip_type": 1, "ip_start": "10.0.0.1", "ip_end": "10.0.0.9"},
                   {"ip_type": 2, "ip_start": "10.1.0.0/16"}):
        assert api.post(TENANT, json=fields).status_code == 200
    assert api.post(REPO.format(1001), json={"ip_start": "2.2.2.2"}).status_code == 200
    items = api.get(TENANT).json() + api.get(REPO.format(1001)).json()
    assert [item["id"] for item in items] == ["1", "2", "3", "4"]
    assert all(isinstance(item["id"], str) for item in items)
    assert [item["ip_type"] for item in items] == [0, 1, 2, 0]
    updated = api.put(f"{TENANT}/1", json={"remark": "x"}).json()
    assert updated["id"] == "1"


def test_ip_type_3_is_accepted_in_responses_only(api):
    response = api.post(TENANT, json={"ip_type": 3, "ip_start": "1.1.1.1"})
    assert response.status_code == 400 and "ip_type must be one of 0, 1, 2" in response.json()["error_msg"]


# -- 11. ip_type and flags as strings ("1"), as older pages type them ------------------------------------------------------


@pytest.mark.parametrize("field", ["ip_type", "view_flag", "download_flag", "upload_flag"])
def test_string_numbers_are_refused_naming_the_field(api, field):
    created = api.post(TENANT, json={"ip_start": "1.1.1.1", field: "1"})
    assert created.status_code == 400
    data = created.json()
    assert data["error_code"] == "CH.010001"
    assert data["error_msg"].startswith(f"Invalid parameter: {field} must be one of ")
    assert '"1" is not of type "integer"' in data["error_msg"]
    assert api.get(TENANT).json() == []
    assert api.post(TENANT, json={"ip_start": "1.1.1.1"}).status_code == 200
    updated = api.put(f"{TENANT}/1", json={field: "1"})
    assert updated.status_code == 400 and field in updated.json()["error_msg"]
    assert api.get(TENANT).json()[0][field] == 0  # unchanged


# -- 12. create needs ip_start (and the schema says so); RepositoryId's example reaches a repository ----------------------


def test_create_without_ip_start_is_refused_by_the_schema_and_the_emulator(api):
    for path in (TENANT, REPO.format(1001)):
        response = api.post(path, json={"ip_type": 0, "view_flag": 1})
        assert response.status_code == 400
        assert response.json() == {"error_code": "CH.010001", "error_msg": "Invalid parameter: ip_start is required"}
    spec = vendor_spec("codearts")
    for operation_id in ("AddTenantTrustedIpAddress", "AddTrustedIpAddress"):
        schema = spec.resolved["paths"][spec.operation(operation_id).path]["post"]["requestBody"]["content"][
            "application/json"]["schema"]
        assert not jsonschema.Draft202012Validator(schema).is_valid({"ip_type": 0})
        assert jsonschema.Draft202012Validator(schema).is_valid({"ip_start": "1.1.1.1"})
    for operation_id in ("UpdateTenantTrustedIpAddress", "UpdateTrustedIpAddress"):  # PUT is partial
        op = spec.operation(operation_id)
        schema = spec.resolved["paths"][op.path]["put"]["requestBody"]["content"]["application/json"]["schema"]
        assert jsonschema.Draft202012Validator(schema).is_valid({"remark": "x"})


def test_repository_id_example_names_a_seeded_repository(api):
    example = vendor_spec("codearts").resolved["components"]["parameters"]["RepositoryId"]["example"]
    listed = api.get(REPO.format(example))
    assert listed.status_code == 200 and listed.headers["X-Total"] == "0"
    assert api.post(REPO.format(example), json={"ip_start": "1.1.1.1"}).status_code == 200


def test_out_of_range_number_is_named_in_the_codearts_shape(api):
    response = api.post(TENANT, data=b'{"ip_start": "1.1.1.1", "view_flag": 1e400}', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error_msg"].startswith("Invalid parameter: view_flag: the number 1e400 is out of range")
