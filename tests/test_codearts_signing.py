"""SDK-HMAC-SHA256: signing.py against the official SDK's own signer, and the emulator's AK/SK checks over HTTP
(tampering, the X-Sdk-Date window on the emulator clock, replay, unknown AK, lockout and unlock)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from allowlist_emulator.vendors.codearts import signing

from .codearts_support import AK, SK, Signed, apigw_error

HOST = "127.0.0.1:8080"
PATH = "/v4/projects/1001/trusted-ip-addresses"
DATE = "20250105T090307Z"
BODY = json.dumps({"ip_start": "1.1.1.1", "remark": "büro / 1"}).encode()


def sdk_signed(method="POST", path=PATH, query=(("limit", 5), ("offset", 0)), body=BODY, sk=SK, extra=None):
    """A request signed by huaweicloudsdkcore's Signer: (headers as sent, raw query string as sent)."""
    headers = {"Content-Type": "application/json", "User-Agent": "huaweicloud-usdk-python/3.0", "X-Sdk-Date": DATE, **(extra or {})}
    request = SdkRequest(method=method, schema="http", host=HOST, resource_path=path, query_params=list(query),
                         header_params=headers, body=body)
    Signer(BasicCredentials(AK, sk)).sign(request)
    raw_query = request.uri.partition("?")[2]
    return dict(request.header_params), raw_query


def test_sdk_vector_verifies_and_our_sign_reproduces_it():
    headers, raw_query = sdk_signed()
    assert headers["Host"] == HOST and headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=emulator-ak, ")
    assert signing.verify("POST", PATH, raw_query, headers, BODY, SK)
    assert signing.verify("POST", PATH, [("limit", 5), ("offset", 0)], headers, BODY, SK)
    unsigned = {k: v for k, v in headers.items() if k != "Authorization"}
    assert signing.sign("POST", PATH, {"offset": 0, "limit": 5}, unsigned, BODY, AK, SK, DATE) == headers["Authorization"]


@pytest.mark.parametrize("path,query", [
    ("/v4/tenant/trusted-ip-addresses/17", ()),
    ("/v4/tenant/trusted-ip-addresses", (("remark", "a b/ü+~*"), ("a", ""), ("limit", 20))),
    ("/v4/projects/x%2Fy%20z/trusted-ip-addresses/", (("offset", 3),)),
])
def test_canonical_forms_match_the_sdk(path, query):
    for body in (b"", BODY):
        headers, raw_query = sdk_signed("GET", path, query, body)
        assert signing.verify("GET", path, raw_query, headers, body, SK), (path, query)
        assert signing.canonical_query(raw_query) == signing.canonical_query(list(query))


def test_tampering_and_wrong_sk_fail():
    headers, raw_query = sdk_signed()
    assert not signing.verify("POST", PATH, raw_query, headers, BODY.replace(b"1.1.1.1", b"1.1.1.2"), SK)
    assert not signing.verify("POST", PATH, raw_query.replace("limit=5", "limit=6"), headers, BODY, SK)
    assert not signing.verify("POST", PATH, raw_query + "&extra=1", headers, BODY, SK)
    assert not signing.verify("PUT", PATH, raw_query, headers, BODY, SK)
    assert not signing.verify("POST", PATH.replace("1001", "1002"), raw_query, headers, BODY, SK)
    assert not signing.verify("POST", PATH, raw_query, {**headers, "X-Sdk-Date": "20250105T090308Z"}, BODY, SK)
    assert not signing.verify("POST", PATH, raw_query, headers, BODY, "wrong-sk")
    wrong_headers, wrong_query = sdk_signed(sk="wrong-sk")
    assert not signing.verify("POST", PATH, wrong_query, wrong_headers, BODY, SK)


def test_malformed_authorization_fails():
    headers, raw_query = sdk_signed()
    auth = headers["Authorization"]
    for value in ("", "Bearer x", auth.replace("SDK-HMAC-SHA256", "SDK-HMAC-SM3"), auth.replace("Signature=", "Sig="),
                  auth.replace("content-type;host;", "content-type;;")):
        assert not signing.verify("POST", PATH, raw_query, {**headers, "Authorization": value}, BODY, SK), value
    # host and x-sdk-date must be signed; a signed header must be present
    without_host = signing.sign("POST", PATH, raw_query, {"Content-Type": "application/json"}, BODY, AK, SK, DATE)
    assert not signing.verify("POST", PATH, raw_query, {"Content-Type": "application/json", "X-Sdk-Date": DATE,
                                                        "Authorization": without_host}, BODY, SK)
    missing = {k: v for k, v in headers.items() if k != "User-Agent"}
    assert not signing.verify("POST", PATH, raw_query, missing, BODY, SK)


# -- over HTTP, on the emulator clock --------------------------------------------------------------------------------------------


@pytest.fixture
def signed(server, request):
    return Signed(server, f"sign-{request.node.name[:40]}-{id(request)}")


def test_signed_requests_work(signed):
    body = json.dumps({"ip_type": 2, "ip_start": "10.0.0.0/24"}).encode()
    created = signed.send(signed.prepare("POST", "/v4/projects/1001/trusted-ip-addresses", body=body))
    assert created.status_code == 200 and created.json()["ip_range"] == "10.0.0.0/24"
    listed = signed.send(signed.prepare("GET", "/v4/projects/1001/trusted-ip-addresses", query="limit=1&offset=0"))
    assert listed.status_code == 200 and listed.headers["X-Total"] == "1"


def test_tampered_requests_are_refused(signed):
    method, url, headers, body = signed.prepare("POST", body=b'{"ip_start": "1.1.1.1"}')
    apigw_error(signed.send((method, url, headers, b'{"ip_start": "6.6.6.6"}')), "verify aksk signature fail")
    method, url, headers, body = signed.prepare("GET", query="limit=5")
    apigw_error(signed.send((method, url.replace("limit=5", "limit=6"), headers, body)), "verify aksk signature fail")


def test_stale_date_and_replay(signed):
    now = signed.now()
    stale = signed.send(signed.prepare(when=now - timedelta(minutes=16)))
    data = apigw_error(stale, "signature expired")
    assert f"signature time:{signing.format_date(now - timedelta(minutes=16))}" in data["error_msg"]
    assert signed.send(signed.prepare(when=now - timedelta(minutes=14))).status_code == 200
    assert signed.send(signed.prepare(when=now + timedelta(minutes=14))).status_code == 200
    apigw_error(signed.send(signed.prepare(when=now + timedelta(minutes=16))), "signature expired")
    # a captured request can be replayed while its date is in the window, not after
    captured = signed.prepare()
    assert signed.send(captured).status_code == 200
    signed.advance(16 * 60)
    apigw_error(signed.send(captured), "signature expired")


def test_unknown_ak(signed):
    apigw_error(signed.send(signed.prepare(ak="ghost", sk="x")),
           "Incorrect IAM authentication information: Get secretKey failed,ak:ghost,err:ak not exist")


def test_lockout_after_five_failures_then_unlock(signed):
    good = signed.prepare()
    for _attempt in range(4):
        apigw_error(signed.send(signed.prepare(sk="wrong")), "verify aksk signature fail")
    assert signed.send(good).status_code == 200  # a success resets the count
    for _attempt in range(5):
        apigw_error(signed.send(signed.prepare(sk="wrong")), "verify aksk signature fail")
    locked = "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden."
    assert apigw_error(signed.send(signed.prepare()), locked)["error_msg"] == locked
    signed.advance(4 * 60 + 50)
    apigw_error(signed.send(signed.prepare()), locked)  # still locked, and refusals do not extend the lock
    signed.advance(10)
    assert signed.send(signed.prepare()).status_code == 200
    apigw_error(signed.send(signed.prepare(sk="wrong")), "verify aksk signature fail")  # the count starts again
    assert signed.send(signed.prepare()).status_code == 200
