"""Where state lives: namespaces (one isolated copy of every vendor's model each), the emulator clock, durability.

- ``namespaces.py``: ``Store`` and ``Namespace``; a namespace is created, seeded, on first use.
- ``clock.py``: the emulator clock of a namespace (real, frozen, advanced, set).
- ``changes.py``: what a write changed in a vendor's model (``Entries``, ``listed``/``mapped``/``single``), one
  mechanism for all vendors, so the state file saves the change and not the list.
- ``persistence.py``: ``--state-file``, a SQLite database (tables in docs/persistence.md).
"""

from .clock import Clock, parse_iso
from .namespaces import (DEFAULT_NAMESPACE, MAX_NAMESPACE_NAME, NAMESPACE_HEADER, URL_PREFIX, Namespace, Store,
                         namespace_path, split_namespace_path)

__all__ = ["Clock", "parse_iso", "DEFAULT_NAMESPACE", "MAX_NAMESPACE_NAME", "NAMESPACE_HEADER", "URL_PREFIX", "Namespace",
           "Store", "namespace_path", "split_namespace_path"]
