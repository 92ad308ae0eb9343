"""One aiohttp application: every served vendor at its real paths, plus the control plane at ``/_emulator``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from aiohttp import web

from . import __version__
from .control import control_error, register_control
from .engine.config import check_config
from .engine.context import json_response
from .engine.connections import KEEPALIVE_SECONDS
from .engine.errors import ApiError
from .engine.faults import MAX_FAULTS, Faults
from .engine.journal import MAX_BYTES as JOURNAL_MAX_BYTES, MAX_FEEDS, Journal
from .engine.listeners import Listeners
from .engine.router import register_vendor
from .engine.url_namespace import application, routed_path
from .redaction import redact_body
from .state.persistence import StateFile
from .state import Store
from .state.namespaces import MAX_STATE_BYTES
from .vendors import REGISTRY
from .vendors.base import Vendor

MAX_BODY = 1024 * 1024  # 1 MiB; larger bodies get 413 in the vendor's shape
MAX_STATE_BODY = 64 * 1024 * 1024  # PUT /_emulator/state: a whole namespace (replicate loads 100,000-entry lists); 413 above
DEFAULT_BODY_TIMEOUT = 30.0  # seconds a request body may take to arrive (--body-timeout); then 408, connection closed


@dataclass
class Options:
    vendors: tuple[str, ...] = tuple(REGISTRY)
    config: dict = field(default_factory=dict)
    seed: int | None = None
    trust_forwarded_for: bool = False
    mounts: dict[str, str] = field(default_factory=dict)  # vendor key → where its spec's paths start (default: its own)
    journal_limit: int = 10_000
    max_namespaces: int = 10_000
    max_body: int = MAX_BODY
    max_state_body: int = MAX_STATE_BODY
    admin_token: str | None = None
    state_file: str | None = None
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_feeds: int = MAX_FEEDS  # live-feed streams (GET /_emulator/events) at once
    idle_timeout: float = KEEPALIVE_SECONDS  # a connection without a request for this long is closed
    journal_max_bytes: int = JOURNAL_MAX_BYTES  # paths, queries and bodies the journal holds; the oldest go first
    max_faults: int = MAX_FAULTS  # fault rules per namespace
    max_state_bytes: int = MAX_STATE_BYTES  # state of all namespaces together, as JSON bytes; writes past it get 503


class Emulator:
    """Everything a request may need beyond its own namespace: vendors, store, journal, faults, options."""

    def __init__(self, options: Options):
        self.options = options
        unknown = [key for key in options.vendors if key not in REGISTRY]
        if unknown:
            raise ValueError(f"unknown vendor(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
        unknown = [key for key in options.mounts if key not in REGISTRY]
        if unknown:
            raise ValueError(f"--mount: unknown vendor(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
        self.vendors = {key: REGISTRY[key].loaded(options.mounts.get(key)) for key in options.vendors}
        _check_paths_apart(self.vendors)
        config = options.config or {}
        check_config(config, REGISTRY)  # the whole file against one schema: an unknown or misspelt key is named, not ignored
        self.store = Store(self.vendors, config, options.seed, int(config.get("max_namespaces", options.max_namespaces)),
                           max_state_bytes=options.max_state_bytes)
        self.journal = Journal(int(config.get("journal_limit", options.journal_limit)), options.journal_max_bytes,
                               options.max_feeds, redact_body)
        self.faults = Faults(options.seed, options.max_faults)
        self.listeners = Listeners()  # ports that serve one namespace each (POST /_emulator/listeners)
        self.trust_forwarded_for = options.trust_forwarded_for or bool(config.get("trust_forwarded_for"))
        self.version = __version__
        # a bad vendor config fails here, at start-up, not as a 500 on first use. The default namespace is seeded now,
        # unless a state file holds it: then the config is only checked (without generate: N, which the file replaces)
        resuming = bool(options.state_file and os.path.exists(options.state_file))
        for key in self.vendors:
            self._seed(key, check_only=resuming)
        self.state_file: StateFile | None = None
        if options.state_file:
            self.state_file = StateFile(options.state_file, self.store)
            self.state_file.open()
            if resuming:  # what the file did not hold is seeded and saved now
                for key in self.vendors:
                    self._seed(key)
                self.state_file.save_unsaved()
        for rule in config.get("faults") or []:
            data = dict(rule) if isinstance(rule, dict) else rule
            namespace = data.pop("namespace", "default") if isinstance(data, dict) else "default"
            self.faults.add(data, namespace, self.vendors)

    def _seed(self, key: str, check_only: bool = False) -> None:
        try:
            if check_only:
                self.store.check_seed(key)
            else:
                self.store.namespace(None).model(key)
        except ApiError as exc:  # a seeded entry checked like a request body
            raise ValueError(f"--config vendors.{key}: {exc.message}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"--config vendors.{key}: {exc}") from None

    def base_path(self, key: str) -> str:
        return self.vendors[key].mount or ""


EMULATOR = web.AppKey("emulator", Emulator)


def _check_paths_apart(vendors: Mapping[str, Vendor]) -> None:
    """Two served vendors answering one path (a copied vendor folder next to its original) would leave one of them
    unreachable: refuse to start, and say how to keep them apart."""
    owner: dict[str, str] = {}
    for key, vendor in vendors.items():
        for op in vendor.spec.operations:
            other = owner.setdefault(vendor.mount + op.path, key)
            if other != key:
                raise ValueError(f"vendors {other} and {key} both answer {vendor.mount + op.path}: serve one of them "
                                 f"(--vendor) or mount one elsewhere (--mount {key}=/PATH)")


async def _unknown_path(request: web.Request) -> web.Response:
    return json_response(
        {"error": "not_found", "message": f"no served vendor has the path {routed_path(request)}",
         "vendors": list(request.app[EMULATOR].vendors)},
        status=404,
    )


def build_app(options: Options | None = None, **kwargs: Any) -> web.Application:
    options = options or Options(**kwargs)
    emulator = Emulator(options)
    app = application(control_error, emulator.listeners, client_max_size=options.max_body)  # /_ns/<name>/... too
    app[EMULATOR] = emulator
    register_control(app, emulator)
    for vendor in emulator.vendors.values():
        register_vendor(app, emulator, vendor)
    app.router.add_route("*", "/{tail:[\\s\\S]*}", _unknown_path)  # not .*: a decoded %0A in the path must match too
    state_file = emulator.state_file
    if state_file is not None:
        async def close_state_file(_app: web.Application) -> None:
            state_file.close()

        app.on_cleanup.append(close_state_file)
    return app


def served_vendors(keys: Iterable[str] | None) -> tuple[str, ...]:
    """``--vendor`` values (repeatable, comma lists) → vendor keys; none given → all. ValueError when the values
    name no vendor at all (``--vendor ''``) or an unknown one."""
    if keys is None:
        return tuple(REGISTRY)
    out: list[str] = []
    for item in keys:
        for key in item.split(","):
            key = key.strip()
            if key and key not in out:
                out.append(key)
    unknown = [key for key in out if key not in REGISTRY]
    if unknown or not out:
        raise ValueError(f"--vendor: {'unknown vendor(s) ' + ', '.join(unknown) if unknown else 'names no vendor'}; "
                         f"known: {', '.join(REGISTRY)}")
    return tuple(out)
