"""The recording reverse proxy: forwards every request to the target, answers with the target's response, and
writes each exchange, redacted, to a VCR.py cassette, checking the response against the vendor's spec on the way.

The cassette records the *target's* URL (``target`` + path + query), or ``record_as`` + path + query when given:
what the client would call in production, so client suites replay the cassette with vcrpy without rewriting hosts.
A ``Location`` header pointing into the target (HDP's 201s) is recorded under ``record_as`` the same way, and
answered to the client under the proxy's own address, so following it goes through the proxy.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import IO, Iterable

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from . import cassette as cas
from .cassette import Interaction, Redactor

# Not forwarded in either direction (per-connection), or recomputed by aiohttp for the body it sends.
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "trailer", "transfer-encoding",
    "upgrade", "host", "content-length",
})
# The upstream body arrives decompressed, so these no longer describe it.
_NOT_RETURNED = _HOP_BY_HOP | {"content-encoding"}


class Recorder:
    """``Recorder("hdp", "http://127.0.0.1:8080", "hdp.yaml").app()`` → an aiohttp app to serve on any port."""

    def __init__(self, vendor: str, target: str, cassette_path: str | Path | None, *, record_as: str | None = None,
                 check_drift: bool = True, drop_response_headers: Iterable[str] = (), redact: Iterable[str] = (),
                 append: bool = False, stream: IO[str] | None = None, timeout: float = 60.0):
        self.vendor = vendor
        self.target = target.rstrip("/")
        self.record_as = (record_as or target).rstrip("/")
        self.cassette_path = Path(cassette_path) if cassette_path is not None else None  # None: kept in memory only
        self.drop_response_headers = frozenset(h.lower() for h in drop_response_headers)
        self.redactor = Redactor(redact)
        self.stream = stream
        self.drift = None
        if check_drift:
            from .drift import DriftReport  # openapi-core, the 'record' extra: only when drift is checked

            self.drift = DriftReport(vendor, self.record_as, stream)
        self.timeout = timeout
        self.interactions: list[Interaction] = []  # redacted, before the cassette-wide sweep
        self.failures = 0
        if append and self.cassette_path is not None and self.cassette_path.exists():
            self.interactions.extend(self.redactor.redact(item) for item in cas.load(self.cassette_path))
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()

    # -- the app -----------------------------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.cleanup_ctx.append(self._client)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def _client(self, _app: web.Application):
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout), auto_decompress=True,
            cookie_jar=aiohttp.DummyCookieJar(),  # never add cookies the client did not send
        )
        yield
        await self._session.close()
        self._session = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw_path = _origin_form(request.raw_path)
        if raw_path is None:
            return web.json_response({"error": f"the request target {request.raw_path[:200]!r} is not a path: the "
                                               "recording proxy forwards paths below --target"}, status=400)
        body = await request.read()
        upstream = URL(self.target + raw_path, encoded=True)
        headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP)
        assert self._session is not None
        try:
            async with self._session.request(
                request.method, upstream, headers=headers, data=body if body else None, allow_redirects=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            ) as response:
                response_body = await response.read()
                status, reason = response.status, response.reason or ""
                response_headers = [(str(k), v) for k, v in response.headers.items()]
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            self.failures += 1
            message = f"allowlist-emulator record: {request.method} {upstream} failed: {type(exc).__name__}: {exc}"
            print(message, file=self.stream or sys.stderr, flush=True)
            return web.json_response({"error": "the recording proxy could not reach the target", "target": str(upstream),
                                      "detail": f"{type(exc).__name__}: {exc}"}, status=502)
        interaction = Interaction(
            method=request.method.upper(),
            uri=self.record_as + raw_path,
            request_headers=[(str(k), v) for k, v in request.headers.items()],
            request_body=body or None,
            status=status,
            reason=reason,
            response_headers=[(k, v) for k, v in _relocated(response_headers, self.target, self.record_as)
                              if k.lower() not in _NOT_RETURNED and k.lower() not in self.drop_response_headers]
                             + ([("Content-Length", str(len(response_body)))] if _has_body(status, request.method) else []),
            response_body=response_body,
        )
        async with self._lock:
            self.interactions.append(self.redactor.redact(interaction))
            index = len(self.interactions) - 1
            if self.drift is not None:
                self.drift.check(index, interaction)
            self.write()
        mount = self.target[len(str(URL(self.target).origin())):]
        returned = CIMultiDict((k, v) for k, v in _relocated(response_headers, self.target, str(request.url.origin()) + mount)
                               if k.lower() not in _NOT_RETURNED)
        return web.Response(status=status, reason=reason or None, body=response_body or None, headers=returned)

    # -- the cassette ------------------------------------------------------------------------------------------------
    def cassette(self) -> list[Interaction]:
        """What the cassette holds: every interaction redacted, then every secret swept from all of them."""
        return self.redactor.sweep(self.interactions)

    def write(self) -> Path | None:
        return cas.write(self.cassette_path, self.cassette()) if self.cassette_path is not None else None

    def summary(self) -> str:
        lines = [f"recorded {len(self.interactions)} interaction(s) to {self.cassette_path}"]
        if self.failures:
            lines.append(f"{self.failures} request(s) could not be forwarded (not recorded)")
        if self.drift is not None:
            lines.append(self.drift.summary())
        return "\n".join(lines)


def _origin_form(target: str) -> str | None:
    """The path and query of a request target: as sent when it is a path (origin-form), the path and query of an
    absolute URL (absolute-form, from a client that takes the proxy for an HTTP proxy), else None (``*``)."""
    if target.startswith("/"):
        return target
    try:
        url = URL(target, encoded=True)
    except ValueError:
        return None
    if not url.is_absolute() or not url.raw_path.startswith("/"):
        return None
    return url.raw_path + (f"?{url.raw_query_string}" if url.raw_query_string else "")


def _relocated(headers: list[tuple[str, str]], old: str, new: str) -> list[tuple[str, str]]:
    """``Location`` values under ``old`` moved under ``new``; every other header as it was."""
    return [(k, new + v[len(old):] if k.lower() == "location" and (v == old or v.startswith(old + "/")) else v)
            for k, v in headers]


def _has_body(status: int, method: str) -> bool:
    return not (status in (204, 304) or 100 <= status < 200 or method.upper() == "HEAD")
