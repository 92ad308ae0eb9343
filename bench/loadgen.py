"""Load generators: wrk (when it is on PATH) or a built-in asyncio one (aiohttp client), with the same interface.

Both keep ``connections`` keep-alive connections busy for ``duration`` seconds against one loopback URL and return
``{"requests", "seconds", "rps", "p50_ms", "p99_ms", "errors"}`` where ``errors`` counts answers >= 400 and socket
errors. A ``Load`` may vary its body per request: ``body`` holds ``{n}``, replaced by a 24-bit counter rendered as an
IPv4 address in 10.0.0.0/8 (``counter_base`` keeps runs against one server from repeating addresses).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field


@dataclass
class Load:
    method: str
    url: str  # http://127.0.0.1:PORT/path?query
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # may hold {n}: a distinct 10.x.y.z per request
    counter_base: int = 0

    @property
    def varies(self) -> bool:
        return self.body is not None and "{n}" in self.body


def counter_ip(n: int) -> str:
    n %= 1 << 24
    return f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


# -- wrk ------------------------------------------------------------------------------------------------------------------


def _lua_string(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def wrk_script(load: Load) -> str:
    lines = [f"wrk.method = {_lua_string(load.method)}"]
    for name, value in load.headers.items():
        lines.append(f"wrk.headers[ {_lua_string(name)} ] = {_lua_string(value)}")
    if load.body is not None and not load.varies:
        lines.append(f"wrk.body = {_lua_string(load.body)}")
    if load.varies:
        prefix, suffix = load.body.split("{n}", 1)
        lines += [
            f"local counter = {int(load.counter_base)}",
            f"local prefix, suffix = {_lua_string(prefix)}, {_lua_string(suffix)}",
            "request = function()",
            "  counter = counter + 1",
            "  local n = counter % 16777216",
            "  local ip = string.format('10.%d.%d.%d', math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)",
            "  return wrk.format(nil, nil, nil, prefix .. ip .. suffix)",
            "end",
        ]
    lines += [
        "done = function(summary, latency, requests)",
        "  local e = summary.errors",
        "  io.write(string.format('BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p99_us\":%d,"
        "\"status_errors\":%d,\"socket_errors\":%d}\\n', summary.requests, summary.duration, latency:percentile(50),"
        " latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))",
        "end",
    ]
    return "\n".join(lines) + "\n"


def run_wrk(load: Load, connections: int, duration: float, threads: int = 1) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(wrk_script(load))
        script = handle.name
    try:
        seconds = max(1, int(round(duration)))
        cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, load.url]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(script)
    match = re.search(r"BENCHJSON (\{.*\})", out.stdout)
    if not match:
        raise RuntimeError(f"wrk gave no summary (exit {out.returncode}): {out.stdout[-500:]} {out.stderr[-500:]}")
    data = json.loads(match.group(1))
    secs = data["duration_us"] / 1e6
    return {
        "tool": f"wrk -t{threads} -c{connections} -d{seconds}s",
        "requests": data["requests"],
        "seconds": round(secs, 3),
        "rps": data["requests"] / secs if secs else 0.0,
        "p50_ms": data["p50_us"] / 1000.0,
        "p99_ms": data["p99_us"] / 1000.0,
        "errors": data["status_errors"] + data["socket_errors"],
    }


# -- built-in asyncio generator -----------------------------------------------------------------------------------------


async def _run_python(load: Load, connections: int, duration: float) -> dict:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    counter = load.counter_base
    parts = load.body.split("{n}", 1) if load.varies else None
    data = load.body.encode("utf-8") if load.body is not None and not load.varies else None
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, skip_auto_headers=("User-Agent",)) as session:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                body = data
                if parts is not None:
                    counter += 1
                    body = (parts[0] + counter_ip(counter) + parts[1]).encode("utf-8")
                started = time.perf_counter()
                try:
                    async with session.request(load.method, load.url, headers=load.headers, data=body) as response:
                        await response.read()
                        if response.status >= 400:
                            errors += 1
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    errors += 1
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100.0))] * 1000.0

    return {
        "tool": f"python asyncio generator, {connections} connections, {duration:g}s",
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "errors": errors,
    }


def run_python(load: Load, connections: int, duration: float) -> dict:
    return asyncio.run(_run_python(load, connections, duration))


def run(load: Load, connections: int, duration: float, tool: str = "auto") -> dict:
    """``tool``: auto (wrk when on PATH) | wrk | python."""
    if tool == "wrk" or (tool == "auto" and have_wrk()):
        return run_wrk(load, connections, duration)
    return run_python(load, connections, duration)
