"""What a vendor handler sees of one request."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, cast

from aiohttp import web
from yarl import URL

from ..addresses import IPAddress, address_text, normalise_client
from ..jsonio import dumps
from ..state.model import M

if TYPE_CHECKING:  # pragma: no cover
    from ..app import Emulator
    from ..state import Namespace
    from ..vendors.base import Vendor
    from .spec import Operation


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response without aiohttp's extra copies (``data`` None → no body)."""
    if data is None:
        return web.Response(status=status, headers=headers)
    return web.Response(body=dumps(data), status=status, headers=headers, content_type="application/json", charset="utf-8")


# address text → (normalised address, its text): parsed once per peer; one cache per way of reading IPv4-mapped IPv6
_CLIENTS: dict[bool, dict[str, tuple[Any, str | None]]] = {True: {}, False: {}}


def _client_of(text: str | None, mapped_as_ipv4: bool = True) -> tuple[Any, str | None]:
    cache = _CLIENTS[mapped_as_ipv4]
    hit = cache.get(text)  # type: ignore[arg-type]
    if hit is None:
        if len(cache) >= 4096:
            cache.clear()
        address = normalise_client(text, mapped_as_ipv4)
        hit = (address, address_text(address))
        if text is not None:
            cache[text] = hit
    return hit


class Ctx(Generic[M]):
    """One request on its way through auth, validation and the handler. ``Ctx[TalendModel]``: ``ctx.model`` is
    Talend's; a handler annotated with plain ``Ctx`` sees ``Any``."""

    __slots__ = (
        "request",
        "_routed",
        "op",
        "vendor",
        "namespace",
        "emulator",
        "raw_body",
        "path",
        "query",
        "body",
        "identity",
        "_request_id",
        "_client",
        "_client_text",
        "_model",
    )

    def __init__(self, request: web.Request, op: Operation | None, vendor: Vendor[M], namespace: Namespace, emulator: Emulator,
                 routed: str | None = None):
        self.request = request
        self._routed = routed  # under /_ns/<name>/: the rest of the raw path (engine/url_namespace.py)
        self.op = op
        self.vendor = vendor
        self.namespace = namespace
        self.emulator = emulator
        self.raw_body = b""
        self.path: dict[str, Any] = {}
        self.query: dict[str, Any] = {}
        self.body: Any = None
        self.identity: Any = None
        self._request_id: str | None = None
        self._client: Any = False
        self._client_text: str | None = None
        self._model: M | None = None

    @property
    def url(self) -> URL:
        """The URL as the vendor sees it: without a ``/_ns/<name>`` prefix (the request keeps the URL as sent)."""
        if self._routed is None:
            return self.request.rel_url
        return URL.build(path=self._routed, query_string=self.request.rel_url.raw_query_string, encoded=True)

    @property
    def model(self) -> M:
        """This vendor's state in the request's namespace."""
        model = self._model
        if model is None:  # handlers ask several times per request; the namespace is looked up once
            model = self._model = cast(M, self.namespace.model(self.vendor.key))  # the namespace keeps it by key
        return model

    @property
    def headers(self):
        return self.request.headers

    @property
    def request_id(self) -> str:
        if self._request_id is None:
            self._request_id = self.namespace.request_id()  # deterministic under --seed
        return self._request_id

    @property
    def client(self) -> IPAddress | None:
        """The caller's address: the TCP peer, or the first ``X-Forwarded-For`` hop with ``--trust-forwarded-for``."""
        if self._client is False:
            text = None
            if self.emulator.trust_forwarded_for:
                forwarded = self.request.headers.get("X-Forwarded-For")
                if forwarded:
                    text = forwarded.split(",", 1)[0]
            self._client, self._client_text = _client_of(text or self.request.remote, self.vendor.mapped_as_ipv4)
        return self._client

    def now(self) -> datetime:
        return self.namespace.clock.now()

    def time(self) -> float:
        return self.namespace.clock.time()

    json = staticmethod(json_response)
