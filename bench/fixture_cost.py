"""What the pytest fixture ``allowlist_emulator`` costs a test, and whether a long session's memory stays flat.

    .venv/bin/python bench/fixture_cost.py                      # per-test cost: 300 tests, ~1 minute
    .venv/bin/python bench/fixture_cost.py --tests 1000 --rounds 7
    .venv/bin/python bench/fixture_cost.py --no-bytecode-cache  # as under PYTHONDONTWRITEBYTECODE=1 (Docker, this VM)
    .venv/bin/python bench/fixture_cost.py --src /path/to/other/src   # the same against another source tree
    .venv/bin/python bench/fixture_cost.py --rss 100000         # memory over 100,000 tests, ~6 minutes
    .venv/bin/python bench/fixture_cost.py --alone 60000        # the same test's work without pytest, ~2 minutes

**Per-test cost.** Three generated suites of N empty tests, each run in fresh pytest processes: ``bare`` (no
fixture), ``fixture`` (a function fixture taking a value from a session fixture: what any such fixture costs in
pytest itself) and ``emulator`` (the tests take ``allowlist_emulator``). What the emulator adds to a test is
(emulator - bare) / N, session start-up of the in-process emulator included. Rounds alternate the suites; the best
round of each counts (other work on the machine only ever slows a round down), and the children's CPU time is shown
too (less disturbed by neighbours on a shared machine). One unmeasured run of each suite goes first.

Bytecode: the children write and use ``__pycache__`` as Python does by default, so what is measured is a user's
second run on; ``--no-bytecode-cache`` sets ``PYTHONDONTWRITEBYTECODE=1`` (common in CI containers, and set in this
workplace's shells), under which pytest compiles and assertion-rewrites the plugin's whole package (every module of
``allowlist_emulator``, as it does for every plugin) in every session, since it may not keep the result.

**Memory.** Two pytest processes of N tests each: ``bare`` (the same tests, named alike and taking fixtures of the
same names and scopes, overridden in the module by ones that do nothing) and ``emulator`` (each test
writes an HDP system whitelist through ``base("hdp")`` only, the namespace in the URL, and reads it back, so every
test creates a namespace with state and two journal entries). Every N/10 tests the process's VmRSS is written down,
and for the emulator the namespaces it holds and its journal's length. pytest itself keeps every test's reports to
the session's end, so a bare session grows too: the emulator's memory is flat when its session grows no faster than
the bare one once the journal's ring is full (10,000 requests), and the namespaces held do not grow.

**Alone** (``--alone N``): the emulator test's work without pytest, in one process: the fixture's in-process
emulator, and per "test" what the fixture and the test do (a new namespace and its mark, the write and the read
through the namespaced base URL, the drop), with VmRSS and ``sys.getallocatedblocks()`` every N/10: whatever the
emulator or the fixture's own code kept per test would show here, with no pytest report beside it.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
INNER = ["-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:faker",
         "-p", "no:anyio", "-q", "-p", "no:randomly"]

SUITES = {
    "bare": '''
import pytest

@pytest.mark.parametrize("i", range({n}))
def test_bare(i):
    pass
''',
    "fixture": '''
import pytest

@pytest.fixture(scope="session")
def session_value():
    return object()

@pytest.fixture
def value(request):
    yield request.getfixturevalue("session_value")

@pytest.mark.parametrize("i", range({n}))
def test_fixture(i, value):
    pass
''',
    "emulator": '''
import pytest

@pytest.mark.parametrize("i", range({n}))
def test_emulator(i, allowlist_emulator):
    pass
''',
}

RSS_LOGGER = '''
import os
import sys

LOG = {log!r}
EVERY = {every}
N = {n}


def rss_mb():
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0


def write(i, target=None):
    if i % EVERY == 0 or i == N - 1:
        held = journal = "-"
        if target is not None:
            emulator = target.server.emulator
            held, journal = len(emulator.store.names()), len(emulator.journal._entries)
        with open(LOG, "a") as handle:
            handle.write(f"{{i}} {{rss_mb():.1f}} {{held}} {{journal}} {{sys.getallocatedblocks()}}\\n")
'''

RSS_BARE = '''
import pytest
from rss_log import write


# the emulator suite's test, with its two fixtures overridden by ones that do nothing: the same test ids and the same
# fixture structure, so pytest keeps the same per test in both sessions and only the emulator's own memory differs
@pytest.fixture(scope="session")
def _allowlist_target():
    return None


@pytest.fixture
def allowlist_emulator(request):
    yield request.getfixturevalue("_allowlist_target")


@pytest.mark.parametrize("i", range({n}))
def test_write_read(i, allowlist_emulator, _allowlist_target):
    write(i)
'''

RSS_EMULATOR = '''
import base64
import http.client
import json
from urllib.parse import urlsplit

import pytest
from rss_log import write

SYSTEM = "/api/admin/security/whitelist/system"
CONNECTION = []


@pytest.mark.parametrize("i", range({n}))
def test_write_read(i, allowlist_emulator, _allowlist_target):
    base = urlsplit(allowlist_emulator.base("hdp"))
    if not CONNECTION:
        CONNECTION.append(http.client.HTTPConnection(base.hostname, base.port, timeout=10))
    http_ = CONNECTION[0]
    user, password = allowlist_emulator.credentials["hdp"]["auth"]
    headers = {{"Authorization": "Basic " + base64.b64encode(f"{{user}}:{{password}}".encode()).decode(),
               "Content-Type": "application/json"}}
    body = {{"managementAPI": [{{"startAddress": "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)}}]}}
    http_.request("POST", base.path + SYSTEM, json.dumps(body), headers)
    answer = http_.getresponse()
    answer.read()
    assert answer.status == 201
    http_.request("GET", base.path + SYSTEM, headers=headers)
    answer = http_.getresponse()
    assert answer.status == 200 and json.loads(answer.read()) == body
    write(i, _allowlist_target)
'''


def pytest_run(folder: Path, name: str, env: dict) -> tuple[float, float, str]:
    """(wall seconds, children's CPU seconds, last output line) of one pytest process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", *INNER, name], cwd=folder, env=env, capture_output=True,
                          text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    last = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        raise RuntimeError(f"pytest {name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return wall, cpu, last


def environment(src: str | None, bytecode_cache: bool) -> dict:
    env = dict(os.environ)
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    if src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(src).resolve()), env.get("PYTHONPATH")]))
    return env


def per_test(n: int, rounds: int, env: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for key, text in SUITES.items():
            (folder / f"test_{key}.py").write_text(text.format(n=n))
            pytest_run(folder, f"test_{key}.py", env)  # unmeasured: caches written, files read once
        runs: dict[str, list[tuple[float, float]]] = {key: [] for key in SUITES}
        for _ in range(rounds):
            for key in SUITES:
                wall, cpu, last = pytest_run(folder, f"test_{key}.py", env)
                runs[key].append((wall, cpu))
                print(f"  {key:<9} {wall:6.3f} s wall  {cpu:6.3f} s CPU   {last}", flush=True)
    best = {key: (min(r[0] for r in rows), min(r[1] for r in rows)) for key, rows in runs.items()}
    cache = "off (PYTHONDONTWRITEBYTECODE=1)" if env.get("PYTHONDONTWRITEBYTECODE") else "on"
    print(f"{n} tests, best of {rounds} rounds each, bytecode cache {cache}:")
    for key, (wall, cpu) in best.items():
        print(f"  {key:<9} {wall:.3f} s wall, {cpu:.3f} s CPU")
    bare_wall, bare_cpu = best["bare"]
    for key in ("fixture", "emulator"):
        wall, cpu = best[key]
        print(f"  per test, {key} - bare: +{(wall - bare_wall) / n * 1000:.2f} ms wall, "
              f"+{(cpu - bare_cpu) / n * 1000:.2f} ms CPU" + (" (session start-up of the emulator included)"
                                                             if key == "emulator" else ""))


def rss(n: int, env: dict) -> None:
    every = max(1, n // 10)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for key, suite in (("bare", RSS_BARE), ("emulator", RSS_EMULATOR)):
            log = folder / f"{key}.log"
            (folder / "rss_log.py").write_text(RSS_LOGGER.format(n=n, log=str(log), every=every))
            (folder / f"test_rss_{key}.py").write_text(suite.format(n=n))
            wall, _cpu, last = pytest_run(folder, f"test_rss_{key}.py", env)
            print(f"{key}: {n:,} tests in {wall:.0f} s: {last}", flush=True)
            results[key] = [line.split() for line in log.read_text().splitlines()]
    print(f"  {'after test':>10} {'bare MB':>8} {'emulator MB':>12} {'difference':>11} {'blocks, diff.':>14} "
          f"{'namespaces held':>16} {'journal':>8}")
    for (i, bare_mb, _, _, bare_blocks), (_, mb, held, journal, blocks) in zip(results["bare"], results["emulator"]):
        print(f"  {int(i) + 1:>10,} {float(bare_mb):>8.1f} {float(mb):>12.1f} {float(mb) - float(bare_mb):>+11.1f} "
              f"{int(blocks) - int(bare_blocks):>+14,} {held:>16} {journal:>8}")
    # the second half: the journal's ring (10,000 requests) is full from 5,000 tests on
    last = len(results["bare"]) - 1
    first = last // 2
    span = (int(results["bare"][last][0]) - int(results["bare"][first][0])) / 10_000
    if span > 0:
        growth = {key: (float(rows[last][1]) - float(rows[first][1])) / span for key, rows in results.items()}
        blocks = {key: (int(rows[last][4]) - int(rows[first][4])) / span for key, rows in results.items()}
        print(f"  growth per 10,000 tests from test {int(results['bare'][first][0]) + 1:,} on: bare {growth['bare']:+.2f} MB, "
              f"emulator {growth['emulator']:+.2f} MB, difference {growth['emulator'] - growth['bare']:+.2f} MB; "
              f"Python's allocated blocks (sys.getallocatedblocks): bare {blocks['bare']:+,.0f}, "
              f"emulator {blocks['emulator']:+,.0f}, difference {blocks['emulator'] - blocks['bare']:+,.0f}")


ALONE = '''
import base64, http.client, json, sys

from allowlist_emulator.pytest_plugin import Target, _start_in_process

N = {n}
server = _start_in_process()
mounts = {{vendor: server.emulator.base_path(vendor) for vendor in server.emulator.vendors}}
target = Target(server.url, {{v: server.url + m for v, m in mounts.items()}}, {{}}, server, mounts=mounts)
connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
headers = {{"Authorization": "Basic " + base64.b64encode(b"d2cadmin:d2cadmin").decode(), "Content-Type": "application/json"}}
SYSTEM = "/api/admin/security/whitelist/system"


def rss_mb():
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) / 1024.0 for line in handle if line.startswith("VmRSS:"))


for i in range(N):
    namespace, mark = target.new_namespace(), target.mark()
    path = target.base("hdp", namespace).removeprefix(server.url) + SYSTEM
    body = {{"managementAPI": [{{"startAddress": "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)}}]}}
    connection.request("POST", path, json.dumps(body), headers)
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 201, answer.status
    connection.request("GET", path, headers=headers)
    answer = connection.getresponse()
    assert json.loads(answer.read()) == body
    target.drop(namespace, mark)
    if (i + 1) % max(1, N // 10) == 0:
        print(i + 1, f"{{rss_mb():.1f}}", sys.getallocatedblocks(), len(server.emulator.store.names()), flush=True)
server.stop()
'''


def alone(n: int, env: dict) -> None:
    done = subprocess.run([sys.executable, "-c", ALONE.format(n=n)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    print(f"  {'after test':>10} {'MB':>7} {'allocated blocks':>17} {'namespaces held':>16}")
    for line in done.stdout.split("\n"):
        if line.strip():
            i, mb, blocks, held = line.split()
            print(f"  {int(i):>10,} {float(mb):>7.1f} {int(blocks):>17,} {held:>16}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tests", type=int, default=300)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--rss", type=int, metavar="N", help="instead: memory over N tests that each write and read")
    p.add_argument("--alone", type=int, metavar="N", help="instead: memory over N such tests' work, without pytest")
    p.add_argument("--no-bytecode-cache", action="store_true", help="run the children with PYTHONDONTWRITEBYTECODE=1")
    p.add_argument("--src", help="run another source tree's allowlist_emulator (before/after comparisons)")
    args = p.parse_args(argv)
    env = environment(args.src, not args.no_bytecode_cache)
    if args.alone:
        alone(args.alone, env)
    elif args.rss:
        rss(args.rss, env)
    else:
        per_test(args.tests, args.rounds, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
