"""Header parameters are validated like query parameters (engine/spec.py builds ``header_params``; the router checks
them): a header that breaks its schema is the same 400, naming the header, as a query parameter would be; names are
case-insensitive. Talend's ``talend-version`` header is bounded as its ``talendVersion`` query is (64 characters),
and the emulator accepts exactly what the spec accepts."""

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


def test_the_talend_version_header_is_bounded_as_the_query_is(client_for):
    """Issue 25: a talend-version header over the spec's 64 characters was answered 200 while the talendVersion query
    of the same length got 400. Both are bounded alike now, and the 400 names the header."""
    token = next(op for op in vendor_spec("talend").operations if op.path == TOKEN_PATH and op.method == "POST")
    declared = {p.name: p for p in token.header_params}["talend-version"]
    assert declared.validator.is_valid("v" * 64) and not declared.validator.is_valid("v" * 65)
    talend = client_for("talend")
    ok = talend.post(TOKEN_PATH, json=BODY, headers={"Authorization": BASIC, "talend-version": "v" * 64})
    assert ok.status_code == 200, ok.text
    by_header = talend.post(TOKEN_PATH, json=BODY, headers={"Authorization": BASIC, "talend-version": "v" * 65})
    by_query = talend.post(TOKEN_PATH + "?talendVersion=" + "v" * 65, json=BODY, headers={"Authorization": BASIC})
    assert by_header.status_code == by_query.status_code == 400, (by_header.text, by_query.text)
    assert "talend-version" in by_header.text and "talendVersion" in by_query.text
