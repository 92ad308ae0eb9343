"""B2Core's policies page marks no body field of POST /addresses required (tests/vendor_artifacts/b2core.py): a client
typed from it may leave `policy` and `ttl` out. The emulator then creates an `allow` policy that never expires
(specs/b2core.yaml x-fidelity of createAddress); `ipAddress` stays required (400 MISSING_FIELD naming it)."""

from __future__ import annotations

import pytest

from allowlist_emulator.engine.spec import vendor_spec

from . import vendor_artifacts
from .b2core_support import authorised
from .vendor_artifacts import b2core as doc


@pytest.fixture
def api(client_for):
    return authorised(client_for("b2core"))


def test_the_spec_requires_only_what_has_no_default():
    schema = vendor_spec("b2core").resolved["paths"]["/addresses"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]) == set(doc.CREATE_FIELDS)
    assert schema["required"] == ["ipAddress"] and not doc.MARKED_REQUIRED
    assert schema["properties"]["policy"]["default"] == "allow" and schema["properties"]["ttl"]["default"] == 0


@pytest.mark.parametrize("body, policy, ttl", [
    ({"ipAddress": "10.0.0.1"}, "allow", 0),
    ({"ipAddress": "10.0.0.2", "ttl": 60}, "allow", 60),
    ({"ipAddress": "10.0.0.3", "policy": "deny"}, "deny", 0),
])
def test_a_post_without_policy_or_ttl_gets_the_defaults(api, body, policy, ttl):
    created = api.post("/addresses", json=body)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert (answer["ipAddress"], answer["policy"], answer["ttl"]) == (body["ipAddress"], policy, ttl)
    assert answer["expireTime"] == "9999-12-31T23:59:59+00:00" if ttl == 0 else answer["expireTime"] != answer["createTime"]
    assert api.get(f"/addresses/{answer['addressId']}").json() == answer


def test_without_ip_address_it_is_still_a_400_naming_it(api):
    response = api.post("/addresses", json={"policy": "allow", "ttl": 5})
    assert response.status_code == 400
    assert response.json()["code"] == "MISSING_FIELD" and response.json()["message"].startswith("ipAddress")
    assert api.get("/addresses").json() == []


def test_a_default_allow_policy_admits_its_address(api):
    assert api.post("/addresses", json={"ipAddress": "203.0.113.0/24"}).status_code == 201
    assert api.decide(ip="203.0.113.9")["allowed"] is True


def test_the_pages_samples_validate_against_the_spec():
    assert vendor_artifacts.sample_problems("b2core", "POST", "/addresses", None, doc.SAMPLE_CREATE) == []
    assert vendor_artifacts.sample_problems("b2core", "POST", "/addresses", 201, doc.SAMPLE_OBJECT) == []
    assert vendor_artifacts.sample_problems("b2core", "GET", "/addresses/{addressId}", 200, doc.SAMPLE_OBJECT) == []
