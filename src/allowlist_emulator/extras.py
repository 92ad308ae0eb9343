"""Optional features and the extra that brings each: the plain install holds only what ``serve`` imports.

A command that needs a missing extra stops with one line naming it (exit 2), before doing anything else::

    allowlist-emulator contract: needs the 'contract' extra (schemathesis is not installed): pip install 'allowlist-emulator[contract]'
"""

from __future__ import annotations

import importlib.util

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
        super().__init__(f"{feature} needs the '{extra}' extra ({module} is not installed): "
                         f"pip install 'allowlist-emulator[{extra}]'")


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
