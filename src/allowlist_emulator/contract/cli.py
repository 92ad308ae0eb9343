"""``allowlist-emulator contract <vendor> --url BASE [auth options] [--allow-writes] [--max-examples N] [--report FILE]``.

Exit 0 when every check passes, 1 when any fails (or the target cannot be reached, or the restore fails), 2 for
usage errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence
from urllib.parse import urlsplit

from ..extras import MissingExtra, missing, require
from .choices import CHECKS, DEFAULT_MAX_EXAMPLES, PHASES, Credentials, NamespaceConflict, url_namespace, vendors

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 already; keep the message format of the main CLI
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def parser() -> argparse.ArgumentParser:
    absent = missing("contract")
    description = "Run the vendor's contract suite (schemathesis, driven by specs/<vendor>.yaml) against BASE."
    if absent is not None:
        description += " " + str(MissingExtra("contract", "A run", absent)) + "."
    p = _Parser(
        prog="allowlist-emulator contract",
        description=description,
        epilog="Checks: " + "; ".join(f"{name}: {text}" for name, text in CHECKS.items()),
    )
    p.add_argument("vendor", choices=vendors())
    p.add_argument("--url", required=True, metavar="BASE",
                   help="where the vendor's paths start; against an emulator its root will do (a vendor mounted "
                        "below a path has its base read from /_emulator/health)")
    auth = p.add_argument_group("credentials (default: the emulator's demo identities)")
    helps = {} if absent is not None else _options_help()
    for name in Credentials.__dataclass_fields__:
        auth.add_argument("--" + name.replace("_", "-"), help=helps.get(name, "(no vendor uses it)"))
    p.add_argument("--allow-writes", action="store_true",
                   help="also run POST/PUT/PATCH/DELETE; what is written is snapshotted first and restored afterwards")
    p.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES, metavar="N",
                   help=f"generated examples per operation and phase (default {DEFAULT_MAX_EXAMPLES})")
    p.add_argument("--seed", type=int, help="seed for data generation (printed with every run, to reproduce it)")
    p.add_argument("--report", metavar="FILE", help="write a JUnit XML report")
    p.add_argument("--phases", default=",".join(PHASES),
                   help=f"comma list of schemathesis phases (default {','.join(PHASES)})")
    p.add_argument("--no-stateful", action="store_true", help="leave out the stateful phase (links create → get/update/delete)")
    p.add_argument("--operation", action="append", metavar="OPERATION_ID", help="run only this operation (repeatable)")
    p.add_argument("--namespace", help="X-Emulator-Namespace to use against an emulator (default: the /_ns/<name> of "
                                       "--url, else a fresh one)")
    p.add_argument("--request-timeout", type=float, default=10.0, metavar="SECONDS")
    p.add_argument("--insecure", action="store_true", help="do not verify the target's TLS certificate")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    return p


def _hypothesis_home_out_of_cwd() -> None:
    """Hypothesis keeps caches in ``./.hypothesis`` by default; a command must not litter the user's working folder,
    so they go to the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``)/allowlist-emulator/hypothesis."""
    import os
    from pathlib import Path

    from hypothesis.configuration import set_hypothesis_home_dir

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "allowlist-emulator" / "hypothesis"
    set_hypothesis_home_dir(cache)


def _options_help() -> dict[str, str]:
    from .auth import options_help

    return options_help()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse (``--help`` works without the 'contract' extra), then require the extra (:class:`MissingExtra`, which the
    top-level CLI prints as one line), then run."""
    try:
        args = parser().parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else EXIT_USAGE
    require("contract", "allowlist-emulator contract")
    from .auth import make_auth, unused_options
    from .runner import run_contract

    def usage(message: str) -> int:
        print(f"allowlist-emulator contract: {message}", file=sys.stderr)
        return EXIT_USAGE

    url = urlsplit(args.url)
    if url.scheme not in ("http", "https") or not url.netloc:
        return usage(f"--url {args.url!r}: expected http(s)://host[:port][/path]")
    in_url = url_namespace(args.url)
    if in_url is not None and args.namespace is not None and args.namespace != in_url:
        return usage(f"--namespace {args.namespace!r} and --url (/_ns/{in_url}) name different namespaces; give one")
    if args.max_examples < 1:
        return usage("--max-examples must be at least 1")
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = [p for p in phases if p not in PHASES]
    if unknown or not phases:
        return usage(f"--phases: unknown phase(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(PHASES)}")
    if args.no_stateful:
        phases = [p for p in phases if p != "stateful"]
    credentials = Credentials(token=args.token, user=args.user, password=args.password, ak=args.ak, sk=args.sk,
                              client_id=args.client_id, client_secret=args.client_secret)
    unused = unused_options(args.vendor, credentials)
    if unused:
        return usage(f"{', '.join(unused)} do(es) not apply to {args.vendor}")
    verify = not args.insecure
    adapter = make_auth(args.vendor, args.url, credentials, verify=verify)
    problem = adapter.usage_error()
    if problem:
        return usage(problem)
    if args.operation:
        from ..engine.spec import vendor_spec
        from ..vendors import REGISTRY

        known = vendor_spec(args.vendor).by_id
        renamed = REGISTRY[args.vendor].operation_aliases  # a name the vendor's operation had before still selects it
        args.operation = [op if op in known else renamed.get(op, op) for op in args.operation]
        bad = [op for op in args.operation if op not in known]
        if bad:
            return usage(f"--operation: {', '.join(bad)} not in specs/{args.vendor}.yaml")

    _hypothesis_home_out_of_cwd()
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        result = run_contract(
            args.vendor, args.url, credentials, allow_writes=args.allow_writes, max_examples=args.max_examples,
            seed=args.seed, report=args.report, phases=phases, namespace=args.namespace, operations=args.operation,
            request_timeout=args.request_timeout, verify=verify, progress=progress,
        )
    except NamespaceConflict as exc:  # what only the target can tell: --namespace against a namespace listener's port
        return usage(f"--namespace: {exc}")
    print(result.summary(), flush=True)
    if args.report:
        print(f"JUnit XML report: {args.report}", flush=True)
    return result.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
