"""Support for the replicate/diff/decide tests: a "live" emulator filled through the vendor APIs (every level and
field, several pages), state helpers, and a spying, fault-injecting HTTP proxy in front of the live side."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

# the live side's config: room for hundreds of Talend entries, an HDP tenant and user the replica does not know,
# a CodeArts repository beyond the demo ones
LIVE_CONFIG = {
    "vendors": {
        "talend": {"ip_limit": 100_000},
        "hdp": {"tenants": [{"id": 4, "name": "OrgC"}],
                "users": [{"id": 7, "name": "ops", "password": "ops-secret", "tenant": 4, "permissions": [11, 29]}]},
        "codearts": {"repositories": [2001]},
    }
}
TALEND = {"Authorization": "Bearer talend-admin-token"}
CODEARTS = {"X-Auth-Token": "codearts-token"}
HDP_AUTH = ("d2cadmin", "d2cadmin")


def ns_url(server_url: str, namespace: str) -> str:
    return f"{server_url}/_ns/{namespace}"


def control(url: str, method: str, path: str, body=None) -> dict:
    response = requests.request(method, f"{url}/_emulator{path}", json=body, timeout=30)
    assert response.status_code < 300, response.text
    return response.json()


def state(url: str) -> dict:
    return control(url, "GET", "/state")


def freeze_clock(url: str) -> None:
    """Frozen on a whole second near now (CodeArts shows times to the second; its AK/SK signatures must stay within
    the clock's tolerance)."""
    control(url, "POST", "/clock", {"freeze": True})
    control(url, "POST", "/clock", {"set": datetime.fromtimestamp(int(time.time()), timezone.utc).isoformat()})


def _ok(response: requests.Response) -> requests.Response:
    assert response.status_code < 300, f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}"
    return response


def fill(url: str, b2core_base: str, n: int) -> None:
    """Fill every vendor of the namespace at ``url`` through its own API with about ``n`` entries per list."""
    freeze_clock(url)
    s = requests.Session()
    # Talend: an enabled policy, entries of every form (address, CIDR, IPv6), descriptions
    ips = [{"ip": f"198.51.{i // 250}.{i % 250 + 1}" if i % 3 else f"10.{i // 250}.{i % 250}.0/24",
            "description": f"egress {i}"} for i in range(n)]
    ips.append({"ip": "2001:db8::/64", "description": "v6 office"})
    _ok(s.post(f"{url}/security/ip-allowlist", headers=TALEND, timeout=30,
               json={"enabled": True, "description": "Paris office", "ips": ips[:50]}))
    for start in range(50, len(ips), 100):
        _ok(s.post(f"{url}/security/ip-allowlist/ips", headers=TALEND, json=ips[start:start + 100], timeout=30))
    # HDP: the system level (every resource), three tenants, two users (one the replica does not know), configurations
    def document(prefix: int, count: int, web: bool) -> dict:
        doc = {"managementAPI": [{"startAddress": f"172.{prefix}.{i // 250}.{i % 250}"} for i in range(count)],
               "adminAPI": [{"startAddress": f"172.{prefix + 1}.{i // 64}.{i % 64 * 4}",
                             "endAddress": f"172.{prefix + 1}.{i // 64}.{i % 64 * 4 + 3}"} for i in range(count // 4)],
               "dataAccess": [{"startAddress": "2001:db8:1::1", "endAddress": "2001:db8:1::ff"}]}
        if web:
            doc["webUI"] = [{"startAddress": "192.0.2.0", "endAddress": "192.0.2.255"}]
        return doc

    wl = f"{url}/api/admin/security/whitelist"
    _ok(s.post(f"{wl}/system", auth=HDP_AUTH, json=document(16, n, True), timeout=30))
    for tenant, prefix in ((2, 18), (3, 20), (4, 22)):
        _ok(s.post(f"{wl}/tenants/{tenant}", auth=HDP_AUTH, json=document(prefix, max(n // 10, 4), False), timeout=30))
    for user, prefix in (("user1", 24), ("ops", 26)):
        _ok(s.post(f"{url}/api/mgmt/security/whitelist/user", params={"user": user}, auth=HDP_AUTH,
                   json=document(prefix, 8, False), timeout=30))
    _ok(s.put(f"{url}/api/admin/configurations/8", auth=HDP_AUTH, json={"value": "false"}, timeout=30))
    _ok(s.put(f"{url}/api/admin/configurations/1", auth=HDP_AUTH, json={"value": "#"}, timeout=30))
    # CodeArts: the tenant list over several pages (every ip_type and flag), two repositories
    def rule(i: int) -> dict:
        kind = i % 3
        body = {"ip_type": kind, "view_flag": 1, "download_flag": i % 2, "upload_flag": int(i % 5 == 0),
                "remark": f"rule {i}"}
        if kind == 0:
            body["ip_start"] = f"100.64.{i // 250}.{i % 250}"
        elif kind == 1:
            body.update(ip_start=f"100.65.{i // 250}.{i % 250}", ip_end=f"100.65.{i // 250}.{i % 250 + 3}")
        else:
            body["ip_start"] = f"100.{66 + i // 250}.{i % 250}.0/24"
        return body

    for i in range(n):
        _ok(s.post(f"{url}/v4/tenant/trusted-ip-addresses", headers=CODEARTS, json=rule(i), timeout=30))
    for repository, count in ((1001, max(n // 2, 30)), (2001, 25)):
        for i in range(count):
            _ok(s.post(f"{url}/v4/projects/{repository}/trusted-ip-addresses", headers=CODEARTS, json=rule(i), timeout=30))
    # B2Core: allow and deny policies, some with a TTL, some of those expired on the live clock
    base = f"{url}{b2core_base}"
    token = _ok(s.post(f"{base}/tokens", auth=("b2core-client", "b2core-secret"),
                       json={"grant_type": "client_credentials"}, timeout=30)).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    for i in range(n):
        body = {"ipAddress": f"203.0.{i // 250}.{i % 250}" if i % 4 else f"10.{100 + i // 250}.{i % 250}.0/24",
                "policy": "deny" if i % 7 == 0 else "allow"}
        if i % 5 == 0:
            body["ttl"] = 60 if i % 10 == 0 else 86_400
        _ok(s.post(f"{base}/addresses", headers=bearer, json=body, timeout=30))
    control(url, "POST", "/clock", {"advance": 120})  # the 60-second ones have expired on the live clock


IDENTITIES = {"talend": ("serviceTokens",), "hdp": ("tenants", "users"), "codearts": ("next_id",),
              "b2core": ("tokens", "idRandom", "idCounter")}


def lists(vendor_state: dict, vendor: str) -> dict:
    """A vendor's state, identities aside."""
    return {k: v for k, v in vendor_state.items() if k not in IDENTITIES[vendor]}


class SpyProxy:
    """An HTTP proxy in front of ``target`` that records every request's method and path, and can answer the Nth
    matching request itself: ``fault(n, method, path) -> None | "500" | "drop" | ("total", value)``."""

    def __init__(self, target: str, fault: Callable[[int, str, str], object] | None = None):
        self.target = urlsplit(target)
        self.fault = fault
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy._lock:
                    proxy.seen.append((self.command, self.path))
                    n = len(proxy.seen)
                action = proxy.fault(n, self.command, self.path) if proxy.fault else None
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if action == "500":
                    data = b'{"message": "internal error"}'
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port, timeout=30)
                headers = dict(self.headers.items())  # every one, as sent: CodeArts' AK/SK signs them all
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                conn.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() in ("content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"):
                        continue
                    if isinstance(action, tuple) and action[0] == "total" and key.lower() == "x-total":
                        value = str(action[1])
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def dumps(value) -> str:
    return json.dumps(value, sort_keys=True)
