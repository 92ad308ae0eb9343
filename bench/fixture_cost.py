"""What the pytest fixture ``allowlist_emulator`` costs a test, and whether a long session's memory stays flat.

    .venv/bin/python bench/fixture_cost.py                      # per-test cost: 300 tests, bare vs with the fixture
    .venv/bin/python bench/fixture_cost.py --tests 1000 --rounds 5
    .venv/bin/python bench/fixture_cost.py --src /path/to/other/src   # the same against another source tree
    .venv/bin/python bench/fixture_cost.py --rss 100000         # RSS over 100,000 tests that each write and read

**Per-test cost.** Two generated suites of N empty tests run in fresh pytest processes: one bare, one whose tests take
``allowlist_emulator``. The difference of the two wall times, divided by N, is what the fixture adds per test,
session start-up (the in-process emulator) included. Each suite runs ``--rounds`` times, alternating; the best
round of each counts (other work on the machine only ever slows a round down), and the children's CPU time is
shown too (less disturbed by neighbours on a shared machine).

**Memory.** One pytest process runs N tests; each writes an HDP system whitelist through ``base("hdp")`` only (the
namespace is in the URL) and reads it back, so every test creates a namespace with state. Every N/10 tests the
process's VmRSS and the number of namespaces the emulator holds are written down: flat RSS and a namespace count
that does not grow mean that what tests create is dropped when they end.
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

BARE = '''
import pytest

@pytest.mark.parametrize("i", range({n}))
def test_bare(i):
    pass
'''

WITH_FIXTURE = '''
import pytest

@pytest.mark.parametrize("i", range({n}))
def test_with_fixture(i, allowlist_emulator):
    pass
'''

RSS_SUITE = '''
import pytest
import requests

HTTP = requests.Session()
LOG = {log!r}
EVERY = {every}
SYSTEM = "/api/admin/security/whitelist/system"


def rss_mb():
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0


@pytest.mark.parametrize("i", range({n}))
def test_write_read(i, allowlist_emulator, _allowlist_target):
    base = allowlist_emulator.base("hdp")
    auth = allowlist_emulator.credentials["hdp"]["auth"]
    body = {{"managementAPI": [{{"startAddress": "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)}}]}}
    assert HTTP.post(base + SYSTEM, json=body, auth=auth, timeout=10).status_code == 201
    assert HTTP.get(base + SYSTEM, auth=auth, timeout=10).json() == body
    if i % EVERY == 0 or i == {n} - 1:
        store = _allowlist_target.server.emulator.store
        with open(LOG, "a") as handle:
            handle.write(f"{{i}} {{rss_mb():.1f}} {{len(store.names())}} {{store.created}}\\n")
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


def environment(src: str | None) -> dict:
    env = dict(os.environ)
    env.pop("PYTEST_XDIST_WORKER", None)
    if src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(src).resolve()), env.get("PYTHONPATH")]))
    return env


def per_test(n: int, rounds: int, env: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "test_bare.py").write_text(BARE.format(n=n))
        (folder / "test_with_fixture.py").write_text(WITH_FIXTURE.format(n=n))
        runs: dict[str, list[tuple[float, float]]] = {"test_bare.py": [], "test_with_fixture.py": []}
        for _ in range(rounds):
            for name in runs:
                wall, cpu, last = pytest_run(folder, name, env)
                runs[name].append((wall, cpu))
                print(f"  {name:<22} {wall:6.3f} s wall  {cpu:6.3f} s CPU   {last}", flush=True)
    bare_wall, bare_cpu = (min(r[i] for r in runs["test_bare.py"]) for i in (0, 1))
    fx_wall, fx_cpu = (min(r[i] for r in runs["test_with_fixture.py"]) for i in (0, 1))
    print(f"{n} tests, best of {rounds} rounds each:")
    print(f"  bare          {bare_wall:.3f} s wall, {bare_cpu:.3f} s CPU")
    print(f"  with fixture  {fx_wall:.3f} s wall, {fx_cpu:.3f} s CPU (session start-up of the emulator included)")
    print(f"  per test: +{(fx_wall - bare_wall) / n * 1000:.2f} ms wall, +{(fx_cpu - bare_cpu) / n * 1000:.2f} ms CPU")


def rss(n: int, env: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        log = folder / "rss.log"
        (folder / "test_rss.py").write_text(RSS_SUITE.format(n=n, log=str(log), every=max(1, n // 10)))
        wall, _cpu, last = pytest_run(folder, "test_rss.py", env)
        print(f"{n} tests in {wall:.0f} s: {last}")
        print(f"  {'after test':>10} {'VmRSS MB':>9} {'namespaces held':>16} {'created so far':>15}")
        for line in log.read_text().splitlines():
            i, mb, held, created = line.split()
            print(f"  {int(i) + 1:>10,} {float(mb):>9.1f} {int(held):>16,} {int(created):>15,}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tests", type=int, default=300)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--rss", type=int, metavar="N", help="instead: RSS over N tests that each write and read")
    p.add_argument("--src", help="run another source tree's allowlist_emulator (before/after comparisons)")
    args = p.parse_args(argv)
    env = environment(args.src)
    if args.rss:
        rss(args.rss, env)
    else:
        per_test(args.tests, args.rounds, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
