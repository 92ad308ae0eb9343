"""The built-in demo identities (docs/vendors.md lists them) and the production-like base URL the shipped cassettes record."""

from typing import Any

# What a client needs, for the emulator's built-in demo identities (no config file needed).
CREDENTIALS: dict[str, Any] = {
    "ak": "emulator-ak",
    "sk": "emulator-sk",
    "token": "codearts-token",
    "expired_token": "codearts-expired-token",
    "no_permission_token": "codearts-no-permission-token",
    "headers": {"X-Auth-Token": "codearts-token"},
    "repositories": (1001, 1002),
}

# Where the shipped cassettes say the requests went: the spec's first server with its default variables.
RECORDED_BASE = "https://codehub-ext.cn-north-4.myhuaweicloud.com"
