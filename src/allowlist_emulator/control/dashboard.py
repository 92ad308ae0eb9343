"""The dashboard at ``/_emulator/ui``: a page for a person, its static files, its live feed and its redacted views.

The page (``static/``: plain HTML, CSS and one JavaScript module, no build step) acts only through the control plane
(state, requests, reset, faults, clock, decide) plus what this module adds:

- ``GET /_emulator/events?namespace=NAME``: server-sent events, one ``request`` event per journal entry of that
  namespace, a ``control`` event per control-plane change, and ``reload`` when the reader fell behind (its queue in
  the journal is bounded; see ``engine/journal.py``).
- ``GET /_emulator/requests/{seq}``: one journal entry with its request and answer, redacted as the recorder redacts
  (``allowlist_emulator/redaction.py``).
- ``GET /_emulator/namespaces``: the namespaces the emulator holds (the page's selector).
- ``POST /_emulator/ui/login``: when an admin token is configured, exchanges it for a session cookie.

Why a cookie, beyond loopback: an ``EventSource`` cannot send ``X-Emulator-Admin-Token``, and a token in the query
string ends up in browser history, proxy logs and ``Referer`` headers. The login form posts the token once; the
answer sets ``HttpOnly; SameSite=Strict`` cookie holding an HMAC of the token (not the token itself), which scripts
cannot read and other sites cannot make the browser send. A cookie alone admits only reads (GET); a change (POST,
PUT, DELETE) also needs the ``X-Emulator-UI: 1`` header that the page sends, which a cross-site form cannot send and a
cross-site script cannot send without a CORS preflight that the emulator never grants. The cookie has no ``Secure``
flag because the emulator serves plain HTTP; put it behind TLS when it leaves a trusted network.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from aiohttp import web

from ..engine.context import json_response
from ..engine.errors import ApiError
from ..engine.journal import Entry
from ..redaction import Interaction, Redactor
from ..engine.url_namespace import namespace_name

if TYPE_CHECKING:  # pragma: no cover
    from ..app import Emulator

STATIC = Path(__file__).with_name("static")
FILES = {"app.js": "text/javascript", "style.css": "text/css"}
COOKIE = "allowlist_emulator_ui"
UI_HEADER = "X-Emulator-UI"
KEEPALIVE_SECONDS = 15.0
EVENTS_PER_WRITE = 200
# the page's own files only: no inline script, nothing from elsewhere, not framed (a second line of defence: the
# script already puts every text from the emulator in the page with textContent)
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def session_value(token: str) -> str:
    """What the session cookie holds: an HMAC of the admin token, so the browser never stores the token itself."""
    return hmac.new(token.encode(), b"allowlist-emulator dashboard session", hashlib.sha256).hexdigest()


def authorized(request: web.Request, token: str, header: str) -> bool:
    """The admin token in ``header``, or the dashboard's session cookie (reads; changes also need ``X-Emulator-UI``)."""
    given = request.headers.get(header)
    if given is not None:
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode())
    cookie = request.cookies.get(COOKIE)
    if cookie is None or not hmac.compare_digest(cookie.encode("utf-8", "surrogateescape"), session_value(token).encode()):
        return False
    return request.method in ("GET", "HEAD") or request.headers.get(UI_HEADER) == "1"


# -- redacted views ----------------------------------------------------------------------------------------------------
def _guess_type(body: bytes) -> str:
    """The Content-Type to redact a body by when its request's headers are no longer kept."""
    return "application/json" if body[:1] in (b"{", b"[") else "application/x-www-form-urlencoded"


def redacted(entry: Entry, kept: tuple | None) -> Interaction:
    """The entry as an interaction (request and, when kept, answer), through the recorder's redaction."""
    uri = entry.path + (f"?{entry.query}" if entry.query else "")
    if kept is not None:
        request_headers, response_headers, response_body = kept
        request_pairs = [(str(k), v) for k, v in request_headers.items()]
        response_pairs = [(str(k), v) for k, v in (response_headers or {}).items()]
    else:
        request_pairs = [("Content-Type", _guess_type(entry.body))] if entry.body else []
        response_pairs, response_body = [], b""
    interaction = Interaction(method=entry.method, uri=uri, request_headers=request_pairs,
                              request_body=entry.body or None, status=entry.status,
                              response_headers=response_pairs, response_body=response_body or b"")
    return Redactor().scrub([interaction])[0]


def _text(body: bytes | None) -> str | None:
    return body.decode("utf-8", "replace") if body else None


def error_of(emulator: "Emulator", entry: Entry, kept: tuple | None) -> dict | None:
    """``{"code", "message"}`` of an error answer, read from its body by the vendor's ``errors.summary``."""
    if entry.status < 400 or kept is None or not kept[2]:
        return None
    vendor = emulator.vendors.get(entry.vendor or "")
    if vendor is None or vendor.error_summary is None:
        return None
    try:
        code, message = vendor.error_summary(json.loads(kept[2]))
    except (ValueError, RecursionError):
        return None
    return {"code": code, "message": message}


def row(emulator: "Emulator", entry: Entry, kept: tuple | None) -> dict:
    """A journal row for the page: the entry without its body, its query redacted, plus the vendor's error."""
    data = entry.to_json()
    data.pop("body")
    if entry.query:
        data["query"] = redacted(entry, kept).uri.partition("?")[2]
    data["error"] = error_of(emulator, entry, kept)
    data["kept"] = kept is not None
    return data


def redacted_rows(emulator: "Emulator", entries: Iterable[Entry]) -> list[dict]:
    kept = emulator.journal.kept()
    out = []
    for entry in entries:
        data = row(emulator, entry, kept.get(entry.seq))
        if entry.body:
            data["body"] = _text(redacted(entry, kept.get(entry.seq)).request_body)
        out.append(data)
    return out


# -- handlers ----------------------------------------------------------------------------------------------------------
class Dashboard:
    def __init__(self, emulator: "Emulator", admin_header: str):
        self.em = emulator
        self.admin_header = admin_header
        self.index = (STATIC / "index.html").read_bytes()  # read once, at start-up
        self.files = {name: (STATIC / name).read_bytes() for name in FILES}
        # each served vendor's view of its state (vendors/<key>/view.js), an ES module the page imports
        self.views = {key: vendor.file(vendor.view).read_bytes() for key, vendor in emulator.vendors.items() if vendor.view}

    def _locked(self, request: web.Request) -> bool:
        token = self.em.options.admin_token
        return token is not None and token != "" and not authorized(request, token, self.admin_header)

    async def page(self, request: web.Request) -> web.Response:
        if self._locked(request):
            return self.login_page(None, "ui/login")
        return web.Response(body=self.index, content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
                                     "Content-Security-Policy": CSP, "X-Frame-Options": "DENY"})

    async def slash(self, request: web.Request) -> web.Response:
        return web.Response(status=301, headers={"Location": "../ui"})

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["file"]
        if name not in self.files:
            raise ApiError(404, f"file: {name!r} is not part of the dashboard", field="file")
        return web.Response(body=self.files[name], content_type=FILES[name], charset="utf-8",
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    async def view(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if key not in self.views:
            raise ApiError(404, f"key: {key!r} is not a served vendor with a view", field="key")
        return web.Response(body=self.views[key], content_type="text/javascript", charset="utf-8",
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    def login_page(self, problem: str | None, action: str) -> web.Response:
        """The sign-in form; ``action`` is relative to where it is served (``ui`` or ``ui/login``)."""
        note = f'<p class="problem">{problem}</p>' if problem else ""
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>allowlist-emulator: sign in</title><link rel="icon" href="data:,">'
            '<style>body{font:15px system-ui,sans-serif;margin:4rem auto;max-width:26rem;color:#1d2733}'
            'input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;margin:.5rem 0}'
            'button{font:inherit;padding:.4rem 1rem}.problem{color:#b3261e}</style></head><body>'
            '<h1>allowlist-emulator</h1><p>This emulator requires its admin token (<code>--admin-token</code>).</p>'
            f'{note}<form method="post" action="{action}"><label>Admin token'
            '<input type="password" name="token" autocomplete="current-password" autofocus></label>'
            '<button type="submit">Sign in</button></form></body></html>'
        )
        return web.Response(text=html, status=401, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def login(self, request: web.Request) -> web.Response:
        token = self.em.options.admin_token
        form = await request.post()
        given = str(form.get("token", ""))
        back = web.Response(status=303, headers={"Location": "../ui"})  # relative: /_ns/<name>/... comes back there
        if not token:
            return back
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode()):
            return self.login_page("That is not the admin token.", "login")
        back.set_cookie(COOKIE, session_value(token), path="/", httponly=True, samesite="Strict")
        return back

    async def namespaces(self, request: web.Request) -> web.Response:
        return json_response({"namespaces": self.em.store.names()})

    async def request_detail(self, request: web.Request) -> web.Response:
        seq = request.match_info["seq"]
        if not seq.isdigit():
            raise ApiError(400, f"seq: {seq!r} is not an integer", field="seq")
        name = self.em.store.namespace(namespace_name(request)).name
        found = self.em.journal.detail(int(seq))
        if found is None or found[0].namespace != name:
            raise ApiError(404, f"seq: request {seq} is not in this namespace's journal (it keeps the last "
                                f"{self.em.journal.limit} requests)", field="seq")
        entry, kept = found
        shown = redacted(entry, kept)
        return json_response({
            "entry": row(self.em, entry, kept),
            "request": {"method": shown.method, "uri": shown.uri, "headers": shown.request_headers,
                        "body": _text(shown.request_body)},
            "response": {"status": shown.status, "headers": shown.response_headers,
                         "body": _text(shown.response_body)} if kept is not None else None,
        })

    async def events(self, request: web.Request) -> web.StreamResponse:
        name = self.em.store.namespace(request.query.get("namespace") or namespace_name(request)).name
        journal = self.em.journal
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(request)
        subscriber = journal.subscribe(name)
        try:
            await response.write(b"retry: 2000\nevent: hello\ndata: " + json.dumps({"namespace": name}).encode() + b"\n\n")
            while not subscriber.closed:
                if not await subscriber.next(KEEPALIVE_SECONDS):
                    await response.write(b": keep-alive\n\n")
                    continue
                if subscriber.overflowed:  # it fell behind: drop what waits and have the page reload the journal
                    subscriber.items.clear()
                    subscriber.overflowed = False
                    await response.write(b"event: reload\ndata: {}\n\n")
                    continue
                chunk: list[bytes] = []
                while subscriber.items and len(chunk) < EVENTS_PER_WRITE:
                    chunk.append(self._event(subscriber.items.popleft()))
                if chunk:
                    await response.write(b"".join(chunk))
        except (ConnectionError, asyncio.CancelledError, RuntimeError):
            pass  # the browser went away (RuntimeError: aiohttp's "cannot write to closing transport")
        finally:
            journal.unsubscribe(subscriber)
        return response

    def _event(self, item: Any) -> bytes:
        if isinstance(item, dict):
            return b"event: control\ndata: " + json.dumps(item).encode() + b"\n\n"
        entry = Entry(*item)
        data = row(self.em, entry, self.em.journal.kept_one(entry.seq))
        return b"event: request\ndata: " + json.dumps(data).encode() + b"\n\n"


def register_dashboard(routes: list, emulator: "Emulator", admin_header: str) -> Dashboard:
    """Add the dashboard's routes to the control plane's list (they are guarded like every other)."""
    dashboard = Dashboard(emulator, admin_header)
    routes += [
        ("GET", "/events", dashboard.events),
        ("GET", "/namespaces", dashboard.namespaces),
        ("GET", "/requests/{seq}", dashboard.request_detail),
        ("GET", "/ui/{file}", dashboard.static),
        ("GET", "/ui/vendors/{key}/view.js", dashboard.view),
    ]
    return dashboard
