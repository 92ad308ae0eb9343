"""The scripted calls behind the shipped fixtures (``fixtures/talend/``; see ``recording/scenarios.py``), and the
credentials each step names."""

from __future__ import annotations

from ..base import folder_key
from ...recording.scenarios import DEFAULT, Call, Scenario, basic, step as _s
from .demo import CREDENTIALS

KEY = folder_key(__name__)  # this folder's vendor


def _talend_crud(prefix: str, name: str, title: str) -> list[Scenario]:
    ips = f"{prefix}/ips"
    policy = {"description": "Allowlist for the Paris office and the VPN egress", "enabled": False,
              "ips": [{"description": "Paris office egress", "ip": "203.0.113.10"}]}
    return [
        Scenario(KEY, f"{name}policy", f"{title}The allowlist configuration: create, read, enable, add IPs, delete", [
            _s("GET", prefix, 404),
            _s("POST", prefix, 201, json=policy),
            _s("GET", prefix, 200),
            _s("GET", prefix, 200, query={"detailed": "false"}),
            _s("POST", prefix, 409, json=policy),
            _s("PATCH", prefix, 200, json={"enabled": True}),
            _s("PUT", prefix, 200, json={  # adds the VPN egress; the office entry stays, with its id
                "description": "Paris office and VPN", "enabled": True,
                "ips": [{"description": "VPN egress", "ip": "198.51.100.0/24"}],
            }),
            _s("GET", prefix, 200),
            _s("DELETE", prefix, 204),
            _s("GET", prefix, 404),
        ]),
        Scenario(KEY, f"{name}ips", f"{title}IP entries: add, list, read, update one and several, delete", [
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
_TALEND_TOKEN_BODY = {"audience": "https://api.eu.cloud.talend.com", "grant_type": "client_credentials"}
SCENARIOS = _talend_crud(_TALEND, "", "") + _talend_crud("/v1/management/ip-allowlist", "legacy_", "Legacy paths. ") + [
    Scenario(KEY, "errors", "Error answers: tokens, permission, missing configuration, invalid input, routing", [
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
    Scenario(KEY, "service_account", "A service-account token (Basic id:secret), used on the version-agnostic "
             "paths; the legacy paths refuse it", [
        _s("POST", "/security/oauth/token", 401, auth="bad-service-account", json=_TALEND_TOKEN_BODY),
        _s("POST", "/security/oauth/token", 403, auth="no-token-service-account", json=_TALEND_TOKEN_BODY),
        _s("POST", "/security/oauth/token", 400, auth="service-account",
           json={"audience": "https://api.eu.cloud.talend.com", "grant_type": "password"}),
        _s("POST", "/security/oauth/token", 200, auth="service-account", json=_TALEND_TOKEN_BODY,
           capture={"sa_token": "access_token"}),
        _s("POST", _TALEND, 201, auth="sa-token", json={"description": "Set up by a service account", "enabled": False}),
        _s("GET", _TALEND, 200, auth="sa-token"),
        _s("GET", "/v1/management/ip-allowlist", 401, auth="sa-token"),
    ]),
]


def authorize(name: str, call: Call) -> None:
    """Set the credential step ``name`` uses on ``call``."""
    demo = CREDENTIALS
    if name == "service-account":
        call.headers["Authorization"] = basic(demo["service_account"], demo["service_account_secret"])
        return
    if name == "bad-service-account":
        call.headers["Authorization"] = basic(demo["service_account"], "not-the-service-secret")
        return
    if name == "no-token-service-account":  # lacks "Service Account - Manage": the OAuth document's 403
        call.headers["Authorization"] = basic(demo["no_token_service_account"], demo["no_token_service_account_secret"])
        return
    tokens = {DEFAULT: demo["token"], "no-permission": demo["no_permission_token"], "bad-token": "not-a-talend-token"}
    token = call.variables["sa_token"] if name == "sa-token" else tokens[name]
    call.headers["Authorization"] = f"Bearer {token}"
