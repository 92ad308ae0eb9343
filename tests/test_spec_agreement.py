"""Talend's and B2Core's address and token-request schemas agree with the emulator, as third-party tools read them
(every example against its schema: tests/test_spec_examples.py).

Spectral's ``oas3-valid-media-example`` / ``oas3-valid-schema-example`` and Prism's validation proxy check values
against the (dereferenced) schemas with format assertion on; ``jsonschema`` with a ``FormatChecker`` does the same
here. (The Spectral and Prism harnesses themselves are another test's job; this one needs no external tool.)

The address schemas (Talend ``IpValue``, B2Core ``IpAddressValue``) must accept exactly what the emulator accepts,
except what a schema cannot say: host bits set in a CIDR block.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from allowlist_emulator.addresses import AddressError, parse_address_or_cidr
from allowlist_emulator.engine.spec import vendor_spec

from .b2core_support import authorised

VENDORS = ["talend", "b2core"]


_VALIDATORS: dict[int, Draft202012Validator] = {}


def _valid(schema: dict, value: Any) -> bool:
    validator = _VALIDATORS.get(id(schema))  # the resolved specs are cached, so each schema object lives on
    if validator is None:
        validator = _VALIDATORS[id(schema)] = Draft202012Validator(schema, format_checker=FormatChecker())
    return validator.is_valid(value)


# -- the address schemas and the emulator's address parser -------------------------------------------------------------

ADDRESS_SCHEMAS = {"talend": "IpValue", "b2core": "IpAddressValue"}
ACCEPTED = ["230.65.223.167", "0.0.0.0", "255.255.255.255", "10.0.0.0/24", "0.0.0.0/0", "192.0.2.5/32", "2001:db8::/32",
            "2001:DB8:0:0::7", "::", "::/0", "::1", "::ffff:10.0.0.1", "::ffff:10.0.0.0/104", "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4", "fe80::/10", "2001:db8::/128", "1::"]
REFUSED = ["", "300.1.1.1", "10.0.0.1/33", " 10.0.0.1", "10.0.0.1 ", "abc", "10.0.0.1-10.0.0.9", "010.0.0.1",
           "fe80::1%eth0", "2001:db8::1/129", "10.0.0.0/", "1.2.3", "10.0.0.0/024", "10.0.0.0/255.255.255.0",
           "10.0.0.0/0.0.0.255", "2001:db8::/032", ":::", "1:2:3:4:5:6:7:8:9", "::ffff:01.2.3.4", "2001:db8:::/32",
           "12345::", "10.0.0.0/+8", "/24", "::/", "1.2.3.4/8/8", "2001:db8::/-1"]
HOST_BITS = ["10.0.0.1/24", "2001:db8::1/32"]  # the one thing a pattern cannot say: the emulator refuses them


def _emulator_accepts(text: str, strict: bool) -> bool:
    try:
        parse_address_or_cidr(text, strict=strict)
        return True
    except AddressError:
        return False


def _fuzz(count: int) -> list[str]:
    rnd = random.Random(13)
    pieces = ["1", "10", "255", "256", "0", "00", "ffff", "FFFF", "abcd", "g", ":", "::", ".", "/", "8", "32", "33",
              "64", "128", "129", "024", " ", "%", "-"]
    return ["".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 12))) for _ in range(count)]


@pytest.mark.parametrize("vendor", VENDORS)
def test_address_schema_accepts_exactly_what_the_emulator_accepts(vendor):
    schema = vendor_spec(vendor).resolved["components"]["schemas"][ADDRESS_SCHEMAS[vendor]]
    for text in ACCEPTED:
        assert _emulator_accepts(text, strict=True) and _valid(schema, text), text
    for text in REFUSED:
        assert not _emulator_accepts(text, strict=True) and not _valid(schema, text), text
    for text in HOST_BITS:
        assert _valid(schema, text) and not _emulator_accepts(text, strict=True), text
    disagree = [text for text in _fuzz(4_000) if len(text) <= 64 and _valid(schema, text) != _emulator_accepts(text, strict=False)]
    assert not disagree, disagree[:20]


def test_both_specs_use_the_same_address_patterns():
    talend = vendor_spec("talend").resolved["components"]["schemas"]["IpValue"]["anyOf"]
    b2core = vendor_spec("b2core").resolved["components"]["schemas"]["IpAddressValue"]["anyOf"]
    assert talend == b2core


# -- over HTTP: what the schema refuses, the emulator refuses, and the reverse ---------------------------------------


def test_talend_accepts_an_ip_exactly_when_its_schema_does(client_for):
    talend = client_for("talend", headers={"Authorization": "Bearer talend-admin-token"})
    assert talend.post("/security/ip-allowlist", json={"enabled": False}).status_code == 201
    schema = vendor_spec("talend").resolved["components"]["schemas"]["EntryInputList"]
    for text in ACCEPTED + REFUSED + HOST_BITS:
        body = [{"ip": text, "description": "agreement"}]
        response = talend.post("/security/ip-allowlist/ips", json=body)
        expected = _valid(schema, body) and text not in HOST_BITS
        assert (response.status_code == 201) is expected, (text, response.status_code, response.text)
        if response.status_code == 201:
            assert talend.delete(f"/security/ip-allowlist/ips/{response.json()[0]['id']}").status_code == 204
        else:
            assert response.status_code == 400


def test_b2core_accepts_an_address_exactly_when_its_schema_does(client_for):
    api = authorised(client_for("b2core"))
    schema = vendor_spec("b2core").resolved["components"]["schemas"]["AddressPolicyCreate"]
    for text in ACCEPTED + REFUSED + HOST_BITS:
        body = {"ipAddress": text, "policy": "allow"}
        response = api.post("/addresses", json=body)
        expected = _valid(schema, body) and text not in HOST_BITS
        assert (response.status_code == 201) is expected, (text, response.status_code, response.text)
        if response.status_code != 201:
            assert response.json()["code"] in ("INVALID_IP", "HOST_BITS_SET", "TOO_LONG"), response.text


@pytest.mark.parametrize("body", [
    {"grant_type": "client_credentials"}, {"grant_type": "password"}, {"grant_type": "CLIENT_CREDENTIALS"},
    {"grant_type": "client_credentials "}, {"grant_type": 1}, {}, {"grant_type": "client_credentials", "scope": "x"},
])
def test_b2core_token_request_schema_says_what_the_emulator_enforces(client_for, body):
    client = client_for("b2core")
    schema = vendor_spec("b2core").resolved["components"]["schemas"]["TokenRequest"]
    assert schema["properties"]["grant_type"]["enum"] == ["client_credentials"]
    response = client.post("/tokens", auth=("b2core-client", "b2core-secret"), json=body)
    assert (response.status_code == 200) is _valid(schema, body), (body, response.text)
    if isinstance(body.get("grant_type"), str) and body["grant_type"] != "client_credentials":
        assert response.json()["code"] == "UNSUPPORTED_GRANT_TYPE"


@pytest.mark.parametrize("body", [
    {"audience": "https://api.eu.cloud.talend.com", "grant_type": "client_credentials"},
    {"audience": "https://api.eu.cloud.talend.com", "grant_type": "password"},
    {"audience": "https://api.eu.cloud.talend.com"}, {"grant_type": "client_credentials"},
    {"audience": "", "grant_type": "client_credentials"},
    {"audience": "https://api.us.cloud.talend.com", "grant_type": "client_credentials", "scope": "x"},
])
def test_talend_token_request_schema_says_what_the_emulator_enforces(client_for, body):
    client = client_for("talend")
    schema = vendor_spec("talend").resolved["components"]["schemas"]["TokenRequest"]
    response = client.post("/security/oauth/token", auth=("talend-service-account", "talend-service-secret"), json=body)
    assert (response.status_code == 200) is _valid(schema, body), (body, response.text)
