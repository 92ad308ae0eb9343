"""The scripted calls behind the shipped fixtures (``fixtures/codearts/``; see ``recording/scenarios.py``), and the
credentials each step names."""

from __future__ import annotations

from datetime import timedelta

from ..base import folder_key
from ...recording.scenarios import DEFAULT, Call, Scenario, step as _s
from . import signing
from .demo import CREDENTIALS

KEY = folder_key(__name__)  # this folder's vendor


_CA_TENANT = "/v4/tenant/trusted-ip-addresses"
_CA_REPO = "/v4/projects/1001/trusted-ip-addresses"


def _codearts_crud(base: str, name: str, title: str, auth: str, extra: tuple = ()) -> Scenario:
    return Scenario(KEY, name, title, [
        _s("GET", base, 200, auth=auth),
        _s("POST", base, 200, auth=auth, json={"ip_type": 0, "ip_start": "192.168.1.10", "view_flag": 1,
                                               "download_flag": 1, "upload_flag": 0, "remark": "office"},
           capture={"single": "id"}),
        _s("POST", base, 200, auth=auth, json={"ip_type": 1, "ip_start": "10.0.0.1", "ip_end": "10.0.0.255",
                                               "view_flag": 1, "download_flag": 1, "upload_flag": 1, "remark": "build farm"}),
        _s("POST", base, 200, auth=auth, json={"ip_type": 2, "ip_start": "172.16.0.0/16", "view_flag": 1,
                                               "download_flag": 0, "upload_flag": 0, "remark": "VPN"}),
        _s("GET", base, 200, auth=auth, query={"offset": "0", "limit": "2"}),
        *extra,
        _s("PUT", f"{base}/{{single}}", 200, auth=auth, json={"ip_type": 0, "ip_start": "192.168.1.11", "view_flag": 1,
                                                             "download_flag": 1, "upload_flag": 1, "remark": "office (new)"}),
        _s("DELETE", f"{base}/{{single}}", 200, auth=auth),
        _s("GET", base, 200, auth=auth),
    ])


SCENARIOS = [
    _codearts_crud(_CA_TENANT, "tenant_whitelist", "Tenant whitelist with AK/SK-signed requests (as the SDK sends them): "
                   "add, list with paging (also at the seed's example path), update, delete", "aksk",
                   (_s("GET", "/v4/tenant/setting/ip_addresses", 200, auth="aksk", query={"offset": "1", "limit": "2"}),)),
    _codearts_crud(_CA_REPO, "repository_whitelist", "Repository 1001's whitelist with X-Auth-Token: add, list with "
                   "paging, update, delete", "token"),
    Scenario(KEY, "errors", "Error answers: credentials, signatures, permission, unknown ids, invalid input", [
        _s("GET", _CA_TENANT, 401, auth=None),
        _s("GET", _CA_TENANT, 401, auth="bad-token"),
        _s("GET", _CA_TENANT, 401, auth="expired"),
        _s("GET", _CA_TENANT, 403, auth="no-permission"),
        _s("GET", _CA_TENANT, 401, auth="bad-signature"),
        _s("GET", _CA_TENANT, 401, auth="stale-date"),
        _s("GET", _CA_TENANT, 401, auth="unknown-ak"),
        _s("POST", _CA_TENANT, 400, json={"ip_type": 0, "ip_start": "192.168.1.300"}),
        _s("POST", _CA_TENANT, 400, json={"ip_type": 1, "ip_start": "10.0.0.9", "ip_end": "10.0.0.1"}),
        _s("POST", _CA_TENANT, 400, json={"ip_type": 5, "ip_start": "10.0.0.1"}),
        _s("PUT", f"{_CA_TENANT}/999999", 404, json={"ip_type": 0, "ip_start": "192.168.1.10"}),
        _s("DELETE", f"{_CA_TENANT}/999999", 404),
        _s("GET", "/v4/projects/9999/trusted-ip-addresses", 404),
        _s("GET", _CA_TENANT, 400, query={"limit": "0"}),
        _s("PATCH", _CA_TENANT, 405),
    ]),
]


def authorize(name: str, call: Call) -> None:
    """Set the credential step ``name`` uses on ``call``."""
    demo = CREDENTIALS
    tokens = {"token": demo["token"], "expired": demo["expired_token"], "no-permission": demo["no_permission_token"],
              "bad-token": "not-a-codearts-token"}
    if name in tokens:
        call.headers["X-Auth-Token"] = tokens[name]
        return
    ak, sk, when = demo["ak"], demo["sk"], call.at
    if name == "bad-signature":
        sk = "not-the-secret-key"
    elif name == "unknown-ak":
        ak = "unknown-ak"
    elif name == "stale-date":
        when -= timedelta(hours=1)
    elif name not in (DEFAULT, "aksk"):
        raise KeyError(name)
    date = signing.format_date(when)
    call.headers.setdefault("Content-Type", "application/json")  # the SDK sends it on every request
    call.headers[signing.DATE_HEADER] = date
    signed = {**call.headers, "Host": call.emulator_host}
    call.headers["Authorization"] = signing.sign(call.method, call.path, call.query, signed, call.body, ak, sk, date)
