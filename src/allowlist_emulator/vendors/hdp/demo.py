"""The built-in demo identities (docs/vendors.md lists them) and the production-like base URL the shipped cassettes record."""

from typing import Any

# What a client needs, for the emulator's built-in demo identities (no config file needed).
CREDENTIALS: dict[str, Any] = {
    "user": "d2cadmin",
    "password": "d2cadmin",
    "auth": ("d2cadmin", "d2cadmin"),
    "users": {"d2cadmin": "d2cadmin", "orgadmin": "orgadmin", "user1": "user1", "viewer": "viewer"},
}

# Where the shipped cassettes say the requests went: the spec's first server with its default variables.
RECORDED_BASE = "https://hdp.example.com"
