"""100,000 entries in one list still give right answers (the timings are bench/run.py's, not a test's)."""

from __future__ import annotations

import ipaddress
import json
import random

import pytest

from allowlist_emulator.state import Clock
from allowlist_emulator.vendors.hdp import models as hdp

N = 100_000
BASE = int(ipaddress.IPv4Address("11.0.0.0"))  # entry i covers BASE + 16 i .. + 7; the other 8 addresses are a gap


def _ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def test_hdp_decide_with_100000_ranges():
    model = hdp.HdpModel.seeded({}, random.Random(1), Clock())
    model.system = hdp.Whitelist({"managementAPI": [
        {"startAddress": _ip(BASE + 16 * i), "endAddress": _ip(BASE + 16 * i + 7)} for i in range(N)]})
    rng = random.Random(5)
    for i in [0, N - 1] + [rng.randrange(N) for _ in range(200)]:
        inside = hdp.decide(model, {"ip": _ip(BASE + 16 * i + 3)}, None)
        assert inside["allowed"] is True
        assert inside["matched"]["startAddress"] == _ip(BASE + 16 * i)
        assert hdp.decide(model, {"ip": _ip(BASE + 16 * i + 12)}, None)["allowed"] is False
    assert hdp.decide(model, {"ip": _ip(BASE - 1)}, None)["allowed"] is False
    assert hdp.decide(model, {"ip": _ip(BASE + 16 * N)}, None)["allowed"] is False


@pytest.mark.deep  # size: 100,000 rules
def test_codearts_list_pages_with_100000_rules():
    from datetime import datetime, timezone

    from allowlist_emulator.vendors.codearts import handlers
    from allowlist_emulator.vendors.codearts import models as ca

    model = ca.CodeArtsModel.seeded({}, random.Random(1), Clock())
    now = datetime(2025, 1, 5, tzinfo=timezone.utc)
    for i in range(N):
        model.add(None, {"ip_type": 0, "ip_start": _ip(BASE + i), "view_flag": 1}, 9155, now)

    class PageCtx:  # what the list handler reads of a request
        def __init__(self, offset: int, limit: int):
            self.model, self.query, self.request_id, self.path = model, {"offset": offset, "limit": limit}, "0" * 32, {}

    for offset in (0, 1, N // 2, N - 20, N - 7, N):
        response = handlers.list_tenant(PageCtx(offset, 20))
        items = json.loads(response.body)
        assert response.headers["X-Total"] == str(N)
        assert [item["ip_start"] for item in items] == [_ip(BASE + k) for k in range(offset, min(offset + 20, N))]
