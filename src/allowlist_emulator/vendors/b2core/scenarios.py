"""The scripted calls behind the shipped fixtures (``fixtures/b2core/``; see ``recording/scenarios.py``), and the
credentials each step names."""

from __future__ import annotations

from ..base import folder_key
from ...recording.scenarios import Call, Scenario, basic, step as _s
from .demo import CREDENTIALS

KEY = folder_key(__name__)  # this folder's vendor


_TOKEN = _s("POST", "/tokens", 200, auth="client", json={"grant_type": "client_credentials"}, capture={"token": "access_token"})

SCENARIOS = [
    Scenario(KEY, "addresses", "A bearer token, then IP address policies: create, list, read, update (PUT, whole and partial), patch, delete", [
        _TOKEN,
        _s("GET", "/addresses", 200),
        _s("POST", "/addresses", 201, json={"ipAddress": "185.155.96.184", "policy": "allow", "ttl": 3600},
           capture={"allow": "addressId"}),
        _s("POST", "/addresses", 201, json={"ipAddress": "10.0.0.0/8", "policy": "deny"}, capture={"deny": "addressId"}),
        _s("GET", "/addresses/{allow}", 200),
        _s("GET", "/addresses", 200, query={"limit": "10", "offset": "0", "sort_by": "createTime", "sort_order": "desc"}),
        _s("GET", "/addresses", 200, query={"filter[policy]": "deny"}),
        _s("PUT", "/addresses/{allow}", 200, json={"ipAddress": "185.155.96.0/24", "policy": "allow", "ttl": 0}),
        _s("PUT", "/addresses/{allow}", 200, json={"policy": "deny"}),
        _s("PATCH", "/addresses/{deny}", 200, json={"ttl": 600}),
        _s("DELETE", "/addresses/{deny}", 204),
        _s("GET", "/addresses/{deny}", 404),
        _s("GET", "/addresses", 200),
    ]),
    Scenario(KEY, "errors", "Error answers: client credentials, tokens, unknown and malformed ids, invalid input", [
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


def authorize(name: str, call: Call) -> None:
    """Set the credential step ``name`` uses on ``call``."""
    demo = CREDENTIALS
    if name == "client":
        call.headers["Authorization"] = basic(demo["client_id"], demo["client_secret"])
    elif name == "bad-client":
        call.headers["Authorization"] = basic(demo["client_id"], "not-the-client-secret")
    elif name == "bad-token":
        call.headers["Authorization"] = "Bearer not-a-b2core-token"
    else:
        call.headers["Authorization"] = f"Bearer {call.variables['token']}"
