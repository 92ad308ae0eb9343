"""Helpers shared by the CodeArts tests: the official SDK's client in a namespace, requests signed with the
emulator's demo AK/SK, and the API gateway's 401 body."""

from __future__ import annotations

from datetime import datetime

import requests
from huaweicloudsdkcodeartsrepo.v4 import CodeArtsRepoClient
from huaweicloudsdkcore.auth.credentials import BasicCredentials

from allowlist_emulator.state import parse_iso
from allowlist_emulator.vendors.codearts import signing

NAMESPACE_HEADER = "X-Emulator-Namespace"
AK, SK = "emulator-ak", "emulator-sk"


def make_client(server, namespace: str, ak: str = "emulator-ak", sk: str = "emulator-sk") -> CodeArtsRepoClient:
    client = (CodeArtsRepoClient.new_builder()
              .with_credentials(BasicCredentials(ak, sk))
              .with_endpoints([server.url])
              .build())
    client.preset_headers[NAMESPACE_HEADER] = namespace
    return client


class Signed:
    """requests signed with signing.sign, in one namespace of the session server."""

    def __init__(self, server, namespace: str):
        self.server = server
        self.url = server.url
        self.host = self.url.split("://", 1)[1]
        self.namespace = namespace

    def now(self) -> datetime:
        response = requests.get(f"{self.url}/_emulator/clock", headers={"X-Emulator-Namespace": self.namespace}, timeout=10)
        return parse_iso(response.json()["now"])

    def advance(self, seconds: float) -> None:
        requests.post(f"{self.url}/_emulator/clock", json={"advance": seconds},
                      headers={"X-Emulator-Namespace": self.namespace}, timeout=10).raise_for_status()

    def prepare(self, method="GET", path="/v4/tenant/trusted-ip-addresses", query="", body=b"", ak=AK, sk=SK, when=None):
        date = signing.format_date(when or self.now())
        headers = {"Host": self.host, "Content-Type": "application/json", "X-Sdk-Date": date,
                   "X-Emulator-Namespace": self.namespace}
        headers["Authorization"] = signing.sign(method, path, query, headers, body, ak, sk, date)
        return method, f"{self.url}{path}{'?' + query if query else ''}", headers, body

    @staticmethod
    def send(prepared) -> requests.Response:
        method, url, headers, body = prepared
        return requests.request(method, url, headers=headers, data=body, timeout=10)


def apigw_error(response, text):
    """The API gateway's 401 body (APIGW.0301), its message containing ``text``."""
    assert response.status_code == 401, response.text
    data = response.json()
    assert data["error_code"] == "APIGW.0301" and text in data["error_msg"], data
    assert data["request_id"] == response.headers["X-Request-Id"]
    return data
