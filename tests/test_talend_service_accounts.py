"""Talend service accounts, end to end over HTTP: ``POST /security/oauth/token`` (Basic id:secret, OAuth 2 client
credentials), 30-minute tokens on the namespace's emulator clock, accepted by ``/security/...`` only, configured
accounts, the state snapshot, and the recorder's redaction of the credentials and the token.

Pages: "Generating a service account token" (help.qlik.com/talend/.../generate-service-account-token), the OAuth API
2021-03 (api.talend.com/apis/oauth/2021-03/), "Using service accounts API" ("service accounts are supported only by
the new version-agnostic endpoints").
"""

from __future__ import annotations

import base64
import io
import json

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.recording import cassette as cas
from allowlist_emulator.recording.proxy import Recorder
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.vendors.talend.models import Settings

from .support import VendorClient
from .talend_support import LEGACY, PUBLIC, assert_error

TOKEN_PATH = "/security/oauth/token"
DEMO_ID, DEMO_SECRET = "talend-service-account", "talend-service-secret"
DOCUMENTED_BODY = {"audience": "https://api.eu.cloud.talend.com", "grant_type": "client_credentials"}


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def _claims(token: str) -> dict:
    header, claims, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["typ"] == "JWT"
    assert signature
    return json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))


def get_token(client: VendorClient, user: str = DEMO_ID, secret: str = DEMO_SECRET, body=DOCUMENTED_BODY) -> str:
    response = client.post(TOKEN_PATH, json=body, headers={"Authorization": basic(user, secret)})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def talend(client_for):
    return client_for("talend")


def test_documented_token_request_answers_a_30_minute_bearer_jwt(talend):
    response = talend.post(TOKEN_PATH, json=DOCUMENTED_BODY, headers={"Authorization": basic(DEMO_ID, DEMO_SECRET)})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    # a string, as Talend's OAuth document types it (the vendor's document wins over this test's former 1800)
    assert body["token_type"] == "Bearer" and body["expires_in"] == "1800"
    claims = _claims(body["access_token"])
    assert claims["sub"] == DEMO_ID and claims["aud"] == DOCUMENTED_BODY["audience"]
    assert claims["exp"] - claims["iat"] == 1800
    # each call issues a new token; the earlier one stays valid
    second = get_token(talend)
    assert second != body["access_token"]
    for token in (body["access_token"], second):
        assert talend.get(f"{PUBLIC}/ips", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_token_works_on_security_paths_and_holds_users_management(talend):
    auth = {"Authorization": f"Bearer {get_token(talend)}"}
    created = talend.post(PUBLIC, json={"enabled": True, "ips": [{"ip": "203.0.113.0/24", "description": "office"}]},
                          headers=auth)
    assert created.status_code == 201, created.text
    # "Users - Management" is exempt from the IP check: an unlisted address still manages the allowlist
    assert talend.get(PUBLIC, headers={**auth, "X-Forwarded-For": "198.51.100.7"}).json() == created.json()
    assert talend.put(PUBLIC, json={"enabled": False}, headers=auth).status_code == 200
    assert talend.decide(ip="198.51.100.7", token=auth["Authorization"][7:])["allowed"] is True


@pytest.mark.parametrize("method, suffix", [("GET", ""), ("PATCH", ""), ("GET", "/ips"), ("DELETE", "/ips/x")])
def test_legacy_paths_refuse_service_account_tokens(talend, method, suffix):
    token = get_token(talend)
    body = {"enabled": True} if method == "PATCH" else None
    response = talend.request(method, LEGACY + suffix, json=body, headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "Unauthorized", "Authorization: service-account tokens are accepted only by the "
                 "version-agnostic endpoints (/security/ip-allowlist...), not by /v1/management/...")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Talend Cloud"'
    # the same token on the version-agnostic path is accepted; a personal token still works on the legacy one
    assert talend.request(method, PUBLIC + suffix, json=body, headers={"Authorization": f"Bearer {token}"}).status_code != 401
    assert talend.get(LEGACY + "/ips", headers={"Authorization": "Bearer talend-admin-token"}).status_code == 200


def test_token_expires_after_30_minutes_of_the_emulator_clock(talend):
    talend.control("POST", "/clock", json={"freeze": True})
    token = get_token(talend)
    auth = {"Authorization": f"Bearer {token}"}
    talend.advance(1799)
    assert talend.get(f"{PUBLIC}/ips", headers=auth).status_code == 200
    talend.advance(1)
    assert_error(talend.get(f"{PUBLIC}/ips", headers=auth), 401, "Unauthorized",
                 "Authorization: the service-account token has expired; request a new one at POST /security/oauth/token")
    assert talend.control("GET", "/decide/talend", params={"ip": "10.0.0.1", "token": token}).status_code == 400
    assert talend.get(f"{PUBLIC}/ips", headers={"Authorization": f"Bearer {get_token(talend)}"}).status_code == 200


def test_token_lifetime_is_per_namespace_clock(talend, client_for):
    token = get_token(talend)
    talend.advance(1800)  # only this namespace's clock moves; the token lives in this namespace only
    assert talend.get(f"{PUBLIC}/ips", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    other = client_for("talend")
    assert other.get(f"{PUBLIC}/ips", headers={"Authorization": f"Bearer {get_token(other)}"}).status_code == 200


@pytest.mark.parametrize("header, detail", [
    (None, "Authorization: Basic credentials of a service account (base64 of id:secret) are required"),
    ("Bearer talend-admin-token", "Authorization: Basic credentials of a service account (base64 of id:secret) are required"),
    ("Basic !!!not-base64", "Authorization: Basic credentials of a service account (base64 of id:secret) are required"),
    ("Basic " + base64.b64encode(b"no-colon").decode(), "Authorization: Basic credentials of a service account (base64 of id:secret) are required"),
    (basic(DEMO_ID, "wrong-secret"), "Authorization: the service account id or secret is not valid"),
    (basic("unknown-account", DEMO_SECRET), "Authorization: the service account id or secret is not valid"),
    (basic(DEMO_ID, ""), "Authorization: the service account id or secret is not valid"),
])
def test_missing_or_wrong_credentials_are_401(talend, header, detail):
    headers = {"Authorization": header} if header else {}
    response = talend.post(TOKEN_PATH, json=DOCUMENTED_BODY, headers=headers)
    assert_error(response, 401, "Unauthorized", detail)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Talend Cloud"'
    # checked before the body: a wrong secret with a broken body is still 401
    assert talend.post(TOKEN_PATH, data=b"{broken", headers={**headers, "Content-Type": "application/json"}).status_code == 401


@pytest.mark.parametrize("body, detail", [
    ({"audience": "https://api.eu.cloud.talend.com", "grant_type": "password"}, "grant_type: "),
    ({"audience": "https://api.eu.cloud.talend.com"}, "grant_type: is required"),
    ({"grant_type": "client_credentials"}, "audience: is required"),
    ({"audience": "", "grant_type": "client_credentials"}, "audience: "),
    ({"audience": 7, "grant_type": "client_credentials"}, "audience: "),
    ([], "body: "),
])
def test_bad_token_request_body_is_400_naming_the_field(talend, body, detail):
    response = talend.post(TOKEN_PATH, json=body, headers={"Authorization": basic(DEMO_ID, DEMO_SECRET)})
    assert_error(response, 400, "Bad Request", detail_start=detail)
    assert talend.control("GET", "/state").json()["vendors"]["talend"] == {"policy": None}  # no token was issued


def test_other_body_fields_are_ignored(talend):
    token = get_token(talend, body={**DOCUMENTED_BODY, "client_id": DEMO_ID, "scope": "anything"})
    assert _claims(token)["aud"] == DOCUMENTED_BODY["audience"]


def test_tokens_survive_a_state_snapshot_and_restore(talend, client_for):
    token = get_token(talend)
    state = talend.control("GET", "/state").json()
    assert [t["service_account"] for t in state["vendors"]["talend"]["serviceTokens"]] == [DEMO_ID]
    other = client_for("talend")
    assert other.get(f"{PUBLIC}/ips", headers={"Authorization": f"Bearer {token}"}).status_code == 401  # not there
    assert other.control("PUT", "/state", json=state).status_code == 200
    assert other.get(f"{PUBLIC}/ips", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# -- configured service accounts -------------------------------------------------------------------------------------------

CONFIG = {"service_accounts": {"my-sa": {"secret": "s3cret"},
                               "reader-sa": {"secret": "r3ader", "permissions": ["Projects - View", "TMC_SERVICE_ACCOUNT_MANAGEMENT"]}}}
# reader-sa may get tokens (the OAuth document's TMC_SERVICE_ACCOUNT_MANAGEMENT), which cannot manage the allowlist


@pytest.fixture(scope="module")
def configured():
    options = Options(vendors=("talend",), config={"vendors": {"talend": CONFIG}}, trust_forwarded_for=True, seed=3)
    with EmulatorServer(options) as running:
        yield running


def test_configured_service_accounts(configured):
    client = VendorClient("talend", configured.url)
    admin = get_token(client, "my-sa", "s3cret")  # default: "Users - Management", "Service Account - Manage"
    assert client.post(PUBLIC, json={"enabled": False}, headers={"Authorization": f"Bearer {admin}"}).status_code == 201
    reader = get_token(client, "reader-sa", "r3ader")
    assert_error(client.get(PUBLIC, headers={"Authorization": f"Bearer {reader}"}), 403, "Forbidden",
                 'the "Users - Management" permission is required')
    assert client.get(PUBLIC, headers={"Authorization": f"Bearer {get_token(client)}"}).status_code == 200  # demo stays
    assert_error(client.post(TOKEN_PATH, json=DOCUMENTED_BODY, headers={"Authorization": basic("my-sa", "r3ader")}),
                 401, "Unauthorized")


@pytest.mark.parametrize("config, key", [
    ({"service_accounts": ["my-sa"]}, "talend.service_accounts"),
    ({"service_accounts": {"my-sa": "s3cret"}}, "talend.service_accounts.my-sa"),
    ({"service_accounts": {"my-sa": {}}}, "talend.service_accounts.my-sa.secret"),
    ({"service_accounts": {"my-sa": {"secret": ""}}}, "talend.service_accounts.my-sa.secret"),
    ({"service_accounts": {"my-sa": {"secret": "x", "permissions": "Users - Management"}}},
     "talend.service_accounts.my-sa.permissions"),
    ({"service_accounts": {"my-sa": {"secret": "x", "colour": "red"}}}, "talend.service_accounts.my-sa"),
    ({"service_accounts": {"a:b": {"secret": "x"}}}, "talend.service_accounts.a:b"),
])
def test_bad_service_account_configuration_names_the_key(config, key):
    with pytest.raises(ValueError, match=key):
        Settings.from_config(config)


def test_demo_service_account_is_always_there():
    account = Settings.from_config({}).service_accounts[DEMO_ID]
    assert account.secret == DEMO_SECRET and "Users - Management" in account.permissions


# -- recording ---------------------------------------------------------------------------------------------------------------


def test_recorder_redacts_the_basic_credentials_and_the_token(server, tmp_path):
    recorder = Recorder("talend", server.url, tmp_path / "talend.yaml", stream=io.StringIO(),
                        record_as="https://api.eu.cloud.talend.com")
    namespace = {"X-Emulator-Namespace": "sa-recording"}
    with EmulatorServer(app=recorder.app()) as proxy:
        response = requests.post(proxy.url + TOKEN_PATH, json=DOCUMENTED_BODY, timeout=10,
                                 headers={**namespace, "Authorization": basic(DEMO_ID, DEMO_SECRET)})
        token = response.json()["access_token"]
        assert requests.get(proxy.url + PUBLIC + "/ips", headers={**namespace, "Authorization": f"Bearer {token}"},
                            timeout=10).status_code == 200
    text = recorder.cassette_path.read_text()
    for secret in (DEMO_SECRET, base64.b64encode(f"{DEMO_ID}:{DEMO_SECRET}".encode()).decode(), token, *token.split(".")[1:]):
        assert secret not in text
    first, second = cas.load(recorder.cassette_path)
    assert first.request_header("Authorization") == "Basic <REDACTED>"
    assert json.loads(first.response_body)["access_token"] == "<REDACTED>"
    assert second.request_header("Authorization") == "Bearer <REDACTED>"
    assert recorder.drift.findings == [], recorder.drift.summary()
