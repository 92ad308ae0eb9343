"""Side-by-side benchmark: the emulator, Prism (same spec, same paths) and plain aiohttp handlers, in one run.

    .venv/bin/python bench/run.py            # full run: 3 rounds x 8 s of load per server and scenario, ~12 minutes
    .venv/bin/python bench/run.py --quick    # smoke run: 2 s per server and scenario, no HTTP scale figures

Each server runs as its own process on a free loopback port, started fresh for each scenario:
cold start = process start → first 200 on the scenario's vendor route; RSS = VmRSS of the process (and its children)
after the load. Load: wrk -t1 -cN (when wrk is on PATH) or the built-in asyncio generator, the same for every server.
Every emulator request is authenticated (HDP: Basic d2cadmin; CodeArts: ``X-Auth-Token: codearts-token``, not AK/SK
signing, which wrk cannot compute per request) and validated against the spec. Prism gets the same requests.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import glob
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPECS = ROOT / "specs"
sys.path.insert(0, str(HERE))

import loadgen  # noqa: E402

HDP_AUTH = {"Authorization": "Basic " + base64.b64encode(b"d2cadmin:d2cadmin").decode()}
CODEARTS_AUTH = {"X-Auth-Token": "codearts-token"}
JSON = {"Content-Type": "application/json"}
HDP_DOC = json.dumps({
    "managementAPI": [{"startAddress": "10.20.30.0", "endAddress": "10.20.30.10"}],
    "adminAPI": [],
    "dataAccess": [{"startAddress": "10.20.30.0", "endAddress": "10.20.50.10"}],
    "webUI": None,
}, separators=(",", ":"))
CODEARTS_RULE = '{"ip_type":0,"ip_start":"{n}","view_flag":1,"download_flag":1,"upload_flag":0,"remark":"bench"}'
TENANT_PATH = "/api/admin/security/whitelist/tenants/2"
CODEARTS_PATH = "/v4/tenant/trusted-ip-addresses"
CODEARTS_PAGE_ROWS = 20


@dataclass
class Scenario:
    key: str
    kind: str  # read | write
    vendor: str
    title: str
    method: str
    path: str  # with query
    headers: dict
    body: str | None = None  # may hold {n}
    ready: str = ""  # GET route polled for the cold start (200 with no setup)
    setup: list = field(default_factory=list)  # (method, path, body) sent to the emulator before the load

    @property
    def spec(self) -> Path:
        return SPECS / f"{self.vendor}.yaml"


def scenarios() -> list[Scenario]:
    rules = [("POST", CODEARTS_PATH, CODEARTS_RULE.replace("{n}", f"192.0.2.{i + 1}")) for i in range(CODEARTS_PAGE_ROWS)]
    return [
        Scenario("read-hdp", "read", "hdp", "HDP GET tenant whitelist", "GET", TENANT_PATH, dict(HDP_AUTH),
                 ready="/api/admin/security/whitelist/tenants", setup=[("POST", TENANT_PATH, HDP_DOC)]),
        Scenario("read-codearts", "read", "codearts", f"CodeArts list page ({CODEARTS_PAGE_ROWS} rules)", "GET",
                 CODEARTS_PATH + f"?offset=0&limit={CODEARTS_PAGE_ROWS}", dict(CODEARTS_AUTH),
                 ready=CODEARTS_PATH + "?offset=0&limit=1", setup=rules),
        Scenario("write-hdp", "write", "hdp", "HDP PUT tenant whitelist", "PUT", TENANT_PATH, {**HDP_AUTH, **JSON},
                 body=HDP_DOC, ready="/api/admin/security/whitelist/tenants", setup=[("POST", TENANT_PATH, HDP_DOC)]),
        Scenario("write-codearts", "write", "codearts", "CodeArts add rule (new address each)", "POST", CODEARTS_PATH,
                 {**CODEARTS_AUTH, **JSON}, body=CODEARTS_RULE, ready=CODEARTS_PATH + "?offset=0&limit=1"),
    ]


URL_NAMESPACE = "/_ns/bench"  # the "emulator-ns" rows: the same requests with the namespace chosen by URL
SERVERS = ("emulator", "emulator-ns", "plain", "plain-bytes", "prism")


def url_form(sc: Scenario) -> Scenario:
    """``sc`` with every path (the load, the cold-start poll, the setup) under ``/_ns/bench``: the namespace chosen by
    URL, as a client given the pytest fixture's ``base(vendor)`` sends it."""
    return replace(sc, path=URL_NAMESPACE + sc.path, ready=URL_NAMESPACE + sc.ready,
                   setup=[(method, URL_NAMESPACE + path, body) for method, path, body in sc.setup])


# -- processes -------------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, headers: dict, body: str | None = None, timeout: float = 10.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body.encode("utf-8") if body is not None else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Content-Type")
    finally:
        conn.close()


def tree_rss_mb(pid: int) -> float:
    """VmRSS of the process and all its descendants (npx → node, for example)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for children in glob.glob(f"/proc/{p}/task/*/children"):
                with open(children) as handle:
                    todo += [int(c) for c in handle.read().split()]
        except (OSError, ValueError):
            continue
    return total / 1024.0


class Server:
    def __init__(self, name: str, cmd: list[str], env: dict | None = None, cwd: Path = ROOT):
        self.name, self.cmd, self.env, self.cwd = name, cmd, env, cwd
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()

    def start(self, ready_path: str, headers: dict, timeout: float = 120.0) -> float:
        """Start the process; seconds until the first 200 on ``ready_path``."""
        cmd = [part.replace("{port}", str(self.port)) for part in self.cmd]
        started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=self.cwd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.output()[-2000:]}")
            try:
                status, _, _ = request(self.port, "GET", ready_path, headers, timeout=5)
                if status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.002)
        raise RuntimeError(f"{self.name}: no 200 on {ready_path} within {timeout}s: {self.output()[-2000:]}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def rss_mb(self) -> float:
        return tree_rss_mb(self.proc.pid) if self.proc else 0.0

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the process and whatever it started
        except ProcessLookupError:
            return
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


EMULATOR_SRC = ROOT / "src"
EMULATOR_LOOP: list[str] = []  # ["--loop", X] when asked for


def emulator_cmd() -> tuple[list[str], dict]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EMULATOR_SRC), env.get("PYTHONPATH")]))
    return [sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", "{port}", *EMULATOR_LOOP], env


def have_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def find_prism(fetch: bool) -> tuple[list[str] | None, str]:
    """The command that starts Prism 5, or None and why not."""
    if shutil.which("prism"):
        return [shutil.which("prism")], "prism on PATH"
    pattern = os.path.expanduser("~/.npm/_npx/*/node_modules/@stoplight/prism-cli/package.json")

    def cached() -> list[str] | None:
        for package in sorted(glob.glob(pattern)):
            try:
                version = json.loads(Path(package).read_text())["version"]
            except (OSError, ValueError, KeyError):
                continue
            if version.startswith("5.") and shutil.which("node"):
                return [shutil.which("node"), str(Path(package).parent / "dist" / "index.js")]
        return None

    cmd = cached()
    if cmd:
        return cmd, "npx cache (started with node directly, so npx's own start-up is not counted)"
    if not shutil.which("npx"):
        return None, "npx is not on PATH (no Node.js/npm here)"
    if not fetch:
        return None, "Prism is not in the npx cache and --no-fetch was given"
    try:
        subprocess.run(["npx", "--yes", "@stoplight/prism-cli@5", "--version"], capture_output=True, timeout=600, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"npx could not fetch @stoplight/prism-cli@5 ({exc})"
    cmd = cached()
    if cmd:
        return cmd, "fetched with npx, started with node directly"
    return ["npx", "--yes", "@stoplight/prism-cli@5"], "through npx (its start-up counts in the cold start)"


def prism_version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd + ["--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


# -- one scenario ----------------------------------------------------------------------------------------------------------


def run_server(server: Server, sc: Scenario, args, counter_base: int, setup: bool) -> dict:
    row: dict = {"server": server.name, "scenario": sc.key}
    auth = {k: v for k, v in sc.headers.items() if k != "Content-Type"}
    try:
        row["cold_start_s"] = server.start(sc.ready, auth)
        if setup:
            for method, path, body in sc.setup:
                status, text, _ = request(server.port, method, path, {**auth, **JSON}, body)
                if status >= 300:
                    raise RuntimeError(f"setup {method} {path} → {status} {text[:300]!r}")
        base = f"http://127.0.0.1:{server.port}"
        warm = loadgen.Load(sc.method, base + sc.path, sc.headers, sc.body, counter_base)
        loadgen.run(warm, args.connections, args.warmup, args.loadgen)
        load = loadgen.Load(sc.method, base + sc.path, sc.headers, sc.body, counter_base + 5_000_000)
        row.update(loadgen.run(load, args.connections, args.duration, args.loadgen))
        row["rss_mb"] = server.rss_mb()
        sample = sc.body.replace("{n}", loadgen.counter_ip(counter_base + 12_000_000)) if sc.body else None
        status, body, ctype = request(server.port, sc.method, sc.path, sc.headers, sample)
        row["sample_status"], row["sample_bytes"] = status, len(body)
        row["_sample_body"] = body.decode("utf-8", "replace")
    except Exception as exc:  # one server failing must not lose the others' figures
        row["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        server.stop()
    return row


def _best_row(runs: list[dict]) -> dict:
    """One row per server and scenario from its rounds: req/s, p50 and p99 of its best round (the most req/s: other
    work on the machine only ever slows a round down, so the best round is the least disturbed, as timeit takes the
    minimum); cold start and RSS as medians over the rounds. Every round is kept under "rounds"."""
    good = [r for r in runs if "rps" in r]
    if not good:
        return runs[-1]
    row = dict(max(good, key=lambda r: r["rps"]))
    row["p99_ms_rounds"] = [r["p99_ms"] for r in good]
    for key in ("cold_start_s", "rss_mb"):
        values = [r[key] for r in good if r.get(key) is not None]
        if values:
            row[key] = statistics.median(values)
    row["errors"] = sum(r.get("errors", 0) for r in good)
    row["rounds"] = [{k: v for k, v in r.items() if k != "_sample_body"} for r in runs]
    return row


def run_scenario(sc: Scenario, args, prism_cmd: list[str] | None, vendors: list[str]) -> list[dict]:
    """``args.rounds`` rounds of emulator → emulator-ns (the URL form, unless --no-url-form) → plain → plain-bytes →
    Prism, each server started fresh each round."""
    if sc.vendor not in vendors:
        print(f"  {sc.key}: skipped, vendor {sc.vendor} is not registered in this tree", flush=True)
        return [{"server": name, "scenario": sc.key, "skipped": f"{sc.vendor} not registered"} for name in SERVERS]
    cmd, env = emulator_cmd()
    runs: dict[str, list[dict]] = {name: [] for name in SERVERS}
    routes_file = None
    try:
        for _ in range(args.rounds):
            emu = run_server(Server("emulator", cmd, env), sc, args, 0, setup=True)
            runs["emulator"].append(emu)
            if "error" in emu:
                print(f"  {sc.key}: emulator failed: {emu['error']}", flush=True)
                break
            if args.url_form:
                runs["emulator-ns"].append(run_server(Server("emulator-ns", cmd, env), url_form(sc), args, 0, setup=True))
            if routes_file is None:  # the plain handler answers the emulator's own bytes on the same routes
                routes = [{"method": sc.method, "path": sc.path.split("?")[0], "status": emu["sample_status"], "body": emu["_sample_body"]}]
                if sc.ready.split("?")[0] != routes[0]["path"] or sc.method != "GET":
                    routes.append({"method": "GET", "path": sc.ready.split("?")[0], "status": 200, "body": "[]"})
                with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
                    json.dump(routes, handle)
                    routes_file = handle.name
            for name, mode in (("plain", "json"), ("plain-bytes", "bytes")):
                plain = Server(name, [sys.executable, str(HERE / "plain.py"), "--port", "{port}", "--routes", routes_file,
                                      "--loop", args.plain_loop, "--mode", mode])
                runs[name].append(run_server(plain, sc, args, 0, setup=False))
            if prism_cmd:
                prism = Server("prism", prism_cmd + ["mock", "-h", "127.0.0.1", "-p", "{port}", "--verboseLevel", args.prism_log, str(sc.spec)])
                runs["prism"].append(run_server(prism, sc, args, 0, setup=False))
    finally:
        if routes_file:
            os.unlink(routes_file)
    rows = [_best_row(runs[name]) for name in SERVERS if runs[name]]
    if not prism_cmd:
        rows.append({"server": "prism", "scenario": sc.key, "skipped": "Prism not available"})
    for row in rows:
        row.pop("_sample_body", None)
    return rows


# -- scale -------------------------------------------------------------------------------------------------------------------


def scale_cmd(*args: str, timeout: float = 900, env_extra: dict | None = None) -> dict:
    _, env = emulator_cmd()
    env.update(env_extra or {})
    out = subprocess.run([sys.executable, str(HERE / "scale.py"), *args], capture_output=True, text=True, env=env, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def scale_http(entries: int, calls: int) -> dict:
    """decide and a list page over HTTP against an emulator started with ``--config`` holding N entries."""
    out: dict = {"entries": entries}
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "scale.yaml"
        scale_cmd("config", str(config), "--entries", str(entries))
        cmd, env = emulator_cmd()
        server = Server("emulator", cmd + ["--config", str(config)], env)
        try:
            out["start_with_config_s"] = server.start("/_emulator/health", {}, timeout=600)
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            sys.path.insert(0, str(HERE))
            import scale

            probes = scale.probes(entries, calls)

            def timed(path: str, headers: dict) -> tuple[float, bytes, int]:
                started = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                return time.perf_counter() - started, body, response.status

            timed("/_emulator/decide/hdp?ip=" + probes[0][0], {})  # builds the index
            times, wrong = [], 0
            for ip, inside in probes:
                elapsed, body, status = timed(f"/_emulator/decide/hdp?ip={ip}&resource=managementAPI", {})
                times.append(elapsed)
                wrong += status != 200 or json.loads(body)["allowed"] != inside
            out["hdp_decide_http_p50_us"] = statistics.median(times) * 1e6
            out["hdp_decide_http_wrong"] = wrong
            for label, offset in (("first", 0), ("last", entries - 20)):
                times = []
                for _ in range(200):
                    elapsed, body, status = timed(f"{CODEARTS_PATH}?offset={offset}&limit=20", CODEARTS_AUTH)
                    times.append(elapsed)
                assert status == 200 and len(json.loads(body)) == 20, (status, body[:200])
                out[f"codearts_{label}_page_http_p50_ms"] = statistics.median(times) * 1e3
            out["rss_mb"] = server.rss_mb()
            conn.close()
        finally:
            server.stop()
    return out


# -- report --------------------------------------------------------------------------------------------------------------------


def fmt(value, spec: str, unit: str = "") -> str:
    return "—" if value is None else f"{value:{spec}}{unit}"


def table(rows: list[dict]) -> str:
    by = {(r["scenario"], r["server"]): r for r in rows}
    header = (f"{'scenario':<38} {'server':<11} {'req/s':>8} {'p50':>8} {'p99':>8} {'cold':>6} {'RSS':>6} {'err':>4}  "
              f"{'vs Prism':>8} {'vs plain':>8} {'vs bytes':>8}")
    lines = [header, "-" * len(header)]
    for sc in scenarios():
        for name in SERVERS:
            r = by.get((sc.key, name))
            if r is None:
                continue
            if "rps" not in r:
                lines.append(f"{sc.title:<38} {name:<11} {r.get('skipped') or r.get('error', '')}")
                continue
            vs_prism = vs_plain = vs_bytes = ""
            prism, plain, raw = (by.get((sc.key, n), {}) for n in ("prism", "plain", "plain-bytes"))
            if name in ("emulator", "emulator-ns"):
                vs_prism = f"{r['rps'] / prism['rps']:.1f}×" if prism.get("rps") else "—"
                vs_plain = f"{100 * r['rps'] / plain['rps']:.0f}%" if plain.get("rps") else "—"
                vs_bytes = f"{100 * r['rps'] / raw['rps']:.0f}%" if raw.get("rps") else "—"
            lines.append(
                f"{sc.title:<38} {name:<11} {r['rps']:>8,.0f} {fmt(r['p50_ms'], '.2f', 'ms'):>8} {fmt(r['p99_ms'], '.2f', 'ms'):>8} "
                f"{fmt(r.get('cold_start_s'), '.2f', 's'):>6} {fmt(r.get('rss_mb'), '.0f', 'MB'):>6} {r['errors']:>4}  {vs_prism:>8} {vs_plain:>8} {vs_bytes:>8}"
            )
    return "\n".join(lines)


def verdicts(rows: list[dict], scale: dict) -> list[tuple[str, bool | None, str]]:
    by = {(r["scenario"], r["server"]): r for r in rows}
    out = []
    for sc in scenarios():
        emu, prism, plain = (by.get((sc.key, n), {}) for n in ("emulator", "prism", "plain"))
        if not emu.get("rps"):
            continue
        need = 5.0 if sc.kind == "read" else 3.0
        if prism.get("rps"):
            ratio = emu["rps"] / prism["rps"]
            out.append((f"{sc.key}: ≥ {need:g}× Prism's req/s", ratio >= need, f"{ratio:.1f}×"))
        else:
            out.append((f"{sc.key}: ≥ {need:g}× Prism's req/s", None, "Prism not run"))
        raw = by.get((sc.key, "plain-bytes"), {})
        if sc.kind == "read" and plain.get("rps"):
            share = emu["rps"] / plain["rps"]
            extra = f" (of the pre-encoded-bytes handler: {100 * emu['rps'] / raw['rps']:.0f}%)" if raw.get("rps") else ""
            out.append((f"{sc.key}: ≥ 60% of the plain handler's req/s (web.json_response)", share >= 0.6, f"{100 * share:.0f}%{extra}"))
        detail = f"{emu['p99_ms']:.2f} ms (every round: {', '.join(f'{x:.1f}' for x in emu.get('p99_ms_rounds', []))} ms)"
        if raw.get("p99_ms") is not None:
            detail += f"; pre-encoded-bytes handler {raw['p99_ms']:.2f} ms"
        out.append((f"{sc.key}: p99 ≤ 10 ms at 16 connections", emu["p99_ms"] <= 10.0, detail))
        if emu.get("errors"):
            out.append((f"{sc.key}: every answer 2xx", False, f"{emu['errors']} errors"))
        ns = by.get((sc.key, "emulator-ns"), {})
        if ns.get("rps"):
            share = ns["rps"] / emu["rps"]
            detail = (f"{100 * share:.0f}% (best rounds; rounds move by ±15-25 % on a shared machine: the stable "
                      f"figure is bench/url_namespace_cost.py --instructions)")
            out.append((f"{sc.key}: the URL form ({URL_NAMESPACE}/...) ≥ 95% of the plain path's req/s", share >= 0.95,
                        detail + (f"; {ns['errors']} errors" if ns.get("errors") else "")))
    colds = [r["cold_start_s"] for sc in scenarios() for r in by.get((sc.key, "emulator"), {}).get("rounds", [by.get((sc.key, "emulator"), {})])
             if r.get("cold_start_s")]
    if colds:
        cold = statistics.median(colds)
        out.append((f"cold start to first 200 ≤ 0.5 s (median of the emulator's {len(colds)} starts)", cold <= 0.5,
                    f"{cold:.2f} s (min {min(colds):.2f}, max {max(colds):.2f})"))
    reads = [by[(sc.key, "emulator")]["rss_mb"] for sc in scenarios() if sc.kind == "read" and by.get((sc.key, "emulator"), {}).get("rss_mb")]
    if reads:
        out.append(("RSS ≤ 80 MB, all vendors loaded (after the read loads)", max(reads) <= 80, f"{max(reads):.0f} MB"))
    d = scale.get("decide", {})
    if "hdp_decide_us" in d:
        out.append((f"decide ≤ 50 µs/call with {d['entries']:,} entries (HDP, in-process)", d["hdp_decide_us"] <= 50 and not d["hdp_wrong_answers"],
                    f"{d['hdp_decide_us']:.1f} µs (admits alone {d['hdp_admits_us']:.1f} µs)"))
    others = [(key, name) for key, name in (("codearts", "CodeArts"), ("b2core", "B2Core"), ("talend", "Talend")) if f"{key}_decide_us" in d]
    if others:
        worst = max(d[f"{key}_decide_us"] for key, _ in others)
        wrong = sum(d[f"{key}_wrong_answers"] for key, _ in others)
        out.append((f"decide ≤ 50 µs/call with {d['entries']:,} entries ({', '.join(name for _, name in others)}, in-process)",
                    worst <= 50 and not wrong, ", ".join(f"{name} {d[f'{key}_decide_us']:.1f} µs" for key, name in others)
                    + (f"; {wrong} wrong answers" if wrong else "")))
    pg = scale.get("page", {})
    n = pg.get("entries")
    if n and f"last_page_ms_{n}" in pg:
        worst = max(pg[f"{k}_page_ms_{n}"] for k in ("first", "middle", "last"))
        out.append((f"list page of 20 ≤ 2 ms with {n:,} entries (CodeArts, in-process, worst of first/middle/last)", worst <= 2.0, f"{worst:.2f} ms"))
    sp = scale.get("specs", {})
    if "total_ms" in sp:
        out.append((f"loading all {len(sp['specs'])} specs ≤ 300 ms (fresh process, from YAML, no cache, median)", sp["total_ms"] <= 300, f"{sp['total_ms']:.0f} ms"))
    return out


def scale_report(scale: dict) -> str:
    lines = []
    sp = scale.get("specs")
    if sp:
        per = ", ".join(f"{k} {v:.0f}" for k, v in sp["per_spec_ms"].items())
        cached = scale.get("specs_cached")
        lines.append(f"spec loading from YAML, fresh process (median of {sp.get('runs', 1)}): {sp['total_ms']:.0f} ms for {len(sp['specs'])} specs "
                     f"({per} ms)" + (f"; from the parse cache {cached['total_ms']:.0f} ms" if cached else "")
                     + f"; rest of build_app {sp['build_app_after_specs_ms']:.0f} ms")
    d = scale.get("decide")
    if d:
        lines.append(f"decide, {d['entries']:,} HDP system ranges, in-process: admits {d['hdp_admits_us']:.1f} µs/call, decide() incl. "
                     f"address parsing {d['hdp_decide_us']:.1f} µs/call, wrong answers {d['hdp_wrong_answers']}; "
                     f"index built once after a write: {d['hdp_index_build_ms']:.0f} ms")
        for key, what in (("codearts", "CodeArts tenant rules"), ("b2core", "B2Core allow policies (/29)"), ("talend", "Talend allowlist entries (/29)")):
            if f"{key}_decide_us" in d:
                lines.append(f"decide, {d['entries']:,} {what}, in-process: {d[f'{key}_decide_us']:.1f} µs/call, "
                             f"wrong answers {d[f'{key}_wrong_answers']}; index build {d[f'{key}_index_build_ms']:.0f} ms")
    pg = scale.get("page")
    if pg and "entries" in pg and "skipped" not in pg:
        n = pg["entries"]
        lines.append(f"list page of 20, CodeArts ListTenantTrustedIpAddresses handler, in-process: 1,000 entries "
                     f"{pg['first_page_ms_1000']:.2f} ms; {n:,} entries: first {pg[f'first_page_ms_{n}']:.2f} ms, "
                     f"middle {pg[f'middle_page_ms_{n}']:.2f} ms, last {pg[f'last_page_ms_{n}']:.2f} ms")
    h = scale.get("http")
    if h and "hdp_decide_http_p50_us" in h:
        lines.append(f"over HTTP (1 keep-alive connection, python client, {h['entries']:,} entries each): GET /_emulator/decide/hdp p50 "
                     f"{h['hdp_decide_http_p50_us']:.0f} µs (wrong {h['hdp_decide_http_wrong']}); CodeArts list page first "
                     f"{h['codearts_first_page_http_p50_ms']:.2f} ms, last {h['codearts_last_page_http_p50_ms']:.2f} ms; "
                     f"start with that --config {h['start_with_config_s']:.1f} s; RSS {h['rss_mb']:.0f} MB")
    elif h:
        lines.append(f"over HTTP: {h}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="emulator vs Prism vs plain aiohttp, one run (see bench/README.md)")
    p.add_argument("--quick", action="store_true", help="smoke run: 2 s of load, 0.5 s warm-up, no HTTP scale figures")
    p.add_argument("--duration", type=float, help="seconds of measured load per server and scenario (default 8)")
    p.add_argument("--warmup", type=float, help="seconds of unmeasured load first (default 2)")
    p.add_argument("--rounds", type=int, help="rounds per scenario, each server fresh each round (default 3, --quick 1): "
                   "req/s, p50 and p99 of each server's best round; cold start and RSS medians")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto", help="auto: wrk when on PATH")
    p.add_argument("--scenarios", help=f"comma list (default all): {', '.join(s.key for s in scenarios())}")
    p.add_argument("--no-prism", action="store_true")
    p.add_argument("--no-url-form", dest="url_form", action="store_false",
                   help=f"skip the emulator-ns rows (the same requests under {URL_NAMESPACE}: the namespace chosen by URL)")
    p.add_argument("--no-fetch", action="store_true", help="do not let npx fetch Prism")
    p.add_argument("--prism-log", default="warn", help="Prism --verboseLevel (default warn: its per-request logging off)")
    p.add_argument("--entries", type=int, default=100_000, help="entries for the scale figures")
    p.add_argument("--no-scale", action="store_true")
    p.add_argument("--spec-runs", type=int, default=5, help="fresh processes for the spec-loading figure (median)")
    p.add_argument("--out", default=str(HERE / "results"), help="folder for the JSON results")
    p.add_argument("--emulator-src", help="run the emulator from another source tree (before/after comparisons)")
    p.add_argument("--emulator-loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                   help="serve --loop (default auto: uvloop when installed, as serve itself does)")
    p.add_argument("--plain-loop", choices=("asyncio", "uvloop"), default="asyncio",
                   help="event loop of the plain handler (default asyncio, aiohttp's own)")
    args = p.parse_args(argv)
    global EMULATOR_SRC, EMULATOR_LOOP
    if args.emulator_src:
        EMULATOR_SRC = Path(args.emulator_src).resolve()
    if args.emulator_loop != "auto":
        EMULATOR_LOOP = ["--loop", args.emulator_loop]
    if args.plain_loop == "uvloop" and not have_uvloop():
        p.error("--plain-loop uvloop: uvloop is not installed")
    emulator_loop = args.emulator_loop if args.emulator_loop != "auto" else ("uvloop" if have_uvloop() else "asyncio")
    args.duration = args.duration or (2.0 if args.quick else 8.0)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 2.0)
    args.rounds = max(1, args.rounds or (1 if args.quick else 3))
    if args.loadgen == "wrk" and not loadgen.have_wrk():
        p.error("--loadgen wrk: wrk is not on PATH")
    tool = "wrk" if args.loadgen == "wrk" or (args.loadgen == "auto" and loadgen.have_wrk()) else "python asyncio generator"

    _, env = emulator_cmd()
    vendors = json.loads(subprocess.run([sys.executable, "-c", "import json; from allowlist_emulator.vendors import REGISTRY; print(json.dumps(list(REGISTRY)))"],
                                        capture_output=True, text=True, env=env, check=True).stdout)
    # a normal first run writes bytecode; this machine may set PYTHONDONTWRITEBYTECODE, so compile once up front
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(EMULATOR_SRC / "allowlist_emulator")], capture_output=True)

    if args.no_prism:
        prism_cmd, prism_note = None, "skipped (--no-prism)"
    else:
        prism_cmd, prism_note = find_prism(not args.no_fetch)
    meta = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "python": platform.python_version(), "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(), "load": tool, "connections": args.connections, "duration_s": args.duration,
        "warmup_s": args.warmup, "rounds": args.rounds, "vendors": vendors, "emulator_loop": emulator_loop, "plain_loop": args.plain_loop, "emulator_src": str(EMULATOR_SRC), "prism": (prism_version(prism_cmd) if prism_cmd else None), "prism_note": prism_note,
        "command": " ".join([Path(sys.executable).name, "bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
    }
    print(f"load: {tool}, {args.connections} connections, {args.duration:g} s per server and scenario (after {args.warmup:g} s warm-up), "
          f"{args.rounds} round(s) of emulator → emulator-ns (URL form) → plain → plain-bytes → Prism; each server's best round shown (cold start, RSS: medians)")
    print(f"event loops: emulator {emulator_loop}, plain handler {args.plain_loop}")
    print(f"emulator vendors: {', '.join(vendors)};  Prism: {meta['prism'] or '—'} ({prism_note});  load average at start: "
          f"{', '.join(f'{x:.2f}' for x in meta['loadavg_at_start'])}", flush=True)
    if tool != "wrk":
        print("note: the asyncio generator shares the 2 cores with the server and is slower than wrk; its req/s are a floor")

    chosen = [s for s in scenarios() if not args.scenarios or s.key in args.scenarios.split(",")]
    rows: list[dict] = []
    for sc in chosen:
        print(f"running {sc.key} ...", flush=True)
        rows += run_scenario(sc, args, prism_cmd, vendors)

    scale: dict = {}
    if not args.no_scale:
        print("scale figures ...", flush=True)
        try:
            for name, extra in (("specs", {"ALLOWLIST_EMULATOR_NO_CACHE": "1"}), ("specs_cached", {})):
                runs = [scale_cmd("specs", env_extra=extra) for _ in range(max(1, args.spec_runs if not args.quick else 3))]
                best = sorted(runs, key=lambda r: r["total_ms"])[len(runs) // 2]
                scale[name] = {**best, "runs": len(runs), "all_total_ms": [r["total_ms"] for r in runs]}
            scale["decide"] = scale_cmd("decide", "--entries", str(args.entries))
            scale["page"] = scale_cmd("page", "--entries", str(args.entries))
            if args.quick:
                scale["http"] = {"skipped": "--quick"}
            elif "codearts" in vendors:
                scale["http"] = scale_http(args.entries, 2000)
        except Exception as exc:  # report, keep the load figures
            scale["error"] = f"{type(exc).__name__}: {exc}"

    print()
    print(table(rows))
    print()
    if scale:
        print(scale_report(scale))
        if "error" in scale:
            print(f"scale figures failed: {scale['error']}")
        print()
    results = verdicts(rows, scale)
    for name, ok, value in results:
        mark = "n/a " if ok is None else ("PASS" if ok else "MISS")
        print(f"  {mark}  {name}: {value}")
    print(f"\nload average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} (other work on the machine skews every figure)")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = {"meta": {**meta, "loadavg_at_end": os.getloadavg()}, "rows": rows, "scale": scale,
            "verdicts": [{"target": n, "ok": ok, "value": v} for n, ok, v in results], "table": table(rows)}
    for name in (f"{stamp}{'-quick' if args.quick else ''}.json", "latest.json"):
        (out / name).write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"results: {out / (stamp + ('-quick' if args.quick else '') + '.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
