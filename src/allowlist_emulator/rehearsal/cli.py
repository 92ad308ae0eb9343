"""``allowlist-emulator replicate | diff | decide``: rehearse an allowlist change (docs/rehearsal.md).

Exit codes: replicate 0 copied and loaded, 1 nothing loaded (the live side or the target failed); diff 0 equal,
1 different (as diff(1)); decide 0 every address admitted, 1 one or more refused; 2 for usage errors, and for diff and
decide when a side or the emulator cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from ..vendors import REGISTRY

ADMIN_TOKEN_ENV = "ALLOWLIST_EMULATOR_ADMIN_TOKEN"  # as serve reads it (cli.py)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2



def _admin_token_option(p: argparse.ArgumentParser, what: str) -> None:
    """--admin-token, read from the environment by default so that it stays out of ps."""
    p.add_argument("--admin-token", default=os.environ.get(ADMIN_TOKEN_ENV) or None,
                   help=f"{what} (default: ${ADMIN_TOKEN_ENV}, kept out of ps)")

def _vendors() -> list[str]:
    return [key for key, vendor in REGISTRY.items() if vendor.has("replication")]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _vendor_options(name: str) -> dict[str, str]:
    """Option → help, from every vendor folder's replicate module (``OPTIONS`` for replicate, ``DECIDE`` for decide)."""
    out: dict[str, list[str]] = {}
    for key in _vendors():
        for option, text in getattr(REGISTRY[key].part("replication"), name, {}).items():
            out.setdefault(option, []).append(text)
    return {option: "; ".join(texts) for option, texts in out.items()}


def _seconds(text: str) -> float:
    from ..arguments import seconds

    return seconds(text)


def replicate_parser() -> argparse.ArgumentParser:
    from ..contract.auth import Credentials, options_help

    p = _Parser(prog="allowlist-emulator replicate",
                description="Copy a live allowlist into an emulator namespace or a state file, reading with GETs only.")
    p.add_argument("vendor", choices=_vendors())
    p.add_argument("--url", required=True, metavar="LIVE",
                   help="the live deployment's base URL (for a vendor served below a mount, the mount included)")
    auth = p.add_argument_group("credentials of the live side (as for contract; default: the emulator's demo identities)")
    helps = options_help()
    for name in Credentials.__dataclass_fields__:
        auth.add_argument("--" + name.replace("_", "-"), help=helps.get(name, "(no vendor uses it)"))
    for option, text in _vendor_options("OPTIONS").items():
        p.add_argument("--" + option, action="append", metavar="ID", help=text)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--into", metavar="URL", help="a running emulator: its /_ns/<name> URL or a namespace listener's")
    where.add_argument("--state-file", metavar="FILE", help="an emulator state file (created if missing; stop the "
                                                            "emulator that serves it first)")
    p.add_argument("--namespace", help="the namespace to load into: of --state-file (default 'default'), or of --into "
                                       "when its URL names none")
    p.add_argument("--config", metavar="FILE", help="with --state-file: the serve --config the file will be served "
                                                    "with (the replica's identities come from it)")
    _admin_token_option(p, "X-Emulator-Admin-Token of the --into emulator, when it has one")
    p.add_argument("--request-timeout", type=_seconds, default=30.0, metavar="SECONDS",
                   help="per request to the live side (default 30)")
    p.add_argument("--insecure", action="store_true", help="do not verify the live side's TLS certificate")
    p.add_argument("--json", action="store_true", help="print what was copied and where as JSON")
    return p


def replicate(argv: Sequence[str]) -> int:
    from ..extras import require

    require("contract", "allowlist-emulator replicate")
    from ..contract.auth import Credentials, make_auth, unused_options
    from . import emulator
    from .live import ReplicateError
    from .replicate import load_into, load_state_file, read_live

    args = replicate_parser().parse_args(list(argv))
    prog = "allowlist-emulator replicate"

    def usage(message: str) -> int:
        print(f"{prog}: {message}", file=sys.stderr)
        return EXIT_USAGE

    if not emulator.is_url(args.url):
        return usage(f"--url {args.url!r}: expected http(s)://host[:port][/path]")
    credentials = Credentials(token=args.token, user=args.user, password=args.password, ak=args.ak, sk=args.sk,
                              client_id=args.client_id, client_secret=args.client_secret)
    unused = unused_options(args.vendor, credentials)
    if unused:
        return usage(f"{', '.join(unused)} do(es) not apply to {args.vendor}")
    problem = make_auth(args.vendor, args.url, credentials).usage_error()
    if problem:
        return usage(problem)
    part = REGISTRY[args.vendor].part("replication")
    options = {}
    for option in _vendor_options("OPTIONS"):
        values = getattr(args, option.replace("-", "_"), None)
        if values and option not in getattr(part, "OPTIONS", {}):
            return usage(f"--{option} does not apply to {args.vendor}")
        if values:
            if not all(value.isdigit() for value in values):
                return usage(f"--{option}: {', '.join(v for v in values if not v.isdigit())} is not an id (digits)")
            options[option] = values
    config = None
    if args.config:
        if args.into:
            return usage("--config goes with --state-file (a running emulator has its own)")
        from ..arguments import load_config

        try:
            config = load_config(args.config)
        except ValueError as exc:
            return usage(str(exc))
    if args.state_file:
        from pathlib import Path

        if not Path(args.state_file).resolve().parent.is_dir():
            return usage(f"--state-file {args.state_file}: the folder {Path(args.state_file).resolve().parent} does not exist")
    if args.into:
        try:
            _, named = emulator.control_base(args.into)
        except ValueError as exc:
            return usage(f"--into {exc}")
        if named is not None and args.namespace is not None and args.namespace != named:
            return usage(f"--namespace {args.namespace!r} and --into (/_ns/{named}) name different namespaces; give one")
    try:
        copied = read_live(args.vendor, args.url, credentials, options, timeout=args.request_timeout,
                           verify=not args.insecure)
        if args.into:
            where = load_into(copied, args.into, admin_token=args.admin_token, namespace=args.namespace)
        else:
            where = load_state_file(copied, args.state_file, args.namespace or "default", config)
    except (ReplicateError, emulator.EmulatorError) as exc:
        print(f"{prog}: {exc}; nothing was loaded", file=sys.stderr)
        return EXIT_FAILED
    methods = sorted({method for method, _ in copied.sent})
    if args.json:
        print(json.dumps({"vendor": args.vendor, "source": args.url, "requests": len(copied.sent), "methods": methods,
                          "counts": copied.counts, "notes": copied.notes, "loaded_into": where}, indent=2))
        return EXIT_OK
    print(f"read {REGISTRY[args.vendor].title} at {args.url}: {len(copied.sent)} requests ({', '.join(methods)})")
    width = max(map(len, copied.counts), default=0)
    for name, count in copied.counts.items():
        print(f"  {name.ljust(width)}  {count}")
    for note in copied.notes:
        print(f"  note: {note}")
    print(f"loaded into {where}")
    return EXIT_OK


def diff_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="allowlist-emulator diff",
                description="Entries added, removed and changed between two states, in each vendor's own terms. "
                            "Exit 0 when equal, 1 when they differ, 2 when a side cannot be read.")
    for side in ("FROM", "TO"):
        p.add_argument(side.lower(), metavar=side, help="an emulator URL (/_ns/<name> or a listener), a state file "
                                                        "(FILE or FILE#NAMESPACE), or a JSON file of GET /_emulator/state")
    p.add_argument("--vendor", action="append", choices=_vendors(), help="compare only this vendor (repeatable)")
    p.add_argument("--json", action="store_true", help="print the differences as JSON")
    _admin_token_option(p, "X-Emulator-Admin-Token for emulator URLs that need one")
    return p


def diff(argv: Sequence[str]) -> int:
    from .diff import diff_states, render_json, render_text
    from .states import SideError, load

    args = diff_parser().parse_args(list(argv))
    try:
        before = load(args.__dict__["from"], admin_token=args.admin_token)
        after = load(args.to, admin_token=args.admin_token)
    except SideError as exc:
        print(f"allowlist-emulator diff: {exc}", file=sys.stderr)
        return EXIT_USAGE
    diffs = diff_states(before, after, args.vendor)
    if args.json:
        print(json.dumps(render_json(diffs, args.__dict__["from"], args.to), indent=2))
    else:
        print(render_text(diffs, args.__dict__["from"], args.to))
    return EXIT_FAILED if any(d.changes for d in diffs) else EXIT_OK


def decide_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="allowlist-emulator decide",
                description="Would these addresses be admitted? The emulator's verdicts as a table; exit 1 when any is "
                            "refused.")
    p.add_argument("--url", required=True, metavar="EMULATOR", help="the emulator namespace: its /_ns/<name> URL or a "
                                                                    "namespace listener's")
    p.add_argument("--vendor", action="append", choices=_vendors(),
                   help="decide for this vendor (repeatable; default every vendor the emulator serves)")
    p.add_argument("--ip", action="append", required=True, metavar="ADDR", help="a client address (repeatable)")
    for option, text in _vendor_options("DECIDE").items():
        p.add_argument("--" + option, help=text)
    p.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    _admin_token_option(p, "X-Emulator-Admin-Token, when the emulator has one")
    return p


def decide(argv: Sequence[str]) -> int:
    from . import emulator
    from .decide import decide as run
    from .decide import table

    args = decide_parser().parse_args(list(argv))
    prog = "allowlist-emulator decide"
    try:
        emulator.control_base(args.url)
    except ValueError as exc:
        print(f"{prog}: --url {exc}", file=sys.stderr)
        return EXIT_USAGE
    extra = {option: getattr(args, option.replace("-", "_")) for option in _vendor_options("DECIDE")}
    try:
        vendors = args.vendor
        if not vendors:
            served = emulator.call(args.url, "/health", admin_token=args.admin_token).get("vendors") or []
            vendors = [key for key in _vendors() if key in served]
        for option, value in extra.items():
            if value is not None and not any(option in REGISTRY[key].part("replication").DECIDE for key in vendors):
                print(f"{prog}: --{option} does not apply to {', '.join(vendors)}", file=sys.stderr)
                return EXIT_USAGE
        verdicts = run(args.url, vendors, args.ip, extra, admin_token=args.admin_token)
    except emulator.EmulatorError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps([v.to_json() for v in verdicts], indent=2))
    else:
        print(table(verdicts))
    return EXIT_FAILED if any(not v.allowed for v in verdicts) else EXIT_OK


COMMANDS = {"replicate": replicate, "diff": diff, "decide": decide}


def main(name: str, argv: Sequence[str]) -> int:
    try:
        return COMMANDS[name](argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0) if exc.code in (0, None) else EXIT_USAGE
