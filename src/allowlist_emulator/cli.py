"""``allowlist-emulator``: serve · contract · record · replay · replicate · diff · decide. Thin: parses options and calls the parts."""

from __future__ import annotations

import gc

# Start-up (imports, specs, validators, routes) only allocates objects that live for good: collecting garbage meanwhile
# is ~10% of the cold start for nothing. Collection is back on once the imports are done (and after build_app in serve),
# with what they built frozen first.
_GC_WAS_ENABLED = gc.isenabled()
gc.disable()

import argparse  # noqa: E402
import errno  # noqa: E402
import ipaddress  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Sequence  # noqa: E402

from . import __version__  # noqa: E402
from .lazy_tls import import_aiohttp  # noqa: E402

import_aiohttp()  # its TLS client contexts load the CA files when first used, not now (lazy_tls.py)

from .app import DEFAULT_BODY_TIMEOUT, JOURNAL_MAX_BYTES, MAX_FAULTS, MAX_STATE_BYTES, Options, served_vendors  # noqa: E402
from .arguments import load_config as _load_config, seconds as _seconds  # noqa: E402
from .engine.connections import KEEPALIVE_SECONDS  # noqa: E402
from .engine.journal import MAX_FEEDS  # noqa: E402
from .vendors import REGISTRY  # noqa: E402

if _GC_WAS_ENABLED:
    gc.freeze()  # the imports' ~60,000 objects live for good; unfrozen, the first collection walks them all (~15 ms)
    gc.enable()

EXIT_USAGE = 2
ADMIN_TOKEN_ENV = "ALLOWLIST_EMULATOR_ADMIN_TOKEN"  # --admin-token's value when the option is not given
REHEARSAL = ("replicate", "diff", "decide")  # rehearsal/cli.py


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0-65535; 0 picks a free one)")
    return value


_UNITS = {"": 1, "k": 1024, "kb": 1000, "kib": 1024, "m": 1024 ** 2, "mb": 1000 ** 2, "mib": 1024 ** 2,
          "g": 1024 ** 3, "gb": 1000 ** 3, "gib": 1024 ** 3}


def _size(text: str) -> int:
    """A size in bytes: ``67108864``, ``64MiB``, ``512k``, ``2G`` (k, M, G: powers of 1024; kB, MB, GB: of 1000)."""
    import re

    match = re.fullmatch(r"\s*([0-9]{1,15})\s*([A-Za-z]{0,3})\s*", text)
    unit = match and _UNITS.get(match.group(2).lower())
    if not match or not unit:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size in bytes (such as 67108864, 64MiB, 512k)")
    value = int(match.group(1)) * unit
    if not 65536 <= value <= 1 << 40:
        raise argparse.ArgumentTypeError(f"{text} must be at least 64 KiB and at most 1 TiB")
    return value


def _count(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 10_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 10000000")
    return int(text)


def _base_path(text: str) -> str:
    """A vendor's mount: a path below the root, such as /api/v2 (B2Core's [base])."""
    import re

    if not re.fullmatch(r"(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+/?", text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a path below the root such as /api/v2: it must start with /, name at least one "
            "segment, and hold no spaces, ?, # or {}")
    return text.rstrip("/")


def _mount(text: str) -> tuple[str, str]:
    """--mount KEY=PATH: where vendor KEY's spec paths start."""
    key, sep, path = text.partition("=")
    if not sep or key not in REGISTRY:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=PATH with KEY one of {', '.join(REGISTRY)}")
    return key, _base_path(path)


class _MountAlias(argparse.Action):
    """A vendor's own spelling of ``--mount KEY=PATH`` (``Vendor.mount_option``): PATH goes to ``--mount``'s list."""

    def __init__(self, option_strings, dest, key: str = "", **kwargs):
        self.key = key
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        mounts = list(getattr(namespace, self.dest, None) or [])
        mounts.append((self.key, values))
        setattr(namespace, self.dest, mounts)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def banner(url: str, options: Options, emulator) -> str:
    lines = [f"allowlist-emulator {__version__} listening on {url}", ""]
    for key, vendor in emulator.vendors.items():
        lines.append(f"  {vendor.title} ({key}): {url}{vendor.mount or ''}" + ("" if vendor.mount else "  (at its real paths)"))
        for line in vendor.demo:
            lines.append(f"      {line}")
    lines += ["", f"  control plane: {url}/_emulator/health  (reset, state, requests, faults, clock, decide)",
              f"  namespaces:    {url}/_ns/<name> as the base URL, or X-Emulator-Namespace: <name>  (an isolated state each)",
              f"  dashboard:     {url}/_emulator/ui  (state, live request journal, controls; in a browser)"]
    return "\n".join(lines)


def _event_loop(choice: str):
    """uvloop (the ``fast`` extra) when installed and not declined: ~10 µs less per request; else asyncio's."""
    if choice != "asyncio":
        try:
            import uvloop
        except ImportError:
            if choice == "uvloop":
                raise SystemExit("allowlist-emulator: --loop uvloop: uvloop is not installed (pip install 'allowlist-emulator[fast]')") from None
        else:
            return uvloop.new_event_loop()
    return None  # aiohttp makes the asyncio loop


def serve(args: argparse.Namespace) -> int:
    from .app import EMULATOR, build_app
    from .server import quiet_malformed_http, serve_forever

    quiet_malformed_http()

    def usage(message: str) -> int:
        print(f"allowlist-emulator serve: {message}", file=sys.stderr)
        return EXIT_USAGE

    # the environment keeps the token out of /proc/<pid>/cmdline and ps, which every local user can read
    args.admin_token = args.admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None
    if not _is_loopback(args.host) and not args.admin_token:
        return usage(f"--host {args.host}: binding beyond loopback requires --admin-token (or {ADMIN_TOKEN_ENV}), "
                     "so that nobody else on the network can reset or read the emulator")
    if args.state_file and not Path(args.state_file).resolve().parent.is_dir():
        return usage(f"--state-file {args.state_file}: the folder {Path(args.state_file).resolve().parent} does not exist")
    from .state.persistence import StateFileError

    gc.disable()
    try:
        options = Options(
            vendors=served_vendors(args.vendor),
            config=_load_config(args.config),
            seed=args.seed,
            trust_forwarded_for=args.trust_forwarded_for,
            mounts=dict(args.mount or ()),  # later wins
            admin_token=args.admin_token,
            state_file=args.state_file,
            body_timeout=args.body_timeout,
            max_feeds=args.max_feeds,
            idle_timeout=args.idle_timeout,
            journal_max_bytes=args.journal_max_bytes,
            max_faults=args.max_faults,
            max_state_bytes=args.max_state_bytes,
        )
        app = build_app(options)
    except StateFileError as exc:  # the message starts with the file's path; the option names where it came from
        return usage(f"--state-file {exc}")
    except ValueError as exc:
        return usage(str(exc))
    except OSError as exc:  # the state file cannot be created or read
        return usage(f"--state-file {args.state_file}: {exc.strerror or exc}")
    finally:
        # what start-up built stays for good: freezing it keeps every later collection from walking it again
        gc.freeze()
        gc.enable()
    host = f"[{args.host}]" if ":" in args.host else args.host

    def announce(port: int) -> None:  # once the socket is bound: the banner never names a port nobody listens on
        text = banner(f"http://{host}:{port}", options, app[EMULATOR])
        if not _is_loopback(args.host):
            text += f"\n\n  WARNING: listening on {args.host}, beyond loopback. The control plane needs X-Emulator-Admin-Token."
        print(text, flush=True)

    try:
        serve_forever(app, args.host, args.port, announce, _event_loop(args.loop))
    except OSError as exc:  # bind failed: port in use, address not on this machine, no permission
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        hint = "; choose another with --port (0 picks a free one)" if exc.errno in (errno.EADDRINUSE, errno.EACCES) else ""
        return usage(f"--host {args.host} --port {args.port}: cannot listen: {reason}{hint}")
    return 0


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line naming the option (conventions.md), not argparse's usage block; exit 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="allowlist-emulator", description=f"Emulators of vendors' IP-allowlist APIs: {', '.join(REGISTRY)}.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="serve the emulated vendors and the /_emulator control plane")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; beyond loopback needs --admin-token)")
    s.add_argument("--port", type=_port, default=8080, help="port to listen on (default 8080; 0 picks a free one)")
    s.add_argument("--vendor", action="append", help=f"vendor(s) to serve: {', '.join(REGISTRY)} (repeatable or comma list; default all)")
    s.add_argument("--config", help="YAML file: identities, seed data, limits, fault rules")
    s.add_argument("--state-file", help="keep state in this file across restarts")
    s.add_argument("--trust-forwarded-for", action="store_true", help="take the client address from X-Forwarded-For")
    s.add_argument("--seed", type=int, help="deterministic ids and fake data")
    s.add_argument("--mount", action="append", type=_mount, metavar="KEY=PATH",
                   help="serve vendor KEY's paths below PATH (repeatable); default: "
                        + ", ".join(f"{key}={vendor.mount}" for key, vendor in REGISTRY.items() if vendor.mount)
                        + "; the others at their real paths")
    taken = set()
    for key, vendor in REGISTRY.items():
        if vendor.mount_option and vendor.mount_option not in taken:  # a copied folder keeps its original's spelling
            taken.add(vendor.mount_option)
            s.add_argument(vendor.mount_option, dest="mount", action=_MountAlias, key=key, type=_base_path,
                           metavar="PATH", help=f"the same as --mount {key}=PATH (default {vendor.mount or '/'})")
    s.add_argument("--body-timeout", type=_seconds, default=DEFAULT_BODY_TIMEOUT, metavar="SECONDS",
                   help="a request body that stops arriving is answered 408 (connection closed) after this long, and "
                        "a connection whose request line and headers have not all come in this long is closed "
                        f"(default {DEFAULT_BODY_TIMEOUT:g})")
    s.add_argument("--journal-max-bytes", type=_size, default=JOURNAL_MAX_BYTES, metavar="SIZE",
                   help="paths, queries and bodies the request journal holds; past it the oldest entries go "
                        f"(default {JOURNAL_MAX_BYTES >> 20}MiB)")
    s.add_argument("--max-faults", type=_count, default=MAX_FAULTS, metavar="N",
                   help=f"fault rules one namespace may hold (default {MAX_FAULTS})")
    s.add_argument("--max-state-bytes", type=_size, default=MAX_STATE_BYTES, metavar="SIZE",
                   help="state all namespaces together may hold, counted as JSON; writes past it get 503 "
                        f"(default {MAX_STATE_BYTES >> 20}MiB)")
    s.add_argument("--idle-timeout", type=_seconds, default=KEEPALIVE_SECONDS, metavar="SECONDS",
                   help="a connection that sends no request for this long (before its first or between two) is closed "
                        f"(default {KEEPALIVE_SECONDS:g})")
    s.add_argument("--max-feeds", type=_count, default=MAX_FEEDS, metavar="N",
                   help=f"live-feed streams (the dashboard's GET /_emulator/events) open at once; one more gets 503 "
                        f"(default {MAX_FEEDS})")
    s.add_argument("--admin-token", help="required for /_emulator when binding beyond loopback; better given as the "
                                         f"environment variable {ADMIN_TOKEN_ENV}, which other users cannot read in ps")
    s.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                   help="event loop: auto = uvloop when installed (the 'fast' extra), else asyncio")
    s.set_defaults(func=serve)

    for name, helptext in (("contract", "run the contract suite against a base URL"),
                           ("record", "record a target's exchanges into a VCR cassette"),
                           ("replay", "serve a cassette"),
                           ("replicate", "copy a live allowlist into an emulator namespace (GETs only)"),
                           ("diff", "what changed between two states, per vendor"),
                           ("decide", "would these addresses be admitted (exit 1 if any is refused)")):
        extra = sub.add_parser(name, help=helptext, add_help=False)
        extra.add_argument("rest", nargs=argparse.REMAINDER)
        extra.set_defaults(func=_delegate(name))
    return p


def _delegate(name: str):
    def run(args: argparse.Namespace) -> int:
        if name == "contract":  # it requires the extra itself, after --help (which works without it)
            from .contract.cli import main as contract_main

            return contract_main(args.rest)
        if name in REHEARSAL:
            from .rehearsal.cli import main as rehearsal_main

            return rehearsal_main(name, args.rest)
        from .recording.cli import main as recording_main

        return recording_main(name, args.rest)

    return run


def main(argv: Sequence[str] | None = None) -> int:
    from .extras import MissingExtra

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in ("contract", "record", "replay", *REHEARSAL):
            # argparse's REMAINDER does not take a leading option (``replay --cassette F``), so these skip the parser
            return int(_delegate(argv[0])(argparse.Namespace(rest=argv[1:])) or 0)
        args = parser().parse_args(argv)
        return int(args.func(args) or 0)
    except MissingExtra as exc:  # one line naming the extra, never a traceback
        line = str(exc)
        print(line if line.startswith("allowlist-emulator") else f"allowlist-emulator: {line}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
