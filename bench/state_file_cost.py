"""The cost of ``--state-file`` (SQLite): per write as the list grows, file size, start-up, throughput, and whether
reads wait for commits.

    python bench/state_file_cost.py [--sizes 0,1000,20000,100000] [--writes 300] [--dir DIR] [--json FILE]

Every figure comes from ``allowlist-emulator serve --vendor b2core`` run as its own process on a free loopback port,
driven by an aiohttp client in this process; B2Core lists are seeded with ``generate: N`` (``--seed 1``). The state
file goes to ``--dir`` (default: a temporary directory on the system's temp disk), so fsync costs are that disk's.

0. In-process, at each size: what saving one B2Core create costs on the event loop (finding the change) and on the
   writer thread (its transaction), without HTTP or a client sharing the CPU.
1. Per write, at each size: ``--writes`` sequential ``POST /b2core/addresses`` (a new policy each) over one keep-alive
   connection, with and without ``--state-file``; ms per acknowledged write (the first, the token request, is timed
   apart as ``first_write_ms``; ``serve`` saved the generated list at start-up).
2. File size after 1,000 writes at 20,000 entries (the database, its WAL and WAL index), against the size of the
   ``GET /_emulator/state`` export.
3. Start-up loading 100,000 entries: ``serve --state-file`` on the file step 1 left, to the first 200 of
   ``/_emulator/health`` (median of 3), against ``serve`` generating 100,000 entries without a state file (once).
4. Throughput, side by side in one run: 16 concurrent writers for ``--seconds`` against a 1,000-entry list, with and
   without ``--state-file``; meanwhile one reader sends ``GET /b2core/addresses?limit=1`` in a loop, and its latency
   (p50, p99) shows whether a commit holds up other requests: a commit runs on a writer thread, the loop serves on.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
CLIENT = "Basic " + base64.b64encode(b"b2core-client:b2core-secret").decode()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workdir: Path, size: int, state_file: Path | None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / f"config-{size}.json"
        config.write_text(json.dumps({"vendors": {"b2core": {"generate": size, "max_entries": 1_000_000}}}))
        self.args = [sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", str(self.port), "--vendor", "b2core",
                     "--seed", "1", "--config", str(config)]
        if state_file is not None:
            self.args += ["--state-file", str(state_file)]
        self.process: subprocess.Popen | None = None
        self.started_seconds = 0.0

    def __enter__(self) -> "Server":
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        started = time.perf_counter()
        self.process = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        import urllib.request

        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"serve exited: {self.process.stderr.read().decode()}")
            try:
                urllib.request.urlopen(self.url + "/_emulator/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.01)
        self.started_seconds = time.perf_counter() - started
        return self

    def __exit__(self, *exc) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(30)
        self.process.stderr.close()


async def token(session: aiohttp.ClientSession, url: str) -> dict:
    async with session.post(url + "/b2core/tokens", json={"grant_type": "client_credentials"}, headers={"Authorization": CLIENT}) as r:
        return {"Authorization": "Bearer " + (await r.json())["access_token"], "Content-Type": "application/json"}


def _body(i: int) -> bytes:
    return json.dumps({"ipAddress": f"198.{18 + i // 65536 % 2}.{i // 256 % 256}.{i % 256}", "policy": "allow"}).encode()


async def sequential_writes(url: str, writes: int, start: int = 0) -> dict:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
        started = time.perf_counter()
        headers = await token(session, url)  # the first write into the namespace: saves the generated list whole
        first = time.perf_counter() - started
        async with session.post(url + "/b2core/addresses", data=_body(start), headers=headers) as r:
            assert r.status == 201, await r.text()
        for i in range(start + 1, start + 21):  # warm-up
            async with session.post(url + "/b2core/addresses", data=_body(i), headers=headers) as r:
                assert r.status == 201
        times = []
        for i in range(start + 21, start + 21 + writes):
            t = time.perf_counter()
            async with session.post(url + "/b2core/addresses", data=_body(i), headers=headers) as r:
                assert r.status == 201, await r.text()
            times.append(time.perf_counter() - t)
    return {"first_write_ms": round(first * 1000, 2), "ms_per_write": round(statistics.mean(times) * 1000, 3),
            "p50_ms": round(statistics.median(times) * 1000, 3), "p99_ms": round(sorted(times)[int(len(times) * 0.99) - 1] * 1000, 3)}


async def export_bytes(url: str) -> int:
    async with aiohttp.ClientSession() as session:
        async with session.get(url + "/_emulator/state") as r:
            return len(await r.read())


async def burst(url: str, seconds: float, writers: int = 16) -> dict:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=writers + 1)) as session:
        headers = await token(session, url)
        stop = time.perf_counter() + seconds
        counter = iter(range(10_000_000))
        done = 0
        reads: list[float] = []

        async def write() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                async with session.post(url + "/b2core/addresses", data=_body(next(counter) + 200_000), headers=headers) as r:
                    assert r.status == 201, await r.text()
                done += 1

        async def read() -> None:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                async with session.get(url + "/b2core/addresses?limit=1", headers=headers) as r:
                    assert r.status == 200
                    await r.read()
                reads.append(time.perf_counter() - t)
                await asyncio.sleep(0.002)

        started = time.perf_counter()
        await asyncio.gather(read(), *(write() for _ in range(writers)))
        elapsed = time.perf_counter() - started
    reads.sort()
    return {"writes_per_second": round(done / elapsed, 1), "reads": len(reads),
            "read_p50_ms": round(reads[len(reads) // 2] * 1000, 2), "read_p99_ms": round(reads[int(len(reads) * 0.99) - 1] * 1000, 2)}


async def reads_alone(url: str, seconds: float) -> dict:
    async with aiohttp.ClientSession() as session:
        headers = await token(session, url)
        stop, reads = time.perf_counter() + seconds, []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            async with session.get(url + "/b2core/addresses?limit=1", headers=headers) as r:
                await r.read()
            reads.append(time.perf_counter() - t)
            await asyncio.sleep(0.002)
    reads.sort()
    return {"read_p50_ms": round(reads[len(reads) // 2] * 1000, 2), "read_p99_ms": round(reads[int(len(reads) * 0.99) - 1] * 1000, 2)}


def save_cost(work: Path, size: int, writes: int) -> dict:
    """In-process, without HTTP: a B2Core create, then what saving it costs on the event loop (finding the change,
    ``StateFile.changes``) and on the writer thread (the transaction, ``StateFile.commit``). ``first_save_ms``: the
    first save of a namespace seeded on first use with the generated list, which writes it whole."""
    sys.path.insert(0, str(ROOT / "src"))
    from allowlist_emulator.app import Emulator, Options

    emulator = Emulator(Options(vendors=("b2core",), seed=1, config={"vendors": {"b2core": {"generate": size, "max_entries": 1_000_000}}},
                                state_file=str(work / f"save-{size}.db")))
    try:
        namespace = emulator.store.namespace("bench")  # seeded on first use (the default one is saved at start-up)
        model = namespace.model("b2core")
        started = time.perf_counter()
        emulator.state_file.commit(emulator.state_file.changes(namespace, ("b2core",)))
        first = time.perf_counter() - started
        find, commit = [], []
        for i in range(writes):
            model.create({"ipAddress": f"198.18.{i // 256 % 256}.{i % 256}", "policy": "allow"}, namespace.clock.time())
            t0 = time.perf_counter()
            batch = emulator.state_file.changes(namespace, ("b2core",))
            t1 = time.perf_counter()
            emulator.state_file.commit(batch)
            find.append(t1 - t0)
            commit.append(time.perf_counter() - t1)
    finally:
        emulator.state_file.close()
    return {"first_save_ms": round(first * 1000, 1), "changes_p50_ms": round(statistics.median(find) * 1000, 3),
            "commit_p50_ms": round(statistics.median(commit) * 1000, 3), "commit_mean_ms": round(statistics.mean(commit) * 1000, 3)}


def files_bytes(state_file: Path) -> dict:
    sizes = {suffix or "db": (Path(f"{state_file}{suffix}").stat().st_size if Path(f"{state_file}{suffix}").exists() else 0)
             for suffix in ("", "-wal", "-shm")}
    sizes["total"] = sum(sizes.values())
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,1000,20000,100000")
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--dir", help="where the state files go (default: a temporary directory)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--skip", default="", help="comma list of parts to skip: save,per-write,size,startup,throughput")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    sizes = [int(s) for s in args.sizes.split(",")]
    result: dict = {"writes": args.writes}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        work = Path(tmp)
        if "save" not in skip:
            result["save"] = {}
            for size in sizes:
                row = result["save"][size] = save_cost(work, size, args.writes)
                print(f"{size:>7} entries, in-process: finding the change {row['changes_p50_ms']:.3f} ms, its commit "
                      f"{row['commit_p50_ms']:.3f} ms (p50); the first save of the generated list {row['first_save_ms']:.0f} ms", flush=True)
        if "per-write" not in skip:
            result["per_write"] = {}
            for size in sizes:
                row = {}
                with Server(work, size, None) as server:
                    row["without"] = asyncio.run(sequential_writes(server.url, args.writes))
                state_file = work / f"per-write-{size}.db"
                with Server(work, size, state_file) as server:
                    row["with"] = asyncio.run(sequential_writes(server.url, args.writes))
                row["file"] = files_bytes(state_file)
                result["per_write"][size] = row
                print(f"{size:>7} entries: {row['with']['ms_per_write']:.3f} ms/write with --state-file "
                      f"(p99 {row['with']['p99_ms']:.2f}), {row['without']['ms_per_write']:.3f} without; "
                      f"first write {row['with']['first_write_ms']:.0f} ms", flush=True)
            base = result["per_write"][sizes[0]]["with"]["ms_per_write"]
            top = result["per_write"][sizes[-1]]["with"]["ms_per_write"]
            result["largest_vs_empty"] = round(top / base, 2)
            print(f"  {sizes[-1]} entries vs {sizes[0]}: {result['largest_vs_empty']}x", flush=True)
        if "size" not in skip:
            state_file = work / "size-20000.db"
            with Server(work, 20000, state_file) as server:
                asyncio.run(sequential_writes(server.url, 1000 - 21))  # 1 + 20 warm-up + 979 = 1,000 writes
                export = asyncio.run(export_bytes(server.url))
                on_disk = files_bytes(state_file)
            result["size_after_1000_writes_at_20000"] = {"files": on_disk, "export_bytes": export,
                                                          "ratio": round(on_disk["total"] / export, 2)}
            print(f"file after 1,000 writes at 20,000 entries: {on_disk['total'] / 1e6:.2f} MB "
                  f"(db {on_disk['db'] / 1e6:.2f}, wal {on_disk['-wal'] / 1e6:.2f}, shm {on_disk['-shm'] / 1e6:.3f}); "
                  f"export {export / 1e6:.2f} MB: {on_disk['total'] / export:.2f}x", flush=True)
        if "startup" not in skip:
            state_file = work / "startup-100000.db"
            with Server(work, 100_000, state_file):
                pass  # serve saves the generated 100,000 policies of the default namespace at start-up
            loads = []
            for _ in range(3):
                with Server(work, 0, state_file) as server:
                    loads.append(server.started_seconds)
            with Server(work, 100_000, None) as server:
                generates = [server.started_seconds]
            result["startup_100000"] = {"load_seconds": round(statistics.median(loads), 3),
                                        "generate_seconds_without_state_file": round(statistics.median(generates), 3),
                                        "file": files_bytes(state_file)}
            print(f"start-up with 100,000 entries in the state file: {statistics.median(loads):.2f} s "
                  f"(generating them without one: {statistics.median(generates):.2f} s)", flush=True)
        if "throughput" not in skip:
            rows = {}
            with Server(work, 1000, None) as server:
                rows["reads_alone"] = asyncio.run(reads_alone(server.url, 3))
                rows["without"] = asyncio.run(burst(server.url, args.seconds))
            with Server(work, 1000, work / "throughput.db") as server:
                asyncio.run(sequential_writes(server.url, 1))
                rows["with"] = asyncio.run(burst(server.url, args.seconds))
            result["throughput_16_writers"] = rows
            for key in ("without", "with"):
                r = rows[key]
                print(f"16 writers, {key:>7} --state-file: {r['writes_per_second']:.0f} writes/s; a concurrent read "
                      f"p50 {r['read_p50_ms']} ms, p99 {r['read_p99_ms']} ms", flush=True)
            print(f"reads alone: p50 {rows['reads_alone']['read_p50_ms']} ms, p99 {rows['reads_alone']['read_p99_ms']} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
