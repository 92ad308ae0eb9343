"""The ceiling for this stack: a plain aiohttp handler per route, no auth, no validation, no state.

    python bench/plain.py --port 8081 --routes routes.json [--mode json|bytes]

``routes.json`` is a list of ``{"method", "path", "status", "body"}`` (body: JSON text). Each handler reads the request
body (as any handler that takes one must) and answers the same JSON the emulator gave for the same request:

- ``--mode json`` (default): ``web.json_response(data)`` on the body held as Python data, compact like the emulator's,
  so the bytes are the same; this is what a hand-written aiohttp stub does.
- ``--mode bytes``: the emulator's bytes, encoded once at start-up: the floor of any Python handler on this stack.

``bench/run.py`` writes the file from the emulator's own answers.
"""

from __future__ import annotations

import argparse
import functools
import json

from aiohttp import web

_compact = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def make_handler(status: int, body: bytes, mode: str = "json"):
    if mode == "json":
        data = json.loads(body)

        async def handle_json(request: web.Request) -> web.Response:
            if request.body_exists:
                await request.read()
            return web.json_response(data, status=status, dumps=_compact)

        return handle_json

    async def handle(request: web.Request) -> web.Response:
        if request.body_exists:
            await request.read()
        return web.Response(body=body, status=status, content_type="application/json", charset="utf-8")

    return handle


def build(routes: list[dict], mode: str = "json") -> web.Application:
    app = web.Application()
    seen = set()
    for route in routes:
        key = (route["method"], route["path"])
        if key in seen:
            continue
        seen.add(key)
        app.router.add_route(route["method"], route["path"], make_handler(int(route.get("status", 200)), route["body"].encode("utf-8"), mode))
    return app


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--routes", required=True, help="JSON file: [{method, path, status, body}]")
    p.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio", help="event loop (default: aiohttp's, asyncio)")
    p.add_argument("--mode", choices=("json", "bytes"), default="json", help="json_response per request, or pre-encoded bytes")
    args = p.parse_args()
    with open(args.routes, encoding="utf-8") as handle:
        routes = json.load(handle)
    loop = None
    if args.loop == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    web.run_app(build(routes, args.mode), host=args.host, port=args.port, access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()
