"""Shared test support: an HTTP client that checks every response against the vendor's own spec.

Every vendor test talks to a real server over loopback through :class:`VendorClient`. Each response is validated
with openapi-core against ``specs/<vendor>.yaml`` (status declared, headers, body schema) and a mismatch fails the
test right there, so the emulator and its spec cannot drift.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from typing import Any

import requests

from allowlist_emulator.recording.drift import openapi_for, response_problems  # noqa: F401 (openapi_for re-exported)

from . import vendor_artifacts

NAMESPACE_HEADER = "X-Emulator-Namespace"


def check_response(vendor: str, base_url: str, response: requests.Response) -> None:
    """Raise AssertionError unless ``response`` validates against the vendor's spec (the recorder's drift check)."""
    request = response.request
    problems = response_problems(vendor, base_url, request.method, request.url, dict(request.headers), request.body,
                                 response.status_code, dict(response.headers), response.content)
    if problems:
        raise AssertionError(
            f"{request.method} {request.url} → {response.status_code} does not match specs/{vendor}.yaml: "
            f"{'; '.join(problems)}\nbody: {response.text[:500]}"
        )


class VendorClient:
    """requests against one vendor of a running emulator, in one namespace, every response spec-checked.

    ``base_url`` is where the vendor's spec paths start (the server URL, plus ``/b2core`` for B2Core).
    """

    def __init__(self, vendor: str, server_url: str, base_path: str = "", namespace: str | None = None,
                 check: bool = True, **session_defaults: Any):
        self.vendor = vendor
        self.server_url = server_url
        self.base_url = server_url + base_path
        self.namespace = namespace or f"t-{uuid.uuid4().hex[:12]}"
        self.check = check
        self.session = requests.Session()
        self.session.headers[NAMESPACE_HEADER] = self.namespace
        for key, value in session_defaults.items():
            if key == "headers":  # add to the session's headers (keeps the namespace header)
                self.session.headers.update(value)
            else:
                setattr(self.session, key, value)
        self.responses: list[requests.Response] = []

    def request(self, method: str, path: str, *, check: bool | None = None, **kwargs: Any) -> requests.Response:
        response = self.session.request(method, self.base_url + path, timeout=30, **kwargs)
        self.responses.append(response)
        if self.check if check is None else check:
            check_response(self.vendor, self.base_url, response)
            vendor_artifacts.check(self.vendor, response)  # and through the vendor's own published document
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    # -- the control plane, in the same namespace ------------------------------------------------------------------------
    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.server_url}/_emulator{path}", timeout=30, **kwargs)

    def decide(self, **query: Any) -> dict:
        response = self.control("GET", f"/decide/{self.vendor}", params=query)
        assert response.status_code == 200, response.text
        return response.json()

    def advance(self, seconds: float) -> dict:
        return self.control("POST", "/clock", json={"advance": seconds}).json()


def error_body(vendor: str, response: requests.Response) -> Any:
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.headers
    return response.json()


def free_port() -> int:
    """A free TCP port on 127.0.0.1, for tests that start ``serve`` as a separate process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """``allowlist-emulator serve ARGS`` as a separate process, for start-ups that must fail (exit code, stderr)."""
    return subprocess.run([sys.executable, "-m", "allowlist_emulator.cli", "serve", *args],
                          capture_output=True, text=True, timeout=timeout)


# -- external tools (Chromium, Node packages): skipped on a machine without them, required in CI ------------------------
REQUIRE_TOOLS_ENV = "ALLOWLIST_EMULATOR_REQUIRE_TOOLS"


def need_tool(name: str, found: bool, how: str) -> None:
    """Skip the calling test when an external tool is missing, saying how to get it; fail instead when the tool is
    required (``ALLOWLIST_EMULATOR_REQUIRE_TOOLS=all`` or a comma list naming it, as ``.ci/run`` sets), so CI cannot
    pass with these tests silently skipped."""
    import os

    import pytest

    if found:
        return
    required = {item.strip() for item in os.environ.get(REQUIRE_TOOLS_ENV, "").split(",") if item.strip()}
    message = f"{name} is not available: {how}"
    if "all" in required or name in required:
        pytest.fail(f"{message} ({REQUIRE_TOOLS_ENV} requires it)", pytrace=False)
    pytest.skip(message)
