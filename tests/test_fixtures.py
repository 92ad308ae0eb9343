"""The shipped fixtures (fixtures/<vendor>/): exactly what recording the emulator gives today, replayable with vcrpy
through plain ``requests``, and free of every credential used to record them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import requests
import vcr

from allowlist_emulator.recording import cassette as cas
from allowlist_emulator.recording import fixtures_dir, generate
from allowlist_emulator.recording.demo import DEMO_CREDENTIALS, RECORDED_BASES

FIXTURES = fixtures_dir()
VENDORS = list(generate.SCENARIOS)
CASSETTES = sorted(path for vendor in VENDORS for path in (FIXTURES / vendor).glob("*.yaml"))


@pytest.fixture(scope="module")
def rendered() -> generate.Rendered:
    return generate.render(VENDORS)


def test_shipped_fixtures_are_byte_for_byte_a_fresh_recording(rendered):
    problems = generate.differences(rendered.files, FIXTURES, VENDORS)
    assert not problems, (
        "fixtures/ no longer match what the emulator answers:\n  " + "\n  ".join(problems)
        + f"\nIf the change is intended, regenerate them with `{generate.REGENERATE}` and review the diff."
    )


def test_generation_is_deterministic(rendered):
    again = generate.render(VENDORS[:1])
    assert {name: text for name, text in rendered.files.items() if name.startswith(VENDORS[0] + "/")} == again.files


def _demo_secrets() -> set[str]:
    demo = DEMO_CREDENTIALS
    secrets = {
        demo["talend"]["token"], demo["talend"]["no_permission_token"], "not-a-talend-token",
        demo["codearts"]["sk"], demo["codearts"]["token"], demo["codearts"]["expired_token"],
        demo["codearts"]["no_permission_token"], "not-a-codearts-token", "not-the-secret-key",
        demo["b2core"]["client_secret"], "not-the-client-secret", "not-a-b2core-token", "not-the-password",
        f"{demo['b2core']['client_id']}:{demo['b2core']['client_secret']}",
        demo["talend"]["service_account_secret"], "not-the-service-secret",
    }
    for user, password in [*demo["hdp"]["users"].items(), (demo["hdp"]["user"], "not-the-password"),
                           (demo["b2core"]["client_id"], demo["b2core"]["client_secret"]),
                           (demo["talend"]["service_account"], demo["talend"]["service_account_secret"]),
                           (demo["talend"]["service_account"], "not-the-service-secret")]:
        secrets.add(base64.b64encode(f"{user}:{password}".encode()).decode())
        secrets.add(f"{user}:{password}")
    return secrets


def test_no_cassette_contains_a_credential_used_to_record_it(rendered):
    """The demo credentials, and every token, signature and Basic value the recorder saw while generating."""
    secrets = _demo_secrets() | rendered.secrets
    assert len(rendered.secrets) > 10  # the recorder did see credentials (access tokens, signatures, ...)
    leaks = {}
    for path in sorted(FIXTURES.glob("*/*")):
        text = path.read_text(encoding="utf-8")
        found = sorted(secret for secret in secrets if secret in text)
        if found:
            leaks[str(path)] = found
    assert not leaks, f"credentials in shipped fixtures: {leaks}"
    assert all("<REDACTED>" in path.read_text() for path in CASSETTES)


def test_every_vendor_has_fixtures():
    missing = [vendor for vendor in VENDORS if not list((FIXTURES / vendor).glob("*.yaml"))]
    assert not missing, f"no fixtures for {missing}: run `{generate.REGENERATE} --vendor <vendor>`"


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_cassette_replays_with_vcrpy_through_requests(path: Path):
    """Every recorded request, made again with plain ``requests``, gets its recorded response from vcrpy (default
    matching: method and URL; identical requests get their responses in recorded order). vcrpy's optional ``body``
    matcher is left out: it raises on the deliberately malformed JSON body in hdp/errors.yaml."""
    vendor = path.parent.name
    interactions = cas.load(path)
    assert interactions and all(item.uri.startswith(RECORDED_BASES[vendor] + "/") for item in interactions)
    with vcr.use_cassette(str(path), record_mode="none") as recorded:
        for item in interactions:
            headers = {k: v for k, v in item.request_headers if k.lower() != "content-length"}
            response = requests.request(item.method, item.uri, headers=headers, data=item.request_body, timeout=5)
            assert response.status_code == item.status, item.uri
            assert response.content == item.response_body
            assert response.headers.get("Content-Type") == item.response_header("Content-Type")
            length = item.response_header("Content-Length")
            assert length is None or int(length) == len(item.response_body)  # redaction kept it right
        assert recorded.all_played


def test_shipped_cassettes_replay_through_the_replay_server():
    """``allowlist-emulator replay`` serves every shipped cassette: each recorded request gets its own response."""
    from urllib.parse import urlsplit

    from allowlist_emulator.recording.replay import Replayer
    from allowlist_emulator.server import EmulatorServer

    for path in CASSETTES:
        interactions = cas.load(path)
        with EmulatorServer(app=Replayer.from_files([path]).app()) as replaying:
            for index, item in enumerate(interactions):
                parts = urlsplit(item.uri)
                headers = {k: v for k, v in item.request_headers if k.lower() != "content-length"}
                target = f"{replaying.url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
                response = requests.request(item.method, target, headers=headers, data=item.request_body, timeout=5)
                assert response.headers["X-Allowlist-Replay"] == "hit", (path.name, index, response.text)
                assert (response.status_code, response.content) == (item.status, item.response_body), (path.name, index)
            assert requests.get(f"{replaying.url}/_replay", timeout=5).json()["all_played"], path.name
