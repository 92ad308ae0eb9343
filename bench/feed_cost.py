"""What the dashboard's live feed costs the request path: req/s with no subscriber, one that reads, one that never reads.

    .venv/bin/python bench/feed_cost.py [--seconds 5] [--rounds 3] [--connections 16] [--json FILE]
    .venv/bin/python bench/feed_cost.py --stalled 200 [--seconds 5] [--rounds 3]

The emulator runs as its own process (``allowlist-emulator serve`` on a free loopback port). The load is HDP's GET of
tenant 2's whitelist (three ranges) in namespace ``bench``, from the asyncio generator in ``loadgen.py`` (wrk when on
PATH). Three cases, interleaved round by round so that drift on this shared machine hits each alike:

- ``none``: nobody subscribed (the request path pays one ``if`` on an empty list);
- ``reading``: one ``GET /_emulator/events?namespace=bench`` stream read as fast as it comes (a thread here);
- ``stalled``: one such stream on a socket that is never read (4 KiB receive buffer): its queue fills, then drops.

``--settle S`` runs S seconds of load, not measured, between opening the streams and the measured load: each stalled
stream then has filled its bounded buffers (a one-time cost of a few hundred KiB of writes) and the measure is the
steady state. ``--stalled N`` compares instead ``none`` with ``stalled-N``: N such never-read streams at once (the hardening goal:
reads with 200 stalled subscribers at least 90 % of reads with none). Subscribers past the server's bound
(``--max-feeds``) are refused with 503 and cost nothing after that; the script counts how many were accepted.

Also prints the server's CPU time per request (user + system, from /proc), which other work on a shared machine
moves far less than req/s; ``none/stalled`` of it is the throughput ratio the server itself allows.

Prints req/s and p99 per round and each case's best round; ``--json`` keeps every round. ``--micro`` measures instead
the journal's own cost per request in-process (``Journal.record``, 200,000 calls each): the entry alone (as before the
dashboard), plus the kept details, plus one subscriber, plus one or 200 stalled subscribers.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from loadgen import Load, run  # noqa: E402

AUTH = {"Authorization": "Basic " + base64.b64encode(b"d2cadmin:d2cadmin").decode(), "X-Emulator-Namespace": "bench"}
PATH = "/api/admin/security/whitelist/tenants/2"
WHITELIST = {"managementAPI": [{"startAddress": "10.0.0.1", "endAddress": "10.0.0.9"}, {"startAddress": "10.1.0.1"},
                               {"startAddress": "192.168.1.1", "endAddress": "192.168.1.200"}]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(extra: list[str] = ()) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(port), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=HERE.parent)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(url + "/_emulator/health", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    response = requests.put(url + PATH, json=WHITELIST, headers=AUTH, timeout=5)
    if response.status_code == 404:
        response = requests.post(url + PATH, json=WHITELIST, headers=AUTH, timeout=5)
    assert response.status_code in (200, 201), response.text
    return proc, url


class Reader:
    """A feed read as fast as it comes, counting the events it got."""

    def __init__(self, url: str):
        self.events = 0
        self.response = requests.get(url + "/_emulator/events", params={"namespace": "bench"}, stream=True, timeout=30)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for line in self.response.iter_lines():
                if line.startswith(b"event: request"):
                    self.events += 1
        except Exception:  # closed by stop()
            pass

    def stop(self) -> None:
        self.response.close()


class Stalled:
    def __init__(self, url: str):
        port = int(url.rsplit(":", 1)[1])
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(b"GET /_emulator/events?namespace=bench HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")

    def stop(self) -> None:
        self.sock.close()


class ManyStalled:
    """N stalled streams at once; ``accepted`` counts those the server answered 200 (the rest were refused)."""

    def __init__(self, url: str, count: int):
        self.streams = [Stalled(url) for _ in range(count)]
        time.sleep(0.5)
        self.accepted = 0
        for stream in self.streams:
            stream.sock.settimeout(2)
            try:
                head = stream.sock.recv(64)
            except OSError:
                head = b""
            self.accepted += head.startswith(b"HTTP/1.1 200")

    def stop(self) -> None:
        for stream in self.streams:
            stream.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc): what the server spent, whatever else runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def micro(calls: int = 200_000) -> None:
    import asyncio

    sys.path.insert(0, str(HERE.parent / "src"))
    from multidict import CIMultiDict, CIMultiDictProxy

    from allowlist_emulator.engine.journal import Journal

    headers = CIMultiDictProxy(CIMultiDict({"Authorization": "Basic x", "Host": "127.0.0.1", "Accept": "*/*"}))
    answer = CIMultiDict({"Content-Type": "application/json"})
    body = b'{"managementAPI": []}'

    def timed(journal: Journal, details: bool, reader=None) -> float:
        record = journal.record
        started = time.perf_counter()
        for n in range(calls):
            if details:
                record("bench", "hdp", "getTenantWhitelist", "GET", "/api/x", "", 200, 1.0, "127.0.0.1", b"", headers, answer, body)
            else:
                record("bench", "hdp", "getTenantWhitelist", "GET", "/api/x", "", 200, 1.0, "127.0.0.1", b"")
            if reader is not None and n % 64 == 0:
                journal.take(reader, 200)
        return (time.perf_counter() - started) / calls * 1e6

    async def cases() -> None:
        results = {"entry only (before)": timed(Journal(), False), "entry + details": timed(Journal(), True)}
        journal = Journal()
        reader = journal.subscribe("bench")
        results["+ 1 subscriber (read)"] = timed(journal, True, reader)
        journal = Journal()
        journal.subscribe("bench")
        results["+ 1 stalled subscriber"] = timed(journal, True)
        journal = Journal(max_feeds=200)
        for _ in range(200):
            journal.subscribe("bench")
        results["+ 200 stalled subscribers"] = timed(journal, True)
        journal = Journal()
        journal.subscribe("other")
        results["+ 1 subscriber, other namespace"] = timed(journal, True)
        for name, micros in results.items():
            print(f"{name:34} {micros:6.2f} us per request")

    asyncio.run(cases())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json")
    parser.add_argument("--micro", action="store_true")
    parser.add_argument("--settle", type=float, default=0.0, metavar="S",
                        help="seconds of unmeasured load after the streams connect, so that each stalled stream has "
                             "filled its bounded buffers before the measured load (the steady state)")
    parser.add_argument("--max-feeds", type=int, help="the server's --max-feeds (default: its own)")
    parser.add_argument("--stalled", type=int, default=0, metavar="N", help="compare none with N stalled streams at once")
    args = parser.parse_args()
    if args.micro:
        micro()
        return
    cases = ("none", f"stalled-{args.stalled}") if args.stalled else ("none", "reading", "stalled")
    proc, url = start_server(["--max-feeds", str(args.max_feeds)] if args.max_feeds else [])
    load = Load("GET", url + PATH, headers=AUTH)
    rounds = []
    try:
        run(load, args.connections, 1.0)  # warm-up
        many = f"stalled-{args.stalled}"
        for index in range(args.rounds):
            for case in cases:
                watcher = (Reader(url) if case == "reading" else Stalled(url) if case == "stalled"
                           else ManyStalled(url, args.stalled) if case == many else None)
                time.sleep(0.2)
                if args.settle and watcher is not None:
                    run(load, args.connections, args.settle)
                cpu = cpu_seconds(proc.pid)
                result = run(load, args.connections, args.seconds)
                cpu = cpu_seconds(proc.pid) - cpu
                events = getattr(watcher, "events", None)
                accepted = getattr(watcher, "accepted", None)
                if watcher is not None:
                    watcher.stop()
                time.sleep(0.3)
                row = {"round": index + 1, "case": case, "rps": round(result["rps"]), "p99_ms": round(result["p99_ms"], 2),
                       "errors": result["errors"], "tool": result["tool"],
                       "server_cpu_us_per_request": round(cpu / max(result["requests"], 1) * 1e6, 1)}
                if events is not None:
                    row["events_read"] = events
                if accepted is not None:
                    row["accepted"] = accepted
                rounds.append(row)
                print(f"round {index + 1} {case:8} {row['rps']:>7,} req/s  p99 {row['p99_ms']:6.2f} ms  "
                      f"server CPU {row['server_cpu_us_per_request']:6.1f} us/request"
                      + (f"  ({events:,} events read)" if events is not None else "")
                      + (f"  ({accepted} of {args.stalled} streams accepted)" if accepted is not None else ""), flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
    best = {case: max((r for r in rounds if r["case"] == case), key=lambda r: r["rps"]) for case in cases}
    print("best rounds: " + ", ".join(f"{case} {row['rps']:,} req/s" for case, row in best.items()) + "; "
          + ", ".join(f"{case}/none {best[case]['rps'] / best['none']['rps']:.0%}" for case in cases[1:]))
    cheapest = {case: min(r["server_cpu_us_per_request"] for r in rounds if r["case"] == case) for case in cases}
    print("server CPU per request (least of the rounds; steadier than req/s on a shared machine): "
          + ", ".join(f"{case} {us:.1f} us" for case, us in cheapest.items()) + "; "
          + ", ".join(f"none/{case} {cheapest['none'] / cheapest[case]:.0%}" for case in cases[1:]))
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": rounds, "best": best, "load": os.getloadavg()}, indent=2) + "\n")


if __name__ == "__main__":
    main()
