"""What choosing the namespace by URL (``/_ns/<name>/...``) costs a request, against the header form.

    .venv/bin/python bench/url_namespace_cost.py                       # 4 scenarios x 5 rounds x 2 forms x 4 s, ~3 minutes
    .venv/bin/python bench/url_namespace_cost.py --scenarios read-hdp --rounds 3 --duration 2
    .venv/bin/python bench/url_namespace_cost.py --instructions        # instructions per request (valgrind), ~5 minutes
    .venv/bin/python bench/url_namespace_cost.py --instructions --against /path/to/other/src  # the header form there too
    .venv/bin/python bench/url_namespace_cost.py --instructions --under-load 15   # under wrk -c16, as bench/run.py loads

**Instructions** (``--instructions``): the server runs under valgrind's callgrind, which counts the instructions it
executes (at ``PYTHONHASHSEED=0``): two runs on a quiet machine agree to within about 1 % (3,500 instructions in
620,000), where req/s and CPU seconds move by ±20 % here. Run it on a quiet machine all the same: under a concurrent
load the counts moved by up to 7 %, since how often the event loop wakes follows the timing. Per scenario: N sequential keep-alive requests of each form,
twice, the counter zeroed before and read after each batch; shown per request. ``--against SRC`` runs another source
tree's server the same way (the header form only): what every request without the prefix paid before and pays now.
Three forms are counted: ``plain`` (no header, the default namespace: what bench/run.py's ``emulator`` row sends),
``header`` and ``url`` (both in namespace ``bench``). ``--under-load SECONDS``: each batch is SECONDS of wrk at
``--connections`` (16) instead (bench/run.py's load; the event loop then serves several requests per wake-up, so every figure
is lower), divided by the requests wrk counted.

One emulator process per scenario (bench/run.py's scenarios, setup and load generator). Both forms use the same
namespace, ``bench``: the header form sends ``X-Emulator-Namespace: bench`` to the plain path, the URL form sends
``/_ns/bench`` + the path and no header. Rounds alternate header, URL, header, URL ... in the same process, so a
neighbour's burst on this shared machine hits both forms alike. Per form: req/s of its best round (as bench/run.py)
and the median p50 and p99 over its rounds; then, per round, the server's own CPU time (utime + stime from
/proc) per request over sequential keep-alive requests: the figure a loaded machine disturbs least. Requests without the prefix never reach the ``/_ns/`` route, so the
header form's figures are also what every request paid before the URL form existed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loadgen  # noqa: E402
import run  # noqa: E402

NAMESPACE = "bench"
HEADER = {"X-Emulator-Namespace": NAMESPACE}
PREFIX = f"/_ns/{NAMESPACE}"


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process: what it spent, whatever the neighbours did to the wall clock."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_per_request(port: int, pid: int, method: str, path: str, headers: dict, body: str | None, n: int, base: int) -> float:
    """Server CPU µs per request over ``n`` sequential keep-alive requests."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        before = cpu_seconds(pid)
        for i in range(n):
            data = body.replace("{n}", loadgen.counter_ip(base + i)).encode() if body else None
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                raise RuntimeError(f"{method} {path} → {response.status}")
        return (cpu_seconds(pid) - before) / n * 1e6
    finally:
        conn.close()


def measure(sc: run.Scenario, rounds: int, duration: float, warmup: float, connections: int, tool: str,
            cpu_requests: int) -> dict:
    cmd, env = run.emulator_cmd()
    server = run.Server("emulator", cmd, env)
    auth = {k: v for k, v in sc.headers.items() if k != "Content-Type"}
    forms = {"header": ("", {**sc.headers, **HEADER}), "url": (PREFIX, dict(sc.headers))}
    results: dict[str, list[dict]] = {"header": [], "url": []}
    try:
        server.start(sc.ready, auth)
        for method, path, body in sc.setup:  # once, into the namespace both forms use
            status, text, _ = run.request(server.port, method, path, {**auth, **run.JSON, **HEADER}, body)
            if status >= 300:
                raise RuntimeError(f"setup {method} {path} → {status} {text[:200]!r}")
        base = f"http://127.0.0.1:{server.port}"
        counter = 0
        for form, (prefix, headers) in forms.items():  # warm both up
            counter += 1_000_000
            loadgen.run(loadgen.Load(sc.method, base + prefix + sc.path, headers, sc.body, counter), connections, warmup, tool)
        for _ in range(rounds):
            for form, (prefix, headers) in forms.items():
                counter += 1_000_000  # write-codearts: a fresh address range each round
                load = loadgen.Load(sc.method, base + prefix + sc.path, headers, sc.body, counter)
                row = loadgen.run(load, connections, duration, tool)
                counter += 1_000_000
                row["cpu_us"] = cpu_per_request(server.port, server.proc.pid, sc.method, prefix + sc.path, headers,
                                                sc.body, cpu_requests, counter)
                results[form].append(row)
        status, _, _ = run.request(server.port, sc.method, PREFIX + sc.path, sc.headers,
                                   sc.body.replace("{n}", "192.0.2.250") if sc.body else None)
    finally:
        server.stop()
    out: dict = {"scenario": sc.key, "title": sc.title, "url_form_status": status}
    for form, rows in results.items():
        out[form] = {
            "rps": max(r["rps"] for r in rows),
            "p50_ms": statistics.median(r["p50_ms"] for r in rows),
            "p99_ms": statistics.median(r["p99_ms"] for r in rows),
            "errors": sum(r["errors"] for r in rows),
            "cpu_us": statistics.median(r["cpu_us"] for r in rows),
            "rounds": rows,
        }
    return out


def callgrind_total(folder: Path, pid: int, label: str) -> int:
    """Dump the counters of the server under callgrind as ``label``; the instructions since they were last zeroed."""
    subprocess.run(["callgrind_control", "-d", label, str(pid)], capture_output=True, check=True)
    dumps = sorted(folder.glob(f"callgrind.out.{pid}.*"), key=lambda f: f.stat().st_mtime_ns)
    for line in dumps[-1].read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dumps[-1]}")


def instructions(sc: run.Scenario, src: Path, forms: tuple[str, ...], n: int, rounds: int = 2,
                 load_s: float | None = None, connections: int = 16) -> dict[str, float]:
    """Instructions per request of each form, the median of ``rounds`` batches of ``n`` sequential requests; with
    ``load_s``, of batches of ``load_s`` seconds of wrk at ``connections`` connections (bench/run.py's load), divided
    by the requests wrk counted."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")])),
                   PYTHONHASHSEED="0")  # one layout of every str-keyed dict from run to run
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/callgrind.out.%p",
               sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", "{port}"]
        server = run.Server("emulator under callgrind", cmd, env)
        auth = {k: v for k, v in sc.headers.items() if k != "Content-Type"}
        results: dict[str, list[float]] = {form: [] for form in forms}
        try:
            server.start(sc.ready, auth, timeout=600)
            pid = server.proc.pid
            for method, path, body in sc.setup:  # into namespace bench, and into the default one for "plain"
                for extra in (HEADER, {}):
                    run.request(server.port, method, path, {**auth, **run.JSON, **extra}, body, timeout=120)
            paths = {"plain": (sc.path, dict(sc.headers)), "header": (sc.path, {**sc.headers, **HEADER}),
                     "url": (PREFIX + sc.path, dict(sc.headers))}
            counter = 0
            for form in forms:  # warm: caches filled, first-use paths taken
                counter += 100_000
                cpu_per_request(server.port, pid, sc.method, paths[form][0], paths[form][1], sc.body, 200, counter)
            for _ in range(rounds):
                for form in forms:
                    counter += 100_000
                    subprocess.run(["callgrind_control", "-z", str(pid)], capture_output=True, check=True)
                    if load_s is None:
                        cpu_per_request(server.port, pid, sc.method, paths[form][0], paths[form][1], sc.body, n, counter)
                        done = n
                    else:
                        load = loadgen.Load(sc.method, f"http://127.0.0.1:{server.port}" + paths[form][0],
                                            paths[form][1], sc.body, counter)
                        done = loadgen.run(load, connections, load_s, "wrk")["requests"]
                    results[form].append(callgrind_total(folder, pid, form) / max(done, 1))
        finally:
            server.stop()
    return {form: statistics.median(values) for form, values in results.items()}


def main_instructions(chosen: list[run.Scenario], n: int, against: str | None, load_s: float | None = None,
                      connections: int = 16) -> None:
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        raise SystemExit("--instructions needs valgrind (Debian: apt-get install valgrind)")
    if load_s is not None and not loadgen.have_wrk():
        raise SystemExit("--under-load needs wrk on PATH")
    batch = f"{n} sequential requests" if load_s is None else f"{load_s:g} s of wrk at {connections} connections"
    print(f"instructions per request under callgrind, median of 2 batches of {batch} per form", flush=True)
    head = f"{'scenario':<38} {'plain':>10} {'header':>10} {'URL':>10} {'URL - plain':>16} {'URL - header':>16}"
    print(head + (f" {'header, --against':>18} {'this - against':>16}" if against else ""))
    for sc in chosen:
        here = instructions(sc, run.EMULATOR_SRC, ("plain", "header", "url"), n, load_s=load_s, connections=connections)
        b, h, u = here["plain"], here["header"], here["url"]
        line = (f"{sc.title:<38} {b:>10,.0f} {h:>10,.0f} {u:>10,.0f} {u - b:>+9,.0f} ({100 * (u - b) / b:+.1f}%)"
                f" {u - h:>+9,.0f} ({100 * (u - h) / h:+.1f}%)")
        if against:
            other = instructions(sc, Path(against).resolve(), ("header",), n, load_s=load_s, connections=connections)["header"]
            line += f" {other:>18,.0f} {h - other:>+9,.0f} ({100 * (h - other) / other:+.1f}%)"
        print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenarios", help=f"comma list (default all): {', '.join(s.key for s in run.scenarios())}")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--duration", type=float, default=4.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--cpu-requests", type=int, default=3000, help="sequential requests per round for the CPU figure")
    p.add_argument("--instructions", action="store_true", help="count instructions per request under valgrind instead")
    p.add_argument("--requests", type=int, default=1000, help="--instructions: requests per batch")
    p.add_argument("--against", metavar="SRC", help="--instructions: also count the header form of this source tree")
    p.add_argument("--under-load", metavar="SECONDS", type=float, help="--instructions: batches of SECONDS of wrk at "
                   "--connections (default 16, bench/run.py's load) instead of sequential requests")
    args = p.parse_args(argv)
    chosen = [s for s in run.scenarios() if not args.scenarios or s.key in args.scenarios.split(",")]
    if args.instructions:
        main_instructions(chosen, args.requests, args.against, args.under_load, args.connections)
        return 0
    tool = "wrk" if args.loadgen == "wrk" or (args.loadgen == "auto" and loadgen.have_wrk()) else "python"
    print(f"load: {tool}, {args.connections} connections, {args.rounds} rounds x {args.duration:g} s per form, alternating",
          flush=True)
    print(f"{'scenario':<38} {'header req/s':>12} {'URL req/s':>10} {'Δ req/s':>8} {'p50 H/U ms':>12} {'p99 H/U ms':>12} "
          f"{'server CPU µs/req H/U':>22} {'err':>4}")
    for sc in chosen:
        r = measure(sc, args.rounds, args.duration, args.warmup, args.connections, tool, args.cpu_requests)
        h, u = r["header"], r["url"]
        delta = 100.0 * (u["rps"] - h["rps"]) / h["rps"]
        cpu = f"{h['cpu_us']:.0f}/{u['cpu_us']:.0f} ({u['cpu_us'] - h['cpu_us']:+.1f})"
        print(f"{sc.title:<38} {h['rps']:>12,.0f} {u['rps']:>10,.0f} {delta:>+7.1f}% "
              f"{h['p50_ms']:>5.2f}/{u['p50_ms']:<5.2f} {h['p99_ms']:>5.1f}/{u['p99_ms']:<5.1f} {cpu:>22} "
              f"{h['errors'] + u['errors']:>4}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
