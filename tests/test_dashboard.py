"""The dashboard at /_emulator/ui, in a real browser (Debian's chromium driven by Playwright), plus its feed and its
redacted views over plain HTTP.

Each browser test opens the page in a fresh namespace of a server of its own (configured with secrets that must
never reach the page), acts as a client would over HTTP while the page is open, and checks what the page shows.
``ALLOWLIST_EMULATOR_SCREENSHOTS=docs/`` makes the live test write ``docs/dashboard.png`` (the README's picture).
"""

from __future__ import annotations

import base64
import os
import shutil
import uuid
from pathlib import Path

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.control.dashboard import COOKIE, session_value
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.vendors import REGISTRY

from .support import VendorClient, need_tool

HDP_PASSWORD = "Hdp-S3cret-Pw-7781"
TALEND_TOKEN = "talend-S3cret-Token-4412"
CODEARTS_TOKEN = "codearts-S3cret-Token-9911"
B2CORE_SECRET = "B2core-S3cret-5519"
CONFIG = {
    "vendors": {
        "hdp": {"users": [{"id": 9, "name": "ops", "password": HDP_PASSWORD, "tenant": 2, "permissions": [11, 29],
                           "administers": [2]}]},
        "talend": {"tokens": {TALEND_TOKEN: ["Users - Management"]}},
        "codearts": {"tokens": [{"token": CODEARTS_TOKEN, "status": "admin"}]},
        "b2core": {"clients": {"dash-client": B2CORE_SECRET}},
    },
}
SCREENSHOTS = os.environ.get("ALLOWLIST_EMULATOR_SCREENSHOTS")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ADMIN_TOKEN = "dashboard-admin-token-0042"


@pytest.fixture(scope="module")
def dash():
    with EmulatorServer(Options(config=CONFIG, trust_forwarded_for=True, seed=7)) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    need_tool("chromium", chromium is not None, "apt-get install chromium (Debian's package; Playwright drives it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    need_tool("playwright", sync_playwright is not None, "pip install -e '.[test]' (the test extra has playwright)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Page:
    """One open dashboard, with every console error and uncaught script error it produced."""

    def __init__(self, browser, url: str, namespace: str | None, viewport: dict | None = None):
        from playwright.sync_api import expect

        self.expect = expect
        self.errors: list[str] = []
        self.context = browser.new_context(viewport=viewport or {"width": 1440, "height": 1100})
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url + (f"?namespace={namespace}" if namespace else ""))

    def ready(self) -> "Page":
        self.page.wait_for_selector("body[data-ready=true]")
        self.expect(self.page.locator("#live")).to_have_text("live")
        return self

    def __call__(self, selector: str):
        return self.page.locator(selector)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def namespace():
    return f"ui-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def ui(browser, dash, namespace):
    opened = Page(browser, f"{dash.url}/_emulator/ui", namespace).ready()
    yield opened
    opened.close()
    assert opened.errors == [], f"the page logged errors: {opened.errors}"


def client(dash, vendor: str, namespace: str, **headers: str) -> VendorClient:
    return VendorClient(vendor, dash.url, dash.emulator.base_path(vendor), namespace=namespace, headers=headers)


def hdp(dash, namespace, **headers):
    return client(dash, "hdp", namespace, Authorization="Basic " + base64.b64encode(f"ops:{HDP_PASSWORD}".encode()).decode(), **headers)


def b2core(dash, namespace):
    api = client(dash, "b2core", namespace)
    response = api.post("/tokens", auth=("dash-client", B2CORE_SECRET), json={"grant_type": "client_credentials"})
    assert response.status_code == 200, response.text
    api.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return api, response.json()["access_token"]


# -- in the browser ------------------------------------------------------------------------------------------------------
def test_page_loads_without_script_errors_and_shows_every_vendor(ui):
    cards = ui(".vendor")
    ui.expect(cards).to_have_count(len(REGISTRY))
    for key, title in [("hdp", "Hybrid Data Pipeline"), ("talend", "Talend Cloud"), ("codearts", "CodeArts Repo"), ("b2core", "B2Core")]:
        ui.expect(ui(f"#vendor-{key} h2")).to_contain_text(title)
    ui.expect(ui("#vendor-hdp")).to_contain_text("IP filtering (configuration 8)")
    ui.expect(ui("#vendor-codearts")).to_contain_text("Repository 1001")
    ui.expect(ui("#namespace")).to_have_value(ui.page.url.split("namespace=")[1])


def test_state_and_journal_a_client_creates_appear_live(ui, dash, namespace):
    admin = hdp(dash, namespace, **{"X-Forwarded-For": "198.51.100.23"})
    missing = admin.get("/api/admin/security/whitelist/tenants/2")
    assert missing.status_code == 404
    error_row = ui("#journal tbody tr.entry").first
    ui.expect(error_row.locator("td.error")).to_contain_text(str(missing.json()["error"]["code"]))
    ui.expect(error_row.locator("td.error")).to_contain_text(missing.json()["error"]["message"]["value"])
    response = admin.post("/api/admin/security/whitelist/tenants/2",
                          json={"managementAPI": [{"startAddress": "10.20.30.0", "endAddress": "10.20.30.10"}]})
    assert response.status_code == 201, response.text
    ui.expect(ui("#vendor-hdp")).to_contain_text("tenant 2 (OrgA)")
    ui.expect(ui("#vendor-hdp")).to_contain_text("10.20.30.0–10.20.30.10")
    row = ui("#journal tbody tr.entry").first
    ui.expect(row).to_contain_text("/api/admin/security/whitelist/tenants/2")
    ui.expect(row).to_contain_text("201")
    ui.expect(row).to_contain_text("createTenantWhitelist")
    ui.expect(row).to_contain_text("198.51.100.23")

    talend = client(dash, "talend", namespace, Authorization=f"Bearer {TALEND_TOKEN}")
    assert talend.post("/security/ip-allowlist", json={"enabled": True, "description": "Paris office",
                                                       "ips": [{"ip": "203.0.113.10", "description": "office egress"}]}).status_code == 201
    ui.expect(ui("#vendor-talend")).to_contain_text("203.0.113.10")
    ui.expect(ui("#vendor-talend")).to_contain_text("Paris office")

    codearts = client(dash, "codearts", namespace, **{"X-Auth-Token": CODEARTS_TOKEN})
    assert codearts.post("/v4/tenant/trusted-ip-addresses", json={"ip_type": 1, "ip_start": "192.0.2.1", "ip_end": "192.0.2.9",
                                                                  "view_flag": 1, "remark": "build agents"}).status_code == 200
    assert codearts.post("/v4/projects/1001/trusted-ip-addresses", json={"ip_start": "192.0.2.77", "download_flag": 1}).status_code == 200
    ui.expect(ui("#vendor-codearts")).to_contain_text("192.0.2.1–192.0.2.9")
    ui.expect(ui("#vendor-codearts")).to_contain_text("build agents")
    ui.expect(ui("#vendor-codearts")).to_contain_text("192.0.2.77")

    api, _ = b2core(dash, namespace)
    assert api.post("/addresses", json={"ipAddress": "203.0.113.0/24", "policy": "allow", "ttl": 3600}).status_code == 201
    assert api.post("/addresses", json={"ipAddress": "203.0.113.66", "policy": "deny"}).status_code == 201
    ui.expect(ui("#vendor-b2core")).to_contain_text("203.0.113.0/24")
    ui.expect(ui("#vendor-b2core")).to_contain_text("in 60 min")
    ui.expect(ui("#vendor-b2core")).to_contain_text("2 of 2 policies in force")
    b2core_error = api.post("/addresses", json={"ipAddress": "not-an-address", "policy": "allow"})
    assert b2core_error.status_code == 400
    ui.expect(ui("#journal tbody tr.entry").first.locator("td.error")).to_contain_text(b2core_error.json()["code"])

    ui("#journal tbody tr.entry").filter(has_text="createTenantWhitelist").click()
    ui.expect(ui("tr.detail")).to_contain_text("10.20.30.10")  # the request body
    ui.expect(ui("tr.detail")).to_contain_text("201")
    if SCREENSHOTS:
        ui("#journal tbody tr.entry").first.click()  # the newest one's detail instead
        target = Path(SCREENSHOTS)
        target.mkdir(parents=True, exist_ok=True)
        ui.page.wait_for_timeout(1300)  # the new rows' highlight fades
        ui.page.screenshot(path=str(target / "dashboard.png"), full_page=True)


def test_reset_fault_clock_and_decide_controls_work_end_to_end(ui, dash, namespace):
    api, _ = b2core(dash, namespace)
    assert api.post("/addresses", json={"ipAddress": "198.51.100.0/24", "policy": "allow", "ttl": 600}).status_code == 201
    ui.expect(ui("#vendor-b2core")).to_contain_text("1 of 1 policy in force")

    # decide: the emulator's answer and its reason, per vendor
    ui("#decide-vendor").select_option("b2core")
    ui("#decide-ip").fill("198.51.100.7")
    ui("#decide-form button[type=submit]").click()
    ui.expect(ui("#decide-result")).to_contain_text("Admitted")
    expected = requests.get(f"{dash.url}/_emulator/decide/b2core", params={"ip": "198.51.100.7"},
                            headers={"X-Emulator-Namespace": namespace}).json()
    ui.expect(ui("#decide-result")).to_contain_text(expected["reason"])
    ui("#decide-ip").fill("192.0.2.1")
    ui("#decide-form button[type=submit]").click()
    ui.expect(ui("#decide-result")).to_contain_text("Refused")
    ui("#decide-vendor").select_option("hdp")
    ui.expect(ui("#decide-resource")).to_be_visible()
    ui("#decide-ip").fill("192.0.2.1")
    ui("#decide-form button[type=submit]").click()
    ui.expect(ui("#decide-result")).to_contain_text("Admitted")

    # clock: advance past the policy's ttl, and the page shows it expired; freeze; set
    ui("#clock-advance").fill("700")
    ui("#clock-advance-form button[type=submit]").click()
    ui.expect(ui("#vendor-b2core")).to_contain_text("0 of 1 policy in force")
    ui.expect(ui("#vendor-b2core")).to_contain_text("expired")
    ui("#clock-freeze").click()
    ui.expect(ui("#clock-frozen")).to_be_visible()
    assert requests.get(f"{dash.url}/_emulator/clock", headers={"X-Emulator-Namespace": namespace}).json()["frozen"] is True
    ui("#clock-set").fill("2031-05-06T07:08:09Z")
    ui("#clock-set-form button[type=submit]").click()
    ui.expect(ui("#clock-now")).to_have_text("2031-05-06T07:08:09Z")
    assert requests.get(f"{dash.url}/_emulator/clock", headers={"X-Emulator-Namespace": namespace}).json()["now"].startswith("2031-05-06T07:08:09")

    # faults: add one, a client meets it, the page lists it; clear
    api, _ = b2core(dash, namespace)  # a new token: the one above expired with the clock
    ui("#fault-vendor").select_option("b2core")
    ui("#fault-operation").fill("listAddresses")
    ui("#fault-status").fill("503")
    ui("#fault-form button[type=submit]").click()
    ui.expect(ui("#fault-list li[data-rule]")).to_have_count(1)
    ui.expect(ui("#fault-list")).to_contain_text("listAddresses")
    assert api.get("/addresses").status_code == 503
    ui.expect(ui("#journal tbody tr.entry").first).to_contain_text("503")
    ui("#fault-clear").click()
    ui.expect(ui("#fault-list li[data-rule]")).to_have_count(0)
    assert api.get("/addresses").status_code == 200

    # reset: back to the seed; the policy is gone from the page
    ui("#reset-vendor").select_option("b2core")
    ui("#reset-form button[type=submit]").click()
    ui.expect(ui("#vendor-b2core")).to_contain_text("No policies")
    assert requests.get(f"{dash.url}/_emulator/state", headers={"X-Emulator-Namespace": namespace}).json()["vendors"]["b2core"]["policies"] == []


def test_no_secret_reaches_the_page(ui, dash, namespace):
    admin = hdp(dash, namespace)
    assert admin.get("/api/admin/security/whitelist/tenants/2").status_code in (200, 404)
    talend = client(dash, "talend", namespace, Authorization=f"Bearer {TALEND_TOKEN}")
    assert talend.get("/security/ip-allowlist").status_code in (200, 404)
    codearts = client(dash, "codearts", namespace, **{"X-Auth-Token": CODEARTS_TOKEN})
    assert codearts.get("/v4/tenant/trusted-ip-addresses").status_code == 200
    api, access_token = b2core(dash, namespace)
    assert api.get("/addresses", params={"access_token": access_token}, check=False).status_code in (200, 400)
    ui.expect(ui("#journal tbody tr.entry")).to_have_count(5)
    secrets = [HDP_PASSWORD, base64.b64encode(f"ops:{HDP_PASSWORD}".encode()).decode(), TALEND_TOKEN, CODEARTS_TOKEN,
               B2CORE_SECRET, access_token]
    shown = []
    for index in range(5):  # open every request and its answer
        ui("#journal tbody tr.entry").nth(index).click()
        ui.expect(ui("tr.detail")).to_contain_text("REDACTED")
        shown.append(ui.page.content())
        ui("#journal tbody tr.entry").nth(index).click()
    page_text = "\n".join(shown) + ui.page.content()
    for secret in secrets:
        assert secret not in page_text, f"a secret reached the page: {secret[:6]}..."
    assert "<REDACTED>" in page_text or "&lt;REDACTED&gt;" in page_text
    state = requests.get(f"{dash.url}/_emulator/state?redact=true", headers={"X-Emulator-Namespace": namespace}).text
    assert HDP_PASSWORD not in state and access_token not in state and "<REDACTED>" in state


def test_the_selector_switches_namespaces(ui, dash, namespace):
    other = f"{namespace}-b"
    talend = client(dash, "talend", other, Authorization=f"Bearer {TALEND_TOKEN}")
    assert talend.post("/security/ip-allowlist",
                       json={"enabled": False, "description": "other", "ips": [{"ip": "192.0.2.200", "description": "b"}]}).status_code == 201
    ui.page.reload()
    ui.ready()
    ui.expect(ui("#vendor-talend")).not_to_contain_text("192.0.2.200")
    ui("#namespace").select_option(other)
    ui.expect(ui("#vendor-talend")).to_contain_text("192.0.2.200")
    assert ui.page.url.endswith(f"namespace={other}")
    ui.expect(ui("#journal tbody tr.entry")).to_have_count(1)


def test_under_a_namespace_url_the_page_defaults_to_it_and_calls_relative_urls(browser, dash, namespace):
    """Until /_ns/<name>/ routing lands (issue 17), the browser plays it: /_ns/<name>/_emulator/X is answered by
    /_emulator/X with X-Emulator-Namespace: <name>. The page must call only URLs under its own /_ns/<name>/."""
    seen = []

    def as_issue_17_would(route):
        url = route.request.url
        seen.append(url)
        prefix = f"{dash.url}/_ns/"
        name, _, rest = url[len(prefix):].partition("/")
        route.continue_(url=f"{dash.url}/{rest}", headers={**route.request.headers, "x-emulator-namespace": name})

    talend = client(dash, "talend", namespace, Authorization=f"Bearer {TALEND_TOKEN}")
    assert talend.post("/security/ip-allowlist", json={"enabled": True, "description": "url namespace",
                                                       "ips": [{"ip": "192.0.2.150", "description": "x"}]}).status_code == 201
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        context.route(f"{dash.url}/_ns/**", as_issue_17_would)
        tab = context.new_page()
        errors = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto(f"{dash.url}/_ns/{namespace}/_emulator/ui")
        tab.wait_for_selector("body[data-ready=true]", timeout=10_000)
        expect(tab.locator("#namespace")).to_have_value(namespace)
        expect(tab.locator("#vendor-talend")).to_contain_text("192.0.2.150")
        expect(tab.locator("#live")).to_have_text("live")
        talend.get("/security/ip-allowlist")
        expect(tab.locator("#journal tbody tr.entry")).to_have_count(2)
        assert errors == []
        assert all(url.startswith(f"{dash.url}/_ns/{namespace}/_emulator/") for url in seen), seen
        assert any("/events?" in url for url in seen) and any("/state?" in url for url in seen)
    finally:
        context.close()


def test_beyond_loopback_the_page_and_its_feed_need_the_admin_token(browser):
    with EmulatorServer(Options(admin_token=ADMIN_TOKEN)) as locked:
        url = f"{locked.url}/_emulator/ui"
        assert requests.get(url).status_code == 401
        assert requests.get(f"{locked.url}/_emulator/events", stream=True, timeout=5).status_code == 401
        assert requests.get(f"{locked.url}/_emulator/ui/app.js").status_code == 401
        page = Page(browser, url, None)
        try:
            page("input[name=token]").fill("not-the-token")
            page("button[type=submit]").click()
            page.expect(page("p.problem")).to_contain_text("not the admin token")
            page("input[name=token]").fill(ADMIN_TOKEN)
            page("button[type=submit]").click()
            page.ready()  # the page, its script, its API calls and its live feed all work with the cookie
            page.expect(page(".vendor")).to_have_count(4)
            cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
            assert cookie["value"] == session_value(ADMIN_TOKEN) != ADMIN_TOKEN and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            page("#reset-form button[type=submit]").click()
            page.expect(page("#status")).to_contain_text("Reset every vendor")
        finally:
            page.close()
        # the cookie alone admits reads; a change also needs X-Emulator-UI (a cross-site form cannot send it)
        jar = {COOKIE: session_value(ADMIN_TOKEN)}
        assert requests.get(f"{locked.url}/_emulator/state", cookies=jar).status_code == 200
        assert requests.post(f"{locked.url}/_emulator/reset", cookies=jar).status_code == 401
        assert requests.post(f"{locked.url}/_emulator/reset", cookies=jar, headers={"X-Emulator-UI": "1"}).status_code == 200
        assert requests.get(f"{locked.url}/_emulator/state", cookies={COOKIE: "forged"}).status_code == 401
        assert page.errors == [] or all("401" in e for e in page.errors), page.errors


# -- the live feed and the redacted views over HTTP ----------------------------------------------------------------------
def test_the_feed_streams_this_namespaces_requests_and_control_changes(dash):
    namespace = f"feed-{uuid.uuid4().hex[:8]}"
    api = client(dash, "codearts", namespace, **{"X-Auth-Token": "wrong-token"})
    api.check = False
    with requests.get(f"{dash.url}/_emulator/events", params={"namespace": namespace}, stream=True, timeout=10) as feed:
        assert feed.headers["Content-Type"] == "text/event-stream"
        lines = feed.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 2000"
        client(dash, "codearts", f"{namespace}-other", **{"X-Auth-Token": CODEARTS_TOKEN}).get("/v4/tenant/trusted-ip-addresses")
        assert api.get("/v4/tenant/trusted-ip-addresses").status_code == 401
        requests.post(f"{dash.url}/_emulator/clock", json={"advance": 1}, headers={"X-Emulator-Namespace": namespace})
        events = []
        for line in lines:
            if line.startswith("event: ") and line != "event: hello":
                events.append([line[7:], next(lines)])
            if len(events) == 2:
                break
    import json

    (kind, data), (control_kind, control) = events
    entry = json.loads(data[6:])
    assert kind == "request" and entry["namespace"] == namespace and entry["status"] == 401
    assert entry["error"]["code"] == api.responses[-1].json()["error_code"]
    assert entry["error"]["message"] == api.responses[-1].json()["error_msg"]
    assert entry["operationId"] == "listTenantTrustedIpAddresses" or entry["operationId"]
    assert control_kind == "control" and json.loads(control[6:])["path"] == "/_emulator/clock"


def test_a_request_and_its_answer_are_shown_redacted(dash):
    namespace = f"detail-{uuid.uuid4().hex[:8]}"
    _api, access_token = b2core(dash, namespace)
    journal = requests.get(f"{dash.url}/_emulator/requests?redact=true", headers={"X-Emulator-Namespace": namespace}).json()
    token_row = journal["requests"][0]
    assert token_row["operationId"] and token_row["status"] == 200 and "body" in token_row
    detail = requests.get(f"{dash.url}/_emulator/requests/{token_row['seq']}", headers={"X-Emulator-Namespace": namespace}).json()
    text = str(detail)
    assert B2CORE_SECRET not in text and access_token not in text
    assert ("Authorization", "Basic <REDACTED>") in [tuple(pair) for pair in detail["request"]["headers"]]
    assert '"access_token":"<REDACTED>"' in detail["response"]["body"].replace(" ", "")
    assert detail["response"]["status"] == 200
    # another namespace cannot read it; an unknown number is a 404 naming the field
    other = requests.get(f"{dash.url}/_emulator/requests/{token_row['seq']}", headers={"X-Emulator-Namespace": "someone-else"})
    assert other.status_code == 404 and other.json()["error"]["field"] == "seq"
    assert requests.get(f"{dash.url}/_emulator/requests/x1", headers={"X-Emulator-Namespace": namespace}).status_code == 400
    # the plain journal keeps its shape (clients' test suites assert on what they sent), its secrets replaced
    plain = requests.get(f"{dash.url}/_emulator/requests", headers={"X-Emulator-Namespace": namespace}).json()["requests"]
    assert "error" not in plain[0] and plain[0]["seq"] == token_row["seq"]
    assert len(requests.get(f"{dash.url}/_emulator/requests?limit=0", headers={"X-Emulator-Namespace": namespace}).json()["requests"]) == 0
    assert requests.get(f"{dash.url}/_emulator/requests?limit=-1", headers={"X-Emulator-Namespace": namespace}).status_code == 400


def test_the_page_is_served_with_its_files_and_names_every_url_relatively(dash):
    page = requests.get(f"{dash.url}/_emulator/ui")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'href="ui/style.css"' in page.text and 'src="ui/app.js"' in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"] and "<script>" not in page.text  # no inline script
    script = requests.get(f"{dash.url}/_emulator/ui/app.js")
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "fetch(new URL(path, base)" in script.text and '"/_emulator' not in script.text  # no absolute control-plane URL
    slash = requests.get(f"{dash.url}/_emulator/ui/", allow_redirects=False)
    assert slash.status_code == 301 and slash.headers["Location"] == "../ui"
    assert requests.get(f"{dash.url}/_emulator/ui/").url == f"{dash.url}/_emulator/ui"
    assert requests.get(f"{dash.url}/_emulator/ui/../app.py").status_code == 404
    assert requests.get(f"{dash.url}/_emulator/ui/index.html.bak").status_code == 404
    names = requests.get(f"{dash.url}/_emulator/namespaces").json()["namespaces"]
    assert "default" in names
