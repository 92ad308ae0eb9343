"""Import aiohttp without loading the system's CA certificates until a TLS connection needs them.

aiohttp builds its two default TLS *client* contexts when ``aiohttp.connector`` is imported, and each loads the
system's CA files (``set_default_verify_paths``): about a fifth of aiohttp's import, paid by every ``serve`` and every
pytest session's in-process emulator, neither of which opens a TLS client connection. :func:`import_aiohttp` imports
aiohttp with that step deferred: the same context objects, with the same settings, load the CA files the first time
one of them wraps a connection (or is asked for its certificates), then are plain ``ssl.SSLContext`` objects again.
Code that uses aiohttp's client in the same process (the recorder, a user's tests) gets the same verification as
ever; its first TLS connection pays the load instead of the import.

Only contexts created while aiohttp is being imported are deferred, and only when this module imports aiohttp first
(nothing changes when something imported it before).
"""

from __future__ import annotations

import ssl
import sys
import threading
from typing import Any

_LOCK = threading.Lock()
_set_default_verify_paths = ssl.SSLContext.set_default_verify_paths


class _Deferred(ssl.SSLContext):
    """An ``ssl.SSLContext`` whose default verify paths are loaded on first use (``__class__`` is switched back then)."""

    def _load(self) -> None:
        with _LOCK:
            if type(self) is _Deferred:
                _set_default_verify_paths(self)
                self.__class__ = ssl.SSLContext  # type: ignore[assignment]

    def wrap_socket(self, *args: Any, **kwargs: Any) -> Any:
        self._load()
        return self.wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> Any:
        self._load()
        return self.wrap_bio(*args, **kwargs)

    def get_ca_certs(self, *args: Any, **kwargs: Any) -> Any:
        self._load()
        return self.get_ca_certs(*args, **kwargs)

    def cert_store_stats(self) -> Any:
        self._load()
        return self.cert_store_stats()

    def set_default_verify_paths(self) -> None:
        self._load()


def import_aiohttp() -> None:
    """``import aiohttp``, its default client contexts loading their CA files on first use (see the module's text)."""
    if "aiohttp" in sys.modules:
        return
    deferred: list[ssl.SSLContext] = []

    def defer(context: ssl.SSLContext) -> None:
        deferred.append(context)

    with _LOCK:
        ssl.SSLContext.set_default_verify_paths = defer  # type: ignore[method-assign, assignment]
        try:
            import aiohttp  # noqa: F401 - the import is the point
        finally:
            ssl.SSLContext.set_default_verify_paths = _set_default_verify_paths  # type: ignore[method-assign]
        for context in deferred:
            if type(context) is ssl.SSLContext:
                context.__class__ = _Deferred
            else:  # pragma: no cover - a subclass we do not know: load now, as without this module
                _set_default_verify_paths(context)
