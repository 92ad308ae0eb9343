"""Connections that send nothing, or send a request too slowly, are closed instead of held (aiohttp keeps an idle
connection for an hour by default, and has no limit on how long headers may take to arrive).

- **Idle**: a connection that has sent no request yet, or none since its last answer, is closed after
  :data:`KEEPALIVE_SECONDS` (75 s, nginx's keep-alive default): aiohttp's ``keepalive_timeout``, which aiohttp 3.10 and
  later also apply before a first request; for earlier releases this module arms the same timer itself.
- **Headers**: once the first bytes of a request have arrived, its request line and headers must all be there within
  ``--body-timeout`` seconds, or the connection is closed (nothing was routed, so there is nobody to answer).
- **Bodies** are bounded where they are read (``engine/router.py``: ``read_body``, 408 in the route's shape).

:class:`GuardedRunner` is aiohttp's ``AppRunner`` whose connections are :class:`GuardedHandler`, aiohttp's own
protocol with the header timer added: one ``call_at`` for a request whose headers did not come in one piece, nothing
for the rest.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

KEEPALIVE_SECONDS = 75.0
DEFAULT_HEADER_TIMEOUT = 30.0  # seconds, for servers without --body-timeout (record, replay): serve's default


class GuardedHandler(RequestHandler):
    __slots__ = ("_guard", "_guard_count")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._guard: asyncio.TimerHandle | None = None
        self._guard_count = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self._keepalive_handle is None and self._keepalive_timeout:  # aiohttp < 3.10: no timer before a request
            self._arm(self._keepalive_timeout)

    def data_received(self, data: bytes) -> None:
        count = self._request_count
        super().data_received(data)
        # bytes came, no request was completed by them, and the connection waits for one: headers in pieces
        if data and self._request_count == count and self._waiter is not None:
            seconds = getattr(self._manager, "header_timeout", KEEPALIVE_SECONDS)
            guard = self._guard
            if guard is None or self._guard_count != count or guard.when() > self._loop.time() + seconds:
                self._arm(seconds)  # not armed, armed for an earlier request, or for longer (the idle timer)

    def _arm(self, seconds: float) -> None:
        if self._guard is not None:
            self._guard.cancel()
        self._guard_count = self._request_count
        self._guard = self._loop.call_later(seconds, self._expire)

    def _expire(self) -> None:
        self._guard = None
        if self._request_count == self._guard_count and self._waiter is not None and not self._force_close:
            self.force_close()  # still no whole request: nobody to answer, the connection goes

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._guard is not None:
            self._guard.cancel()
            self._guard = None
        super().connection_lost(exc)


class _GuardedServer(web.Server):
    header_timeout: float = KEEPALIVE_SECONDS

    def __call__(self) -> RequestHandler:
        return GuardedHandler(self, loop=self._loop, **self._kwargs)


class GuardedRunner(web.AppRunner):
    """``web.AppRunner(app, ...)`` with idle connections closed after :data:`KEEPALIVE_SECONDS` and headers bounded by
    ``header_timeout`` seconds."""

    def __init__(self, app: web.Application, header_timeout: float, **kwargs: Any):
        kwargs.setdefault("keepalive_timeout", KEEPALIVE_SECONDS)
        super().__init__(app, **kwargs)
        self._header_timeout = header_timeout

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _GuardedServer  # aiohttp's own server, making our protocol (it has no option for one)
        server.header_timeout = self._header_timeout  # type: ignore[attr-defined]
        return server
