"""The scripted calls behind the shipped fixtures (``fixtures/hdp/``; see ``recording/scenarios.py``), and the
credentials each step names."""

from __future__ import annotations

from ..base import folder_key
from ...recording.scenarios import DEFAULT, Call, Scenario, basic, step as _s
from .demo import CREDENTIALS

KEY = folder_key(__name__)  # this folder's vendor


_HDP_SYSTEM = "/api/admin/security/whitelist/system"
_HDP_TENANTS = "/api/admin/security/whitelist/tenants"
_HDP_USERS = "/api/admin/security/whitelist/users"
_HDP_USER = "/api/mgmt/security/whitelist/user"
_HDP_CONFIG = "/api/admin/configurations"

SCENARIOS = [
    Scenario(KEY, "system_whitelist", "System-level whitelists as d2cadmin: there from the start with empty lists, "
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
    Scenario(KEY, "tenant_whitelists", "Tenant-level whitelists: d2cadmin and orgadmin (who administers tenant 2)", [
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
    Scenario(KEY, "user_whitelists", "User-level whitelists: user1 manages its own, orgadmin and d2cadmin use ?user=", [
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
    Scenario(KEY, "configurations", "Configurations 1-8 (8 switches IP whitelist filtering off and on again; "
             "1-7 are stored and read back), the permissions list and details on a permission", [
        _s("GET", _HDP_CONFIG, 200),
        _s("GET", f"{_HDP_CONFIG}/8", 200),
        _s("PUT", f"{_HDP_CONFIG}/8", 200, json={"value": "false"}),
        _s("GET", f"{_HDP_CONFIG}/8", 200),
        _s("PUT", f"{_HDP_CONFIG}/8", 200, json={"value": "true"}),
        _s("PUT", f"{_HDP_CONFIG}/1", 200, json={"value": "|"}),
        _s("GET", f"{_HDP_CONFIG}/1", 200),
        _s("GET", f"{_HDP_CONFIG}/9", 404),
        _s("GET", "/api/admin/permissions", 200),
        _s("GET", "/api/admin/permissions/1", 200),
        _s("GET", "/api/admin/permissions/29", 200, auth="user1"),
    ]),
    Scenario(KEY, "address_refused", "Enforcement: a caller outside the system adminAPI whitelist gets 403 "
             "(the emulator trusts X-Forwarded-For here)", [
        _s("POST", _HDP_SYSTEM, 201, json={"adminAPI": [{"startAddress": "203.0.113.10"}]}),
        _s("GET", _HDP_SYSTEM, 200, headers={"X-Forwarded-For": "203.0.113.10"}),
        _s("GET", _HDP_SYSTEM, 403, headers={"X-Forwarded-For": "198.51.100.20"}),
        _s("GET", _HDP_TENANTS, 403, headers={"X-Forwarded-For": "198.51.100.20"}),
        _s("GET", _HDP_TENANTS, 200, headers={"X-Forwarded-For": "203.0.113.10"}),
    ]),
    Scenario(KEY, "errors", "Error answers: credentials, permissions, unknown ids, invalid documents, routing", [
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
        _s("GET", "/api/admin/permissions/1234", 404),
        _s("GET", "/api/admin/permissions/1", 403, auth="viewer"),
    ]),
]


def authorize(name: str, call: Call) -> None:
    """Set the credential step ``name`` uses on ``call``."""
    users = CREDENTIALS["users"]
    if name == DEFAULT:
        name = CREDENTIALS["user"]
    if name == "bad-password":
        call.headers["Authorization"] = basic(CREDENTIALS["user"], "not-the-password")
    else:
        call.headers["Authorization"] = basic(name, users[name])
