"""Progress DataDirect Hybrid Data Pipeline: IP address whitelists at system, tenant and user level."""

from ..base import Vendor, folder_key
from . import auth, config, demo, errors, handlers, models

VENDOR = Vendor(
    key=folder_key(__name__),  # the folder's name
    title="Progress DataDirect Hybrid Data Pipeline",
    handlers=handlers.HANDLERS,
    config_schema=config.CONFIG_SCHEMA,
    model=models.HdpModel,
    render_error=errors.render,
    error_summary=errors.summary,
    authenticate=auth.authenticate,
    decide=models.decide,
    place_generated=models.place_generated,
    prefixes=("/api",),
    mapped_as_ipv4=models.MAPPED_AS_IPV4,  # a client at ::ffff:10.0.0.1 is IPv6: HDP converts no address
    demo=(
        "Basic d2cadmin/d2cadmin (Administrator), orgadmin/orgadmin (administers tenant 2 OrgA),",
        "Basic user1/user1 (MgmtAPI + IPWhiteList, tenant 2), viewer/viewer (no permissions); tenant 3 OrgB",
    ),
    package=__name__,
    demo_credentials=demo.CREDENTIALS,
    recorded_base=demo.RECORDED_BASE,
    contract=".contract",
    scenarios=".scenarios",
    replication=".replicate",
    view="view.js",
)
