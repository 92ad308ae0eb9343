"""Issue 24's control-plane findings (2, 3, 6, 9) as figures: each probe prints what the emulator answered.

    python bench/hostile_control.py [--port 20200] [--only clock,restore,numbers,memory,config,record]

Starts its own ``serve`` (and ``record``/``replay``) processes on ``--port`` and the next few ports; stops them.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

EXE = str(Path(sys.executable).with_name("allowlist-emulator"))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, port: int, *args: str):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([EXE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            _out, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _out, err = self.proc.communicate()
        return err


def serve(port: int, *extra: str) -> Server:
    return Server(port, "serve", "--port", str(port), *extra)


def show(label: str, response: requests.Response) -> None:
    text = response.text.replace("\n", " ")
    print(f"  {label:58} -> {response.status_code} {text[:150]}")


def clock(port: int) -> None:
    print("finding 2: the clock")
    with tempfile.TemporaryDirectory() as folder:
        state = os.path.join(folder, "state.db")
        server = serve(port, "--state-file", state)
        u = server.url + "/_emulator"
        show('POST /clock {"set":"9999-12-31T23:59:58Z"}', requests.post(u + "/clock", json={"set": "9999-12-31T23:59:58Z"}))
        time.sleep(2.2)
        show("GET /state two seconds later", requests.get(u + "/state"))
        show("GET /clock", requests.get(u + "/clock"))
        server.stop()
        again = serve(port, "--state-file", state)
        print(f"  restart on that --state-file: {'starts' if again.alive() else 'refuses: ' + again.stop().strip()[-120:]}")
        again.stop()
    server = serve(port)
    u = server.url + "/_emulator"
    codes = []
    for _ in range(90):
        codes.append(requests.post(u + "/clock", json={"advance": 3153600000}).status_code)
    print(f"  90 x POST /clock {{advance: 3153600000}}: statuses {sorted(set(codes))}; then GET /clock -> "
          f"{requests.get(u + '/clock').status_code}")
    requests.post(u + "/reset")
    for value in (1e300, "nan", "inf"):
        response = requests.put(u + "/state", data=json.dumps({"clock": {"offset": value}, "vendors": {"talend": {}}}))
        show(f'PUT /state {{"clock":{{"offset":{value!r}}},"vendors":{{"talend":{{}}}}}}', response)
        print(f"    then GET /clock -> {requests.get(u + '/clock').status_code}; offset "
              f"{requests.get(u + '/clock').json().get('offset', '?') if requests.get(u + '/clock').ok else '?'}")
        requests.post(u + "/reset")
    server.stop()


def restore(port: int) -> None:
    print("finding 3: PUT /_emulator/state")
    server = serve(port, "--vendor", "hdp")
    u = server.url
    for body in ({"a": 1}, {"vendors": {}}, {"vendor": {"hdp": {}}}, {"vendors": {"hdp": "x"}}, [1],
                 {"vendors": {"hdp": {"users": 5}}}, {"vendors": {"hdp": {"tenants": "ab"}}}):
        requests.post(u + "/_emulator/reset")
        state = requests.get(u + "/_emulator/state").json()
        state["vendors"]["hdp"]["filtering"] = "false"  # a change the restore below must keep when it refuses
        requests.put(u + "/_emulator/state", json=state)
        before = requests.get(u + "/_emulator/state").json()
        response = requests.put(u + "/_emulator/state", data=json.dumps(body))
        after = requests.get(u + "/_emulator/state").json()
        show(f"PUT /state {json.dumps(body)}", response)
        print(f"    stored change kept: {after['vendors']['hdp']['filtering'] == before['vendors']['hdp']['filtering'] == 'false'}")
    server.stop()


def numbers(port: int) -> None:
    print("finding 9: control-plane numbers")
    server = serve(port)
    u = server.url + "/_emulator"
    for path in ("/requests?limit=%C2%B2", "/requests?status=%C2%B2", "/requests?limit=" + "9" * 5000,
                 "/requests/%C2%B2", "/requests/" + "9" * 5000, "/requests?limit=-1", "/requests?status=99999999999999999999"):
        show("GET /_emulator" + path[:60], requests.get(u + path))
    server.stop()
    with tempfile.TemporaryDirectory() as folder:
        nested = os.path.join(folder, "nested.yaml")
        Path(nested).write_text("{\"a\":" * 100_000 + "1" + "}" * 100_000)
        result = subprocess.run([EXE, "serve", "--port", str(port), "--config", nested], capture_output=True, text=True, timeout=120)
        lines = result.stderr.strip().splitlines()
        print(f"  --config nested 100,000 levels: exit {result.returncode}, {len(lines)} stderr lines, "
              f"traceback: {'Traceback' in result.stderr}; last: {lines[-1][:150] if lines else ''}")


def record(port: int) -> None:
    print("finding 9: record and an absolute-form request target")
    with tempfile.TemporaryDirectory() as folder:
        target = serve(port, "--vendor", "hdp")
        recorder = Server(port + 1, "record", "hdp", "--target", target.url, "--cassette", os.path.join(folder, "c.yaml"),
                          "--port", str(port + 1), "--no-drift")
        with socket.create_connection(("127.0.0.1", port + 1)) as sock:
            sock.sendall(f"GET http://127.0.0.1:{port + 1}/_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        print(f"  GET http://127.0.0.1:{port + 1}/_emulator/health HTTP/1.1 to record -> {data.splitlines()[0].decode() if data else '(nothing)'}")
        recorder.stop()
        target.stop()


def _rate(url: str, headers: dict, seconds: float = 2.0) -> float:
    session = requests.Session()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        session.get(url, headers=headers)
        count += 1
    return count / (time.perf_counter() - start)


def memory(port: int) -> None:
    print("finding 6: memory")
    server = serve(port)
    pid = server.proc.pid
    before = rss_mb(pid)
    headers = {f"X-Pad-{i}": "x" * 7900 for i in range(120)}
    session = requests.Session()
    codes = set()
    for _ in range(1100):
        codes.add(session.get(server.url + "/_emulator/health", headers={}).status_code)
        codes.add(session.get(server.url + "/api/admin/security/whitelist/system", headers=headers).status_code)
    print(f"  journal: 1,100 requests with 120 headers of 7.9 KB: RSS {before:.0f} -> {rss_mb(pid):.0f} MB (statuses {sorted(codes)})")
    server.stop()

    server = serve(port)
    pid = server.proc.pid
    before = rss_mb(pid)
    statuses = set()
    big = _big_state(server.url)
    for i in range(200):
        statuses.add(requests.put(server.url + "/_emulator/state", data=big, headers={"X-Emulator-Namespace": f"n{i}"}).status_code)
    print(f"  200 namespaces restored from a {len(big) / 1048576:.2f} MiB body: RSS {before:.0f} -> {rss_mb(pid):.0f} MB "
          f"(statuses {sorted(statuses)})")
    server.stop()

    server = serve(port, *(["--max-faults", "20000"] if "--max-faults" in subprocess.run(
        [EXE, "serve", "--help"], capture_output=True, text=True).stdout else []))
    u = server.url
    ns = {"X-Emulator-Namespace": "reader"}
    read = u + "/api/admin/security/whitelist/system"
    ns["Authorization"] = "Basic ZDJjYWRtaW46ZDJjYWRtaW4="  # d2cadmin:d2cadmin
    base = sorted(_rate(read, ns, 1.5) for _ in range(3))[1]  # the median of three: the machine is shared
    added, statuses = 0, set()
    for n in range(5):
        for _chunk in range(20):
            response = requests.post(u + "/_emulator/faults", headers={"X-Emulator-Namespace": f"f{n}"},
                                     json=[{"vendor": "hdp", "status": 500, "probability": 0.0}] * 1000)
            statuses.add(response.status_code)
            added += len(response.json()) if response.status_code == 201 else 0
    loaded = sorted(_rate(read, ns, 1.5) for _ in range(3))[1]
    print(f"  fault rules: {added} rules in 5 other namespaces (statuses {sorted(statuses)}): reads {base:.0f} -> {loaded:.0f} req/s")
    server.stop()

    with tempfile.TemporaryDirectory() as folder:
        cassette = os.path.join(folder, "c.yaml")
        target = serve(port, "--vendor", "hdp")
        recorder = Server(port + 1, "record", "hdp", "--target", target.url, "--cassette", cassette, "--port", str(port + 1), "--no-drift")
        requests.get(f"http://127.0.0.1:{port + 1}/api/admin/security/whitelist/system", auth=("d2cadmin", "d2cadmin"))
        recorder.stop()
        target.stop()
        replay = Server(port + 2, "replay", "--cassette", cassette, "--port", str(port + 2))
        pid = replay.proc.pid
        before = rss_mb(pid)
        session = requests.Session()
        statuses = set()
        start = time.perf_counter()
        for i in range(12_000):
            statuses.add(session.get(f"http://127.0.0.1:{port + 2}/api/admin/security/whitelist/system", auth=("d2cadmin", "d2cadmin"), headers={"X-Emulator-Namespace": f"r{i}-" + "x" * 100}).status_code)
        print(f"  replay: 12,000 namespaces in {time.perf_counter() - start:.0f} s: RSS {before:.0f} -> {rss_mb(pid):.0f} MB (statuses {sorted(statuses)})")
        replay.stop()


def _big_state(url: str) -> str:
    """A PUT /_emulator/state body of ~1 MiB that the vendors accept: 5,500 B2Core policies."""
    state = requests.get(url + "/_emulator/state").json()
    stamp = "2026-01-01T00:00:00.000Z"
    state["vendors"]["b2core"]["policies"] = [
        {"addressId": f"{i:024x}", "ipAddress": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", "policy": "allow", "ttl": 0,
         "createTime": stamp, "updateTime": stamp} for i in range(5500)]
    return json.dumps(state)


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a bomb that still works stops at 4 GB


def config(port: int) -> None:
    print("finding 6: --config alias bomb")
    with tempfile.TemporaryDirectory() as folder:
        bomb = os.path.join(folder, "bomb.yaml")
        lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
        for level in range(1, 7):
            prev = f"*a{level - 1}"
            lines.append(f"a{level}: &a{level} [{', '.join([prev] * 9)}]")
        lines.append("vendors: {hdp: {clusters: *a6}}")
        Path(bomb).write_text("\n".join(lines) + "\n")
        start = time.perf_counter()
        try:
            result = subprocess.run(["/usr/bin/time", "-f", "%M", EXE, "serve", "--port", str(port), "--config", bomb],
                                    capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory)
            peak = result.stderr.strip().splitlines()[-1]
            print(f"  alias bomb (7 levels x 9, {os.path.getsize(bomb)} bytes): exit {result.returncode} in "
                  f"{time.perf_counter() - start:.1f} s, peak RSS {int(peak) / 1024:.0f} MB; "
                  f"{result.stderr.strip().splitlines()[0][:150]}")
        except subprocess.TimeoutExpired:
            print("  alias bomb: still running after 120 s")
        big = os.path.join(folder, "big.yaml")
        Path(big).write_text("journal_limit: 10\n" + "# " + "x" * (70 * 1024 * 1024) + "\n")
        server = serve(port, "--config", big)
        print(f"  a 70 MiB --config: {'served' if server.alive() else 'refused: ' + server.stop().strip()[:150]}")
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=20200)
    parser.add_argument("--only", default="clock,restore,numbers,record,memory,config")
    args = parser.parse_args()
    for name in args.only.split(","):
        globals()[name](args.port)


if __name__ == "__main__":
    main()
