"""The built-in demo identities (docs/vendors.md lists them) and the production-like base URL the shipped cassettes record."""

from typing import Any

# What a client needs, for the emulator's built-in demo identities (no config file needed).
CREDENTIALS: dict[str, Any] = {
    "client_id": "b2core-client",
    "client_secret": "b2core-secret",
    "auth": ("b2core-client", "b2core-secret"),
}

# Where the shipped cassettes say the requests went: the spec's first server with its default variables.
RECORDED_BASE = "https://your.base-url.here"
