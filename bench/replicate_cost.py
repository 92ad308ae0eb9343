"""The cost of ``allowlist-emulator replicate``: time and peak memory to copy N entries per vendor from a local
emulator into another emulator's namespace, against a floor.

    python bench/replicate_cost.py [--entries 10000] [--repeat 3] [--json FILE]
    python bench/replicate_cost.py --instructions --entries 1000

Two emulators run in this process (threads, free loopback ports): the "live" one, a namespace ``prod-<vendor>`` per
vendor loaded with N entries through ``PUT /_emulator/state`` (Talend: one policy of N entries; HDP: N ranges over the system
level and two tenants; CodeArts: N tenant rules, read in pages of 100; B2Core: N policies, pages of 1,000), and the
target. Each figure comes from a child process (``python -c``), so its peak RSS (``VmHWM``) is the command's own:

- **replicate**: ``allowlist-emulator replicate <vendor> --url LIVE --into TARGET`` through the CLI's ``main``; the
  time is ``main``'s (the interpreter's start-up and the imports are left out and reported apart as ``startup_ms``).
- **floor**: the same bytes moved the cheapest way there is: ``GET /_emulator/state`` of the live namespace and
  ``PUT`` of it into the target, with ``requests``: no vendor API, no paging, no conversion. What replicate costs above
  it is the vendor API's paging and the conversion into the state shape.

Each is run ``--repeat`` times; the median time and the largest peak are reported.

``--instructions`` (valgrind, minutes): each child once under callgrind instead, the instructions it executes (stable
to about 1 % here, where wall times are not), less those of the same child that stops after its imports, so the
figures are the copy's own. Use a smaller ``--entries`` (1,000) with it: callgrind runs ~50 times slower.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from allowlist_emulator.app import Options
from allowlist_emulator.server import EmulatorServer

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc).isoformat()


def address(i: int) -> str:
    return f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"


def states(n: int) -> dict:
    third = n // 4
    return {
        "talend": {"policy": {"enabled": True, "description": "bench",
                              "ips": [{"ip": address(i), "description": f"entry {i}"} for i in range(n)]}},
        "hdp": {"whitelists": {
            "system": {"managementAPI": [{"startAddress": address(i)} for i in range(n - 2 * third)]},
            "tenants": {"2": {"managementAPI": [{"startAddress": address(i)} for i in range(third)]},
                        "3": {"dataAccess": [{"startAddress": address(i), "endAddress": address(i)} for i in range(third)]}}}},
        "codearts": {"tenant": [{"ip_type": 0, "ip_start": address(i), "view_flag": 1, "download_flag": i % 2,
                                 "upload_flag": 0, "remark": f"rule {i}", "created_at": NOW, "updated_at": NOW}
                                for i in range(n)]},
        "b2core": {"policies": [{"addressId": f"{i:024x}", "ipAddress": address(i), "policy": "allow",
                                 "ttl": 3600 * (i % 3), "createTime": NOW, "updateTime": NOW} for i in range(n)]},
    }


PEAK = """
def peak_mb():  # VmHWM: this program's own peak (ru_maxrss would keep the forking parent's from before exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

REPLICATE = PEAK + """
import json, sys, time
t0 = time.perf_counter()
from allowlist_emulator.cli import main
import urllib.request, requests  # noqa: what the copy itself uses, imported before the clock starts
import allowlist_emulator.rehearsal.cli, allowlist_emulator.rehearsal.replicate, allowlist_emulator.rehearsal.emulator  # noqa
import allowlist_emulator.contract.auth, allowlist_emulator.contract.readonly  # noqa
from allowlist_emulator.vendors import REGISTRY
REGISTRY[sys.argv[1]].part("replication"), REGISTRY[sys.argv[1]].has("contract") and REGISTRY[sys.argv[1]].part("contract")
t1 = time.perf_counter()
if len(sys.argv) > 4:  # the imports only (the --instructions baseline)
    raise SystemExit(0)
code = main(["replicate", sys.argv[1], "--url", sys.argv[2], "--into", sys.argv[3]])
t2 = time.perf_counter()
print(json.dumps({"code": code, "ms": (t2 - t1) * 1000, "startup_ms": (t1 - t0) * 1000,
                  "peak_mb": peak_mb()}), file=sys.stderr)
"""

FLOOR = PEAK + """
import json, sys, time
import requests
t1 = time.perf_counter()
if len(sys.argv) > 4:  # the imports only (the --instructions baseline)
    raise SystemExit(0)
state = requests.get(sys.argv[2] + "/_emulator/state", timeout=300).json()
target = requests.get(sys.argv[3] + "/_emulator/state", timeout=300).json()
target["vendors"][sys.argv[1]] = state["vendors"][sys.argv[1]]
response = requests.put(sys.argv[3] + "/_emulator/state", json={"vendors": target["vendors"], "clock": target["clock"]}, timeout=300)
t2 = time.perf_counter()
print(json.dumps({"code": int(response.status_code != 200), "ms": (t2 - t1) * 1000, "startup_ms": 0,
                  "peak_mb": peak_mb()}), file=sys.stderr)
"""


def run(script: str, vendor: str, live: str, target: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script, vendor, live, target], capture_output=True, text=True, check=False,
                          timeout=600, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    line = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "{}"
    result = json.loads(line)
    if result.get("code") != 0:
        raise SystemExit(f"{vendor}: failed: {done.stderr[-2000:]}")
    return result


def instructions(script: str, vendor: str, live: str, target: str, baseline: bool = False) -> int:
    """Instructions the child executes under callgrind (its ``Collected :`` line)."""
    import re

    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", script, vendor,
               live, target, *(["baseline"] if baseline else [])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"})
    found = re.search(r"Collected : (\d+)", done.stderr)
    if not found:
        raise SystemExit(f"{vendor}: callgrind gave no count: {done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--instructions", action="store_true", help="instructions under valgrind instead of times")
    parser.add_argument("--vendor", action="append", help="only this vendor (repeatable; default all four)")
    args = parser.parse_args()
    config = {"vendors": {"talend": {"ip_limit": args.entries}}}
    rows = []
    with EmulatorServer(Options(config=config)) as live_server, EmulatorServer(Options(config=config)) as target_server:
        for vendor, vendor_state in states(args.entries).items():
            if args.vendor and vendor not in args.vendor:
                continue
            live = f"{live_server.url}/_ns/prod-{vendor}"  # that vendor's entries only: the floor moves no more
            response = requests.put(f"{live}/_emulator/state", json={"vendors": {vendor: vendor_state}}, timeout=300)
            response.raise_for_status()
            url = live + live_server.emulator.base_path(vendor)
            row = {"vendor": vendor, "entries": args.entries}
            if args.instructions:
                for name, script in (("replicate", REPLICATE), ("floor", FLOOR)):
                    target = f"{target_server.url}/_ns/{name}-{vendor}-valgrind"
                    total = instructions(script, vendor, url if name == "replicate" else live, target)
                    row[f"{name}_minstr"] = round((total - instructions(script, vendor, live, target, True)) / 1e6, 1)
                row["ratio"] = round(row["replicate_minstr"] / row["floor_minstr"], 2)
                rows.append(row)
                continue
            for name, script in (("replicate", REPLICATE), ("floor", FLOOR)):
                results = [run(script, vendor, url if name == "replicate" else live, f"{target_server.url}/_ns/{name}-{vendor}-{i}")
                           for i in range(args.repeat)]
                row[f"{name}_ms"] = round(statistics.median(r["ms"] for r in results), 1)
                row[f"{name}_peak_mb"] = round(max(r["peak_mb"] for r in results), 1)
                if name == "replicate":
                    row["startup_ms"] = round(statistics.median(r["startup_ms"] for r in results), 1)
            row["ratio"] = round(row["replicate_ms"] / row["floor_ms"], 2)
            rows.append(row)
    if args.instructions:
        print(f"replicate {args.entries} entries per vendor: millions of instructions of the command's process under "
              "callgrind, its imports left out")
        print(f"{'vendor':10} {'replicate':>10} {'floor':>8} {'ratio':>6}")
        for r in rows:
            print(f"{r['vendor']:10} {r['replicate_minstr']:>10} {r['floor_minstr']:>8} {r['ratio']:>6}")
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2))
        return 0
    print(f"replicate {args.entries} entries per vendor from a local emulator (median of {args.repeat}; peak RSS of "
          "the command's process)")
    print(f"{'vendor':10} {'replicate ms':>13} {'floor ms':>9} {'ratio':>6} {'replicate MB':>13} {'floor MB':>9} {'start-up ms':>12}")
    for r in rows:
        print(f"{r['vendor']:10} {r['replicate_ms']:>13} {r['floor_ms']:>9} {r['ratio']:>6} {r['replicate_peak_mb']:>13} "
              f"{r['floor_peak_mb']:>9} {r['startup_ms']:>12}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
