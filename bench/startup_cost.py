"""How long the emulator takes to start: with a large ``--state-file``, cold, and as the pytest fixture.

    .venv/bin/python bench/startup_cost.py                      # 100,000 entries per vendor; the file is built once
    .venv/bin/python bench/startup_cost.py --entries 20000 --rounds 3
    .venv/bin/python bench/startup_cost.py --dir /var/tmp/startup   # keep the built file there for the next run
    .venv/bin/python bench/startup_cost.py --json result.json
    .venv/bin/python bench/startup_cost.py --src /path/to/other/src   # another tree, side by side
    .venv/bin/python bench/startup_cost.py --skip state-file            # cold start and fixture only, ~1 minute

1. **State file.** A state file holding ``--entries`` entries for every served vendor is built once (``serve
   --config`` with ``generate: N`` for each vendor and ``--seed 1``: B2Core policies, CodeArts tenant rules, HDP
   system ranges, Talend allowlist entries; Faker makes them: ``pip install -e '.[test]'``) and kept in ``--dir`` (a temporary folder unless given; a file built
   before for the same N is reused). Then ``serve --port 0 --state-file FILE --config`` (the same config, as a user
   restarting it would) is started ``--rounds`` times, each a fresh process: the time from its start to the first
   200 of ``GET /_emulator/health``, and the process's CPU time (start to exit; it idles after the answer).
2. **Cold start.** ``serve --port 0`` without a state file, to the first 200 of ``/_emulator/health``.
3. **Fixture.** What the pytest fixture ``allowlist_emulator`` pays to start its in-process emulator, imports
   included (``pytest_plugin._start_in_process()`` in a fresh Python process that has imported pytest, as a session
   has), from the call to the server listening. Beside it, the floor: ``from aiohttp import web`` alone in the same
   kind of process, which any aiohttp server pays.

Each figure is the best of its rounds (other work on the machine only ever slows a round down), with the median
beside it; the goals are checked against the best: state file ≤ 3 s, cold start ≤ 0.3 s, fixture ≤ 0.15 s, on a quiet
machine. On a busy one the wall times grow with the load average (printed); the CPU time beside each (the best round's)
is what the start costs whatever the neighbours do. Bytecode caches are warm (one unmeasured start goes first), as on
a user's second run: the children keep their bytecode in a folder of the run's own (``PYTHONPYCACHEPREFIX``), even
where ``PYTHONDONTWRITEBYTECODE`` is set (``--no-bytecode-cache`` measures that case), and the specs' parse cache
too (``XDG_CACHE_HOME``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"  # --src: another tree's
ENV = {**os.environ, "PYTHONPATH": str(SRC)}
GOALS = {"state_file_s": 3.0, "cold_start_s": 0.3, "fixture_start_s": 0.15}
LISTENING = re.compile(rb"listening on (http://\S+)")


def served_vendors() -> list[str]:
    sys.path.insert(0, str(SRC))
    from allowlist_emulator.vendors import REGISTRY

    return list(REGISTRY)


def start(args: list[str], timeout: float = 600) -> tuple[float, float]:
    """``serve`` with ``args`` on a free port: (seconds from its start to the first 200 of /_emulator/health, CPU
    seconds of the whole process), then stopped with SIGTERM."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "allowlist_emulator.cli", "serve", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    try:
        url = None
        for line in process.stdout:  # the banner comes once the socket is bound
            found = LISTENING.search(line)
            if found:
                url = found.group(1).decode()
                break
        if url is None:
            raise SystemExit(f"serve {' '.join(args)} exited: {process.stderr.read().decode()[-2000:]}")
        while True:
            try:
                with urllib.request.urlopen(url + "/_emulator/health", timeout=timeout) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.002)
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"serve {' '.join(args)}: no healthy answer in {timeout} s")
        seconds = time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


FIXTURE = """
import time, pytest
from allowlist_emulator import pytest_plugin
started, cpu = time.perf_counter(), time.process_time()
server = pytest_plugin._start_in_process()
print(time.perf_counter() - started, time.process_time() - cpu)
server.stop()
"""


FLOOR = """
import time, pytest
started, cpu = time.perf_counter(), time.process_time()
from aiohttp import web
print(time.perf_counter() - started, time.process_time() - cpu)
"""


def fixture_start(code: str = FIXTURE) -> tuple[float, float]:
    """(seconds, CPU seconds of the process meanwhile)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, check=True)
    wall, cpu = out.stdout.split()[-2:]
    return float(wall), float(cpu)


def build(work: Path, entries: int) -> tuple[Path, Path]:
    """The config (generate: N for every vendor) and the state file it seeds, built once per N."""
    config = work / f"startup-{entries}.json"
    config.write_text(json.dumps({"vendors": {key: {"generate": entries} for key in served_vendors()}}))
    state = work / f"startup-{entries}.db"
    if not state.exists():
        print(f"building {state} ({entries:,} entries per vendor; Faker makes them, which takes a while) ...", flush=True)
        partial = work / f"startup-{entries}.partial.db"
        for leftover in work.glob(f"startup-{entries}.partial.db*"):
            leftover.unlink()
        seconds, _ = start(["--seed", "1", "--config", str(config), "--state-file", str(partial)], timeout=3600)
        os.replace(partial, state)
        print(f"  built in {seconds:.0f} s: {state.stat().st_size / 1e6:.0f} MB", flush=True)
    return config, state


def summary(values: list[float]) -> dict:
    return {"best": round(min(values), 3), "median": round(statistics.median(values), 3), "rounds": [round(v, 3) for v in values]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="entries per vendor in the state file (default 100000)")
    parser.add_argument("--rounds", type=int, default=5, help="starts per figure (default 5)")
    parser.add_argument("--dir", help="where the state file is built and kept (default: a temporary folder)")
    parser.add_argument("--skip", default="", help="comma list of parts to skip: state-file,cold,fixture")
    parser.add_argument("--json", help="write the figures here as JSON too")
    parser.add_argument("--src", help="measure the allowlist_emulator package of this source tree instead")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="compile every module at every start, as under PYTHONDONTWRITEBYTECODE=1 (CI containers)")
    args = parser.parse_args()
    if args.src:
        global SRC
        SRC = Path(args.src).resolve()
        ENV["PYTHONPATH"] = str(SRC)
    skip = set(filter(None, args.skip.split(",")))
    result: dict = {"entries_per_vendor": args.entries, "vendors": served_vendors(), "loadavg": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="startup-") as temporary:
        work = Path(args.dir or temporary)
        work.mkdir(parents=True, exist_ok=True)
        # the specs' parse cache of its own: a user's cache holds their one version, where several trees sharing
        # ~/.cache would keep replacing each other's entries and every start would parse YAML again
        ENV["XDG_CACHE_HOME"] = str(Path(temporary) / "cache")
        if not args.no_bytecode_cache:  # bytecode kept (aside, never in the measured tree), as a user's second run has it
            ENV.pop("PYTHONDONTWRITEBYTECODE", None)
            ENV["PYTHONPYCACHEPREFIX"] = str(Path(temporary) / "pycache")
        if "state-file" not in skip:
            config, state = build(work, args.entries)
            copy = work / "startup-run.db"  # each round starts from the file as built, never one a round wrote to
            walls, cpus = [], []
            for round_ in range(args.rounds + 1):
                for leftover in work.glob("startup-run.db*"):
                    leftover.unlink()
                copy.write_bytes(state.read_bytes())
                wall, cpu = start(["--seed", "1", "--config", str(config), "--state-file", str(copy)])
                if round_:  # the first one warms the caches
                    walls.append(wall)
                    cpus.append(cpu)
            result["state_file_s"] = summary(walls)
            result["state_file_cpu_s"] = summary(cpus)
            result["state_file_bytes"] = state.stat().st_size
        if "cold" not in skip:
            start([])
            runs = [start([]) for _ in range(args.rounds)]
            result["cold_start_s"] = summary([wall for wall, _ in runs])
            result["cold_start_cpu_s"] = summary([cpu for _, cpu in runs])
        if "fixture" not in skip:
            fixture_start()
            runs = [fixture_start() for _ in range(args.rounds)]
            result["fixture_start_s"] = summary([wall for wall, _ in runs])
            result["fixture_start_cpu_s"] = summary([cpu for _, cpu in runs])
            runs = [fixture_start(FLOOR) for _ in range(args.rounds)]
            result["aiohttp_import_s"] = summary([wall for wall, _ in runs])
            result["aiohttp_import_cpu_s"] = summary([cpu for _, cpu in runs])
    result["loadavg_end"] = os.getloadavg()
    print(f"load average {result['loadavg'][0]:.2f} at start, {result['loadavg_end'][0]:.2f} at end")
    labels = {"state_file_s": f"serve --state-file ({args.entries:,} entries x {len(result['vendors'])} vendors)",
              "cold_start_s": "serve, cold", "fixture_start_s": "pytest fixture's in-process start"}
    labels["aiohttp_import_s"] = "  floor: `from aiohttp import web` alone, after pytest"
    for key, label in labels.items():
        if key in result:
            figure, goal = result[key], GOALS.get(key)
            cpu = result.get(key[:-2] + "_cpu_s")
            extra = f", CPU {cpu['best']:.3f} s" if cpu else ""
            verdict = "" if goal is None else f"  goal ≤ {goal} s: {'PASS' if figure['best'] <= goal else 'MISS'}"
            print(f"{label:<58} best {figure['best']:.3f} s, median {figure['median']:.3f} s{extra}{verdict}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
