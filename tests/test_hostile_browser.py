"""A hostile web page in the developer's browser against the control plane and the dashboard (control/browser.py):
DNS rebinding (a foreign ``Host``) and cross-site requests (a foreign ``Origin``, forms and ``text/plain`` bodies)
are refused with 403 in the control plane's shape; what people type (curl, requests, the pytest plugin, the
dashboard's own page) and every vendor path keep working."""

from __future__ import annotations

import base64
import uuid

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.control.browser import local_name
from allowlist_emulator.server import EmulatorServer

EVIL = "https://evil.example"
BASIC = "Basic " + base64.b64encode(b"d2cadmin:d2cadmin").decode()


@pytest.fixture(scope="module")
def server():
    with EmulatorServer() as running:
        yield running


def ns() -> dict:
    return {"X-Emulator-Namespace": f"b-{uuid.uuid4().hex[:10]}"}


def add_fault(server, headers) -> None:
    rule = {"vendor": "talend", "operationId": "getIpAllowlist", "status": 503}
    assert requests.post(server.url + "/_emulator/faults", json=rule, headers=headers, timeout=10).status_code == 201


def faults(server, headers) -> list:
    return requests.get(server.url + "/_emulator/faults", headers=headers, timeout=10).json()["faults"]


def refused(response: requests.Response, field: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["status"] == 403 and error["field"] == field and error["message"].startswith(field)


def test_a_cross_site_form_cannot_reset_every_namespace(server):
    headers = ns()
    add_fault(server, headers)
    response = requests.post(server.url + "/_emulator/reset?all=true", data="a=b",
                             headers={"Origin": EVIL, "Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    refused(response, "Origin")
    assert len(faults(server, headers)) == 1  # nothing was reset


@pytest.mark.parametrize("path,body", [("/_emulator/clock", '{"advance": 60}'),
                                       ("/_emulator/faults", '{"vendor": "hdp", "status": 500}')])
def test_text_plain_bodies_from_another_site_are_refused(server, path, body):
    headers = ns()
    before = requests.get(server.url + "/_emulator/clock", headers=headers, timeout=10).json()
    response = requests.post(server.url + path, data=body, timeout=10,
                             headers={**headers, "Origin": EVIL, "Content-Type": "text/plain"})
    refused(response, "Origin")
    assert faults(server, headers) == []
    after = requests.get(server.url + "/_emulator/clock", headers=headers, timeout=10).json()
    assert after["offset"] == before["offset"]


@pytest.mark.parametrize("origin", ["null", "http://127.0.0.1:1", "http://localhost.evil.example", "file://", "x"])
def test_any_origin_but_the_servers_own_is_refused_for_changes(server, origin):
    response = requests.delete(server.url + "/_emulator/faults", headers={**ns(), "Origin": origin}, timeout=10)
    refused(response, "Origin")


def test_fetch_metadata_of_another_site_is_refused_for_changes(server):
    for site in ("cross-site", "same-site"):
        response = requests.post(server.url + "/_emulator/reset", headers={**ns(), "Sec-Fetch-Site": site}, timeout=10)
        refused(response, "Sec-Fetch-Site")
    ok = requests.post(server.url + "/_emulator/reset", headers={**ns(), "Sec-Fetch-Site": "same-origin"}, timeout=10)
    assert ok.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "127.0.0.1.nip.io", "10.0.0.1", "[::2]:80"])
@pytest.mark.parametrize("path", ["/_emulator/state", "/_emulator/requests", "/_emulator/ui", "/_emulator/ui/app.js",
                                  "/_emulator/events"])
def test_a_rebound_name_reads_nothing(server, host, path):
    response = requests.get(server.url + path, headers={"Host": host}, timeout=10, stream=True)
    with response:
        refused(response, "Host")


def test_what_people_type_keeps_working(server):
    headers = ns()
    port = server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", "LOCALHOST.", f"app.localhost:{port}",
                 f"[::1]:{port}", "127.0.0.2"):
        assert requests.get(server.url + "/_emulator/state", headers={**headers, "Host": host}, timeout=10).status_code == 200, host
    # curl -d '{...}': no Origin, curl's form Content-Type
    response = requests.post(server.url + "/_emulator/clock", data='{"advance": 1}', timeout=10,
                             headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.text
    # no Content-Type at all
    assert requests.post(server.url + "/_emulator/clock", data=b'{"advance": 1}', headers=headers, timeout=10).status_code == 200
    # the dashboard's own page: the same origin
    own = {"Origin": server.url, **headers}
    assert requests.post(server.url + "/_emulator/reset", headers=own, timeout=10).status_code == 200
    assert requests.post(server.url + "/_emulator/ui/login", data={"token": "x"}, headers=own, timeout=10,
                         allow_redirects=False).status_code == 303


def test_vendor_paths_are_not_guarded(server):
    hostile = {"Host": "evil.example", "Origin": EVIL, "Sec-Fetch-Site": "cross-site", **ns()}
    response = requests.get(server.url + "/api/admin/security/whitelist/system", timeout=10,
                            headers={**hostile, "Authorization": BASIC})
    assert response.status_code == 200, response.text
    response = requests.post(server.url + "/b2core/tokens", data="client_id=x&client_secret=y", timeout=10,
                             headers={**hostile, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code != 403


def test_a_namespace_listener_is_a_name_of_this_emulator(server):
    headers = ns()
    opened = requests.post(server.url + "/_emulator/listeners", headers=headers, timeout=10).json()
    try:
        port = opened["port"]
        response = requests.get(f"http://127.0.0.1:{port}/_emulator/state", headers={"Host": f"localhost:{port}"}, timeout=10)
        assert response.status_code == 200
        response = requests.get(f"http://127.0.0.1:{port}/_emulator/state", headers={"Host": "evil.example"}, timeout=10)
        refused(response, "Host")
        response = requests.post(f"http://127.0.0.1:{port}/_emulator/reset", timeout=10, headers={"Origin": EVIL})
        refused(response, "Origin")
    finally:
        requests.delete(server.url + "/_emulator/listeners", headers=headers, timeout=10)


def test_with_an_admin_token_any_host_is_answered_but_cross_site_changes_are_not():
    with EmulatorServer(Options(admin_token="t0ken")) as locked:
        token = {"X-Emulator-Admin-Token": "t0ken"}
        response = requests.get(locked.url + "/_emulator/state", headers={**token, "Host": "emulator.internal"}, timeout=10)
        assert response.status_code == 200
        response = requests.post(locked.url + "/_emulator/reset", headers={**token, "Origin": EVIL}, timeout=10)
        refused(response, "Origin")


def test_an_origin_is_the_servers_own_with_or_without_its_default_port():
    from allowlist_emulator.control.browser import BrowserGuard

    same = BrowserGuard._same_origin
    assert same("http://localhost", "localhost:80") and same("http://localhost:80", "localhost")
    assert same("https://emulator.example", "emulator.example:443") and same("http://[::1]:8080", "[::1]:8080")
    assert same("HTTP://LocalHost:8080", "localhost:8080")
    assert not same("http://localhost:8081", "localhost:8080") and not same("http://localhost", "localhost:8080")
    assert not same("ftp://localhost", "localhost") and not same("http://localhost:x", "localhost")
    assert not same("null", "localhost") and not same("http://evil.example", "localhost")


def test_the_bound_address_is_a_name_of_this_emulator():
    assert local_name("192.0.2.7", "192.0.2.7") and not local_name("192.0.2.8", "192.0.2.7")
    assert local_name("10.1.2.3", "0.0.0.0") and not local_name("evil.example", "0.0.0.0")
    assert local_name("box.lan", "box.lan") and not local_name("box.lan", "127.0.0.1")
    assert local_name("::ffff:127.0.0.1", "127.0.0.1") and local_name("127.9.9.9", None)


# -- in a real browser ----------------------------------------------------------------------------------------------------
EVIL_PAGE = """<!doctype html><html><body>
<form id="f" method="post" action="{target}/_emulator/reset?all=true" enctype="application/x-www-form-urlencoded">
<input name="a" value="b"></form>
<script>
fetch("{target}/_emulator/clock", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
                                    body: JSON.stringify({{advance: 86400}})}})
  .finally(() => document.getElementById("f").submit());
</script></body></html>"""


def test_a_page_on_another_site_cannot_reset_or_move_the_clock_in_chromium(server):
    import os
    import shutil

    from aiohttp import web

    from .support import need_tool

    chromium = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    need_tool("chromium", chromium is not None, "apt-get install chromium (Debian's package; Playwright drives it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    need_tool("playwright", sync_playwright is not None, "pip install -e '.[test]' (the test extra has playwright)")

    default = {"X-Emulator-Namespace": "default"}
    add_fault(server, default)
    clock_before = requests.get(server.url + "/_emulator/clock", timeout=10).json()

    async def page(_request):
        return web.Response(text=EVIL_PAGE.format(target=server.url), content_type="text/html")

    evil = web.Application()
    evil.router.add_get("/", page)
    with EmulatorServer(app=evil) as site:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--host-resolver-rules=MAP evil.example 127.0.0.1"])
            try:
                tab = browser.new_page()
                answers = []
                tab.on("response", lambda response: answers.append((response.url, response.status)))
                tab.goto(f"http://evil.example:{site.port}/")
                tab.wait_for_url(f"{server.url}/_emulator/reset?all=true", timeout=15000)
            finally:
                browser.close()
    assert (f"{server.url}/_emulator/reset?all=true", 403) in answers, answers
    try:
        assert len(faults(server, default)) == 1  # nothing was reset
        assert requests.get(server.url + "/_emulator/clock", timeout=10).json()["offset"] == clock_before["offset"]
    finally:
        requests.delete(server.url + "/_emulator/faults", headers=default, timeout=10)
