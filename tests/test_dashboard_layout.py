"""The dashboard's layout at a laptop's 1400x1000, in a real browser (the same Chromium and helpers as
test_dashboard.py): nothing a newcomer reads is cut off, the journal is in view without scrolling however much state
the vendors show, and a policy that never expires says "never"."""

from __future__ import annotations

import os
import uuid

import pytest

from allowlist_emulator.app import Options
from allowlist_emulator.server import EmulatorServer

from .test_dashboard import CONFIG, Page, b2core, browser, hdp  # noqa: F401 - browser is a fixture

VIEWPORT = {"width": 1400, "height": 1000}
SCREENSHOTS = os.environ.get("ALLOWLIST_EMULATOR_SCREENSHOTS")

# every visible placeholder and every option of a visible select, measured in the control's own font against the
# room its box leaves for text (a select also draws its arrow, about 20 px)
CUT_OFF = """() => {
  const context = document.createElement("canvas").getContext("2d");
  const cut = [];
  for (const element of document.querySelectorAll("input[placeholder], select")) {
    if (!element.offsetParent) continue;
    const style = getComputedStyle(element);
    context.font = style.font;
    const select = element.tagName === "SELECT";
    const room = element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - (select ? 20 : 0);
    const texts = select ? [...element.options].map((option) => option.text) : [element.placeholder];
    for (const text of texts) {
      const width = context.measureText(text).width;
      if (width > room) cut.push(`${element.id || element.name}: "${text}" needs ${Math.ceil(width)} px, has ${Math.floor(room)}`);
    }
  }
  return cut;
}"""
JOURNAL = """() => {
  const card = document.querySelector("#journal-card").getBoundingClientRect();
  const rows = [...document.querySelectorAll("#journal tbody tr.entry")].map((row) => row.getBoundingClientRect());
  return {top: card.top, bottom: card.bottom, height: innerHeight, scroll: document.documentElement.scrollHeight,
          rowsInView: rows.filter((row) => row.top >= card.top && row.bottom <= Math.min(card.bottom, innerHeight)).length};
}"""


@pytest.fixture(scope="module")
def dash():
    with EmulatorServer(Options(config=CONFIG, trust_forwarded_for=True, seed=11)) as running:
        yield running


def open_page(browser, dash, namespace: str) -> Page:  # noqa: F811
    return Page(browser, f"{dash.url}/_emulator/ui", namespace, viewport=VIEWPORT).ready()


def busy_namespace(dash) -> str:
    """A namespace with a lot to show: 40 B2Core policies, an HDP tenant list of 8 ranges, 42 requests."""
    namespace = f"layout-{uuid.uuid4().hex[:8]}"
    api, _ = b2core(dash, namespace)
    api.post("/addresses", json={"ipAddress": "10.0.0.0/8", "policy": "allow"})  # ttl 0: never expires
    api.post("/addresses", json={"ipAddress": "10.6.6.6", "policy": "deny", "ttl": 3600})
    for i in range(38):
        assert api.post("/addresses", json={"ipAddress": f"192.0.2.{i}", "policy": "allow", "ttl": 600}).status_code == 201
    admin = hdp(dash, namespace)
    response = admin.post("/api/admin/security/whitelist/tenants/2", json={
        "managementAPI": [{"startAddress": f"10.2.{i}.0", "endAddress": f"10.2.{i}.9"} for i in range(8)]})
    assert response.status_code in (200, 201), response.text
    return namespace


def test_nothing_a_newcomer_reads_is_cut_off_at_1400_by_1000(browser, dash):  # noqa: F811
    page = open_page(browser, dash, busy_namespace(dash))
    try:
        for vendor in ("hdp", "talend", "codearts", "b2core"):  # each vendor's extra decide fields too
            page("#decide-vendor").select_option(vendor)
            assert page.page.evaluate(CUT_OFF) == []
        assert page.errors == []
    finally:
        page.close()


def test_the_journal_is_in_view_without_scrolling_however_much_state_shows(browser, dash):  # noqa: F811
    namespace = busy_namespace(dash)
    page = open_page(browser, dash, namespace)
    try:
        page.expect(page("#journal tbody tr.entry")).to_have_count(42)  # the token, 40 policies, the HDP list
        found = page.page.evaluate(JOURNAL)
        assert found["scroll"] <= found["height"] + 1, found  # the page itself does not scroll
        assert found["top"] < found["height"] - 200, found  # the journal's heading and table are on screen
        assert found["rowsInView"] >= 5, found
        assert page("#journal-card h2").is_visible() and page("#vendors").is_visible()
        if SCREENSHOTS:
            page.page.screenshot(path=os.path.join(SCREENSHOTS, "dashboard-1400x1000.png"))
        assert page.errors == []
    finally:
        page.close()


def test_a_policy_that_never_expires_says_never(browser, dash):  # noqa: F811
    namespace = f"never-{uuid.uuid4().hex[:8]}"
    api, _ = b2core(dash, namespace)
    api.post("/addresses", json={"ipAddress": "10.0.0.0/8", "policy": "allow"})
    api.post("/addresses", json={"ipAddress": "10.6.6.6", "policy": "deny", "ttl": 3600})
    page = open_page(browser, dash, namespace)
    try:
        rows = page("#vendor-b2core tbody tr")
        page.expect(rows).to_have_count(2)
        page.expect(rows.nth(0).locator("td").nth(3)).to_have_text("never")
        page.expect(rows.nth(1).locator("td").nth(3)).to_contain_text("in 60 min")
        page.expect(page("#vendor-b2core .summary")).to_contain_text("2 of 2 policies in force")
        assert " d (" not in page("#vendor-b2core").inner_text()
        assert page.errors == []
    finally:
        page.close()
