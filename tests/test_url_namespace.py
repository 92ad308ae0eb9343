"""``/_ns/<name>/...``: the namespace chosen by URL, end to end over HTTP for every vendor and the control plane.

A client configured with a base URL alone (no header) is isolated: what it writes under ``/_ns/a`` is seen with
``X-Emulator-Namespace: a`` and nowhere else. Every response is checked against the vendor's spec (VendorClient).
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
import requests

from .reliability_support import basic
from .namespace_support import VENDORS, fresh, hdp_read, hdp_write
from .support import NAMESPACE_HEADER, VendorClient


def ns_client(server, vendor: str, name: str, **defaults) -> VendorClient:
    """A spec-checking client whose base URL is ``/_ns/<name>`` + the vendor's base, sending no namespace header."""
    client = VendorClient(vendor, f"{server.url}/_ns/{quote(name, safe='')}", server.emulator.base_path(vendor),
                          namespace=name, **defaults)
    del client.session.headers[NAMESPACE_HEADER]
    return client


def header_client(server, vendor: str, name: str, **defaults) -> VendorClient:
    return VendorClient(vendor, server.url, server.emulator.base_path(vendor), namespace=name, **defaults)


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_every_vendor_is_isolated_by_url_alone(server, vendor):
    defaults, write, read = VENDORS[vendor]
    a, b = fresh("a"), fresh("b")
    written = write(ns_client(server, vendor, a, **defaults))
    assert written in read(ns_client(server, vendor, a, **defaults))
    assert written in read(header_client(server, vendor, a, **defaults))  # the header names the same namespace
    assert written not in read(ns_client(server, vendor, b, **defaults))
    assert written not in read(header_client(server, vendor, "default", **defaults))
    same = ns_client(server, vendor, a, **defaults)
    same.session.headers[NAMESPACE_HEADER] = a  # both at once, the same name: fine
    assert written in read(same)


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_the_journal_shows_the_path_as_sent_and_the_namespace(server, vendor):
    defaults, write, _read = VENDORS[vendor]
    name = fresh("j")
    write(ns_client(server, vendor, name, **defaults))
    journal = requests.get(f"{server.url}/_ns/{name}/_emulator/requests", params={"vendor": vendor}, timeout=10).json()
    assert journal["namespace"] == name
    entries = journal["requests"]
    assert entries and all(e["namespace"] == name for e in entries)
    base = server.emulator.base_path(vendor)
    assert all(e["path"].startswith(f"/_ns/{name}{base}/") for e in entries), [e["path"] for e in entries]
    last = entries[-1]
    # the filter takes the path as sent or as the vendor saw it
    vendor_path = last["path"][len(f"/_ns/{name}"):]
    for path in (last["path"], vendor_path):
        found = requests.get(f"{server.url}/_emulator/requests", params={"path": path},
                             headers={NAMESPACE_HEADER: name}, timeout=10).json()["requests"]
        assert [e["seq"] for e in found] == [e["seq"] for e in entries if e["path"] == last["path"]]


def test_the_control_plane_answers_under_the_prefix(server):
    name = fresh("c")
    hdp = ns_client(server, "hdp", name, auth=("d2cadmin", "d2cadmin"))
    hdp_write(hdp)
    state = requests.get(f"{server.url}/_ns/{name}/_emulator/state", timeout=10).json()
    assert state["namespace"] == name
    assert state["vendors"]["hdp"] == requests.get(f"{server.url}/_emulator/state", headers={NAMESPACE_HEADER: name},
                                                   timeout=10).json()["vendors"]["hdp"]
    clock = requests.post(f"{server.url}/_ns/{name}/_emulator/clock", json={"freeze": True}, timeout=10).json()
    assert clock["frozen"] is True
    assert requests.get(f"{server.url}/_emulator/clock", headers={NAMESPACE_HEADER: name}, timeout=10).json()["frozen"]
    assert not requests.get(f"{server.url}/_emulator/clock", timeout=10).json()["frozen"]
    decide = requests.get(f"{server.url}/_ns/{name}/_emulator/decide/hdp", params={"ip": "203.0.113.9", "user": "user1"},
                          timeout=10).json()
    assert decide["allowed"] is False  # tenant 2's list (written above) does not admit it
    reset = requests.post(f"{server.url}/_ns/{name}/_emulator/reset", timeout=10).json()
    assert reset["namespace"] == name
    assert hdp_read(hdp) == set()
    # a method the control plane does not take: the same answer as without the prefix
    prefixed = requests.put(f"{server.url}/_ns/{name}/_emulator/health", timeout=10)
    plain = requests.put(f"{server.url}/_emulator/health", timeout=10)
    assert (prefixed.status_code, prefixed.json()) == (plain.status_code, plain.json())


def test_a_route_added_later_is_reached_under_the_prefix_too():
    """The mechanism knows no route: one registered after it (as a dashboard at /_emulator/ui will be) answers, and
    learns the name and the path without the prefix through the two helpers every non-vendor route uses."""
    from aiohttp import web

    from allowlist_emulator.app import Options, build_app
    from allowlist_emulator.engine.url_namespace import namespace_name, routed_path
    from allowlist_emulator.server import EmulatorServer

    seen = []

    async def page(request: web.Request) -> web.Response:
        seen.append((routed_path(request), namespace_name(request)))
        return web.Response(text="ui")

    app = build_app(Options(vendors=("hdp",)))
    app.router.add_get("/_emulator/ui-test", page)
    with EmulatorServer(app=app) as running:
        assert requests.get(f"{running.url}/_ns/team-a/_emulator/ui-test", timeout=10).text == "ui"
    assert seen == [("/_emulator/ui-test", "team-a")]


# -- names: decoded exactly once, checked as the header's ----------------------------------------------------------------


@pytest.mark.parametrize("raw, name", [
    ("team%2Fa", "team/a"),
    ("100%25", "100%"),
    ("%252F", "%2F"),  # decoded once, not twice
    ("%C3%A9quipe-%E2%9C%93", "équipe-✓"),
    ("a%20b", "a b"),
])
def test_names_are_percent_decoded_once(server, raw, name):
    name = name + "-" + uuid.uuid4().hex[:6]
    raw = raw + "-" + name.rsplit("-", 1)[1]
    hdp = {"auth": ("d2cadmin", "d2cadmin")}
    response = requests.post(f"{server.url}/_ns/{raw}/api/admin/security/whitelist/tenants/2",
                             json={"managementAPI": [{"startAddress": "192.0.2.9"}]}, timeout=10, **hdp)
    assert response.status_code == 201, response.text
    as_header = {NAMESPACE_HEADER: name.encode()}  # UTF-8 bytes, as aiohttp decodes them
    read = requests.get(f"{server.url}/api/admin/security/whitelist/tenants/2", headers=as_header, timeout=10, **hdp)
    assert read.status_code == 200 and read.json()["managementAPI"] == [{"startAddress": "192.0.2.9"}]
    state = requests.get(f"{server.url}/_ns/{raw}/_emulator/state", timeout=10).json()
    assert state["namespace"] == name
    both = requests.get(f"{server.url}/_ns/{raw}/_emulator/state", headers=as_header, timeout=10)  # the same name
    assert both.status_code == 200 and both.json()["namespace"] == name


def _shape(vendor: str, response: requests.Response) -> str:
    """The message of a 400 in the vendor's error shape (or the control plane's)."""
    assert response.status_code == 400, response.text
    body = response.json()
    if vendor == "talend":
        assert set(body) == {"status", "message", "detail", "requestId"}, body
        return body["detail"]
    if vendor == "hdp":
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
        return body["error"]["message"]["value"]
    if vendor == "codearts":
        assert set(body) == {"error_code", "error_msg"}, body
        return body["error_msg"]
    if vendor == "b2core":
        assert set(body) == {"status", "code", "message"}, body
        return body["message"]
    assert set(body) == {"error"} and body["error"]["status"] == 400, body
    return body["error"]["message"]


PATHS = {
    "talend": "/security/ip-allowlist",
    "hdp": "/api/admin/security/whitelist/system",
    "codearts": "/v4/tenant/trusted-ip-addresses",
    "b2core": "/b2core/addresses",
    "control": "/_emulator/state",
}


@pytest.mark.parametrize("owner", list(PATHS))
def test_header_and_url_naming_different_namespaces_is_400_in_the_owners_shape(server, owner):
    url = f"{server.url}/_ns/a{PATHS[owner]}"
    message = _shape(owner, requests.get(url, headers={NAMESPACE_HEADER: "b"}, timeout=10))
    assert "X-Emulator-Namespace" in message and "'a'" in message and "'b'" in message, message
    # an empty header names the default namespace: a conflict with any other name, none with "default"
    _shape(owner, requests.get(url, headers={NAMESPACE_HEADER: ""}, timeout=10))
    assert requests.get(f"{server.url}/_ns/default{PATHS[owner]}", headers={NAMESPACE_HEADER: ""},
                        timeout=10).status_code != 400


@pytest.mark.parametrize("owner", list(PATHS))
def test_bad_names_are_400_in_the_owners_shape(server, owner):
    long = "x" * 129
    assert "longer than 128" in _shape(owner, requests.get(f"{server.url}/_ns/{long}{PATHS[owner]}", timeout=10))
    for raw in ("a%0Ab", "a%FFb", "a%00"):  # a control character; bytes that are not UTF-8
        assert "printable" in _shape(owner, requests.get(f"{server.url}/_ns/{raw}{PATHS[owner]}", timeout=10))
    assert requests.get(f"{server.url}/_ns/{'x' * 128}/_emulator/state", timeout=10).status_code == 200


@pytest.mark.parametrize("path", [
    "/api/admin/security/whitelist/nope",  # under a vendor's prefix: the vendor's 404
    "/v4/tenant/nope",
    "/b2core/nope",
    "/security/ip-allowlist/ips/x/y",
    "/nothing/here",  # no vendor's: the emulator's own 404 (/ itself points to the dashboard: test_newcomer.py)
])
def test_unknown_paths_get_the_same_404_under_the_prefix(server, path):
    name = fresh("n")
    plain = requests.get(f"{server.url}{path or '/'}", headers={NAMESPACE_HEADER: name}, timeout=10)
    prefixed = requests.get(f"{server.url}/_ns/{name}{path}", timeout=10)
    assert plain.status_code == prefixed.status_code == 404
    strip = {"requestId", "request_id"}
    a, b = plain.json(), prefixed.json()
    if isinstance(a, dict):
        a, b = ({k: v for k, v in d.items() if k not in strip} for d in (a, b))
    assert a == b


def test_wrong_method_gets_the_same_405_under_the_prefix(server):
    name = fresh("m")
    plain = requests.patch(f"{server.url}/api/admin/security/whitelist/system", headers={NAMESPACE_HEADER: name},
                           auth=("d2cadmin", "d2cadmin"), timeout=10)
    prefixed = requests.patch(f"{server.url}/_ns/{name}/api/admin/security/whitelist/system", auth=("d2cadmin", "d2cadmin"),
                              timeout=10)
    assert plain.status_code == prefixed.status_code == 405
    assert plain.json() == prefixed.json() and plain.headers["Allow"] == prefixed.headers["Allow"]


def test_no_name_is_an_unknown_path(server):
    for path in ("/_ns/", "/_ns", "/_ns//api/admin/security/whitelist/system"):
        response = requests.get(f"{server.url}{path}", auth=("d2cadmin", "d2cadmin"), timeout=10)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found", response.text


def test_query_strings_and_bodies_pass_through(server):
    name = fresh("q")
    c = ns_client(server, "codearts", name, headers={"X-Auth-Token": "codearts-token"})
    for i in range(3):
        c.post("/v4/tenant/trusted-ip-addresses", json={"ip_type": 0, "ip_start": f"192.0.2.{i + 1}", "view_flag": 1})
    page = c.get("/v4/tenant/trusted-ip-addresses?offset=1&limit=1")
    assert page.status_code == 200 and [e["ip_start"] for e in page.json()] == ["192.0.2.2"]
    assert page.headers["X-Total"] == "3"


def test_hdp_location_keeps_the_prefix_so_following_it_stays_in_the_namespace(server):
    """HDP's 201 carries ``Location``: the created resource's URL as the client sent it. Under ``/_ns/<name>`` that
    URL has the prefix, and a client that follows it reads what it wrote, not the default namespace."""
    name = fresh("loc")
    base = f"{server.url}/_ns/{name}"
    created = requests.post(f"{base}/api/admin/security/whitelist/tenants/2?user=user1", auth=("d2cadmin", "d2cadmin"),
                            json={"managementAPI": [{"startAddress": "192.0.2.9"}]}, timeout=10)
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"{base}/api/admin/security/whitelist/tenants/2?user=user1"
    followed = requests.get(created.headers["Location"], auth=("d2cadmin", "d2cadmin"), timeout=10)
    assert followed.status_code == 200 and followed.json()["managementAPI"][0]["startAddress"] == "192.0.2.9"
    default = requests.get(f"{server.url}/api/admin/security/whitelist/tenants/2", auth=("d2cadmin", "d2cadmin"),
                           timeout=10)
    assert "192.0.2.9" not in default.text


def test_hdp_admin_and_management_paths_are_told_apart_under_the_prefix(server):
    """HDP admits a caller per API (``adminAPI`` for ``/api/admin/...``, ``managementAPI`` for ``/api/mgmt/...``): the
    choice is made on the path without the prefix, so a system list that admits no one to the Administrators API
    refuses ``/api/admin`` under ``/_ns/<name>`` as it does with the header, and lets ``/api/mgmt`` through. (The
    client address comes from X-Forwarded-For, which the test server trusts: loopback callers bypass HDP's lists.)"""
    name = fresh("res")
    admin = "/api/admin/security/whitelist/system"
    mgmt = "/api/mgmt/security/whitelist/user"
    for prefix, namespace in ((f"/_ns/{name}", {}), ("", {NAMESPACE_HEADER: name + "-h"})):
        put = requests.put(f"{server.url}{prefix}{admin}", auth=("d2cadmin", "d2cadmin"), headers=namespace, timeout=10,
                           json={"adminAPI": [{"startAddress": "192.0.2.1"}], "managementAPI": []})
        assert put.status_code == 200, put.text
        outside = {**namespace, "X-Forwarded-For": "198.51.100.7"}
        refused = requests.get(f"{server.url}{prefix}{admin}", auth=("d2cadmin", "d2cadmin"), headers=outside, timeout=10)
        assert refused.status_code == 403 and "198.51.100.7" in refused.text, (prefix, refused.text)
        through = requests.get(f"{server.url}{prefix}{mgmt}", auth=("user1", "user1"), headers=outside, timeout=10)
        assert through.status_code != 403, (prefix, through.text)


def test_hostile_headers_under_the_prefix_never_500(server):
    """A header value that is not UTF-8 must not break the request under the prefix."""
    import socket

    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /_ns/h/api/admin/security/whitelist/system HTTP/1.1\r\nHost: x\r\n"
                     b"Authorization: Basic ZDJjYWRtaW46ZDJjYWRtaW4=\r\nX-Odd: \xff\xfe\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    assert status in (200, 404), answer[:300]


# -- the pieces, directly ------------------------------------------------------------------------------------------------


def test_split_namespace_path():
    from allowlist_emulator.state import namespace_path, split_namespace_path

    assert split_namespace_path("/_ns/a/api/x") == ("a", "/api/x")
    assert split_namespace_path("/_ns/a") == ("a", "/")
    assert split_namespace_path("/_ns/a/") == ("a", "/")
    assert split_namespace_path("/_ns/a%2Fb/x%2Fy") == ("a/b", "/x%2Fy")  # the rest stays raw: the router decodes it
    assert split_namespace_path("/_ns/%25252F/x") == ("%252F", "/x")
    assert split_namespace_path("/_ns//x") is None and split_namespace_path("/_ns/") is None
    assert split_namespace_path("/api/_ns/a") is None and split_namespace_path("/_nsx/a") is None
    for name in ("a/b", "100%", "équipe ✓", "%2F"):
        assert split_namespace_path(namespace_path(name) + "/x") == (name, "/x")


def test_store_drops_what_was_created_since_a_mark():
    from allowlist_emulator.app import Emulator, Options

    store = Emulator(Options(vendors=("hdp",))).store
    store.namespace("before")
    mark = store.created
    for name in ("n1", "n2", "n3"):
        store.namespace(name)
    store.namespace("before")  # used again: not created again
    assert sorted(store.drop_created_since(mark)) == ["n1", "n2", "n3"]
    assert store.names() == ["default", "before"]
    assert store.drop_created_since(store.created) == []
    store.namespace("n1")  # a dropped name comes back, created anew
    assert store.drop_created_since(mark) == ["n1"]


def test_the_live_feed_shows_the_path_as_sent(server):
    """The dashboard's feed gets the entry as recorded: the path with its /_ns/<name> prefix, not the routed one."""
    name = fresh("feed")
    subscriber = server.emulator.journal.subscribe(name)
    try:
        response = requests.get(f"{server.url}/_ns/{name}/api/admin/security/whitelist/system", auth=("d2cadmin", "d2cadmin"), timeout=10)
        assert response.status_code == 200
        items, _ = server.call(server.emulator.journal.take, subscriber, 1000)
        paths = [item[6] for item in items if isinstance(item, tuple)]
    finally:
        server.emulator.journal.unsubscribe(subscriber)
    assert paths == [f"/_ns/{name}/api/admin/security/whitelist/system"], paths


def test_a_prefixed_request_leaves_no_reference_cycle_behind(server):
    """What the router makes for a ``/_ns/`` request is freed when the request ends, as for any request: none of it
    waits for the garbage collector (the router's object once referred to itself: one cycle per request, for the
    collector to find). Counted with the collector off: what ``gc.collect()`` finds afterwards is such garbage."""
    import gc
    import http.client
    from urllib.parse import urlsplit

    name = fresh("gc")
    auth = {"Authorization": basic("d2cadmin", "d2cadmin")}
    path = "/api/admin/security/whitelist/tenants/2"
    conn = http.client.HTTPConnection(urlsplit(server.url).hostname, urlsplit(server.url).port, timeout=10)

    def garbage(prefix: str, n: int = 200) -> int:
        for _ in range(20):  # warm: first-use paths taken before counting
            conn.request("GET", prefix + path, headers=auth)
            conn.getresponse().read()
        gc.collect()
        gc.disable()
        try:
            for _ in range(n):
                conn.request("GET", prefix + path, headers=auth)
                response = conn.getresponse()
                response.read()
                assert response.status in (200, 404), response.status
            return gc.collect()
        finally:
            gc.enable()

    try:
        plain, prefixed = garbage(""), garbage(f"/_ns/{name}")
    finally:
        conn.close()
    assert prefixed <= plain + 20, (plain, prefixed)  # the tree before: +200, one per request
