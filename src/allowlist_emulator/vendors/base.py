"""What a vendor folder provides. Copy a folder, change these, register it in ``vendors/__init__.py``."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Mapping

from aiohttp import web

from ..engine.context import Ctx
from ..engine.errors import ApiError
from ..engine.spec import Spec, check_handlers, vendor_spec

Handler = Callable[[Ctx], web.Response]


@dataclass(frozen=True)
class Vendor:
    key: str  # talend | hdp | codearts | b2core
    title: str
    handlers: dict[str, Handler]  # operationId → handler (handlers.py)
    model: Any  # class with seeded(config, rng, clock), to_json(), from_json(data, config, rng, clock, trusted=False)
    #   (models.py); trusted=True: a state file this emulator wrote and validated, read without re-checking each entry
    render_error: Callable[[ApiError, Ctx | None], web.Response]  # errors.py
    authenticate: Callable[[Ctx], None]  # auth.py: sets ctx.identity or raises ApiError
    decide: Callable[[Any, Mapping[str, str], Any], dict]  # model, query, namespace → {"allowed", "reason", "matched"}
    prefixes: tuple[str, ...]  # path prefixes this vendor answers 404/405 for, relative to ``mount``
    config_schema: dict  # JSON Schema of ``vendors.<key>`` in --config (config.py); engine/config.py assembles them
    demo: tuple[str, ...] = ()  # lines for the serve banner
    place_generated: Callable[[dict, list[tuple[str, str]]], dict] | None = None  # config + fake (ip, text) → config
    error_summary: Callable[[Any], tuple[Any, Any]] | None = None  # errors.py: an error body → (code, message)
    mount: str = ""  # where the spec's paths start (B2Core's [base])
    mapped_as_ipv4: bool = True  # does a client at ::ffff:a.b.c.d count as a.b.c.d (addresses.py)? HDP: no conversion
    spec: Spec = field(default=None, repr=False)  # type: ignore[assignment]
    # -- the rest of the toolkit's view of the vendor (all optional; a folder's parts are loaded when first needed) -----
    package: str = ""  # the folder's module (``__name__`` in its __init__.py): where ``part()`` and ``file()`` look
    mount_option: str = ""  # an older spelling of ``serve --mount KEY=PATH`` for this vendor (B2Core: --b2core-base)
    demo_credentials: Mapping[str, Any] = field(default_factory=dict, repr=False)  # demo.py: the pytest plugin's
    #   ``credentials[key]`` and what the fixture scripts log in with (the built-in demo identities)
    recorded_base: str = ""  # demo.py: the production-like base URL the shipped cassettes record (spec's first server)
    contract: str | None = None  # module of the folder for the contract suite (contract.py): DEMO (Credentials),
    #   OPTIONS {credential field: help}, make_auth(base_url, given, headers, verify) → adapter, SAFETY (Safety class)
    scenarios: str | None = None  # module of the folder for the shipped fixtures (scenarios.py): SCENARIOS (a list of
    #   recording.scenarios.Scenario), authorize(name, call) (sets the credential a step names)
    replication: str | None = None  # module of the folder for replicate/diff/decide (replicate.py): read(live, options)
    #   → what a live deployment holds (GETs only; ValueError for an answer the vendor would not send), counts(copied), merge(copied, current vendor state) → the state
    #   to load (identities kept), items(state, now) → [(key, label, fields)] for diff, DECIDE {query field: help};
    #   optional OPTIONS (replicate's vendor options), exchanges(base) and auth(base, credentials, headers, session)
    view: str | None = None  # file of the folder: the dashboard's ES module (view.js): title, render(state, kit),
    #   decideFields(kit) (extra inputs of the "would this address be admitted?" form)
    operation_aliases: Mapping[str, str] = field(default_factory=dict, repr=False)  # an operationId the emulator used
    #   before → the spec's (Talend adopted the vendor's names): fault rules, journal filters and contract --operation
    #   accept either (engine/faults.resolve_operation)

    def part(self, name: str) -> ModuleType:
        """The folder's module named by field ``name`` (``"contract"``, ``"scenarios"``), imported on first use: the
        contract suite's parts need the 'contract' extra, which ``serve`` never imports. LookupError when the vendor
        has none."""
        module = getattr(self, name)
        if not module or not self.package:
            raise LookupError(f"vendor {self.key} has no {name} module")
        return importlib.import_module(module, self.package)

    def has(self, name: str) -> bool:
        return bool(getattr(self, name) and self.package)

    def file(self, name: str) -> Path:
        """A file of the vendor's folder (the dashboard's ``view.js``)."""
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.origin:
            raise LookupError(f"vendor {self.key}: no folder for {self.package!r}")
        return Path(spec.origin).with_name(name)

    def loaded(self, mount: str | None = None) -> "Vendor":
        """A copy with the spec loaded (and checked against the handlers), mounted at ``mount``."""
        spec = vendor_spec(self.key)
        check_handlers(spec, self.handlers)
        return dataclasses.replace(self, spec=spec, mount=self.mount if mount is None else mount.rstrip("/"))
