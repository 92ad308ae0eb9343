"""The control plane and the dashboard against a hostile web page in the developer's own browser.

Two attacks reach a server on loopback from a browser (the guard follows Jupyter Server's and Vite's dev server):

- **DNS rebinding**: a page at ``http://evil.example:8080`` has its name re-pointed at 127.0.0.1, and is then the
  same origin as the emulator; its requests carry ``Host: evil.example:8080``. So, on a server without an admin
  token, the control plane and the dashboard answer only a request whose ``Host`` names this machine: ``localhost``,
  a name under ``.localhost``, a loopback address, or the address the server is bound to (any port: namespace
  listeners too). With ``--admin-token`` the token is the guard, and any ``Host`` is answered (a server beyond
  loopback is reached by names we cannot know).
- **Cross-site requests**: any page may make the browser POST a form or ``text/plain`` body to localhost (a "simple"
  request, sent without a CORS preflight). A state-changing control request (anything but GET, HEAD, OPTIONS) is
  refused when it carries an ``Origin`` other than the server's own (``http://`` + its ``Host``), or a
  ``Sec-Fetch-Site`` of ``cross-site`` or ``same-site``. A request without them (curl, requests, the pytest plugin,
  the contract runner) is not a browser's cross-site request and is answered as before.

Refusals are 403 in the control plane's error shape, naming the header. Vendor paths are not guarded: a vendor API
answers whoever calls it, as the vendor does.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

if TYPE_CHECKING:  # pragma: no cover
    from ..app import Emulator

SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
_UNSPECIFIED = ("", "0.0.0.0", "::")


def _hostname(host: str) -> str:
    """``Host`` value → lower-case name or address without port or IPv6 brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def _ip(name: str):
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def local_name(name: str, bound: str | None) -> bool:
    """Whether ``name`` (from a ``Host`` header) names this machine: a loopback name or address, or ``bound``."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _ip(name)
    if address is not None:
        if address.is_loopback or (getattr(address, "ipv4_mapped", None) or address).is_loopback:
            return True
        if bound in _UNSPECIFIED:  # bound to every address: an address literal cannot be a rebound name (Vite's rule)
            return True
    return bound is not None and name == _hostname(bound)


class BrowserGuard:
    def __init__(self, emulator: Emulator):
        self.em = emulator

    def problem(self, request: web.Request) -> tuple[str, str] | None:
        """(field, message) when ``request`` must be refused, else None."""
        headers = request.headers
        host = headers.get("Host")
        if not self.em.options.admin_token and host is not None and not local_name(_hostname(host), self.em.listeners.host):
            return "Host", (f"Host: {host[:100]!r} is not a name of this emulator; without --admin-token the control "
                            "plane answers only localhost, a loopback address or the address it listens on (a page "
                            "elsewhere that re-points its own name here is refused: DNS rebinding)")
        if request.method in SAFE_METHODS:
            return None
        origin = headers.get("Origin")
        if origin is not None and not self._same_origin(origin, host):
            return "Origin", (f"Origin: {origin[:100]!r} is another site; the control plane takes changes only from "
                              "its own pages or from clients that are not browsers (no Origin header)")
        site = headers.get("Sec-Fetch-Site")
        if site is not None and site.lower() in ("cross-site", "same-site"):
            return "Sec-Fetch-Site", (f"Sec-Fetch-Site: {site[:40]!r}: the control plane takes changes only from its "
                                      "own pages or from clients that are not browsers")
        return None

    @staticmethod
    def _same_origin(origin: str, host: str | None) -> bool:
        """Whether ``origin`` is ``http(s)://`` + ``host`` (a default port written or not)."""
        if host is None:
            return False
        try:
            sent = urlsplit(origin.strip())
            ours = urlsplit("//" + host.strip())
            default = {"http": 80, "https": 443}.get(sent.scheme)
            return (default is not None and sent.hostname is not None and sent.hostname == ours.hostname
                    and (sent.port or default) == (ours.port or default))
        except ValueError:  # a port that is no number
            return False
