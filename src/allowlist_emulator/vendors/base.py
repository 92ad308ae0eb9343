"""What a vendor folder provides. Copy a folder, change these, add its name to ``FOLDERS`` in ``vendors/__init__.py``
(docs/adding-a-vendor.md)."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Generic, Mapping

from aiohttp import web

from ..engine.context import Ctx
from ..engine.errors import ApiError
from ..engine.spec import Spec, check_handlers, vendor_spec
from ..state.model import M, ModelType

if TYPE_CHECKING:  # pragma: no cover
    from ..state import Namespace

Handler = Callable[[Ctx[M]], web.Response]


def folder_key(module: str) -> str:
    """The vendor key of a module of a vendor folder (``__name__``): the folder's name, ``vendors/<key>/``. A copy
    of a folder under another name is another vendor, with no key to edit inside it."""
    parts = module.split(".")
    return parts[parts.index("vendors") + 1]


@dataclass(frozen=True)
class Vendor(Generic[M]):
    """``Vendor[TalendModel]``: the record, typed by the vendor's model class ``M`` (a ``state.model.Model``)."""

    key: str  # the folder's name (folder_key), as in specs/<key>.yaml
    title: str
    handlers: Mapping[str, Handler[M]]  # operationId → handler (handlers.py)
    model: ModelType[M]  # the model class: seeded(config, rng, clock), from_json(data, config, rng, clock, trusted=False),
    #   to_json() (models.py); trusted=True: a state file this emulator wrote and validated, read without re-checking
    render_error: Callable[[ApiError, Ctx[M] | None], web.Response]  # errors.py
    authenticate: Callable[[Ctx[M]], None]  # auth.py: sets ctx.identity or raises ApiError
    decide: Callable[[M, Mapping[str, str], Namespace], dict]  # model, query, namespace → {"allowed", "reason", "matched"}
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
    #   → what a live deployment holds (GETs only; ValueError for an answer the vendor would not send), counts(copied),
    #   merge(copied, current vendor state) → the state to load (identities kept), items(state, now) → [(key, label,
    #   fields)] for diff, DECIDE {query field: help};
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

    def loaded(self, mount: str | None = None) -> Vendor[M]:
        """A copy with the spec loaded (and checked against the handlers), mounted at ``mount``."""
        spec = vendor_spec(self.key)
        check_handlers(spec, self.handlers)
        return dataclasses.replace(self, spec=spec, mount=self.mount if mount is None else mount.rstrip("/"))
