"""What a newcomer meets in the first minutes: the root URL, a wrong --state-file, a CIDR sent the way a first try
sends it, the clock while frozen. Each as a user meets it, over HTTP or as a separate process."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest
import requests

from allowlist_emulator.control import preferred

from .support import free_port, serve_cli

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


# -- GET / and GET /_emulator/: where to go from here ----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/_emulator/", "/_emulator"])
def test_the_root_points_to_the_dashboard_and_health_as_text_by_default(server, path):
    for accept in (None, "*/*", "text/plain"):  # curl, requests, a shell user
        response = requests.get(server.url + path, headers={"Accept": accept} if accept else {}, timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        assert "/_emulator/ui" in response.text and "/_emulator/health" in response.text
        assert len(response.text.splitlines()) == 3  # one fact per line


@pytest.mark.parametrize("path", ["/", "/_emulator/", "/_emulator"])
def test_the_root_answers_json_to_a_json_client_and_links_to_a_browser(server, path):
    data = requests.get(server.url + path, headers={"Accept": "application/json"}, timeout=10).json()
    assert data["dashboard"] == "/_emulator/ui" and data["health"] == "/_emulator/health"
    assert data["vendors"] == list(server.emulator.vendors)
    assert requests.get(server.url + data["health"], timeout=10).json()["status"] == "ok"
    page = requests.get(server.url + path, headers={"Accept": BROWSER}, timeout=10)
    assert page.headers["Content-Type"].startswith("text/html")
    assert '<a href="/_emulator/ui">' in page.text and '<a href="/_emulator/health">' in page.text


@pytest.mark.parametrize("root", ["/_ns/team%2Fa/", "/_ns/team%2Fa", "/_ns/team%2Fa/_emulator/"])
def test_under_a_namespace_url_the_links_keep_the_prefix(server, root):
    data = requests.get(server.url + root, headers={"Accept": "application/json"}, timeout=10).json()
    assert data["dashboard"] == "/_ns/team%2Fa/_emulator/ui"
    health = requests.get(server.url + data["health"], timeout=10).json()
    assert health["namespace"] == "team/a"


@pytest.mark.parametrize("accept, expected", [
    ("", "text/plain"), ("*/*", "text/plain"), ("application/json", "application/json"), (BROWSER, "text/html"),
    ("application/json;q=0.5, text/plain;q=0.4", "application/json"), ("text/*;q=0.3, application/json;q=0.2", "text/plain"),
    ("image/png", "text/plain"), ("application/json;q=0", "text/plain"), ("text/html;q=bad, application/json", "application/json"),
    ("APPLICATION/JSON", "application/json"),
])
def test_accept_picks_the_highest_ranked_offer(accept, expected):
    assert preferred(accept, ("text/plain", "text/html", "application/json")) == expected


# -- a --state-file that is not ours names the option -----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["text", "other sqlite"])
def test_a_state_file_that_is_not_ours_is_one_line_naming_the_option(tmp_path, kind):
    path = tmp_path / "notes.db"
    if kind == "text":
        path.write_text("my notes\n")
    else:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE t (x)")
    result = serve_cli("--port", str(free_port()), "--state-file", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert line.startswith(f"allowlist-emulator serve: --state-file {path}: "), line
    assert "refusing to touch it" in line


# -- CodeArts: a CIDR without ip_type says which ip_type takes it -------------------------------------------------------------
@pytest.mark.parametrize("ip_type", [None, 0, 1])
def test_a_codearts_cidr_without_ip_type_2_hints_at_it_in_the_vendors_error_shape(client_for, ip_type):
    api = client_for("codearts", headers={"X-Auth-Token": "codearts-token"})
    body = {"ip_start": "10.1.2.0/24", "view_flag": 1}
    if ip_type is not None:
        body["ip_type"] = ip_type
        if ip_type == 1:
            body["ip_end"] = "10.1.2.255"
    response = api.post("/v4/tenant/trusted-ip-addresses", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["error_code"] == "CH.010001"
    assert "10.1.2.0/24 is a CIDR block, which needs ip_type 2 (CIDR)" in error["error_msg"]
    assert api.get("/v4/tenant/trusted-ip-addresses").json() == []  # nothing stored
    body.update(ip_type=2)
    body.pop("ip_end", None)
    assert api.post("/v4/tenant/trusted-ip-addresses", json=body).status_code == 200  # and the hint works (CodeArts answers a create 200)


# -- the clock: set while frozen answers the offset it now has --------------------------------------------------------------
def test_setting_a_frozen_clock_answers_the_offset_it_now_has(client_for):
    api = client_for("hdp")
    assert api.control("POST", "/clock", json={"advance": 3600}).json()["offset"] == pytest.approx(3600, abs=5)
    assert api.control("POST", "/clock", json={"freeze": True}).json()["frozen"] is True
    target = datetime(2030, 1, 1, tzinfo=timezone.utc)
    answer = api.control("POST", "/clock", json={"set": "2030-01-01T00:00:00Z"}).json()
    expected = target.timestamp() - datetime.now(timezone.utc).timestamp()
    assert answer["now"].startswith("2030-01-01T00:00:00")
    assert answer["offset"] == pytest.approx(expected, abs=5)  # not the 3600 from before the freeze
    assert api.control("GET", "/clock").json()["offset"] == pytest.approx(expected, abs=5)
    unfrozen = api.control("POST", "/clock", json={"freeze": False}).json()
    assert unfrozen["frozen"] is False and unfrozen["offset"] == pytest.approx(expected, abs=5)
