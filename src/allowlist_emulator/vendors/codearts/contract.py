"""The contract suite's view of CodeArts: demo credentials (AK/SK), the adapters (SDK-HMAC-SHA256 signing, or an
X-Auth-Token), and the safety. Its lists govern repository access, not the API the suite calls: every operation runs
on a live target too, and the lists are restored afterwards.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, cast
from urllib.parse import urlsplit

import requests

from ...contract.auth import Credentials, VendorAuth, _mask
from ...contract.safety import NOTHING, EntryListSafety
from . import signing

DEMO = Credentials(ak="emulator-ak", sk="emulator-sk")
OPTIONS = {  # the credential fields (CLI options) this vendor uses
    "token": "CodeArts X-Auth-Token",
    "ak": "CodeArts access key (the suite signs each request, SDK-HMAC-SHA256)",
    "sk": "CodeArts secret key",
}


class CodeArtsTokenAuth(VendorAuth):
    def __init__(self, token: str):
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["X-Auth-Token"] = self.token
        return request

    def describe(self) -> str:
        return "X-Auth-Token " + _mask(self.token)


class AkSkAuth(VendorAuth):
    """SDK-HMAC-SHA256: signs each prepared request with the same code the emulator verifies with."""

    def __init__(self, ak: str | None, sk: str | None, clock: Callable[[], datetime] | None = None):
        self.ak = ak
        self.sk = sk
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        headers = request.headers
        headers.pop("Authorization", None)
        # Host is sent by http.client from the URL; sign exactly that value, and send it explicitly.
        headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
        date = signing.format_date(self.clock())
        headers[signing.DATE_HEADER] = date
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers["Authorization"] = signing.sign(request.method or "GET", parts.path or "/", parts.query,
                                                cast("dict[str, str]", dict(headers)), body,
                                                self.ak or "", self.sk or "", date)
        return request

    def describe(self) -> str:
        return f"AK/SK signing, AK {self.ak!r}"

    def usage_error(self) -> str | None:
        if not self.ak or not self.sk:
            return "--ak and --sk go together"
        return None


def make_auth(base_url: str, given: Credentials, headers: dict[str, str] | None, verify: bool | str) -> VendorAuth:
    if given.ak is not None or given.sk is not None:
        return AkSkAuth(given.ak, given.sk)
    if given.token:
        return CodeArtsTokenAuth(given.token)
    return AkSkAuth(DEMO.ak, DEMO.sk)


class CodeArtsSafety(EntryListSafety):
    fields = ("ip_type", "ip_start", "ip_end", "view_flag", "download_flag", "upload_flag", "remark")

    def scope_for(self, method, path, query):
        if path == "/v4/tenant/trusted-ip-addresses" or path.startswith("/v4/tenant/trusted-ip-addresses/"):
            return ("tenant",)
        parts = path.strip("/").split("/")
        if len(parts) >= 4 and parts[:2] == ["v4", "projects"] and parts[3] == "trusted-ip-addresses":
            return ("repository", int(parts[2]))
        return None

    def list_path(self, scope):
        return "/v4/tenant/trusted-ip-addresses" if scope[0] == "tenant" else f"/v4/projects/{scope[1]}/trusted-ip-addresses"

    def read(self, scope):
        if scope[0] == "repository":
            response = self.call("GET", self.list_path(scope), params={"offset": 0, "limit": 1})
            if response.status_code in (400, 404):
                return NOTHING  # no such repository: nothing the run can have written
        return super().read(scope)

    def content(self, item):
        out = super().content(item)
        if out.get("ip_type") == 2:  # a CIDR rule is written back as its block
            out["ip_end"] = None
            out["ip_start"] = item.get("ip_range") or item.get("ip_start")
        return out


SAFETY = CodeArtsSafety
