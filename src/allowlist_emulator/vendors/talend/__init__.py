"""Talend Cloud: the IP allowlist API, under both /v1/management/ip-allowlist and /security/ip-allowlist, and the
service-account token endpoint POST /security/oauth/token."""

from ..base import Vendor, folder_key
from . import aliases, auth, config, demo, errors, handlers, models

VENDOR = Vendor(
    key=folder_key(__name__),  # the folder's name
    title="Talend Cloud",
    handlers=handlers.HANDLERS,
    config_schema=config.CONFIG_SCHEMA,
    model=models.TalendModel,
    render_error=errors.render,
    error_summary=errors.summary,
    authenticate=auth.authenticate,
    decide=models.decide,
    place_generated=models.place_generated,
    prefixes=("/v1/management/ip-allowlist", "/security/ip-allowlist", "/security/oauth"),
    demo=(
        'Bearer talend-admin-token (has "Users - Management"), talend-no-permission-token (valid, no permission → 403)',
        "service account talend-service-account / talend-service-secret: POST /security/oauth/token (Basic) →",
        '30-minute Bearer token, "Users - Management", accepted by /security/... only;',
        'talend-no-token-service-account / talend-no-token-secret lacks "Service Account - Manage" (token → 403)',
        "paths /v1/management/ip-allowlist... and /security/ip-allowlist... share one state",
    ),
    package=__name__,
    demo_credentials=demo.CREDENTIALS,
    recorded_base=demo.RECORDED_BASE,
    contract=".contract",
    scenarios=".scenarios",
    replication=".replicate",
    view="view.js",
    operation_aliases=aliases.OPERATION_ALIASES,
)
