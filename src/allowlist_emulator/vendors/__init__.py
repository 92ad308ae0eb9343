"""The vendor registry. Adding a vendor: a spec, one folder here, and one line below."""

from .base import Vendor
from .hdp import VENDOR as HDP
from .talend import VENDOR as TALEND
from .codearts import VENDOR as CODEARTS
from .b2core import VENDOR as B2CORE

REGISTRY: dict[str, Vendor] = {vendor.key: vendor for vendor in (
    HDP,
    TALEND,
    CODEARTS,
    B2CORE,
)}
