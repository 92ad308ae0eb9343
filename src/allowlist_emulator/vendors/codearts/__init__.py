"""Huawei Cloud CodeArts Repo: tenant-level and repository-level trusted IP addresses (IP whitelists), API v4."""

from ..base import Vendor, folder_key
from . import auth, config, demo, errors, handlers, models

VENDOR = Vendor(
    key=folder_key(__name__),  # the folder's name
    title="Huawei Cloud CodeArts Repo (trusted IP addresses)",
    handlers=handlers.HANDLERS,
    config_schema=config.CONFIG_SCHEMA,
    model=models.CodeArtsModel,
    render_error=errors.render,
    error_summary=errors.summary,
    authenticate=auth.authenticate,
    decide=models.decide,
    place_generated=models.place_generated,
    prefixes=("/v4",),
    demo=(
        "AK emulator-ak / SK emulator-sk (SDK-HMAC-SHA256, the official SDK), X-Auth-Token codearts-token (tenant admin);",
        "X-Auth-Token codearts-expired-token (401), codearts-no-permission-token (403); repositories 1001 and 1002",
    ),
    package=__name__,
    demo_credentials=demo.CREDENTIALS,
    recorded_base=demo.RECORDED_BASE,
    contract=".contract",
    scenarios=".scenarios",
    replication=".replicate",
    view="view.js",
)
