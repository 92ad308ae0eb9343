"""Header parameters are validated like query parameters: the spec's header schemas (Talend's ``talend-version``,
``maxLength: 64``) give the same 400, naming the header, as the query parameter of the same length."""

from __future__ import annotations

import base64

import pytest

from allowlist_emulator.engine.spec import vendor_spec

TOKEN_PATH = "/security/oauth/token"
BODY = {"audience": "https://api.eu.cloud.talend.com", "grant_type": "client_credentials"}
BASIC = "Basic " + base64.b64encode(b"talend-service-account:talend-service-secret").decode()


@pytest.fixture
def talend(client_for):
    return client_for("talend")


def test_the_spec_declares_a_bounded_header():
    header = {p.name: p for p in vendor_spec("talend").operation("generateServiceAccountToken").header_params}
    assert "talend-version" in header


def test_a_header_longer_than_its_max_length_is_refused_as_the_query_is(talend):
    long = "v" * 65
    by_header = talend.post(TOKEN_PATH, json=BODY, headers={"Authorization": BASIC, "talend-version": long})
    by_query = talend.post(TOKEN_PATH, params={"talendVersion": long}, json=BODY, headers={"Authorization": BASIC})
    assert by_header.status_code == by_query.status_code == 400, (by_header.text, by_query.text)
    assert "talend-version" in by_header.json()["detail"]
    assert "talendVersion" in by_query.json()["detail"]
    # nothing was issued: a rejected request stores nothing, and the allowed length still works
    ok = talend.post(TOKEN_PATH, json=BODY, headers={"Authorization": BASIC, "Talend-Version": "v" * 64})
    assert ok.status_code == 200, ok.text


def test_header_names_are_case_insensitive(talend):
    response = talend.post(TOKEN_PATH, json=BODY, headers={"Authorization": BASIC, "TALEND-VERSION": "x" * 65})
    assert response.status_code == 400, response.text
