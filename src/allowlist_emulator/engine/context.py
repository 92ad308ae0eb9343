"""What a vendor handler sees of one request."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..addresses import IPAddress, normalise_client

if TYPE_CHECKING:  # pragma: no cover
    from ..app import Emulator
    from ..state import Namespace
    from ..vendors.base import Vendor
    from .spec import Operation

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response without aiohttp's extra copies (``data`` None → no body)."""
    if data is None:
        return web.Response(status=status, headers=headers)
    return web.Response(
        body=_dumps(data).encode("utf-8"), status=status, headers=headers, content_type="application/json", charset="utf-8"
    )


class Ctx:
    """One request on its way through auth, validation and the handler."""

    __slots__ = (
        "request",
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
    )

    def __init__(self, request: web.Request, op: "Operation | None", vendor: "Vendor", namespace: "Namespace", emulator: "Emulator"):
        self.request = request
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

    @property
    def model(self) -> Any:
        """This vendor's state in the request's namespace."""
        return self.namespace.model(self.vendor.key)

    @property
    def headers(self):
        return self.request.headers

    @property
    def request_id(self) -> str:
        if self._request_id is None:
            self._request_id = uuid.uuid4().hex
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
            self._client = normalise_client(text or self.request.remote)
        return self._client

    def now(self) -> datetime:
        return self.namespace.clock.now()

    def time(self) -> float:
        return self.namespace.clock.time()

    json = staticmethod(json_response)
