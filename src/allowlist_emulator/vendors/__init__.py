"""The vendor registry. Adding a vendor: a spec (``specs/<key>.yaml``), a folder here (``vendors/<key>/``, whose
``__init__.py`` defines ``VENDOR``), and one line below: its key, which is the folder's name (docs/adding-a-vendor.md).
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import Vendor

FOLDERS = (
    "hdp",
    "talend",
    "codearts",
    "b2core",
)

REGISTRY: dict[str, Vendor[Any]] = {
    key: importlib.import_module(f"{__name__}.{key}").VENDOR for key in FOLDERS
}
