"""The benchmark stays runnable (it is run by hand; this only checks that it starts and writes valid wrk scripts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_bench_help():
    result = subprocess.run([sys.executable, str(BENCH / "run.py"), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--quick" in result.stdout


def test_wrk_script_numbers_each_request_and_quotes_everything():
    sys.path.insert(0, str(BENCH))
    try:
        import loadgen
    finally:
        sys.path.remove(str(BENCH))
    script = loadgen.wrk_script(loadgen.Load("POST", "http://127.0.0.1:1/x", {"X-Auth-Token": "t]]"}, '{"ip":"{n}","a":[[1]]}', 7))
    assert 'wrk.headers[ [=[X-Auth-Token]=] ]' in script or "wrk.headers[ [[X-Auth-Token]] ]" in script
    assert "[=[t]]]=]" in script  # a value holding ]] gets a longer bracket
    assert "local counter = 7" in script and "request = function()" in script
    assert loadgen.counter_ip(1) == "10.0.0.1" and loadgen.counter_ip(65536 + 256 + 2) == "10.1.1.2"
