"""The built-in demo identities (see the README) and the production-like base URL each vendor's cassettes record."""

from __future__ import annotations

import copy
from typing import Any

# What a client of each vendor needs, for the emulator's built-in demo identities (no config file needed).
DEMO_CREDENTIALS: dict[str, dict[str, Any]] = {
    "talend": {
        "token": "talend-admin-token",
        "no_permission_token": "talend-no-permission-token",
        "headers": {"Authorization": "Bearer talend-admin-token"},
        "service_account": "talend-service-account",  # POST /security/oauth/token with Basic id:secret
        "service_account_secret": "talend-service-secret",
    },
    "hdp": {
        "user": "d2cadmin",
        "password": "d2cadmin",
        "auth": ("d2cadmin", "d2cadmin"),
        "users": {"d2cadmin": "d2cadmin", "orgadmin": "orgadmin", "user1": "user1", "viewer": "viewer"},
    },
    "codearts": {
        "ak": "emulator-ak",
        "sk": "emulator-sk",
        "token": "codearts-token",
        "expired_token": "codearts-expired-token",
        "no_permission_token": "codearts-no-permission-token",
        "headers": {"X-Auth-Token": "codearts-token"},
        "repositories": (1001, 1002),
    },
    "b2core": {
        "client_id": "b2core-client",
        "client_secret": "b2core-secret",
        "auth": ("b2core-client", "b2core-secret"),
    },
}

# Where the shipped cassettes say the requests went: each spec's first server with its default variables
# (what a client calls in production), so client suites replay them without rewriting hosts.
RECORDED_BASES: dict[str, str] = {
    "talend": "https://api.eu.cloud.talend.com",
    "hdp": "https://hdp.example.com",
    "codearts": "https://codehub-ext.cn-north-4.myhuaweicloud.com",
    "b2core": "https://your.base-url.here",
}


def demo_credentials() -> dict[str, dict[str, Any]]:
    """A fresh copy (callers may change theirs)."""
    return copy.deepcopy(DEMO_CREDENTIALS)
