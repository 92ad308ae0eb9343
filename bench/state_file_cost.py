"""The cost of ``--state-file`` per acknowledged write: N sequential HDP PUTs over loopback, with and without it.

    python bench/state_file_cost.py [--writes 2000] [--dir DIR] [--json FILE]

Each write replaces tenant 2's whitelist (``PUT /api/admin/security/whitelist/tenants/2``, 3 ranges) in one namespace,
over one keep-alive connection to an in-process server on 127.0.0.1; the server answers only after the new state is
written and fsynced (append-only journal). The state file goes to ``--dir`` (default: a temporary directory, on the
same disk as the system's temp dir), so the fsync figure is that disk's. Prints ms/write for both runs and the
difference, which is the price of durability.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from allowlist_emulator.app import Options  # noqa: E402
from allowlist_emulator.server import EmulatorServer  # noqa: E402

AUTH = "Basic " + base64.b64encode(b"d2cadmin:d2cadmin").decode()
PATH = "/api/admin/security/whitelist/tenants/2"


def run(writes: int, state_file: str | None) -> dict:
    with EmulatorServer(Options(vendors=("hdp",), seed=1, state_file=state_file)) as server:
        session = requests.Session()
        session.headers.update({"Authorization": AUTH, "X-Emulator-Namespace": "bench", "Content-Type": "application/json"})
        url = server.url + PATH
        first = session.post(url, data=json.dumps({"dataAccess": [{"startAddress": "10.0.0.1"}]}))
        assert first.status_code == 201, first.text
        for _ in range(50):  # warm-up
            session.put(url, data=json.dumps({"dataAccess": [{"startAddress": "10.0.0.2"}]}))
        bodies = [json.dumps({"managementAPI": [{"startAddress": f"10.{i // 250 % 250}.{i % 250}.1"}],
                              "adminAPI": [{"startAddress": "192.168.0.1", "endAddress": "192.168.0.255"}],
                              "dataAccess": [{"startAddress": "2001:db8::1"}]}) for i in range(writes)]
        started = time.perf_counter()
        for body in bodies:
            response = session.put(url, data=body)
            if response.status_code != 200:
                raise SystemExit(f"PUT → {response.status_code}: {response.text}")
        elapsed = time.perf_counter() - started
    size = os.path.getsize(state_file) if state_file else 0
    return {"writes": writes, "seconds": round(elapsed, 3), "ms_per_write": round(elapsed * 1000 / writes, 3), "file_bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--dir", help="where the state file goes (default: a temporary directory)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        without = run(args.writes, None)
        with_file = run(args.writes, str(Path(tmp) / "state.jsonl"))
    result = {"without_state_file": without, "with_state_file": with_file,
              "cost_ms_per_write": round(with_file["ms_per_write"] - without["ms_per_write"], 3)}
    print(f"{args.writes} sequential HDP PUTs over loopback (one keep-alive connection)")
    print(f"  without --state-file: {without['ms_per_write']:.3f} ms/write")
    print(f"  with    --state-file: {with_file['ms_per_write']:.3f} ms/write  (file {with_file['file_bytes']} bytes)")
    print(f"  cost of durability:   {result['cost_ms_per_write']:.3f} ms/write (JSON line + write + fsync)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
