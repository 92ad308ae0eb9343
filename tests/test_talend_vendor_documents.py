"""Talend's own OpenAPI documents ("Ip Allowlist" and "OAuth", 2021-03; tests/vendor_artifacts/talend.py) against the
emulator: the vendor's schemas accept every answer (VendorClient applies them to every /security answer of the suite;
here each operation is driven once), the vendor's operationIds, the statuses each operation may answer, the token
operation's permission, the version parameters, and 415 for a wrong Content-Type (the general Error handling page)."""

from __future__ import annotations

import json

import pytest
import requests
from jsonschema import Draft7Validator

from allowlist_emulator.engine.spec import vendor_spec
from allowlist_emulator.vendors import REGISTRY

from . import vendor_artifacts
from .support import VendorClient
from .vendor_artifacts import talend as doc

PUBLIC = "/security/ip-allowlist"
TOKEN_PATH = "/security/oauth/token"
ADMIN = {"Authorization": "Bearer talend-admin-token"}
CREDENTIALS = REGISTRY["talend"].demo_credentials


def basic(user: str, secret: str) -> str:
    return requests.auth._basic_auth_str(user, secret)


@pytest.fixture
def talend(client_for) -> VendorClient:
    return client_for("talend", headers=ADMIN)


def _ops_by_id() -> dict:
    return {operation_id: (method, path, statuses) for operation_id, method, path, _req, statuses in doc.OPERATIONS}


# -- the token operation ---------------------------------------------------------------------------------------------------

def test_token_answer_validates_against_talends_token_response(talend):
    response = talend.post(TOKEN_PATH, json={"audience": "https://api.eu.cloud.talend.com/", "grant_type": "client_credentials"},
                           headers={"Authorization": basic(CREDENTIALS["service_account"], CREDENTIALS["service_account_secret"])})
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(Draft7Validator(doc.TOKEN_RESPONSE).iter_errors(body)) == []
    assert body["expires_in"] == "1800" and isinstance(body["expires_in"], str)


def test_the_document_check_refuses_a_numeric_expires_in():
    """The checker VendorClient runs on every answer does catch what a Go or TypeScript client would choke on."""
    body = json.dumps({"access_token": "x", "token_type": "Bearer", "expires_in": 1800}).encode()
    found = vendor_artifacts.problems("talend", "POST", TOKEN_PATH, 200, body)
    assert found and "expires_in" in found[0]


def test_an_account_without_service_account_manage_gets_403(talend):
    response = talend.post(TOKEN_PATH, json={"audience": "https://api.eu.cloud.talend.com", "grant_type": "client_credentials"},
                           headers={"Authorization": basic(CREDENTIALS["no_token_service_account"],
                                                           CREDENTIALS["no_token_service_account_secret"])})
    assert response.status_code == 403, response.text
    assert response.json()["message"] == "Forbidden"
    assert "TMC_SERVICE_ACCOUNT_MANAGEMENT" in response.json()["detail"]
    # a wrong secret for the same account is still 401 (credentials first)
    wrong = talend.post(TOKEN_PATH, json={"audience": "a", "grant_type": "client_credentials"},
                        headers={"Authorization": basic(CREDENTIALS["no_token_service_account"], "nope")})
    assert wrong.status_code == 401


def test_config_grants_the_permission_by_name_or_id(server_factory_config):
    client = server_factory_config
    body = {"audience": "https://api.eu.cloud.talend.com", "grant_type": "client_credentials"}
    for account, status in (("by-name", 200), ("by-id", 200), ("without", 403), ("default", 200)):
        response = client.post(TOKEN_PATH, json=body, headers={"Authorization": basic(account, "s3cret")})
        assert response.status_code == status, (account, response.text)


@pytest.fixture(scope="module")
def _configured():
    from allowlist_emulator.app import Options
    from allowlist_emulator.server import EmulatorServer

    accounts = {"by-name": {"secret": "s3cret", "permissions": ["Service Account - Manage"]},
                "by-id": {"secret": "s3cret", "permissions": ["TMC_SERVICE_ACCOUNT_MANAGEMENT"]},
                "without": {"secret": "s3cret", "permissions": ["Users - Management"]},
                "default": {"secret": "s3cret"}}
    options = Options(vendors=("talend",), config={"vendors": {"talend": {"service_accounts": accounts}}}, seed=5)
    with EmulatorServer(options) as running:
        yield running


@pytest.fixture
def server_factory_config(_configured) -> VendorClient:
    return VendorClient("talend", _configured.url)


# -- version parameters ------------------------------------------------------------------------------------------------

def test_every_talend_operation_declares_the_version_parameters():
    spec = vendor_spec("talend")
    for op in spec.operations:
        assert doc.VERSION_QUERY in {p.name for p in op.query_params}, op.operation_id
        assert doc.VERSION_HEADER in {p.name for p in op.header_params}, op.operation_id


def test_version_parameters_are_accepted_on_every_operation_and_bounded(talend):
    version = {"params": {doc.VERSION_QUERY: "2021-03"}, "headers": {doc.VERSION_HEADER: "2021-03"}}
    assert talend.post(PUBLIC, json={"enabled": False}, **version).status_code == 201
    entries = talend.post(f"{PUBLIC}/ips", json=[{"ip": "203.0.113.1", "description": "a"}], **version).json()
    entry = f"{PUBLIC}/ips/{entries[0]['id']}"
    for method, path, body in (("GET", PUBLIC, None), ("PUT", PUBLIC, {"enabled": False}), ("PATCH", PUBLIC, {"enabled": False}),
                               ("GET", f"{PUBLIC}/ips", None), ("PUT", f"{PUBLIC}/ips", [{**entries[0], "description": "b"}]),
                               ("GET", entry, None), ("PUT", entry, {"ip": "203.0.113.1", "description": "c"}),
                               ("DELETE", entry, None), ("DELETE", PUBLIC, None)):
        response = talend.request(method, path, json=body, **version)
        assert response.status_code in (200, 204), (method, path, response.text)
    # (the header's bound is declared in the spec; the engine's general header validation enforces it)
    too_long = talend.get(PUBLIC, params={doc.VERSION_QUERY: "x" * 65})
    assert too_long.status_code == 400 and too_long.json()["detail"].startswith(doc.VERSION_QUERY), too_long.text


# -- operationIds --------------------------------------------------------------------------------------------------------

def test_security_operation_ids_are_the_vendors():
    spec = vendor_spec("talend")
    ours = {(op.method, op.path): op.operation_id for op in spec.operations if op.path.startswith("/security/")}
    theirs = {(method, path): operation_id for operation_id, (method, path, _s) in _ops_by_id().items()}
    assert ours == theirs
    legacy = {op.operation_id for op in spec.operations if op.path.startswith("/v1/")}
    assert legacy == {f"{operation_id}Legacy" for operation_id in theirs.values() if operation_id != "generateServiceAccountToken"}


def test_old_operation_ids_still_work_in_fault_rules_and_journal_filters(talend):
    rule = talend.control("POST", "/faults", json={"vendor": "talend", "operationId": "listIps", "status": 503, "times": 1})
    assert rule.status_code in (200, 201), rule.text
    assert talend.get(f"{PUBLIC}/ips", check=False).status_code == 503
    assert talend.get(f"{PUBLIC}/ips").status_code == 200  # times: 1
    for name in ("listIps", "retrieveIpEntries"):
        journal = talend.control("GET", "/requests", params={"operationId": name}).json()
        entries = journal["requests"] if isinstance(journal, dict) else journal
        assert [e["status"] for e in entries] == [503, 200], (name, journal)
        assert {e["operationId"] for e in entries} == {"retrieveIpEntries"}
    legacy = talend.control("POST", "/faults", json={"operationId": "getIpAllowlistLegacy", "status": 500})
    assert legacy.status_code in (200, 201), legacy.text
    assert talend.get("/v1/management/ip-allowlist", check=False).status_code == 500
    unknown = talend.control("POST", "/faults", json={"operationId": "noSuchOperation", "status": 500})
    assert unknown.status_code == 400


# -- statuses --------------------------------------------------------------------------------------------------------------

def test_spec_statuses_are_the_vendors_or_explained():
    """Both path families: every status the vendor declares is in the spec, and every status the spec adds is listed
    with its reason in an x-fidelity entry (``statuses``) that names a status the operation does answer."""
    spec = vendor_spec("talend")
    explained = vendor_artifacts.explained_statuses("talend")
    vendor = _ops_by_id()
    problems = []
    for op in spec.operations:
        _method, _path, statuses = vendor[op.operation_id.removesuffix("Legacy")]
        ours = {int(s) for s in op.raw["responses"]}
        theirs = set(statuses)
        if theirs - ours:
            problems.append(f"{op.operation_id}: the vendor declares {sorted(theirs - ours)}, the spec does not")
        if ours - theirs - explained[op.operation_id]:
            problems.append(f"{op.operation_id}: {sorted(ours - theirs - explained[op.operation_id])} unexplained")
        if explained[op.operation_id] - (ours - theirs):
            problems.append(f"{op.operation_id}: x-fidelity explains {sorted(explained[op.operation_id] - (ours - theirs))}, "
                            "which the spec does not add")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("method, path", [("POST", PUBLIC), ("PUT", PUBLIC), ("PATCH", PUBLIC), ("POST", f"{PUBLIC}/ips"),
                                          ("PUT", f"{PUBLIC}/ips"), ("PUT", f"{PUBLIC}/ips/x"), ("POST", TOKEN_PATH)])
def test_a_body_in_another_content_type_is_415(talend, method, path):
    headers = {"Content-Type": "text/xml"}
    if path == TOKEN_PATH:
        headers["Authorization"] = basic(CREDENTIALS["service_account"], CREDENTIALS["service_account_secret"])
    response = talend.request(method, path, data=b"<policy/>", headers=headers)
    assert response.status_code == 415, response.text
    assert response.json()["message"] == "Unsupported Media Type"
    assert response.json()["detail"].startswith("Content-Type")
    assert doc.GENERAL_ERRORS[415] == "Unsupported media type"


# -- the vendor's samples ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, body", doc.SAMPLES, ids=[f"{m} {p}" for m, p, _ in doc.SAMPLES])
def test_documented_requests_are_accepted_and_answered_in_the_vendors_schemas(talend, method, path, body):
    request_schema = next(req for _id, m, p, req, _s in doc.OPERATIONS if (m, p) == (method, path))
    assert list(Draft7Validator(request_schema).iter_errors(body)) == []
    headers = {}
    if path == TOKEN_PATH:
        headers["Authorization"] = basic(CREDENTIALS["service_account"], CREDENTIALS["service_account_secret"])
    elif path.endswith("/ips"):
        assert talend.post(PUBLIC, json={"enabled": False}).status_code == 201
    response = talend.request(method, path, json=body, headers=headers)  # VendorClient applies the vendor's schema too
    assert response.status_code in (200, 201), response.text


def test_error_bodies_carry_the_general_pages_fields(talend):
    body = talend.get(PUBLIC, headers={"Authorization": "Bearer nope"}).json()
    assert {k: body[k] for k in doc.GENERAL_ERROR_SAMPLE} == doc.GENERAL_ERROR_SAMPLE


def test_the_contract_cli_selects_an_operation_by_its_old_name(server, capsys):
    from allowlist_emulator.cli import main

    code = main(["contract", "talend", "--url", server.url, "--operation", "listIps", "--max-examples", "2",
                 "--phases", "examples,coverage", "--seed", "3", "--no-stateful"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "retrieveIpEntries" in out
