"""The contract suite's requests are framed by the HTTP client, whatever headers schemathesis generates: a drawn
``transfer-encoding`` beside a body, or a ``content-length`` of any text, made aiohttp's parser answer its own
text/plain 400 and failed ``content_type_conformance`` for a reason that is not the API's (Talend, writes, seed 10)."""

from __future__ import annotations

import requests

from allowlist_emulator.contract.safety import framed


def _prepared(method: str, headers: dict[str, str], body: bytes | None = None) -> requests.PreparedRequest:
    return requests.Request(method, "http://127.0.0.1:1/x", headers=headers, data=body).prepare()


def test_a_generated_transfer_encoding_goes_and_content_length_is_the_bodys():
    request = framed(_prepared("PATCH", {"transfer-encoding": "{~&i`{Tbpss", "Content-Type": "application/json"},
                                b'{"enabled": true}'))
    assert "Transfer-Encoding" not in request.headers
    assert request.headers["Content-Length"] == "17"


def test_a_generated_content_length_without_a_body_is_dropped_or_zero():
    assert "Content-Length" not in framed(_prepared("GET", {"content-length": "X!"})).headers
    assert framed(_prepared("POST", {"content-length": "X!"})).headers["Content-Length"] == "0"


def test_other_generated_headers_stay():
    request = framed(_prepared("GET", {"talend-version": "v1", "9*rR+.~-x": "e6l"}))
    assert request.headers["talend-version"] == "v1" and request.headers["9*rR+.~-x"] == "e6l"
