"""Namespace listeners: one more port of the same server, on which every request is in one namespace.

For clients that keep only the scheme, host and port of the base URL they are given, so that neither a header nor a
``/_ns/<name>`` prefix reaches the emulator: the official Huawei SDK's ``with_endpoints`` is one (it sends each
operation's own path, whatever path the endpoint had). ``POST /_emulator/listeners`` opens one for the request's
namespace and answers its URL; the router (``engine/url_namespace.py``) reads the port a request came in on while
any is open, and routes it as ``/_ns/<name>/...`` would be, so everything else about the request is as the client
sent it (an AK/SK signature over the path it signed, HDP's ``Location``).

A listener is a site of the server's own aiohttp runner, on the host the server listens on and a free port. It lives
until it is closed, its namespace is dropped, or the server stops; it is not saved in the state file.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

MAX_LISTENERS = 64
SHUTDOWN_SECONDS = 5.0  # a request in progress on a closed listener's connection gets this long to be answered


class ListenerError(Exception):
    """Why a listener cannot be opened (no runner to open it on, or too many open)."""


class Listeners:
    def __init__(self, limit: int = MAX_LISTENERS):
        self.limit = limit
        self.ports: dict[int, str] = {}  # port → namespace: read by the router on every request (empty: one test)
        self._sites: dict[str, tuple[web.BaseSite, tuple[int, ...]]] = {}  # namespace → its site and the ports bound
        self._runner: web.BaseRunner | None = None
        self._host: str | None = None
        self._closing: set[asyncio.Task] = set()  # connections being shut down (the loop keeps only weak references)

    def attach(self, runner: web.BaseRunner, host: str) -> None:
        """The runner that serves the application, and the host it listens on: listeners are opened on both."""
        self._runner, self._host = runner, host

    @property
    def host(self) -> str | None:
        """The host the server listens on (None: not known, the application is served by another runner)."""
        return self._host

    def of(self, namespace: str) -> int | None:
        """The port serving ``namespace`` (None: none)."""
        held = self._sites.get(namespace)
        return held[1][0] if held is not None else None

    def url(self, port: int) -> str:
        host = self._host or "127.0.0.1"
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def describe(self, port: int) -> dict[str, Any]:
        return {"namespace": self.ports[port], "port": port, "url": self.url(port)}

    async def open(self, namespace: str) -> tuple[int, bool]:
        """(the port serving ``namespace``, whether it was opened now): one listener per namespace."""
        port = self.of(namespace)
        if port is not None:
            return port, False
        if self._runner is None or self._host is None:
            raise ListenerError("listeners: this server cannot open ports (the application is served by another "
                                "runner than the emulator's own)")
        if len(self._sites) >= self.limit:
            raise ListenerError(f"listeners: at most {self.limit} may be open at once; close one "
                                f"(DELETE /_emulator/listeners in its namespace)")
        before = {address[1] for address in self._runner.addresses}
        site = web.TCPSite(self._runner, self._host, 0)
        await site.start()
        # a host name such as localhost may bind an IPv4 and an IPv6 socket, each on a port of its own
        ports = tuple(sorted({address[1] for address in self._runner.addresses} - before))
        self._sites[namespace] = (site, ports)
        self.ports = {**self.ports, **{p: namespace for p in ports}}  # a new dict: the router never sees it change
        return ports[0], True

    async def close(self, namespaces: Any) -> int:
        """Close the listeners of these namespaces; how many were closed."""
        closing = [(name, self._sites.pop(name)) for name in set(namespaces) if name in self._sites]
        if not closing:
            return 0
        ports = {port for _, (_, bound) in closing for port in bound}
        self.ports = {port: name for port, name in self.ports.items() if port not in ports}
        for _, (site, _) in closing:
            await site.stop()  # no new connections
        server = self._runner.server if self._runner is not None else None
        for connection in server.connections if server is not None else ():  # nor requests on kept-alive ones
            transport = connection.transport
            sockname = transport.get_extra_info("sockname") if transport is not None else None
            if sockname and sockname[1] in ports:
                # as aiohttp's own shutdown does: an idle connection ends now, one with a request in progress (this
                # DELETE may be one) once it is answered
                connection.close()
                task = asyncio.ensure_future(connection.shutdown(SHUTDOWN_SECONDS))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
        return len(closing)
