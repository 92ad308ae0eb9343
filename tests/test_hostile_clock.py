"""Issue 24, finding 2: the clock stays within what every model can represent and store (1970-01-01T00:00:00Z to
2999-12-31T23:59:59Z), whatever a client sends, so every route keeps answering and the state file loads again."""

from __future__ import annotations

import math

import pytest
import requests

from allowlist_emulator.app import Options
from allowlist_emulator.server import EmulatorServer
from allowlist_emulator.state.clock import EARLIEST, LATEST, Clock

from .control_support import check_control

HDP = "/api/admin/security/whitelist/system"
ADMIN = ("d2cadmin", "d2cadmin")


def refused(response: requests.Response, field: str) -> None:
    check_control(response)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["field"] == field, response.text


def every_route_answers(url: str) -> None:
    for path in ("/_emulator/state", "/_emulator/clock"):
        check_control(requests.get(url + path))
        assert requests.get(url + path).status_code == 200
    assert requests.get(url + HDP, auth=ADMIN).status_code == 200
    token = requests.post(url + "/b2core/tokens", data={"grant_type": "client_credentials", "client_id": "demo-client",
                                                        "client_secret": "demo-secret"})
    assert token.status_code < 500, token.text


@pytest.mark.parametrize("body, field", [
    ({"set": "9999-12-31T23:59:58Z"}, "set"),
    ({"set": "3000-01-01T00:00:00Z"}, "set"),
    ({"set": "1969-12-31T23:59:59Z"}, "set"),
    ({"set": "+275760-09-13T00:00:00Z"}, "set"),
    ({"set": "not a date"}, "set"),
    ({"advance": 1e300}, "advance"),
    ({"advance": "inf"}, "advance"),
    ({"advance": True}, "advance"),
    ({"freeze": "yes"}, "freeze"),
    ({"tick": 1}, "tick"),
])
def test_a_clock_change_beyond_the_range_is_refused_and_changes_nothing(tmp_path, body, field):
    with EmulatorServer(Options(state_file=str(tmp_path / "s.db"))) as server:
        before = requests.get(server.url + "/_emulator/clock").json()
        refused(requests.post(server.url + "/_emulator/clock", json=body), field)
        after = requests.get(server.url + "/_emulator/clock").json()
        assert after["frozen"] == before["frozen"] and abs(after["offset"] - before["offset"]) < 1
        every_route_answers(server.url)


def test_repeated_advances_stop_at_the_last_date_and_the_state_file_loads_again(tmp_path):
    state_file = str(tmp_path / "s.db")
    with EmulatorServer(Options(state_file=state_file)) as server:
        statuses = [requests.post(server.url + "/_emulator/clock", json={"advance": 3153600000}).status_code for _ in range(12)]
        assert statuses[:9] == [200] * 9 and set(statuses[10:]) == {400}, statuses
        assert requests.post(server.url + "/_emulator/clock", json={"set": "2999-12-31T23:59:59Z", "freeze": True}).status_code == 200
        refused(requests.post(server.url + "/_emulator/clock", json={"advance": 1}), "advance")
        assert requests.post(server.url + HDP.replace("system", "tenants/2"), auth=ADMIN, json={"adminAPI": [{"startAddress": "10.0.0.2"}]}).status_code == 201
        every_route_answers(server.url)
    with EmulatorServer(Options(state_file=state_file)) as again:  # it starts on that file
        assert requests.get(again.url + "/_emulator/clock").json()["now"].startswith("2999-12-31T23:59:59")
        every_route_answers(again.url)


@pytest.mark.parametrize("clock, field", [
    ({"offset": 1e300}, "clock.offset"),
    ({"offset": "nan"}, "clock.offset"),
    ({"offset": "inf"}, "clock.offset"),
    ({"offset": -1e10}, "clock.offset"),
    ({"offset": 6.5e10, "frozen": False}, "clock.offset"),
    ({"frozen": True, "now": "9999-12-31T23:59:59Z"}, "clock.now"),
    ({"frozen": True, "now": "4000-01-01T00:00:00Z"}, "clock.now"),
    ({"frozen": True}, "clock.now"),
    ({"frozen": True, "now": "x"}, "clock.now"),
])
def test_a_restored_clock_beyond_the_range_is_refused_and_not_applied(tmp_path, clock, field):
    with EmulatorServer(Options(state_file=str(tmp_path / "s.db"))) as server:
        before = requests.get(server.url + "/_emulator/clock").json()
        refused(requests.put(server.url + "/_emulator/state", json={"clock": clock, "vendors": {"talend": {}}}), field)
        assert requests.get(server.url + "/_emulator/clock").json()["offset"] == before["offset"]
        every_route_answers(server.url)


def test_a_clock_that_went_on_past_the_last_date_still_loads(tmp_path):
    """set near the last date, then real time carries it past: its export restores and its state file loads."""
    state_file = str(tmp_path / "s.db")
    with EmulatorServer(Options(state_file=state_file)) as server:
        assert requests.post(server.url + "/_emulator/clock", json={"set": "2999-12-31T23:59:59Z"}).status_code == 200
        exported = requests.get(server.url + "/_emulator/state").json()
        exported["clock"]["offset"] += 3600  # as if an hour of real time had passed
        check_control(requests.put(server.url + "/_emulator/state", json=exported))
        assert requests.get(server.url + "/_emulator/clock").json()["now"].startswith("3000-01-01T00:59")
        refused(requests.post(server.url + "/_emulator/clock", json={"advance": 1}), "advance")  # a client still cannot move it on
        every_route_answers(server.url)
    with EmulatorServer(Options(state_file=state_file)) as again:
        assert requests.get(again.url + "/_emulator/clock").json()["now"].startswith("3000-01-01T00:59")
        every_route_answers(again.url)


def test_the_clock_unit():
    clock = Clock()
    with pytest.raises(ValueError, match="advance"):
        clock.advance(LATEST)
    with pytest.raises(ValueError, match="advance"):
        clock.advance(-clock.time() - 1)
    clock.advance(-clock.time() + EARLIEST)  # the first second is allowed
    for data in ({"offset": math.inf}, {"offset": math.nan}, {"offset": True}, {"offset": "1"}):
        with pytest.raises(ValueError, match=r"clock\.offset"):
            Clock.from_json(data)
