"""Recorded fixtures: the recording proxy, VCR.py cassettes, the replay server and the shipped fixtures.

``allowlist-emulator record`` / ``replay`` (``cli.py``), ``proxy.Recorder``, ``replay.Replayer``, ``cassette``
(vcrpy's format, redaction), ``drift`` (responses against the spec), ``generate`` (``fixtures/<vendor>/``).
"""

from __future__ import annotations

from pathlib import Path


def fixtures_dir() -> Path:
    """The shipped cassettes: inside the wheel (``allowlist_emulator/fixtures``) or ``fixtures/`` of a checkout."""
    packaged = Path(__file__).resolve().parents[1] / "fixtures"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "fixtures"


def cassette_path(vendor: str, name: str) -> Path:
    """``cassette_path("hdp", "tenant_whitelists")`` → the shipped ``fixtures/hdp/tenant_whitelists.yaml``."""
    path = fixtures_dir() / vendor / (name if name.endswith(".yaml") else f"{name}.yaml")
    if not path.is_file():
        available = sorted(p.stem for p in (fixtures_dir() / vendor).glob("*.yaml"))
        raise FileNotFoundError(f"no shipped cassette {vendor}/{name}; {vendor} has: {', '.join(available) or 'none'}")
    return path
