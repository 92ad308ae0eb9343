"""The scripted calls behind the shipped fixtures: one scenario per cassette, ``fixtures/<vendor>/<name>.yaml``.

Each step names the credential it uses (see ``generate.py``: ``AUTH``), its body, the variables it captures from the
response (``{"id": "0.id"}``: the ``id`` of the first element), and the status it must get. Paths, query values and
body strings may use ``{variable}``. Together a vendor's scenarios call every operation of its spec with success, and
its main error answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NO_BODY = object()
DEFAULT = "default"


@dataclass
class Step:
    method: str
    path: str
    expect: int
    auth: str | None = DEFAULT  # a name in generate.AUTH[vendor]; None sends no credentials
    json: Any = NO_BODY
    body: str | None = None  # sent as is (with ``content_type``) when ``json`` is not given
    content_type: str | None = None
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    capture: dict[str, str] = field(default_factory=dict)


@dataclass
class Scenario:
    vendor: str
    name: str
    title: str
    steps: list[Step]


def _s(method: str, path: str, expect: int, **kwargs: Any) -> Step:
    query = kwargs.pop("query", None)
    if isinstance(query, dict):
        query = list(query.items())
    return Step(method, path, expect, query=query or [], **kwargs)


# -- HDP -------------------------------------------------------------------------------------------------------------

_HDP_SYSTEM = "/api/admin/security/whitelist/system"
_HDP_TENANTS = "/api/admin/security/whitelist/tenants"
_HDP_USERS = "/api/admin/security/whitelist/users"
_HDP_USER = "/api/mgmt/security/whitelist/user"
_HDP_CONFIG = "/api/admin/configurations"

HDP = [
    Scenario("hdp", "system_whitelist", "System-level whitelists as d2cadmin: there from the start with empty lists, "
             "replaced by PUT or POST, emptied by DELETE", [
        _s("GET", _HDP_SYSTEM, 200),
        _s("PUT", _HDP_SYSTEM, 200, json={
            "managementAPI": [{"startAddress": "10.20.30.0", "endAddress": "10.20.31.255"}],
            "dataAccess": [{"startAddress": "::ffff:10.20.30.10"}],
        }),
        _s("POST", _HDP_SYSTEM, 201, json={
            "managementAPI": [{"startAddress": "10.20.30.0", "endAddress": "10.20.30.255"}],
            "adminAPI": [{"startAddress": "10.20.30.10"}],
            "webUI": [{"startAddress": "2001:db8::1", "endAddress": "2001:db8::ff"}],
        }),
        _s("GET", _HDP_SYSTEM, 200),
        _s("GET", _HDP_SYSTEM, 200, auth="orgadmin"),
        _s("DELETE", _HDP_SYSTEM, 204),
        _s("GET", _HDP_SYSTEM, 200),
    ]),
    Scenario("hdp", "tenant_whitelists", "Tenant-level whitelists: d2cadmin and orgadmin (who administers tenant 2)", [
        _s("GET", _HDP_TENANTS, 200),
        _s("GET", f"{_HDP_TENANTS}/2", 404),
        _s("POST", f"{_HDP_TENANTS}/2", 201, json={
            "managementAPI": [{"startAddress": "192.0.2.0", "endAddress": "192.0.2.255"}],
            "dataAccess": [{"startAddress": "192.0.2.10"}],
        }),
        _s("GET", f"{_HDP_TENANTS}/2", 200),
        _s("PUT", f"{_HDP_TENANTS}/2", 200, json={
            "managementAPI": [{"startAddress": "192.0.2.0", "endAddress": "192.0.2.127"}],
            "adminAPI": [{"startAddress": "192.0.2.5"}],
        }),
        _s("GET", _HDP_TENANTS, 200),
        _s("GET", _HDP_TENANTS, 200, auth="orgadmin"),
        _s("GET", f"{_HDP_TENANTS}/2", 200, auth="orgadmin"),
        _s("DELETE", f"{_HDP_TENANTS}/2", 204, auth="orgadmin"),
        _s("GET", f"{_HDP_TENANTS}/2", 404),
    ]),
    Scenario("hdp", "user_whitelists", "User-level whitelists: user1 manages its own, orgadmin and d2cadmin use ?user=", [
        _s("GET", _HDP_USER, 404, auth="user1"),
        _s("POST", _HDP_USER, 201, auth="user1", json={"managementAPI": [{"startAddress": "198.51.100.7"}]}),
        _s("GET", _HDP_USER, 200, auth="user1"),
        _s("PUT", _HDP_USER, 200, auth="user1", json={
            "managementAPI": [{"startAddress": "198.51.100.7"}, {"startAddress": "198.51.100.20", "endAddress": "198.51.100.29"}],
        }),
        _s("GET", _HDP_USER, 200, auth="orgadmin", query={"user": "user1"}),
        _s("POST", _HDP_USER, 201, auth="orgadmin", json={"dataAccess": [{"startAddress": "2001:db8:10::1"}]}),
        _s("GET", _HDP_USERS, 200),
        _s("GET", _HDP_USERS, 200, auth="orgadmin"),
        _s("GET", _HDP_USERS, 200, auth="user1"),
        _s("DELETE", _HDP_USER, 204, query={"user": "user1"}),
        _s("GET", _HDP_USER, 404, auth="user1"),
    ]),
    Scenario("hdp", "configurations", "Configurations 1-8 (8 switches IP whitelist filtering off and on again; "
             "1-7 are stored and read back) and the permissions list", [
        _s("GET", _HDP_CONFIG, 200),
        _s("GET", f"{_HDP_CONFIG}/8", 200),
        _s("PUT", f"{_HDP_CONFIG}/8", 200, json={"value": "false"}),
        _s("GET", f"{_HDP_CONFIG}/8", 200),
        _s("PUT", f"{_HDP_CONFIG}/8", 200, json={"value": "true"}),
        _s("PUT", f"{_HDP_CONFIG}/1", 200, json={"value": "|"}),
        _s("GET", f"{_HDP_CONFIG}/1", 200),
        _s("GET", f"{_HDP_CONFIG}/9", 404),
        _s("GET", "/api/admin/permissions", 200),
    ]),
    Scenario("hdp", "address_refused", "Enforcement: a caller outside the system adminAPI whitelist gets 403 "
             "(the emulator trusts X-Forwarded-For here)", [
        _s("POST", _HDP_SYSTEM, 201, json={"adminAPI": [{"startAddress": "203.0.113.10"}]}),
        _s("GET", _HDP_SYSTEM, 200, headers={"X-Forwarded-For": "203.0.113.10"}),
        _s("GET", _HDP_SYSTEM, 403, headers={"X-Forwarded-For": "198.51.100.20"}),
        _s("GET", _HDP_TENANTS, 403, headers={"X-Forwarded-For": "198.51.100.20"}),
        _s("GET", _HDP_TENANTS, 200, headers={"X-Forwarded-For": "203.0.113.10"}),
    ]),
    Scenario("hdp", "errors", "Error answers: credentials, permissions, unknown ids, invalid documents, routing", [
        _s("GET", _HDP_SYSTEM, 401, auth=None),
        _s("GET", _HDP_SYSTEM, 401, auth="bad-password"),
        _s("GET", _HDP_SYSTEM, 403, auth="viewer"),
        _s("GET", _HDP_TENANTS, 403, auth="viewer"),
        _s("GET", f"{_HDP_TENANTS}/3", 403, auth="orgadmin"),
        _s("GET", f"{_HDP_TENANTS}/99", 404),
        _s("GET", f"{_HDP_TENANTS}/abc", 400),
        _s("POST", f"{_HDP_TENANTS}/2", 400, json={"managementAPI": [{"startAddress": "10.0.0.300"}]}),
        _s("POST", f"{_HDP_TENANTS}/2", 400, json={"managementAPI": [{"startAddress": "10.0.0.9", "endAddress": "10.0.0.1"}]}),
        _s("POST", f"{_HDP_TENANTS}/2", 400, json={"managementAPI": [{"startAddress": "10.0.0.1", "endAddress": "2001:db8::1"}]}),
        _s("POST", f"{_HDP_TENANTS}/2", 400, json={"webUI": [{"startAddress": "10.0.0.1"}]}),
        _s("POST", f"{_HDP_TENANTS}/2", 400, json={"managementAPI": "10.0.0.1"}),
        _s("POST", f"{_HDP_TENANTS}/2", 400, body="{not json", content_type="application/json"),
        _s("GET", _HDP_USER, 404, query={"user": "nobody"}),
        _s("PUT", f"{_HDP_CONFIG}/8", 400, json={"value": "maybe"}),
        _s("PATCH", _HDP_SYSTEM, 405),
        _s("GET", "/api/admin/security/whitelist/nothing", 404),
    ]),
]


# -- Talend ----------------------------------------------------------------------------------------------------------


def _talend_crud(prefix: str, name: str, title: str) -> list[Scenario]:
    ips = f"{prefix}/ips"
    policy = {"description": "Allowlist for the Paris office and the VPN egress", "enabled": False,
              "ips": [{"description": "Paris office egress", "ip": "203.0.113.10"}]}
    return [
        Scenario("talend", f"{name}policy", f"{title}The allowlist configuration: create, read, enable, replace, delete", [
            _s("GET", prefix, 404),
            _s("POST", prefix, 201, json=policy),
            _s("GET", prefix, 200),
            _s("GET", prefix, 200, query={"detailed": "false"}),
            _s("POST", prefix, 409, json=policy),
            _s("PATCH", prefix, 200, json={"enabled": True}),
            _s("PUT", prefix, 200, json={
                "description": "Paris office and VPN", "enabled": True,
                "ips": [{"description": "Paris office egress", "ip": "203.0.113.10"},
                        {"description": "VPN egress", "ip": "198.51.100.0/24"}],
            }),
            _s("GET", prefix, 200),
            _s("DELETE", prefix, 204),
            _s("GET", prefix, 404),
        ]),
        Scenario("talend", f"{name}ips", f"{title}IP entries: add, list, read, update one and several, delete", [
            _s("POST", prefix, 201, json={"description": "Data Prep users", "enabled": False}),
            _s("POST", ips, 201, json=[{"description": "Data Prep user1", "ip": "230.65.223.167"},
                                       {"description": "Data Prep user2", "ip": "230.65.223.169"}],
               capture={"first": "0.id", "second": "1.id"}),
            _s("GET", ips, 200),
            _s("GET", f"{ips}/{{first}}", 200),
            _s("PUT", f"{ips}/{{first}}", 200, json={"ip": "230.65.223.0/24", "description": "Data Prep subnet"}),
            _s("PUT", ips, 200, json=[{"id": "{second}", "ip": "230.65.223.169", "description": "Data Prep user2 (new laptop)"}]),
            _s("DELETE", f"{ips}/{{second}}", 204),
            _s("GET", ips, 200),
            _s("GET", f"{ips}/{{second}}", 404),
        ]),
    ]


_TALEND = "/security/ip-allowlist"
TALEND = _talend_crud(_TALEND, "", "") + _talend_crud("/v1/management/ip-allowlist", "legacy_", "Legacy paths. ") + [
    Scenario("talend", "errors", "Error answers: tokens, permission, missing configuration, invalid input, routing", [
        _s("GET", _TALEND, 401, auth=None),
        _s("GET", _TALEND, 401, auth="bad-token"),
        _s("GET", _TALEND, 403, auth="no-permission"),
        _s("GET", f"{_TALEND}/ips", 200),
        _s("POST", f"{_TALEND}/ips", 404, json=[{"description": "no configuration yet", "ip": "203.0.113.10"}]),
        _s("POST", _TALEND, 400, json={"enabled": "yes"}),
        _s("POST", _TALEND, 400, json={"enabled": False, "ips": [{"description": "bad", "ip": "300.1.2.3"}]}),
        _s("POST", _TALEND, 201, json={"enabled": False, "ips": [{"description": "office", "ip": "203.0.113.10"}]}),
        _s("POST", f"{_TALEND}/ips", 400, json=[{"description": "host bits set", "ip": "10.0.0.1/8"}]),
        _s("POST", f"{_TALEND}/ips", 400, json=[]),
        _s("PATCH", _TALEND, 400, json={}),
        _s("GET", f"{_TALEND}/ips/not-a-uuid", 404),
        _s("POST", f"{_TALEND}/ips/00000000-0000-4000-8000-000000000000", 405),
    ]),
]


# -- CodeArts --------------------------------------------------------------------------------------------------------

_CA_TENANT = "/v4/tenant/trusted-ip-addresses"
_CA_REPO = "/v4/projects/1001/trusted-ip-addresses"


def _codearts_crud(base: str, name: str, title: str, auth: str) -> Scenario:
    return Scenario("codearts", name, title, [
        _s("GET", base, 200, auth=auth),
        _s("POST", base, 200, auth=auth, json={"ip_type": 0, "ip_start": "192.168.1.10", "view_flag": 1,
                                               "download_flag": 1, "upload_flag": 0, "remark": "office"},
           capture={"single": "id"}),
        _s("POST", base, 200, auth=auth, json={"ip_type": 1, "ip_start": "10.0.0.1", "ip_end": "10.0.0.255",
                                               "view_flag": 1, "download_flag": 1, "upload_flag": 1, "remark": "build farm"}),
        _s("POST", base, 200, auth=auth, json={"ip_type": 2, "ip_start": "172.16.0.0/16", "view_flag": 1,
                                               "download_flag": 0, "upload_flag": 0, "remark": "VPN"}),
        _s("GET", base, 200, auth=auth, query={"offset": "0", "limit": "2"}),
        _s("PUT", f"{base}/{{single}}", 200, auth=auth, json={"ip_type": 0, "ip_start": "192.168.1.11", "view_flag": 1,
                                                             "download_flag": 1, "upload_flag": 1, "remark": "office (new)"}),
        _s("DELETE", f"{base}/{{single}}", 200, auth=auth),
        _s("GET", base, 200, auth=auth),
    ])


CODEARTS = [
    _codearts_crud(_CA_TENANT, "tenant_whitelist", "Tenant whitelist with AK/SK-signed requests (as the SDK sends them): "
                   "add, list with paging, update, delete", "aksk"),
    _codearts_crud(_CA_REPO, "repository_whitelist", "Repository 1001's whitelist with X-Auth-Token: add, list with "
                   "paging, update, delete", "token"),
    Scenario("codearts", "errors", "Error answers: credentials, signatures, permission, unknown ids, invalid input", [
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


# -- B2Core ----------------------------------------------------------------------------------------------------------

_TOKEN = _s("POST", "/tokens", 200, auth="client", json={"grant_type": "client_credentials"}, capture={"token": "access_token"})

B2CORE = [
    Scenario("b2core", "addresses", "A bearer token, then IP address policies: create, list, read, replace, patch, delete", [
        _TOKEN,
        _s("GET", "/addresses", 200),
        _s("POST", "/addresses", 201, json={"ipAddress": "185.155.96.184", "policy": "allow", "ttl": 3600},
           capture={"allow": "addressId"}),
        _s("POST", "/addresses", 201, json={"ipAddress": "10.0.0.0/8", "policy": "deny"}, capture={"deny": "addressId"}),
        _s("GET", "/addresses/{allow}", 200),
        _s("GET", "/addresses", 200, query={"limit": "10", "offset": "0", "sort_by": "createTime", "sort_order": "desc"}),
        _s("GET", "/addresses", 200, query={"filter[policy]": "deny"}),
        _s("PUT", "/addresses/{allow}", 200, json={"ipAddress": "185.155.96.0/24", "policy": "allow", "ttl": 0}),
        _s("PATCH", "/addresses/{deny}", 200, json={"ttl": 600}),
        _s("DELETE", "/addresses/{deny}", 204),
        _s("GET", "/addresses/{deny}", 404),
        _s("GET", "/addresses", 200),
    ]),
    Scenario("b2core", "errors", "Error answers: client credentials, tokens, unknown and malformed ids, invalid input", [
        _s("POST", "/tokens", 401, auth="bad-client", json={"grant_type": "client_credentials"}),
        _s("POST", "/tokens", 400, auth="client", json={"grant_type": "password"}),
        _s("GET", "/addresses", 401, auth=None),
        _s("GET", "/addresses", 401, auth="bad-token"),
        _TOKEN,
        _s("GET", "/addresses/0123456789abcdef01234567", 404),
        _s("GET", "/addresses/not-an-id", 400),
        _s("POST", "/addresses", 400, json={"ipAddress": "300.1.2.3", "policy": "allow"}),
        _s("POST", "/addresses", 400, json={"ipAddress": "10.0.0.1/8", "policy": "allow"}),
        _s("POST", "/addresses", 400, json={"ipAddress": "10.0.0.1", "policy": "maybe"}),
        _s("POST", "/addresses", 400, json={"policy": "allow"}),
        _s("GET", "/addresses", 400, query={"limit": "0"}),
        _s("GET", "/addresses", 400, query={"filter[ip]": "not-an-ip"}),
        _s("DELETE", "/addresses", 405),
    ]),
]

SCENARIOS: dict[str, list[Scenario]] = {"hdp": HDP, "talend": TALEND, "codearts": CODEARTS, "b2core": B2CORE}
