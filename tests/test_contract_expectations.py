"""Expected findings (``x-fidelity`` with check, answer, reason) are written once per rule, on the part of the spec
that has the rule, and apply to every operation that takes that part; and what a spec accepts, its model accepts
(a rule JSON Schema can state is in the schema, so schemathesis never sends it as positive data)."""

from __future__ import annotations

import jsonschema

from allowlist_emulator.contract.runner import CheckFailure, expectations
from allowlist_emulator.engine.spec import Spec, vendor_spec

TENANT = "/v4/tenant/trusted-ip-addresses"
ADMIN = {"X-Auth-Token": "codearts-token"}


def _finding(op_id: str, answer: str) -> CheckFailure:
    return CheckFailure("positive_data_acceptance", op_id, "", "", "", "", response=answer)


def test_an_update_shares_the_rules_of_the_add_it_is_checked_like():
    found = expectations(vendor_spec("codearts"))
    add, update = found["AddTenantTrustedIpAddress"], found["UpdateTenantTrustedIpAddress"]
    assert set(update) <= set(add) and len(update) >= 3  # one Expectation object per rule, shared
    # the answer of the seed the issue names (CodeArts, --allow-writes, --max-examples 10, --seed 7)
    answer = ('400 {"error_code":"CH.010001","error_msg":"Invalid parameter: ip_end must be the last address of '
              '2.255.195.136/31 (2.255.195.137) or omitted"}')
    for op_id in ("AddTenantTrustedIpAddress", "UpdateTenantTrustedIpAddress", "AddTrustedIpAddress",
                  "UpdateTrustedIpAddress"):
        assert any(e.covers(_finding(op_id, answer)) for e in found[op_id]), op_id


def test_a_rule_on_a_request_body_schema_applies_to_every_operation_taking_it():
    spec = vendor_spec("hdp")
    rule = {"gap": "g", "choice": "c", "check": "positive_data_acceptance", "answer": "^400 .*shared-rule",
            "reason": "r"}
    with_body = [op for op in spec.operations if op.raw.get("requestBody")]
    shared_schema = {"type": "object", "x-fidelity": [rule]}
    operations = []
    for op in spec.operations:
        raw = dict(op.raw)
        if op in with_body:
            raw["requestBody"] = {"content": {"application/json": {"schema": {"allOf": [shared_schema]}}}}
        operations.append(type(op)(**{**{k: getattr(op, k) for k in op.__slots__}, "raw": raw}))
    fake = Spec(**{**{k: getattr(spec, k) for k in spec.__slots__}, "operations": tuple(operations)})
    found = expectations(fake)
    for op in spec.operations:
        covered = any(e.covers(_finding(op.operation_id, "400 shared-rule")) for e in found.get(op.operation_id, ()))
        assert covered == (op in with_body), op.operation_id


def test_a_range_without_its_end_is_invalid_in_the_schema_and_refused_by_the_model(client_for):
    spec = vendor_spec("codearts")
    schema = spec.operation("AddTenantTrustedIpAddress").raw["requestBody"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator(schema)
    assert not validator.is_valid({"ip_type": 1, "ip_start": "10.1.1.1"})
    assert not validator.is_valid({"ip_type": 1, "ip_start": "10.1.1.1", "ip_end": ""})
    assert validator.is_valid({"ip_type": 1, "ip_start": "10.1.1.1", "ip_end": "10.1.1.9"})
    assert validator.is_valid({"ip_start": "10.1.1.1"})
    api = client_for("codearts", headers=ADMIN)
    refused = api.post(TENANT, json={"ip_type": 1, "ip_start": "10.1.1.1"})
    assert refused.status_code == 400 and refused.json()["error_code"] == "CH.010001", refused.text
    assert "ip_end" in refused.json()["error_msg"]
    assert api.get(TENANT).json() == [] or all(r["ip_start"] != "10.1.1.1" for r in api.get(TENANT).json())
    assert api.post(TENANT, json={"ip_type": 1, "ip_start": "10.1.1.1", "ip_end": "10.1.1.9"}).status_code == 200


def test_an_hdp_tenant_id_is_bounded_in_the_spec_and_by_the_emulator(client_for):
    api = client_for("hdp", auth=("d2cadmin", "d2cadmin"))
    path = "/api/admin/security/whitelist/tenants/"
    too_big = api.get(path + str(2**31))
    assert too_big.status_code == 400 and "id" in too_big.text, too_big.text
    assert api.get(path + str(2**31 - 1)).status_code == 404  # in range: an unknown tenant
    assert api.get(path + "2459452235932798803897878786867200").status_code == 400  # the seed-7 id
