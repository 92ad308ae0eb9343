"""Header parameters are validated like query parameters (engine/spec.py builds ``header_params``; the router checks
them): a header that breaks its schema is the same 400, naming the header, as a query parameter would be; names are
case-insensitive. Talend's ``talend-version`` header is declared without a bound (the server's header line is the
limit), and the emulator accepts what the spec accepts."""

from __future__ import annotations

import base64

import pytest
from multidict import CIMultiDict

from allowlist_emulator.engine.spec import vendor_spec
from allowlist_emulator.engine.validate import RequestInvalid, compile_param, parse_headers, parse_query

TOKEN_PATH = "/security/oauth/token"
BODY = {"audience": "https://api.eu.cloud.talend.com", "grant_type": "client_credentials"}
BASIC = "Basic " + base64.b64encode(b"talend-service-account:talend-service-secret").decode()

VERSION = {"name": "talend-version", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 64}}
AS_QUERY = {**VERSION, "name": "talendVersion", "in": "query"}


def test_a_header_breaking_its_schema_is_refused_as_the_query_is():
    header, query = compile_param(VERSION), compile_param(AS_QUERY)
    with pytest.raises(RequestInvalid) as by_header:
        parse_headers((header,), CIMultiDict({"Talend-Version": "v" * 65}))
    with pytest.raises(RequestInvalid) as by_query:
        parse_query((query,), CIMultiDict({"talendVersion": "v" * 65}))
    assert (by_header.value.problem.location, by_header.value.problem.field) == ("header", "talend-version")
    assert by_header.value.problem.status == by_query.value.problem.status == 400
    assert by_header.value.problem.message == by_query.value.problem.message
    assert parse_headers((header,), CIMultiDict({"TALEND-VERSION": "v" * 64})) == {"talend-version": "v" * 64}


def test_a_required_header_that_is_missing_is_named():
    required = compile_param({**VERSION, "required": True})
    with pytest.raises(RequestInvalid) as missing:
        parse_headers((required,), CIMultiDict())
    assert (missing.value.problem.field, missing.value.problem.message) == ("talend-version", "is required")


def test_the_talend_version_header_is_accepted_as_its_spec_declares_it(client_for):
    token = next(op for op in vendor_spec("talend").operations if op.path == TOKEN_PATH and op.method == "POST")
    declared = {p.name: p for p in token.header_params}["talend-version"]
    long = "v" * 4000
    assert declared.validator.is_valid(long)  # no bound in the spec ...
    talend = client_for("talend")
    ok = talend.post(TOKEN_PATH, json=BODY, headers={"Authorization": BASIC, "talend-version": long})
    assert ok.status_code == 200, ok.text  # ... and none in the emulator
