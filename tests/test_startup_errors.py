"""A first hour's start-up mistakes, run as a user runs them (a separate process, real exit code and output): each is
exit 2 with one line naming the option, never a traceback (conventions.md)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from .support import free_port, serve_cli


def cli(*args: str, timeout: float = 60, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "allowlist_emulator.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def one_line_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    text = result.stderr.strip()
    assert "Traceback" not in result.stderr and result.stdout == "", result.stderr
    assert len(text.splitlines()) == 1, text
    for needle in needles:
        assert needle in text, text
    return text


def test_port_in_use_is_one_line_naming_the_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        text = one_line_error(serve_cli("--port", str(port)), f"--port {port}", "ddress already in use")
    assert "--port" in text and "0 picks a free one" in text


@pytest.mark.parametrize("value", ["99999", "-1", "http"])
def test_port_out_of_range(value):
    one_line_error(serve_cli("--port", value), "--port", value)


def test_state_file_in_a_missing_folder(tmp_path):
    missing = tmp_path / "no" / "such" / "state.jsonl"
    one_line_error(serve_cli("--port", str(free_port()), "--state-file", str(missing)), "--state-file", "does not exist")
    assert not missing.parent.exists()


@pytest.mark.parametrize("value", ["/", "b2", "/b2 core", ""])
def test_b2core_base_must_be_a_path_below_the_root(value):
    one_line_error(serve_cli("--port", str(free_port()), "--b2core-base", value), "--b2core-base")


def test_missing_config_file_is_exit_2_like_a_bad_value(tmp_path):
    one_line_error(serve_cli("--port", str(free_port()), "--config", str(tmp_path / "missing.yaml")),
                   "--config", "missing.yaml", "No such file")
    bad = tmp_path / "bad.yaml"
    bad.write_text("vendors: [\n")
    one_line_error(serve_cli("--port", str(free_port()), "--config", str(bad)), "--config", "not YAML")


def test_empty_vendor_is_refused():
    one_line_error(serve_cli("--port", str(free_port()), "--vendor", ""), "--vendor", "names no vendor")
    one_line_error(serve_cli("--port", str(free_port()), "--vendor", "hdp,nope"), "--vendor", "nope")


def test_host_and_port_help_show_their_defaults():
    result = cli("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "--host HOST address to listen on (default 127.0.0.1" in text
    assert "--port PORT port to listen on (default 8080" in text
    assert "--body-timeout SECONDS" in text and "(default 30)" in text


@pytest.mark.parametrize("content, needle", [
    ("hello: world\n", "not a VCR.py cassette"),
    ("interactions: [1]\nversion: 1\n", "not a VCR.py cassette"),
    ("a: [\n", "not a VCR.py cassette"),
    (b"\x9c\x00\xff", "codec can't decode"),
])
def test_replay_of_a_file_that_is_no_cassette(tmp_path, content, needle):
    path = tmp_path / "not-a-cassette.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    one_line_error(cli("replay", "--cassette", str(path), "--port", "0"), f"--cassette {path}", needle)


def test_replay_of_a_missing_file_or_unknown_shipped_name(tmp_path):
    one_line_error(cli("replay", "--cassette", str(tmp_path / "none.yaml"), "--port", "0"), "no such file")
    text = one_line_error(cli("replay", "--cassette", "hdp/nope", "--port", "0"), "--cassette hdp/nope")
    assert "tenant_whitelists" in text  # the shipped ones are listed


def test_replay_names_a_shipped_cassette(tmp_path):
    """``replay --cassette hdp/tenant_whitelists`` serves the cassette shipped in the package, from any folder."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "replay", "--cassette",
                                "hdp/tenant_whitelists", "--port", str(port)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = process.stdout.readline()
        assert "serving" in line and "hdp/tenant_whitelists" in line, (line, process.poll())
        status = requests.get(f"http://127.0.0.1:{port}/_replay", timeout=5).json()
        assert status and "tenant_whitelists" in str(status)
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_pytest_credentials_file_missing_is_one_error(pytester):
    pytester.makepyfile(test_two="""
        def test_a(allowlist_emulator):
            pass

        def test_b(allowlist_emulator):
            pass
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--allowlist-credentials=/missing.yaml")
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert output.count("--allowlist-credentials /missing.yaml: No such file or directory") == 1, output
    assert "test_a" not in output and "Traceback" not in output


pytest_plugins = ("pytester",)


def test_a_good_start_still_works():
    """The checks above refuse bad start-ups only: the defaults, port 0 included, still serve."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port),
                                "--b2core-base", "/api/v2/"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.time() + 30
        while time.time() < deadline and "control plane" not in process.stdout.readline():
            pass
        health = requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=5).json()
        assert health["bases"]["b2core"] == "/api/v2"
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_the_in_process_fixture_quiets_malformed_http(pytester):
    """The pytest fixture's emulator has serve's log filter: a client's malformed request is one WARNING line, not an
    aiohttp ERROR with a traceback in the user's test output."""
    pytester.makepyfile(test_malformed="""
        import logging, socket, urllib.parse, urllib.request

        def test_nul_in_a_header(allowlist_emulator, caplog):
            caplog.set_level(logging.WARNING, logger="aiohttp.server")
            address = urllib.parse.urlsplit(allowlist_emulator.url)
            with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
                sock.sendall(b"GET /api/admin/security/whitelist/tenants HTTP/1.1\\r\\nHost: x\\r\\nX-A: a\\x00b\\r\\n\\r\\n")
                assert sock.recv(64).startswith(b"HTTP/1.0 400")
            urllib.request.urlopen(allowlist_emulator.url + "/_emulator/health").read()
            records = [r for r in caplog.records if r.name == "aiohttp.server"]
            assert records and all(r.levelno == logging.WARNING and not r.exc_info for r in records)
            assert "malformed HTTP, answered 400" in records[0].getMessage()
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)
