"""The figures of issue 24's findings 1, 4, 7 and 8, probed against ``serve`` as an attacker on the same machine would:

    .venv/bin/python bench/hostile_probe.py            # ~15 s
    .venv/bin/python bench/hostile_probe.py --idle     # also how long idle connections stay open (~90 s)
    PYTHONPATH=/path/to/other/src .venv/bin/python bench/hostile_probe.py   # another tree (its specs beside its src)

Each server is ``python -m allowlist_emulator.cli serve`` on a free loopback port, defaults unless said. Prints:

- browser: the statuses of a cross-site form ``reset?all``, a ``text/plain`` clock change from another origin, reads
  with a foreign ``Host`` (DNS rebinding), and ``curl -d`` with no Content-Type and no Origin (which must stay 200);
- state file: what a second ``serve`` on the same ``--state-file`` does, and the modes of the files;
- connections (``--body-timeout 2``): seconds until the server closed a connection stuck mid-headers and one with a
  slow sign-in body; with ``--idle``, a silent one and one idle after a request (up to 90 s);
- secrets: occurrences of a client secret sent seven ways in each journal view, of a Basic credential in the
  malformed-HTTP log line, and whether ``ALLOWLIST_EMULATOR_ADMIN_TOKEN`` is honoured.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
import time

import requests

SECRET = "S3cr3t-probe-qqqqqqqqqqqq"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(*extra: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            requests.get(url + "/_emulator/health", timeout=0.5)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    return proc, url


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.terminate()
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err.decode("utf-8", "replace")


def browser(url: str) -> dict:
    evil = "https://evil.example"
    return {
        "cross-site form reset?all": requests.post(url + "/_emulator/reset?all=true", data="a=b", timeout=10, headers={
            "Origin": evil, "Content-Type": "application/x-www-form-urlencoded"}).status_code,
        "text/plain clock from another origin": requests.post(url + "/_emulator/clock", data='{"advance": 1}', timeout=10,
                                                              headers={"Origin": evil, "Content-Type": "text/plain"}).status_code,
        "GET /state with a foreign Host": requests.get(url + "/_emulator/state", headers={"Host": "evil.example"}, timeout=10).status_code,
        "GET /ui with a foreign Host": requests.get(url + "/_emulator/ui", headers={"Host": "evil.example"}, timeout=10).status_code,
        "curl -d, no Content-Type, no Origin": requests.post(url + "/_emulator/clock", data=b'{"advance": 1}', timeout=10).status_code,
    }


def secrets_in_views(url: str) -> dict:
    ns = {"X-Emulator-Namespace": "probe"}
    sends = [
        dict(data=json.dumps({"client_id": "x", "client_secret": SECRET, "pad": "x" * 5000}), headers={"Content-Type": "application/json"}),
        dict(data=f"client_id=x&client_secret={SECRET}", headers={"Content-Type": "application/x-www-form-urlencoded"}),
        dict(data=json.dumps({"client_id": "x", "client_secret": SECRET}), headers={"Content-Type": "text/plain"}),
        dict(data=json.dumps({"client-secret": SECRET, "clientSecret": SECRET}), headers={"Content-Type": "application/json"}),
        dict(headers={"X-Client-Secret": SECRET}),
        dict(params={"access_token": SECRET}),
    ]
    for kwargs in sends:
        kwargs["headers"] = {**kwargs.get("headers", {}), **ns}
        requests.post(url + "/b2core/tokens", timeout=10, **kwargs)
    found = {}
    for view in ("/_emulator/requests", "/_emulator/requests?redact=true"):
        found[view] = requests.get(url + view, headers=ns, timeout=10).text.count(SECRET)
    entries = requests.get(url + "/_emulator/requests?redact=true", headers=ns, timeout=10).json()["requests"]
    found["/_emulator/requests/<seq>, all"] = sum(
        requests.get(f"{url}/_emulator/requests/{e['seq']}", headers=ns, timeout=10).text.count(SECRET) for e in entries)
    with socket.create_connection((url.split("//")[1].split(":")[0], int(url.rsplit(":", 1)[1])), timeout=10) as sock:
        sock.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nAuthorization : Basic {SECRET}\r\n\r\n".encode())
        sock.recv(1000)
    return found


def state_file() -> dict:
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "state.db")
    first, _ = start("--vendor", "hdp", "--state-file", path)
    second, _ = start("--vendor", "hdp", "--state-file", path)
    time.sleep(1.0)
    running = second.poll() is None
    err = stop(second).strip()
    modes = {name: oct(stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode)) for name in sorted(os.listdir(folder))}
    stop(first)
    return {"second serve": "still running (both serve the file)" if running else f"exit {second.returncode}: {err}",
            "modes": modes}


def connections(idle: bool) -> dict:
    proc, url = start("--vendor", "hdp", "--body-timeout", "2")
    port = int(url.rsplit(":", 1)[1])

    def connect(data: bytes) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(data)
        sock.settimeout(0.01)
        return sock

    def closed(sock: socket.socket) -> bool:
        try:
            while True:
                if not sock.recv(65536):
                    return True
        except socket.timeout:
            return False
        except ConnectionError:
            return True

    socks = {"mid-headers": connect(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: "),
             "slow sign-in body": connect(b"POST /_emulator/ui/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                          b"application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntoken=ab")}
    if idle:
        socks["silent"] = connect(b"")
        socks["idle after a request"] = connect(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    limit = 90 if idle else 10
    started, done = time.time(), {}
    while time.time() - started < limit and len(done) < len(socks):
        for name, sock in socks.items():
            if name not in done and closed(sock):
                done[name] = round(time.time() - started, 1)
        time.sleep(0.25)
    stop(proc)
    return {name: done.get(name, f"open after {limit} s") for name in socks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", action="store_true", help="also time idle connections (up to 90 s)")
    args = parser.parse_args()
    proc, url = start()
    try:
        print("browser (1):", browser(url), flush=True)
        print("secrets in journal views (8):", secrets_in_views(url), flush=True)
    finally:
        log = stop(proc)
    print("log lines with the Basic credential (8):", sum(SECRET in line for line in log.splitlines()), flush=True)
    print("state file (4):", state_file(), flush=True)
    print("seconds until closed, --body-timeout 2 (7):", connections(args.idle), flush=True)
    env = {**os.environ, "ALLOWLIST_EMULATOR_ADMIN_TOKEN": "probe-admin-token"}
    proc, url = start("--vendor", "hdp", env=env)
    try:
        print("ALLOWLIST_EMULATOR_ADMIN_TOKEN honoured (8):",
              requests.get(url + "/_emulator/health", timeout=10).status_code == 401, flush=True)
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
