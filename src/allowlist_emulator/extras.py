"""Optional features and the extra that brings each: the plain install holds only what ``serve`` imports.

A command that needs a missing extra stops with one line naming it (exit 2), before doing anything else::

    allowlist-emulator contract needs the 'contract' extra (schemathesis is not installed): pip install 'allowlist-emulator[contract]'

From a source checkout the line gives ``pip install -e '<checkout>[contract]'`` first.
"""

from __future__ import annotations

import importlib.util
import shlex
from pathlib import Path

#: extra → the top-level modules it provides (pyproject.toml's [project.optional-dependencies])
EXTRAS: dict[str, tuple[str, ...]] = {
    "contract": ("schemathesis", "requests"),
    "record": ("openapi_core",),
    "faker": ("faker",),
}


class MissingExtra(RuntimeError):
    """A feature was used whose extra is not installed; ``str()`` is the one line to show."""

    def __init__(self, extra: str, feature: str, module: str):
        self.extra, self.feature, self.module = extra, feature, module
        super().__init__(f"{feature} needs the '{extra}' extra ({module} is not installed): {install_command(extra)}")


def checkout() -> Path | None:
    """The source checkout this package runs from (an editable install), or None for an installed wheel."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "src" / "allowlist_emulator").is_dir() else None


def install_command(extra: str) -> str:
    """How to add ``extra``: from the checkout this runs from (``pip install -e``), and from an index."""
    index = f"pip install 'allowlist-emulator[{extra}]'"
    root = checkout()
    if root is None:
        return index
    target = f".[{extra}]" if root == Path.cwd().resolve() else f"{root}[{extra}]"
    return f"pip install -e {shlex.quote(target)} (this checkout), or from an index: {index}"


def missing(extra: str) -> str | None:
    """The first module of ``extra`` that cannot be imported, or None when all are there (nothing is imported)."""
    for module in EXTRAS[extra]:
        try:
            if importlib.util.find_spec(module) is None:
                return module
        except (ImportError, ValueError):
            return module
    return None


def require(extra: str, feature: str) -> None:
    """Raise :class:`MissingExtra` unless every module of ``extra`` is installed."""
    module = missing(extra)
    if module is not None:
        raise MissingExtra(extra, feature, module)
