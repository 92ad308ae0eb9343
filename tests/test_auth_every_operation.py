"""Auth on every operation, generated from the specs: no credentials → 401, wrong credentials → 401, each in the
vendor's own error shape and valid against its spec; a signed CodeArts request replayed after 15 minutes is refused;
secrets are compared with hmac.compare_digest."""

from __future__ import annotations

import inspect
import json
from datetime import timedelta

import pytest
import requests

from allowlist_emulator.state import parse_iso
from allowlist_emulator.engine import secrets
from allowlist_emulator.engine.spec import Operation, vendor_spec
from allowlist_emulator.vendors.b2core import auth as b2core_auth
from allowlist_emulator.vendors.b2core import models as b2core_models
from allowlist_emulator.vendors.codearts import auth as codearts_auth
from allowlist_emulator.vendors.codearts import signing
from allowlist_emulator.vendors.hdp import auth as hdp_auth
from allowlist_emulator.vendors.hdp import models as hdp_models
from allowlist_emulator.vendors.talend import auth as talend_auth
from allowlist_emulator.vendors.talend import models as talend_models

from .reliability_support import VENDORS, basic, concrete_path, error_shape

# a body the schema would accept is irrelevant: credentials are checked before the request is validated
BODY = b"{}"


def _wrong_credentials(op: Operation) -> dict[str, str]:
    """Credentials of the right scheme that are wrong."""
    schemes = op.security_schemes
    if "clientBasic" in schemes:
        return {"Authorization": basic("b2core-client", "wrong")}
    if "serviceAccountBasic" in schemes:  # Talend's token operation
        return {"Authorization": basic("talend-service-account", "wrong")}
    if op.vendor == "talend" or "bearerAuth" in schemes:
        return {"Authorization": "Bearer wrong-token"}
    if "basicAuth" in schemes:
        return {"Authorization": basic("wrong", "wrong")}
    assert schemes == {"akskAuth", "tokenAuth"}, schemes
    return {}  # CodeArts: two kinds, both sent by the caller (see below)


def _codearts_signed_wrong_sk(client, op: Operation, path: str) -> requests.Response:
    now = parse_iso(client.control("GET", "/clock").json()["now"])
    date = signing.format_date(now)
    host = client.server_url.split("://", 1)[1]
    headers = {"Host": host, "Content-Type": "application/json", "X-Sdk-Date": date}
    body = BODY if op.body is not None else b""
    headers["Authorization"] = signing.sign(op.method, path, "", headers, body, "emulator-ak", "wrong-sk", date)
    return client.request(op.method, path, headers=headers, data=body)


def _send(client, op: Operation, path: str, headers: dict[str, str]) -> requests.Response:
    kwargs = {"headers": {"Content-Type": "application/json", **headers}}
    if op.body is not None:
        kwargs["data"] = BODY
    return client.request(op.method, path, **kwargs)


def _refused(vendor: str, response: requests.Response, why: str) -> None:
    assert response.status_code == 401, f"{why}: {response.request.method} {response.request.url} → {response.status_code} {response.text[:300]}"
    error_shape(vendor, response)


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_operation_refuses_missing_and_wrong_credentials(client_for, vendor):
    spec = vendor_spec(vendor)
    covered = set()
    for op in spec.operations:
        client = client_for(vendor)  # a fresh namespace: CodeArts' lockout after 5 bad signatures cannot interfere
        path = concrete_path(op)
        _refused(vendor, _send(client, op, path, {}), "no credentials")
        wrong = _wrong_credentials(op)
        if vendor == "codearts":
            _refused(vendor, _send(client, op, path, {"X-Auth-Token": "wrong"}), "wrong X-Auth-Token")
            _refused(vendor, _codearts_signed_wrong_sk(client, op, path), "AK/SK signature with the wrong SK")
            _refused(vendor, _send(client, op, path, {"Authorization": "Bearer wrong-token"}), "a bearer token is not a signature")
        else:
            _refused(vendor, _send(client, op, path, wrong), f"wrong credentials {wrong}")
        # and the right credentials are not refused (so the 401s above were about the credentials)
        if vendor != "b2core" or "clientBasic" in op.security_schemes:
            right = {"talend": {"Authorization": "Bearer talend-admin-token"}, "hdp": {"Authorization": basic("d2cadmin", "d2cadmin")},
                     "codearts": {"X-Auth-Token": "codearts-token"},
                     "b2core": {"Authorization": basic("b2core-client", "b2core-secret")}}[vendor]
            if "serviceAccountBasic" in op.security_schemes:
                right = {"Authorization": basic("talend-service-account", "talend-service-secret")}
            assert _send(client, op, path, right).status_code != 401, op.operation_id
        covered.add(op.operation_id)
    # generated from the spec, so an operation added later is covered too; the count proves none was skipped
    assert len(covered) == len(spec.operations) == len(spec.by_id)


def test_no_vendor_operation_is_left_without_security():
    for vendor in VENDORS:
        for op in vendor_spec(vendor).operations:
            assert op.security and all(op.security), f"{vendor} {op.operation_id} declares no security"


def test_a_signed_request_replayed_after_15_minutes_is_refused_and_stores_nothing(client_for):
    client = client_for("codearts")
    host = client.server_url.split("://", 1)[1]
    path = "/v4/tenant/trusted-ip-addresses"
    body = json.dumps({"ip_type": 0, "ip_start": "10.9.9.9"}).encode()
    now = parse_iso(client.control("GET", "/clock").json()["now"])
    date = signing.format_date(now)
    headers = {"Host": host, "Content-Type": "application/json", "X-Sdk-Date": date}
    headers["Authorization"] = signing.sign("POST", path, "", headers, body, "emulator-ak", "emulator-sk", date)

    first = client.post(path, headers=headers, data=body)
    assert first.status_code == 200, first.text  # CodeArts answers a create with 200
    stored = client.control("GET", "/state").json()["vendors"]["codearts"]["tenant"]
    assert [rule["ip_start"] for rule in stored] == ["10.9.9.9"]

    client.delete(f"{path}/{first.json()['id']}", headers={"X-Auth-Token": "codearts-token"})
    assert client.advance(16 * 60)["now"] > now.isoformat()
    replayed = client.post(path, headers=headers, data=body)
    assert replayed.status_code == 401, replayed.text
    assert replayed.json()["error_code"] == "APIGW.0301" and "signature expired" in replayed.json()["error_msg"]
    assert client.control("GET", "/state").json()["vendors"]["codearts"]["tenant"] == []
    # and 14 minutes is still inside the window (the refusal above is about the age, not the request)
    inside = now + timedelta(minutes=16) - timedelta(minutes=14)
    headers = {**headers, "X-Sdk-Date": signing.format_date(inside)}
    headers["Authorization"] = signing.sign("POST", path, "", {k: v for k, v in headers.items() if k != "Authorization"}, body,
                                            "emulator-ak", "emulator-sk", headers["X-Sdk-Date"])
    assert client.post(path, headers=headers, data=body).status_code == 200


# -- constant-time comparison ------------------------------------------------------------------------------------------
# Each vendor's credential check and where its secret is compared (hmac.compare_digest):
#   talend   auth.authenticate → models.TalendModel.token → engine.secrets.find (every configured bearer token);
#            auth._service_account → models.TalendModel.service_account → engine.secrets.same (the secret; a dummy
#            when the account is unknown). Issued service-account tokens are a dict lookup, as B2Core's.
#   hdp      auth.authenticate → models.HdpModel.login (the password; a dummy when the user is unknown)
#   codearts auth.authenticate → engine.secrets.find (X-Auth-Token), signing.verify (the HMAC signature)
#   b2core   auth._client → models.B2CoreModel.client_ok (the client secret; a dummy when the client is unknown).
#            Issued bearer tokens (192 random bits, up to 10,000 per namespace) are a dict lookup: see engine/secrets.py.
COMPARISONS = {
    "talend": [(talend_auth.authenticate, "model.token("), (talend_models.TalendModel.token, "find("), (secrets.find, "compare_digest"),
               (talend_auth._service_account, "model.service_account("), (talend_models.TalendModel.service_account, "same("),
               (secrets.same, "compare_digest")],
    "hdp": [(hdp_auth.authenticate, "model.login("), (hdp_models.HdpModel.login, "compare_digest")],
    "codearts": [(codearts_auth.authenticate, "find(model.tokens"), (secrets.find, "compare_digest"),
                 (codearts_auth._signed, "signing.verify("), (signing.verify, "compare_digest")],
    "b2core": [(b2core_auth._client, "client_ok("), (b2core_models.B2CoreModel.client_ok, "compare_digest")],
}


@pytest.mark.parametrize("vendor", VENDORS)
def test_secrets_are_compared_in_constant_time(vendor):
    for function, needle in COMPARISONS[vendor]:
        source = inspect.getsource(function)
        assert needle in source, f"{function.__qualname__} no longer contains {needle!r}"


def test_find_compares_every_key(monkeypatch):
    import hmac

    calls = []
    original = hmac.compare_digest
    monkeypatch.setattr(secrets.hmac, "compare_digest", lambda a, b: calls.append(b) or original(a, b))
    table = {"a-token": 1, "b-token": 2, "c-token": 3}
    assert secrets.find(table, "a-token") == 1  # found first, and still every key is compared
    assert len(calls) == 3
    calls.clear()
    assert secrets.find(table, "nope") is None and len(calls) == 3
    assert secrets.find(table, "\udcff") is None  # undecodable header bytes (kept as surrogates) do not raise
