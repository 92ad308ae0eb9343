"""B2Core tokens: client credentials → bearer token on the emulator clock; 401s; --b2core-base and config."""

from __future__ import annotations


import pytest

from allowlist_emulator.app import Options
from allowlist_emulator.server import EmulatorServer

from .b2core_support import CREDENTIALS, GRANT, authorised, error, freeze_at, token
from .support import VendorClient, free_port


@pytest.fixture
def client(client_for):
    return client_for("b2core")


def test_token_flow(client):
    response = client.post("/tokens", auth=CREDENTIALS, json=GRANT)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600 and body["access_token"]
    assert client.get("/addresses", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 200
    assert token(client) != body["access_token"]  # every call issues a new token


@pytest.mark.parametrize("auth", [("b2core-client", "wrong"), ("nobody", "b2core-secret"), ("", "")])
def test_bad_client_credentials_are_401(client, auth):
    response = client.post("/tokens", auth=auth, json=GRANT)
    assert error(response, 401, "INVALID_CLIENT") == "Client authentication failed"
    assert response.headers["WWW-Authenticate"] == 'Basic realm="b2core"'


@pytest.mark.parametrize("header", [None, "Bearer abc", "Basic !!!", "Basic " + "Yjpj"])  # Yjpj = "b:c"
def test_missing_or_malformed_basic_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    error(client.post("/tokens", headers=headers, json=GRANT), 401, "INVALID_CLIENT")


def test_other_grant_type_is_400(client):
    response = client.post("/tokens", auth=CREDENTIALS, json={"grant_type": "password"})
    assert error(response, 400, "UNSUPPORTED_GRANT_TYPE") == "grant_type: must be client_credentials"


@pytest.mark.parametrize("kwargs, code, field", [
    ({}, "INVALID_BODY", None),  # no body at all
    ({"json": {}}, "MISSING_FIELD", "grant_type"),
    ({"json": {"grant_type": "client_credentials", "scope": "x"}}, "UNKNOWN_FIELD", "scope"),
    ({"json": {"grant_type": 1}}, "INVALID_TYPE", "grant_type"),
    ({"data": "grant_type=client_credentials", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, "INVALID_JSON", None),
])
def test_malformed_token_requests_are_400(client, kwargs, code, field):
    message = error(client.post("/tokens", auth=CREDENTIALS, **kwargs), 400, code)
    if field:
        assert message.startswith(f"{field}: ")


def test_credentials_are_checked_before_the_body(client):
    error(client.post("/tokens", auth=("b2core-client", "wrong"), data="{"), 401, "INVALID_CLIENT")


def test_token_expires_after_600_seconds_of_the_emulator_clock(client):
    freeze_at(client, "2024-05-01T12:00:00+00:00")
    authorised(client)
    client.advance(599)
    assert client.get("/addresses").status_code == 200
    client.advance(2)  # 601 s after issue
    response = client.get("/addresses")
    assert error(response, 401, "TOKEN_EXPIRED") == "Access token has expired"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="b2core"'
    authorised(client)  # a new token works again
    assert client.get("/addresses").status_code == 200


def test_expiry_is_exactly_600_seconds(client):
    freeze_at(client, "2024-05-01T12:00:00+00:00")
    authorised(client)
    client.advance(600)
    error(client.get("/addresses"), 401, "TOKEN_EXPIRED")


@pytest.mark.parametrize("header, code", [
    (None, "MISSING_TOKEN"),
    ("Bearer", "MISSING_TOKEN"),
    ("Basic YjJjb3JlLWNsaWVudDpiMmNvcmUtc2VjcmV0", "MISSING_TOKEN"),  # client credentials are for /tokens only
    ("Bearer not-a-token", "INVALID_TOKEN"),
])
def test_resource_calls_need_a_valid_bearer_token(client, header, code):
    headers = {"Authorization": header} if header else {}
    for method, path in (("GET", "/addresses"), ("POST", "/addresses"), ("GET", "/addresses/6006dda272f002519c3eb505"),
                         ("PUT", "/addresses/6006dda272f002519c3eb505"), ("PATCH", "/addresses/xyz"),
                         ("DELETE", "/addresses/6006dda272f002519c3eb505")):
        response = client.request(method, path, headers=headers, data="{")  # malformed too: auth comes first
        error(response, 401, code)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="b2core"'


def test_tokens_are_per_namespace(client, client_for):
    other = client_for("b2core")
    error(other.get("/addresses", headers={"Authorization": f"Bearer {token(client)}"}), 401, "INVALID_TOKEN")



def test_b2core_base_option_and_config():
    config = {"vendors": {"b2core": {
        "clients": {"ci-client": "ci-secret"},
        "token_ttl": 60,
        "policies": [{"ipAddress": "10.0.0.0/8", "policy": "allow"}, {"ipAddress": "10.6.6.6", "policy": "deny", "ttl": 30}],
    }}}
    with EmulatorServer(Options(vendors=("b2core",), mounts={"b2core": "/custom/base"}, config=config, seed=7), port=free_port()) as server:
        assert server.emulator.base_path("b2core") == "/custom/base"
        client = VendorClient("b2core", server.url, "/custom/base")
        body = client.post("/tokens", auth=("ci-client", "ci-secret"), json=GRANT).json()
        assert body["expires_in"] == 60
        client.session.headers["Authorization"] = f"Bearer {body['access_token']}"
        seeded = client.get("/addresses").json()
        assert [(p["ipAddress"], p["policy"], p["ttl"]) for p in seeded] == [("10.0.0.0/8", "allow", 0), ("10.6.6.6", "deny", 30)]
        assert seeded[0]["expireTime"] == "9999-12-31T23:59:59+00:00"  # ttl 0: never expires
        assert client.post("/tokens", auth=CREDENTIALS, json=GRANT).status_code == 200  # the demo client stays
        assert client.decide(ip="10.6.6.6")["allowed"] is False
        client.advance(60)
        error(client.get("/addresses"), 401, "TOKEN_EXPIRED")
        assert client.decide(ip="10.6.6.6")["allowed"] is True  # the deny policy expired after 30 s
        assert client.session.post(server.url + "/b2core/tokens", auth=CREDENTIALS, json=GRANT).status_code == 404
        error(client.get("/nowhere", check=False), 404, "NOT_FOUND")
