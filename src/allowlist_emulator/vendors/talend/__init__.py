"""Talend Cloud: the IP allowlist API, under both /v1/management/ip-allowlist and /security/ip-allowlist."""

from ..base import Vendor
from . import auth, config, errors, handlers, models

VENDOR = Vendor(
    key="talend",
    title="Talend Cloud",
    handlers=handlers.HANDLERS,
    config_schema=config.CONFIG_SCHEMA,
    model=models.TalendModel,
    render_error=errors.render,
    error_summary=errors.summary,
    authenticate=auth.authenticate,
    decide=models.decide,
    place_generated=models.place_generated,
    prefixes=("/v1/management/ip-allowlist", "/security/ip-allowlist"),
    demo=(
        'Bearer talend-admin-token (has "Users - Management"), talend-no-permission-token (valid, no permission → 403)',
        "paths /v1/management/ip-allowlist... and /security/ip-allowlist... share one state",
    ),
)
