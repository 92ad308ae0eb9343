"""Sweep seeds: the contract suite of every vendor, read-only and with writes, against one emulator, for many seeds.

    .venv/bin/python bench/contract_seeds.py [--seeds 1-20] [--vendor KEY ...] [--max-examples 10] [--modes ro,rw]
                                             [--stock] [--json FILE]

The emulator runs as its own process (``allowlist-emulator serve`` on a free loopback port); each run is
``allowlist-emulator contract <vendor> --url BASE --seed N --max-examples M -q`` (``--allow-writes`` for ``rw``), as a
user types it, timed from the outside. A run passes when it exits 0. ``--stock`` also runs stock schemathesis
(``schemathesis run specs/<vendor>.yaml --checks all --phases examples,coverage,fuzzing,stateful``, credentials per
security scheme in schemathesis.toml) per seed and counts the failures no ``x-fidelity`` entry expects
(tests/contract_support.py reads its NDJSON report).

Prints one line per run, then per vendor and mode: seeds passed / swept, and the median and maximum wall time. Exit 1
when any run failed (its output is printed). The tests keep a handful of these seeds (tests/test_contract_seeds.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from allowlist_emulator.contract.choices import vendors  # noqa: E402
from allowlist_emulator.vendors import REGISTRY  # noqa: E402
from tests.contract_support import contract, served, stock_schemathesis  # noqa: E402


def seed_list(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            low, high = part.split("-", 1)
            out.extend(range(int(low), int(high) + 1))
        elif part.strip():
            out.append(int(part))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1-20", help="seeds: a list and/or ranges, e.g. 1-20,42 (default 1-20)")
    parser.add_argument("--vendor", action="append", choices=vendors(), help="only this vendor (repeatable)")
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--modes", default="ro,rw", help="ro (read-only), rw (--allow-writes), or both (default)")
    parser.add_argument("--stock", action="store_true", help="also run stock schemathesis per seed")
    parser.add_argument("--json", metavar="FILE", help="write every run's figures as JSON")
    args = parser.parse_args(argv)
    seeds = seed_list(args.seeds)
    modes = [m for m in args.modes.split(",") if m in ("ro", "rw")]
    chosen = args.vendor or list(vendors())
    runs: list[dict] = []
    failed = False
    with served() as emulator:
        for vendor in chosen:
            base = emulator.url + (REGISTRY[vendor].mount or "")
            for seed in seeds:
                for mode in modes:
                    started = time.monotonic()
                    done = contract(vendor, "--url", base, "--seed", str(seed), "--max-examples",
                                    str(args.max_examples), "-q", *(["--allow-writes"] if mode == "rw" else []))
                    elapsed = time.monotonic() - started
                    ok = done.returncode == 0
                    runs.append({"vendor": vendor, "seed": seed, "mode": mode, "ok": ok, "seconds": round(elapsed, 2)})
                    print(f"{vendor:10} seed {seed:4} {mode}  {'pass' if ok else 'FAIL'}  {elapsed:6.1f} s", flush=True)
                    if not ok:
                        failed = True
                        print(done.stdout[-4000:] + done.stderr[-2000:], flush=True)
                if args.stock:
                    with tempfile.TemporaryDirectory() as folder:
                        started = time.monotonic()
                        _, unexpected, expected = stock_schemathesis(vendor, base, seed, folder, args.max_examples)
                        elapsed = time.monotonic() - started
                    ok = not unexpected
                    runs.append({"vendor": vendor, "seed": seed, "mode": "stock", "ok": ok, "expected": expected,
                                 "unexpected": unexpected, "seconds": round(elapsed, 2)})
                    print(f"{vendor:10} seed {seed:4} stock {'pass' if ok else 'FAIL'}  {elapsed:6.1f} s "
                          f"({expected} expected findings)", flush=True)
                    if not ok:
                        failed = True
                        print("\n".join(unexpected), flush=True)
    print()
    print(f"{'vendor':10} {'mode':6} {'passed':>9} {'median s':>9} {'max s':>7}")
    for vendor in chosen:
        for mode in modes + (["stock"] if args.stock else []):
            mine = [r for r in runs if r["vendor"] == vendor and r["mode"] == mode]
            if mine:
                times = [r["seconds"] for r in mine]
                passed = sum(r["ok"] for r in mine)
                print(f"{vendor:10} {mode:6} {passed:>4}/{len(mine):<4} {statistics.median(times):9.1f} {max(times):7.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"max_examples": args.max_examples, "runs": runs}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
