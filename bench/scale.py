"""Scale figures, measured in-process (and over HTTP by ``run.py``): decide with N entries, a list page of 20 with N
entries, and loading every spec in a fresh process.

    python bench/scale.py specs            # JSON: ms to load each vendor spec (parse, resolve $refs, compile validators)
    python bench/scale.py decide [--entries 100000]
    python bench/scale.py page [--entries 100000]
    python bench/scale.py config FILE [--entries 100000]   # a --config YAML with N HDP system ranges and N CodeArts rules

Every command prints one JSON object. Nothing here is a test: figures go to the benchmark's table only.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import statistics
import sys
import time

BASE = int(ipaddress.IPv4Address("11.0.0.0"))  # entry i covers BASE + 16 i .. BASE + 16 i + 7; the rest are gaps
STRIDE = 16


def _ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def hdp_ranges(n: int) -> list[dict]:
    return [{"startAddress": _ip(BASE + STRIDE * i), "endAddress": _ip(BASE + STRIDE * i + 7)} for i in range(n)]


def codearts_rules(n: int) -> list[dict]:
    return [{"ip_type": 1, "ip_start": _ip(BASE + STRIDE * i), "ip_end": _ip(BASE + STRIDE * i + 7), "view_flag": 1,
             "download_flag": 1, "upload_flag": 0} for i in range(n)]


def probes(n: int, count: int, seed: int = 7) -> list[tuple[str, bool]]:
    """``count`` addresses, half inside an entry and half in the gaps, with the expected answer."""
    rng = random.Random(seed)
    out = []
    for k in range(count):
        i = rng.randrange(n)
        inside = k % 2 == 0
        out.append((_ip(BASE + STRIDE * i + (3 if inside else 12)), inside))
    return out


def _per_call_us(func, args_list, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for args in args_list:
            func(*args)
        best = min(best, (time.perf_counter() - started) / len(args_list))
    return best * 1e6


# -- specs ------------------------------------------------------------------------------------------------------------------


def specs() -> dict:
    """Load every spec in a fresh interpreter (imports first, so only the loading is timed)."""
    from allowlist_emulator.engine import spec as spec_module
    from allowlist_emulator.vendors import REGISTRY

    directory = spec_module.specs_dir()
    keys = [key for key in REGISTRY if (directory / f"{key}.yaml").exists()]
    per: dict[str, float] = {}
    started = time.perf_counter()
    for key in keys:
        t = time.perf_counter()
        spec_module.vendor_spec(key)
        per[key] = (time.perf_counter() - t) * 1000.0
    total = (time.perf_counter() - started) * 1000.0
    from allowlist_emulator.app import build_app

    t = time.perf_counter()
    build_app()
    rest = (time.perf_counter() - t) * 1000.0
    return {"specs": keys, "registered": list(REGISTRY), "per_spec_ms": per, "total_ms": total,
            "build_app_after_specs_ms": rest}


# -- decide -----------------------------------------------------------------------------------------------------------------


def decide(entries: int) -> dict:
    from allowlist_emulator.state import Clock
    from allowlist_emulator.vendors.hdp import models as hdp

    out: dict = {"entries": entries}
    t = time.perf_counter()
    model = hdp.HdpModel.seeded({"whitelists": {"system": {"managementAPI": hdp_ranges(entries)}}}, random.Random(1), Clock())
    out["hdp_seed_s"] = time.perf_counter() - t
    user = model.users["d2cadmin"]
    sample = probes(entries, 20_000)
    addresses = [(ipaddress.ip_address(text), "managementAPI", user) for text, _ in sample]
    t = time.perf_counter()
    model.admits(addresses[0][0], "managementAPI", user)  # builds the interval index (lazily, once per write)
    out["hdp_index_build_ms"] = (time.perf_counter() - t) * 1000.0
    wrong = sum(1 for (address, _, _), (_, inside) in zip(addresses, sample) if model.admits(address, "managementAPI", user)[0] != inside)
    out["hdp_wrong_answers"] = wrong
    out["hdp_admits_us"] = _per_call_us(model.admits, addresses)
    queries = [(model, {"ip": text}, None) for text, _ in sample]
    out["hdp_decide_us"] = _per_call_us(hdp.decide, queries)

    try:
        from allowlist_emulator.vendors.codearts import models as ca
    except ImportError:  # pragma: no cover - CodeArts not there yet
        out["codearts"] = "skipped: CodeArts is not in this tree"
        return out
    model_ca = _codearts_model(entries)
    queries = [(model_ca, {"ip": text}, None) for text, _ in sample]
    t = time.perf_counter()
    ca.decide(model_ca, {"ip": sample[0][0]}, None)
    out["codearts_index_build_ms"] = (time.perf_counter() - t) * 1000.0
    out["codearts_wrong_answers"] = sum(1 for (m, q, n), (_, inside) in zip(queries, sample) if ca.decide(m, q, n)["allowed"] != inside)
    out["codearts_decide_us"] = _per_call_us(ca.decide, queries)

    for key, build in (("b2core", _b2core_model), ("talend", _talend_model)):
        try:
            vendor_model, vendor_decide, namespace = build(entries)
        except ImportError:  # pragma: no cover - vendor not in this tree
            out[key] = f"skipped: {key} is not in this tree"
            continue
        queries = [(vendor_model, {"ip": text}, namespace) for text, _ in sample]
        t = time.perf_counter()
        vendor_decide(*queries[0])
        out[f"{key}_index_build_ms"] = (time.perf_counter() - t) * 1000.0
        out[f"{key}_wrong_answers"] = sum(1 for q, (_, inside) in zip(queries, sample) if vendor_decide(*q)["allowed"] != inside)
        out[f"{key}_decide_us"] = _per_call_us(vendor_decide, queries)
    return out


def _cidr(i: int) -> str:
    """Entry i of the scale lists as a CIDR block: BASE + 16 i /29 covers the same 8 addresses as hdp_ranges."""
    return f"{_ip(BASE + STRIDE * i)}/29"


class _Namespace:  # what a decide reads of a namespace: its clock
    def __init__(self):
        from allowlist_emulator.state import Clock

        self.clock = Clock()


def _b2core_model(entries: int):
    from allowlist_emulator.state import Clock
    from allowlist_emulator.vendors.b2core import models as b2

    config = {"policies": [{"ipAddress": _cidr(i), "policy": "allow", "ttl": 0} for i in range(entries)]}
    return b2.B2CoreModel.seeded(config, random.Random(1), Clock()), b2.decide, _Namespace()


def _talend_model(entries: int):
    from allowlist_emulator.state import Clock
    from allowlist_emulator.vendors.talend import models as talend

    config = {"policy": {"enabled": True, "description": "scale", "ips": [{"ip": _cidr(i), "description": ""} for i in range(entries)]}}
    return talend.TalendModel.seeded(config, random.Random(1), Clock()), talend.decide, _Namespace()


def _codearts_model(entries: int):
    from datetime import datetime, timezone

    from allowlist_emulator.state import Clock
    from allowlist_emulator.vendors.codearts import models as ca

    model = ca.CodeArtsModel.seeded({}, random.Random(1), Clock())
    now = datetime(2025, 1, 5, 9, 3, 7, tzinfo=timezone.utc)
    for body in codearts_rules(entries):
        model.add(None, body, 9155, now)
    return model


# -- a list page ------------------------------------------------------------------------------------------------------------


class _PageCtx:
    """What the CodeArts list handler reads of a request."""

    def __init__(self, model, offset: int, limit: int):
        self.model = model
        self.query = {"offset": offset, "limit": limit}
        self.request_id = "0" * 32
        self.path: dict = {}


def page(entries: int) -> dict:
    try:
        from allowlist_emulator.vendors.codearts import handlers
    except ImportError:  # pragma: no cover
        return {"entries": entries, "skipped": "CodeArts is not in this tree"}
    out: dict = {"entries": entries, "vendor": "codearts", "operation": "ListTenantTrustedIpAddresses", "limit": 20}
    for size in (1_000, entries):
        t = time.perf_counter()
        model = _codearts_model(size)
        if size == entries:
            out["seed_s"] = time.perf_counter() - t
        for label, offset in (("first", 0), ("middle", size // 2), ("last", size - 20)):
            ctx = _PageCtx(model, offset, 20)
            response = handlers.list_tenant(ctx)
            items = json.loads(response.body)
            assert len(items) == 20 and response.headers["X-Total"] == str(size), (len(items), response.headers)
            assert items[0]["id"] == str(offset + 1), items[0]["id"]
            timings = []
            for _ in range(200):
                started = time.perf_counter()
                handlers.list_tenant(ctx)
                timings.append(time.perf_counter() - started)
            out[f"{label}_page_ms_{size}"] = statistics.median(timings) * 1000.0
    return out


# -- a config with N entries, for the HTTP figures ----------------------------------------------------------------------------


def config(path: str, entries: int) -> dict:
    data = {
        "vendors": {
            "hdp": {"whitelists": {"system": {"managementAPI": hdp_ranges(entries)}}},
            "codearts": {"whitelists": {"tenant": codearts_rules(entries)}},
        }
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, separators=(",", ":"))  # JSON is YAML; the C loader reads it fast
    return {"path": path, "entries": entries}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="scale figures (JSON on stdout)")
    p.add_argument("what", choices=("specs", "decide", "page", "config"))
    p.add_argument("file", nargs="?")
    p.add_argument("--entries", type=int, default=100_000)
    args = p.parse_args(argv)
    if args.what == "specs":
        result = specs()
    elif args.what == "decide":
        result = decide(args.entries)
    elif args.what == "page":
        result = page(args.entries)
    else:
        result = config(args.file, args.entries)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
