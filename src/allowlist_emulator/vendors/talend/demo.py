"""The built-in demo identities (docs/vendors.md lists them) and the production-like base URL the shipped cassettes record."""

from typing import Any

# What a client needs, for the emulator's built-in demo identities (no config file needed).
CREDENTIALS: dict[str, Any] = {
    "token": "talend-admin-token",
    "no_permission_token": "talend-no-permission-token",
    "headers": {"Authorization": "Bearer talend-admin-token"},
    "service_account": "talend-service-account",  # POST /security/oauth/token with Basic id:secret
    "service_account_secret": "talend-service-secret",
    "no_token_service_account": "talend-no-token-service-account",  # lacks "Service Account - Manage": token → 403
    "no_token_service_account_secret": "talend-no-token-secret",
}

# Where the shipped cassettes say the requests went: the spec's first server with its default variables.
RECORDED_BASE = "https://api.eu.cloud.talend.com"
