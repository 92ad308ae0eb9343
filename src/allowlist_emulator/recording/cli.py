"""``allowlist-emulator record`` and ``allowlist-emulator replay`` (``cli.py`` delegates here)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlsplit

from aiohttp import web

from ..engine.spec import specs_dir

EXIT_USAGE = 2


def _known_vendors() -> list[str]:
    return sorted(path.stem for path in specs_dir().glob("*.yaml"))


def _url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL")
    if parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"{text!r}: a base URL has no query or fragment")
    return text.rstrip("/")


def record_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="allowlist-emulator record",
        description="Reverse proxy on HOST:PORT that forwards to --target and records every exchange, redacted, to a "
                    "VCR.py cassette; each response is checked against specs/<vendor>.yaml and drift is reported. "
                    "SIGINT or SIGTERM writes the cassette and stops (exit 0).",
    )
    p.add_argument("vendor", help=f"whose spec the responses are checked against: {', '.join(_known_vendors())}")
    p.add_argument("--target", required=True, type=_url,
                   help="where requests are forwarded: where the vendor's paths start (for B2Core, its [base])")
    p.add_argument("--cassette", required=True, help="the YAML cassette to write (rewritten after every exchange)")
    p.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--record-as", type=_url, metavar="URL",
                   help="base URL written in the cassette instead of --target (e.g. the production host when "
                        "recording the emulator)")
    p.add_argument("--append", action="store_true", help="keep the interactions already in --cassette")
    p.add_argument("--redact", action="append", default=[], metavar="TEXT",
                   help="also replace this text wherever it appears (repeatable)")
    p.add_argument("--drop-header", action="append", default=[], metavar="NAME",
                   help="leave this response header out of the cassette (repeatable), e.g. Date")
    p.add_argument("--no-drift", action="store_true", help="do not check responses against the spec")
    p.add_argument("--fail-on-drift", action="store_true", help="exit 1 at the end when any response drifted")
    return p


MAX_NAMESPACES = 10_000


def _positive(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 10_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 10000000")
    return int(text)


def replay_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="allowlist-emulator replay",
        description="Serve VCR.py cassettes as a mock: method, path, query and body must match a recorded request; "
                    "an unmatched request gets 404 naming the nearest recorded one.",
    )
    p.add_argument("--cassette", required=True, action="append", help="cassette to serve (repeatable)")
    p.add_argument("--port", type=int, default=8082, help="port to listen on (default 8082; 0 picks a free one)")
    p.add_argument("--max-namespaces", type=_positive, default=MAX_NAMESPACES, metavar="N",
                   help=f"namespaces that play the cassettes each from the start (default {MAX_NAMESPACES}); more get 503")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    return p


async def serve_until_signalled(app: web.Application, host: str, port: int, announce: Callable[[str], None]) -> None:
    """Serve ``app`` until SIGINT or SIGTERM; ``announce(url)`` once listening."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        shown = f"[{host}]" if ":" in host else host
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        announce(f"http://{shown}:{bound}")
        await stop.wait()
    finally:
        await runner.cleanup()


def record(argv: Sequence[str]) -> int:
    args = record_parser().parse_args(argv)
    if args.vendor not in _known_vendors():
        print(f"allowlist-emulator record: unknown vendor {args.vendor!r}; known: {', '.join(_known_vendors())}",
              file=sys.stderr)
        return EXIT_USAGE
    if not args.no_drift:
        from ..extras import require

        require("record", "allowlist-emulator record (its drift checks; --no-drift records without them)")
    from .proxy import Recorder

    try:
        recorder = Recorder(args.vendor, args.target, args.cassette, record_as=args.record_as,
                            check_drift=not args.no_drift, drop_response_headers=args.drop_header,
                            redact=args.redact, append=args.append)
    except (OSError, ValueError) as exc:
        print(f"allowlist-emulator record: --cassette {args.cassette}: {exc}", file=sys.stderr)
        return EXIT_USAGE

    def announce(url: str) -> None:
        recorder.write()  # an empty cassette exists from the start
        print(f"allowlist-emulator record {args.vendor}: listening on {url}, forwarding to {recorder.target}", flush=True)
        print(f"  cassette {Path(args.cassette)} (URLs recorded as {recorder.record_as}/...); "
              "SIGINT or SIGTERM writes it and stops", flush=True)

    try:
        asyncio.run(serve_until_signalled(recorder.app(), args.host, args.port, announce))
    except OSError as exc:
        print(f"allowlist-emulator record: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    recorder.write()
    print(recorder.summary(), file=sys.stderr, flush=True)
    if args.fail_on_drift and recorder.drift is not None and recorder.drift.findings:
        return 1
    return 0


def cassette_file(name: str) -> Path:
    """``--cassette`` as given: a file, or a shipped cassette named ``vendor/name`` (``hdp/tenant_whitelists``)."""
    path = Path(name)
    if path.exists():
        return path
    vendor, sep, rest = name.partition("/")
    if sep and rest and "/" not in rest:
        from . import cassette_path

        try:
            return cassette_path(vendor, rest)
        except FileNotFoundError as exc:
            if vendor in _known_vendors():
                raise ValueError(f"no such file, and {exc}") from None
    raise ValueError("no such file (a shipped cassette is named vendor/name, as fixtures/<vendor>/README.md lists them)")


def replay(argv: Sequence[str]) -> int:
    args = replay_parser().parse_args(argv)
    from . import cassette as cas
    from .replay import Replayer

    items: list[tuple[str, cas.Interaction]] = []
    for name in args.cassette:
        try:
            path = cassette_file(name)
            items.extend((str(path), item) for item in cas.load(path))
        except Exception as exc:  # anything that is not a readable cassette: one line naming the file, never a traceback
            reason = str(exc) if isinstance(exc, ValueError) else f"not a VCR.py cassette ({type(exc).__name__}: {exc})"
            if isinstance(exc, OSError):
                reason = exc.strerror or str(exc)
            print(f"allowlist-emulator replay: --cassette {name}: {' '.join(reason.split())[:300]}", file=sys.stderr)
            return EXIT_USAGE
    replayer = Replayer(items, max_namespaces=args.max_namespaces)

    def announce(url: str) -> None:
        print(f"allowlist-emulator replay: serving {len(replayer.recorded)} interaction(s) from "
              f"{', '.join(args.cassette)} on {url}  (status: {url}/_replay)", flush=True)

    try:
        asyncio.run(serve_until_signalled(replayer.app(), args.host, args.port, announce))
    except OSError as exc:
        print(f"allowlist-emulator replay: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def main(name: str, argv: Sequence[str]) -> int:
    if name == "record":
        return record(list(argv))
    if name == "replay":
        return replay(list(argv))
    raise ValueError(f"unknown recording command {name!r}")
