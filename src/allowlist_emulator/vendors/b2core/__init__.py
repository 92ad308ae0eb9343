"""B2Broker B2Core IB API: IP address policies (allow/deny, with a time to live) behind client-credentials tokens."""

from ..base import Vendor, folder_key
from . import auth, config, demo, errors, handlers, models

VENDOR = Vendor(
    key=folder_key(__name__),  # the folder's name
    title="B2Broker B2Core IB IP address policies",
    handlers=handlers.HANDLERS,
    config_schema=config.CONFIG_SCHEMA,
    model=models.B2CoreModel,
    render_error=errors.render,
    error_summary=errors.summary,
    authenticate=auth.authenticate,
    decide=models.decide,
    place_generated=models.place_generated,
    prefixes=("",),
    demo=(
        "client b2core-client / b2core-secret: POST <base>/tokens with Basic credentials and",
        '{"grant_type": "client_credentials"} → Bearer token for 600 s of the emulator clock',
    ),
    mount="/b2core",  # B2Core's [base]: serve --mount b2core=PATH (or --b2core-base PATH)
    mount_option="--b2core-base",
    package=__name__,
    demo_credentials=demo.CREDENTIALS,
    recorded_base=demo.RECORDED_BASE,
    contract=".contract",
    scenarios=".scenarios",
    replication=".replicate",
    view="view.js",
)
