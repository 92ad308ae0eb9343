"""Hostile input, every vendor, deterministic cases: malformed JSON, wrong content types, a body over 1 MiB, JSON nested
100,000 levels, huge arrays, invalid UTF-8, lone surrogates, path traversal in ids, header injection, enormous and
non-ASCII headers, absurd query values.

Each case is sent with valid credentials and must get a status below 500, in the vendor's error shape when it reached a
vendor route; the server must still answer /_emulator/health; and the namespace's state (seeded with a few entries
first, so that a wrongful delete or change would show) must equal its snapshot from before the batch.
"""

from __future__ import annotations

import json
import socket

import pytest
import requests

from allowlist_emulator.engine.spec import vendor_spec

from .reliability_support import VENDORS, Vendor, concrete_path, error_shape, stored_ids
from allowlist_emulator.recording.drift import response_problems

MIB = 1024 * 1024
OVER_LIMIT = b'{"x": "' + b"a" * (MIB + 16) + b'"}'
NESTED_ARRAYS = b"[" * 100_000 + b"]" * 100_000
NESTED_OBJECTS = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
NESTED_600 = b"[" * 600 + b"]" * 600  # deep enough for jsonschema_rs' own recursion limit, not Python's
HUGE_INTS = b"[" + b"0," * 149_999 + b"0]"  # 150,000 items, 300 KB
HUGE_OBJECTS = b"[" + b"{}," * 149_999 + b"{}]"  # 150,000 items, 450 KB
HUGE_STRINGS = json.dumps(["1.1.1.1"] * 100_000).encode()  # 100,000 items, 1.1 MB: over the limit too

# (name, body bytes, content type); every one is invalid for every operation that takes a body
BODIES = [
    ("malformed JSON", b'{"ip": ', "application/json"),
    ("truncated array", b'[{"ip": "10.0.0.1"', "application/json"),
    ("trailing garbage", b'{"ip": "10.0.0.1"} {"x"', "application/json"),
    ("NaN", b'{"ip": NaN, "ipAddress": NaN, "ip_start": NaN}', "application/json"),
    ("Infinity", b"[Infinity]", "application/json"),
    ("xml", b"<ip>10.0.0.1</ip>", "application/xml"),
    ("xml as text/xml", b"<?xml version='1.0'?><a/>", "text/xml"),
    ("invalid UTF-8", b'{"ip": "\xff\xfe\xfd", "ipAddress": "\xc0\xae"}', "application/json"),
    ("UTF-16", '{"ip": "10.0.0.1"}'.encode("utf-16"), "application/json"),
    ("lone surrogate", b'{"ip": "\\ud800", "description": "\\udfff", "ipAddress": "\\ud800", "remark": "\\udc00"}', "application/json"),
    ("lone surrogate in an array", b'[{"ip": "10.0.0.1", "description": "\\ud800"}]', "application/json"),
    ("nested arrays 100,000", NESTED_ARRAYS, "application/json"),
    ("nested objects 100,000", NESTED_OBJECTS, "application/json"),
    ("nested arrays 600", NESTED_600, "application/json"),
    ("150,000 integers", HUGE_INTS, "application/json"),
    ("150,000 empty objects", HUGE_OBJECTS, "application/json"),
    ("100,000 strings (over 1 MiB)", HUGE_STRINGS, "application/json"),
    ("over 1 MiB", OVER_LIMIT, "application/json"),
    ("a string", b'"10.0.0.1"', "application/json"),
    ("a number", b"12345678901234567890123456789", "application/json"),
    ("null", b"null", "application/json"),
    ("true", b"true", "application/json"),
    ("octet-stream bytes", bytes(range(256)) * 8, "application/octet-stream"),
    ("image", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),
    ("content type with parameters", b"<a/>", "application/xml; charset=utf-8; boundary=x"),
    ("non-ASCII content type", b"{}", "application/j\u00e9son"),
]

# ids aimed at every operation with a path parameter; sent raw (http.client) so nothing normalises them
HOSTILE_IDS = ["..%2F..%2Fetc%2Fpasswd", "..%2f..%2f", "%00", "a%00b", "%2e%2e", "%2e%2e%2f%2e%2e", "..", ".", "%2F",
               "x" * 10_000, "9" * 5_000, "-1", "0", "99999999999999999999999", "1e3", "0x1f", "%20", "%ff%fe", "%ED%A0%80",
               "%C0%AE%C0%AE", "'%20OR%201=1%20--", "%3Cscript%3E", "{id}", "%7B%7D", "1;DROP", "NaN", "null", "%0d%0aX-Injected:%201",
               "1%0A/extra", "%0A%0A/x%0D"]  # a decoded newline in a path no route matches: still the vendor's 404


def _ops(vendor: str, *, with_body: bool | None = None, with_path: bool | None = None):
    for op in vendor_spec(vendor).operations:
        if with_body is not None and (op.body is not None) != with_body:
            continue
        if with_path is not None and bool(op.path_params) != with_path:
            continue
        yield op


class Batch:
    """Sends hostile requests for one vendor in one seeded namespace and collects every failure."""

    def __init__(self, server, vendor: str, name: str):
        self.v = Vendor(vendor, server, f"hostile-{vendor}-{name}")
        self.v.seed()
        self.before = self.v.snapshot()
        self.ids = stored_ids(self.v)
        self.failures: list[str] = []
        self.sent = 0

    def check(self, label: str, response: requests.Response, *, expect: int | tuple[int, ...] | None = None,
              spec: bool = True) -> None:
        self.sent += 1
        status = response.status_code
        try:
            assert status < 500, f"status {status}: {response.text[:200]}"
            if expect is not None:
                wanted = (expect,) if isinstance(expect, int) else expect
                assert status in wanted, f"status {status}, expected {wanted}: {response.text[:200]}"
            if status >= 400:
                error_shape(self.v.key, response)
                if spec:  # against the spec (the request body is left out: openapi-core would parse a 1 MiB one)
                    request = response.request
                    problems = response_problems(self.v.key, self.v.base, request.method, request.url, {}, None,
                                                 status, dict(response.headers), response.content)
                    assert not problems, f"does not match specs/{self.v.key}.yaml: {problems}: {response.text[:200]}"
        except AssertionError as exc:
            self.failures.append(f"{label}: {exc}")

    def finish(self) -> None:
        self.v.alive()
        after = self.v.snapshot()
        assert not self.failures, f"{len(self.failures)} of {self.sent} hostile requests misbehaved:\n" + "\n".join(self.failures[:30])
        assert after == self.before, "a hostile request changed the stored state"


def _raw(server, request: bytes, timeout: float = 30) -> int:
    """Send raw bytes, return the status code of the answer (0 if the server closed the connection without one)."""
    host, port = server.url.split("://", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    if not data:
        return 0
    return int(data.split(b" ", 2)[1])


@pytest.mark.parametrize("vendor", VENDORS)
def test_hostile_bodies(server, vendor):
    batch = Batch(server, vendor, "bodies")
    schemas = set()
    for op in _ops(vendor, with_body=True):
        path = concrete_path(op, **batch.ids)
        # the large bodies (over 100 KB) go once to each distinct body schema: Talend's two path families share theirs
        schema = json.dumps(op.body.schema, sort_keys=True)
        big_too = schema not in schemas
        schemas.add(schema)
        for name, body, content_type in BODIES:
            if len(body) > 100_000 and not big_too:
                continue
            response = batch.v.request(op.method, path, data=body, headers={**batch.v.headers_for(op), "Content-Type": content_type})
            if body in (OVER_LIMIT, HUGE_STRINGS):
                expect = 413  # in the vendor's shape (Talend "Payload Too Large", HDP 222208734, CH.000413, PAYLOAD_TOO_LARGE)
            else:
                expect = (400, 404, 415)
            batch.check(f"{op.operation_id} {name}", response, expect=expect)
        # multipart/form-data, as a browser form would send it
        response = batch.v.request(op.method, path, files={"ip": ("ip.json", b'{"ip": "10.0.0.1"}', "application/json")},
                                   headers=batch.v.headers_for(op))
        batch.check(f"{op.operation_id} multipart", response, expect=(400, 404, 415))
        # no body at all where one is required, and a declared length the body never reaches
        response = batch.v.request(op.method, path, data=b"", headers={**batch.v.headers_for(op), "Content-Type": "application/json"})
        batch.check(f"{op.operation_id} empty body", response)
    batch.finish()


@pytest.mark.parametrize("vendor", VENDORS)
def test_hostile_ids_in_paths(server, vendor):
    batch = Batch(server, vendor, "ids")
    import http.client

    host, port = server.url.split("://", 1)[1].rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {**batch.v.session.headers, "Content-Type": "application/json"}
    for op in _ops(vendor, with_path=True):
        for hostile in HOSTILE_IDS:
            for name in [p.name for p in op.path_params]:
                values = {**batch.ids, name: hostile}
                path = batch.v.base[len(server.url):] + concrete_path(op, **values)
                body = b'{"ip": "10.0.0.1"}' if op.body is not None else None
                try:
                    connection.request(op.method, path, body=body, headers={**headers, **batch.v.headers_for(op)})
                    response = connection.getresponse()
                    raw = response.read()
                except (http.client.HTTPException, OSError) as exc:
                    batch.failures.append(f"{op.operation_id} {name}={hostile[:40]}: {exc!r}")
                    connection.close()
                    connection = http.client.HTTPConnection(host, int(port), timeout=60)
                    continue
                batch.sent += 1
                label = f"{op.operation_id} {name}={hostile[:40]!r} → {response.status}"
                if response.status >= 500:
                    batch.failures.append(f"{label}: {raw[:200]!r}")
                elif len(path) > 8000:
                    if response.status not in (400, 414, 431):  # aiohttp refuses a request line over 8190 bytes
                        batch.failures.append(f"{label}: expected 400/414 for a 10,000-character request line")
                    connection.close()
                    connection = http.client.HTTPConnection(host, int(port), timeout=60)
                elif response.status >= 400 and not raw.startswith(b"{"):
                    batch.failures.append(f"{label}: not JSON: {raw[:200]!r}")
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.close()
    batch.finish()


ABSURD_QUERIES = [
    "limit=" + "1" + "0" * 30, "limit=-1", "offset=-1", "limit=abc", "offset=1e9", "limit=0", "limit=1&limit=2&limit=abc",
    "offset=" + "9" * 10_000, "limit=%00", "limit=", "offset=", "limit=1.5", "limit=%20%201", "limit=0x10",
    "filter[ip]=%00", "filter[ip]=" + "1" * 10_000, "filter[nope]=1", "filter[ip][x]=1", "filter=abc", "filter[]=1",
    "filter[ttl]=-1", "filter[ttl]=" + "9" * 40, "filter[createTime]=2021-02-30", "filter[createTime]=9999-99-99",
    "filter[policy]=maybe", "sort_by=../../etc", "sort_by=ip%00", "sort_order=sideways", "sort_by=ip&sort_by=ttl&sort_by=x",
    "detailed=maybe", "detailed=" + "t" * 10_000, "detailed=true&detailed=false&detailed=x",
    "user=", "user=" + "u" * 10_000, "user=%00", "user=..%2F..%2Fetc", "user=user1&user=viewer&user=" + "v" * 200,
    "%zz=1", "a=%zz", "&&&", "=", "x" * 5_000 + "=1", "limit[]=1", "%ED%A0%80=%ED%A0%80",
]


HOSTILE_USERS = ["", "u" * 10_000, "%00", "..%2F..%2Fetc", "nobody", "d2cadmin%00", "%ED%A0%80", "user1%0d%0a"]


def _line_too_long(response: requests.Response) -> bool:
    """aiohttp itself refuses a request line over 8190 bytes (400, text/plain) before any route is chosen."""
    return len(response.request.path_url) > 8000 and response.status_code == 400


@pytest.mark.parametrize("vendor", VENDORS)
def test_absurd_query_values(server, vendor):
    """Every GET, and every write with an invalid body, with absurd query values. (A DELETE with a valid id and an
    ignored query parameter is a valid delete, so DELETEs get hostile ids and users instead.)"""
    batch = Batch(server, vendor, "query")
    for op in vendor_spec(vendor).operations:
        if op.method == "DELETE" and not any(p.name == "user" for p in op.query_params):
            continue  # (Talend's DELETEs take only the optional, ignored talendVersion: a valid delete whatever it is)
        path = concrete_path(op, **batch.ids)
        body = b'"not an object"' if op.body is not None else None  # writes stay invalid whatever the query does
        queries = ABSURD_QUERIES if op.method != "DELETE" else [f"user={u}" for u in HOSTILE_USERS]
        if any(p.name == "user" for p in op.query_params):
            queries = queries + [f"user={u}" for u in HOSTILE_USERS]
        for query in queries:
            response = batch.v.request(op.method, f"{path}?{query}", data=body,
                                       headers={**batch.v.headers_for(op), "Content-Type": "application/json"})
            if op.method != "GET" and response.status_code < 400:
                batch.failures.append(f"{op.operation_id} ?{query[:60]} was accepted ({response.status_code})")
            if _line_too_long(response):
                batch.sent += 1
                continue
            batch.check(f"{op.operation_id} ?{query[:60]}", response)
    batch.finish()


@pytest.mark.parametrize("vendor", VENDORS)
def test_header_injection_and_enormous_and_non_ascii_headers(server, vendor):
    batch = Batch(server, vendor, "headers")
    op = next(_ops(vendor, with_body=True))
    path = (batch.v.base[len(server.url):] + concrete_path(op, **batch.ids)).encode()
    auth = b"".join(f"{k}: {v}\r\n".encode() for k, v in batch.v.auth.items())
    namespace = f"X-Emulator-Namespace: {batch.v.namespace}\r\n".encode()
    method = op.method.encode()
    body = b'"not an object"'

    def request(extra: bytes, *, with_auth: bool = True) -> bytes:
        return (method + b" " + path + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + namespace
                + (auth if with_auth else b"") + b"Content-Type: application/json\r\n" + extra
                + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    cases = {
        "CRLF inside a header value": request(b"X-Note: a\r\nX-Emulator-Namespace: injected\r\n"),
        "bare CR inside a header value": request(b"X-Note: a\rX-Injected: 1\r\n"),
        "bare LF inside a header value": request(b"X-Note: a\nX-Injected: 1\r\n"),
        "NUL inside a header value": request(b"X-Note: a\0b\r\n"),
        "obsolete line folding": request(b"X-Note: a\r\n  folded: 1\r\n"),
        "header name with a space": request(b"X Note: a\r\n"),
        "header without a colon": request(b"XNote\r\n"),
        "enormous header (100 KB)": request(b"X-Big: " + b"a" * 100_000 + b"\r\n"),
        "enormous Authorization (100 KB)": request(b"Authorization: Bearer " + b"a" * 100_000 + b"\r\n", with_auth=False),
        "300 headers": request(b"".join(b"X-H%d: v\r\n" % i for i in range(300))),
        "non-ASCII header value (UTF-8)": request("X-Note: caf\u00e9 \u2603\r\n".encode()),
        "non-ASCII header value (latin-1)": request(b"X-Note: caf\xe9\r\n"),
        "non-ASCII Authorization (UTF-8)": request("Authorization: Bearer t\u00f6k\u00e9n\r\n".encode(), with_auth=False),
        "non-ASCII Authorization (bytes)": request(b"Authorization: Basic \xff\xfe\xfd\r\n", with_auth=False),
        "non-ASCII X-Auth-Token": request(b"X-Auth-Token: \xff\xfe\r\n", with_auth=False),
        "non-ASCII Content-Type": request(b"Content-Type: application/\xff\xfe\r\n"),
        "non-ASCII X-Forwarded-For": request(b"X-Forwarded-For: \xff\xfe, 1.1.1.1\r\n"),
        "non-ASCII X-Sdk-Date": request(b"X-Sdk-Date: 2021\xff\r\n"),
        "two Content-Length": request(b"Content-Length: 1\r\n"),
        "negative Content-Length": (method + b" " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"),
        "chunked and Content-Length": request(b"Transfer-Encoding: chunked\r\n"),
        "bad chunked body": (method + b" " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + namespace + auth
                             + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
        "HTTP/0.9 style": method + b" " + path + b"\r\n\r\n",
        "unknown HTTP version": method + b" " + path + b" HTTP/9.9\r\nHost: x\r\n\r\n",
        "path with a space": method + b" " + path + b"/a b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    }
    for label, raw in cases.items():
        status = _raw(server, raw)
        batch.sent += 1
        if status >= 500 or (status == 0 and label not in ("HTTP/0.9 style",)):
            batch.failures.append(f"{label}: status {status}")
    # the same through requests, where the answer is the vendor's: non-ASCII and odd values of the headers vendors read
    for headers in ({"X-Emulator-Namespace": batch.v.namespace + "\u00e9"}, {"X-Forwarded-For": "not-an-address"},
                    {"X-Forwarded-For": "1.1.1.1, " * 800}, {"X-Forwarded-For": "9" * 7_000}, {"X-Sdk-Date": "29991231T235959Z"},
                    {"Authorization": "Bearer " + "\u00e9" * 10}, {"Content-Type": "application/json; charset=latin-1"}):
        encoded = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}
        response = batch.v.request(op.method, concrete_path(op, **batch.ids), data=body,
                                   headers={"Content-Type": "application/json", **encoded})
        batch.check(f"headers {list(headers)}", response, spec=False)
    batch.finish()


def test_a_namespace_header_beyond_limits_is_refused_in_the_vendors_shape(server):
    for vendor in VENDORS:
        v = Vendor(vendor, server, f"ns-limits-{vendor}")
        op = next(_ops(vendor, with_body=False))
        response = v.request(op.method, concrete_path(op), headers={"X-Emulator-Namespace": "n" * 129})
        assert response.status_code == 400, response.text
        error_shape(vendor, response)


def test_a_namespace_header_that_is_not_utf8_text_is_refused_not_500(server):
    """aiohttp keeps undecodable header bytes as surrogates; such a name could not seed a namespace (its random
    generator and request ids hash the name as UTF-8), so it is refused with 400 everywhere."""
    paths = [b"GET /_emulator/state", b"POST /_emulator/clock", b"GET /api/admin/security/whitelist/system",
             b"GET /v4/tenant/trusted-ip-addresses", b"GET /security/ip-allowlist", b"GET /b2core/addresses"]
    for name in (b"n\xff\xfe", b"\xc3\x28", b"n\xed\xa0\x80"):
        for line in paths:
            request = (line + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Emulator-Namespace: " + name
                       + b"\r\nAuthorization: Basic ZDJjYWRtaW46ZDJjYWRtaW4=\r\nX-Auth-Token: codearts-token\r\n"
                       + b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            assert _raw(server, request) == 400, (line, name)
    assert requests.get(server.url + "/_emulator/health", timeout=30).status_code == 200


def test_body_validation_regressions():
    """The engine fixes these tests found, at the validator: each was a 500 or held the event loop for seconds."""
    import time

    from allowlist_emulator.engine.validate import BodyValidator, RequestInvalid

    items = BodyValidator({"type": "array", "items": {"type": "object", "required": ["ip"], "properties": {"ip": {"type": "string"}}}},
                          required=True, media_types=("application/json",))
    cases = [
        (NESTED_600, "is nested too deeply"),  # jsonschema_rs' recursion limit: was a 500
        (b'[{"ip": "\\ud800"}]', "lone UTF-16 surrogate"),  # was stored, then every read of it was a 500
        (b'[{"ip": "\\udfff\\ud800"}]', "lone UTF-16 surrogate"),
    ]
    for raw, fragment in cases:
        with pytest.raises(RequestInvalid) as err:
            items.parse(raw, "application/json")
        assert fragment in err.value.problem.message, raw[:40]
    assert items.parse(b'[{"ip": "\\ud83d\\ude00"}]', "application/json") == [{"ip": "\U0001f600"}]  # a pair is a character
    started = time.perf_counter()
    with pytest.raises(RequestInvalid) as err:
        items.parse(HUGE_OBJECTS, "application/json")  # 150,000 violations: was 4-8 s to list and sort them all
    assert err.value.problem.field == "[0].ip" and time.perf_counter() - started < 1.5
