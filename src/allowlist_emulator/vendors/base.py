"""What a vendor folder provides. Copy a folder, change these, register it in ``vendors/__init__.py``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
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
    model: Any  # class with seeded(config, rng, clock), to_json(), from_json(data, config, rng, clock) (models.py)
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

    def loaded(self, mount: str | None = None) -> "Vendor":
        """A copy with the spec loaded (and checked against the handlers), mounted at ``mount``."""
        spec = vendor_spec(self.key)
        check_handlers(spec, self.handlers)
        return dataclasses.replace(self, spec=spec, mount=self.mount if mount is None else mount.rstrip("/"))
