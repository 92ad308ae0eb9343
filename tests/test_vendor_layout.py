"""Everything a vendor is lives in its folder: outside ``vendors/``, no module of the package names a vendor key in
code (docstrings and comments aside), so the registry stays the only list of vendors (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import allowlist_emulator
from allowlist_emulator.vendors import FOLDERS, REGISTRY
from allowlist_emulator.vendors.base import folder_key

PACKAGE = Path(allowlist_emulator.__file__).resolve().parent
OUTSIDE = [path for path in sorted(PACKAGE.rglob("*")) if path.is_file() and "vendors" not in path.relative_to(PACKAGE).parts
           and path.suffix in (".py", ".js", ".html", ".css")]


def _python_mentions(path: Path) -> list[str]:
    """Names and string literals that are a vendor key (a docstring or a comment is neither)."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        value: object = token.string
        if token.type == tokenize.STRING:
            try:
                value = ast.literal_eval(token.string)
            except (ValueError, SyntaxError):  # an f-string
                continue
        elif token.type != tokenize.NAME:
            continue
        if isinstance(value, str) and value.lower() in REGISTRY:
            found.append(f"{path.relative_to(PACKAGE)}:{token.start[0]}: {token.string}")
    return found


def _static_mentions(path: Path) -> list[str]:
    """Quoted keys and ``vendor-<key>`` ids in the dashboard's files (comments stripped)."""
    text = re.sub(r"/\*.*?\*/|<!--.*?-->", "", path.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"(?m)^\s*//.*$", "", text)
    keys = "|".join(map(re.escape, REGISTRY))
    return [f"{path.relative_to(PACKAGE)}: {m.group(0)}" for m in re.finditer(rf"""["'`]({keys})["'`]|vendor-({keys})\b""", text)]


def test_no_vendor_key_in_code_outside_the_vendor_folders():
    assert OUTSIDE and any(path.name == "app.js" for path in OUTSIDE)
    found = [hit for path in OUTSIDE for hit in (_python_mentions(path) if path.suffix == ".py" else _static_mentions(path))]
    assert not found, "vendor knowledge outside vendors/<key>/ (put it in the folder, reach it through the Vendor record):\n" + "\n".join(found)


def test_the_registry_is_the_folders_and_each_key_is_its_folders_name():
    assert list(REGISTRY) == list(FOLDERS)
    for key, vendor in REGISTRY.items():
        assert vendor.key == key == folder_key(vendor.package) and (PACKAGE / "vendors" / key / "__init__.py").is_file()
