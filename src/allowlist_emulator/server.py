"""Run the emulator: ``serve_forever`` (the ``serve`` command, in the foreground until SIGINT or SIGTERM) and
``EmulatorServer`` (in a background thread on a free loopback port: tests, the pytest plugin, benchmarks). Both keep
the aiohttp runner, on which the emulator opens namespace listeners (``engine/listeners.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from typing import Any, Callable

from aiohttp import web

from .app import EMULATOR, Emulator, Options, build_app


PROBE_HEADER = "X-Schemathesis-Probe"


class MalformedHttp(logging.Filter):
    """aiohttp answers malformed HTTP (a NUL in a header, a Content-Length that is no number) with 400 itself, then logs
    it on ``aiohttp.server`` as an ERROR with a traceback, as if the emulator had failed. It is the client's mistake:
    one warning line that says what was wrong (``request from 127.0.0.1: malformed HTTP, answered 400 (...)``), no
    traceback. Schemathesis' capability probe (a NUL in ``X-Schemathesis-Probe-Null``, sent at the start of every
    contract run) is answered 400 the same way and not logged at all: it is no fault, only a question."""

    def filter(self, record: logging.LogRecord) -> bool:
        from aiohttp.http_exceptions import HttpProcessingError

        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            reason = " ".join(str(exc.message).split()) or type(exc).__name__
            if PROBE_HEADER in reason:
                return False
            where = record.getMessage().replace("Error handling request from", "request from", 1)
            record.msg, record.args = f"{where}: malformed HTTP, answered 400 ({reason[:200]})", None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


MALFORMED_HTTP = MalformedHttp()


def quiet_malformed_http() -> None:
    """Install :class:`MalformedHttp` on ``aiohttp.server`` (once: the same instance is never added twice). ``serve``
    and every :class:`EmulatorServer` (the pytest fixture's in-process emulator) call it."""
    logging.getLogger("aiohttp.server").addFilter(MALFORMED_HTTP)


async def start_site(app: web.Application, host: str, port: int, handle_signals: bool = False) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on ``host``:``port`` (0: a free one); the runner and the port bound."""
    runner = web.AppRunner(app, access_log=None, handle_signals=handle_signals)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_address=True).start()
    except BaseException:
        await runner.cleanup()
        raise
    emulator = app.get(EMULATOR)  # None: the recorder's or the replay server's application
    if emulator is not None:
        emulator.listeners.attach(runner, host)
    return runner, runner.addresses[0][1]


def serve_forever(app: web.Application, host: str, port: int, announce: Callable[[int], None],
                  loop: asyncio.AbstractEventLoop | None = None) -> None:
    """What aiohttp's ``run_app`` does, keeping the runner: ``announce(port)`` once bound; OSError if it cannot bind."""
    loop = loop or asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    runner: web.AppRunner | None = None

    async def main() -> None:
        nonlocal runner
        runner, bound = await start_site(app, host, port, handle_signals=True)
        announce(bound)
        await asyncio.Event().wait()  # until SIGINT or SIGTERM raise GracefulExit

    task = loop.create_task(main())
    try:
        loop.run_until_complete(task)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        try:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    loop.run_until_complete(task)
            if runner is not None:
                loop.run_until_complete(runner.cleanup())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
            asyncio.set_event_loop(None)


class EmulatorServer:
    """``with EmulatorServer() as server: requests.get(server.url + "/_emulator/health")``."""

    def __init__(self, options: Options | None = None, host: str = "127.0.0.1", port: int = 0, app: web.Application | None = None, **kwargs: Any):
        self.app = app if app is not None else build_app(options or Options(**kwargs))
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def emulator(self) -> Emulator:
        return self.app[EMULATOR]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> "EmulatorServer":
        quiet_malformed_http()
        self._thread = threading.Thread(target=self._run, name="allowlist-emulator", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error:
            raise self._error
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            self._runner, self.port = loop.run_until_complete(start_site(self.app, self.host, self.port))
        except BaseException as exc:  # pragma: no cover - reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def call(self, func, *args):
        """Run ``func(*args)`` on the server's loop thread and return its result (awaited when it is a coroutine):
        safe access to state."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(_call(func, *args), self._loop)
        return future.result(30)

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
            self._loop = None

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


async def _call(func, *args):
    result = func(*args)
    return await result if inspect.isawaitable(result) else result
