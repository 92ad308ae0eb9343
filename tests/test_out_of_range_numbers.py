"""A JSON number too large for a double (``1e400``) is named as out of range by every vendor, in its own error
shape, with the field it stands in. Python reads it as infinity, which the schema validator used to see as null
("value: null is not of type string"); the shared body parser (engine/validate.py) now catches it."""

from __future__ import annotations

import pytest

from allowlist_emulator.engine.validate import BodyValidator, RequestInvalid

from .b2core_support import authorised


def _message(vendor: str, body: dict) -> str:
    return {"hdp": lambda b: b["error"]["message"]["value"], "codearts": lambda b: b["error_msg"],
            "talend": lambda b: b["detail"], "b2core": lambda b: b["message"]}[vendor](body)


@pytest.mark.parametrize("vendor, path, raw, field", [
    ("hdp", "/api/admin/configurations/8", b'{"value": 1e400}', "value"),
    ("codearts", "/v4/tenant/trusted-ip-addresses", b'{"ip_start": "1.1.1.1", "upload_flag": -1e999}', "upload_flag"),
    ("talend", "/security/ip-allowlist", b'{"enabled": true, "description": "x", "ips": [{"ip": 9e9999}]}', "ips[0].ip"),
    ("b2core", "/addresses", b'{"ipAddress": "10.0.0.1", "policy": "allow", "ttl": 1e400}', "ttl"),
])
def test_every_vendor_names_an_out_of_range_number(client_for, vendor, path, raw, field):
    headers = {"hdp": {}, "codearts": {"X-Auth-Token": "codearts-token"},
               "talend": {"Authorization": "Bearer talend-admin-token"}, "b2core": {}}[vendor]
    client = client_for(vendor, auth=("d2cadmin", "d2cadmin") if vendor == "hdp" else None, headers=headers)
    if vendor == "b2core":
        authorised(client)
    method = "put" if vendor == "hdp" else "post"
    response = getattr(client, method)(path, data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    message = _message(vendor, response.json())
    assert "null" not in message
    if vendor == "b2core":  # B2Core words every problem from its own x-error-codes, by the failed keyword
        assert message == f"{field}: must be of type integer", message
    else:
        assert f"{field}: the number " in message and "is out of range" in message, message


def test_body_validator_locates_the_number_and_leaves_ordinary_floats_alone():
    validator = BodyValidator({"type": "object"}, required=True, media_types=("application/json",))
    assert validator.parse(b'{"a": [1.5, -2e-3, 1e308]}', "application/json") == {"a": [1.5, -0.002, 1e308]}
    with pytest.raises(RequestInvalid) as info:
        validator.parse(b'{"a": [1.5, {"b": 1e309}]}', "application/json")
    problem = info.value.problem
    assert (problem.field, problem.rule) == ("a[1].b", "Range") and "1e309" in problem.message
    with pytest.raises(RequestInvalid) as info:
        validator.parse(b"1e400", "application/json")
    assert info.value.problem.field == "body"
