"""B2Core list: the seed's query string, filters (day boundaries), sorting on every field, paging edge cases."""

from __future__ import annotations

import pytest

from .b2core_support import SEED_BODY, SEED_LIST_QUERY, authorised, create, error, freeze_at, listing


@pytest.fixture
def api(client_for):
    return authorised(client_for("b2core"))


def test_the_seed_query_finds_the_seed_policy(api):
    freeze_at(api, "2021-01-01T00:00:00+00:00")
    seed = api.post("/addresses", data=SEED_BODY).json()
    create(api, "185.155.96.184", "deny", ttl=1)  # other policy
    create(api, "185.155.96.185", "allow", ttl=1)  # other address
    create(api, "185.155.96.184", "allow", ttl=2)  # other ttl
    create(api, "185.155.96.184", "allow")  # never expires: expireTime is 9999-12-31, not that day
    freeze_at(api, "2021-01-01T23:59:59+00:00")
    late = create(api, "185.155.96.184", "allow", ttl=1)  # created that day, but expires 2021-01-02T00:00:00
    assert late["expireTime"] == "2021-01-02T00:00:00+00:00"
    freeze_at(api, "2021-01-02T00:00:00+00:00")
    create(api, "185.155.96.184", "allow", ttl=1)  # the next day
    assert listing(api, SEED_LIST_QUERY) == [seed]
    assert len(listing(api)) == 7


def test_the_seed_query_misses_a_policy_from_another_day(api):
    freeze_at(api, "2020-12-31T23:59:59+00:00")
    api.post("/addresses", data=SEED_BODY)  # expires 2021-01-01T00:00:00, but created and updated the day before
    assert listing(api, SEED_LIST_QUERY) == []


@pytest.fixture
def boundary(api):
    """Policies created at 2021-01-01T23:59:59 and at 2021-01-02T00:00:00."""
    freeze_at(api, "2021-01-01T23:59:59+00:00")
    first = create(api, "10.0.0.1", ttl=1)
    api.advance(1)
    second = create(api, "10.0.0.2", ttl=86400)
    return api, first, second


@pytest.mark.parametrize("value, expected", [
    ("2021-01-01", ["10.0.0.1"]),  # 23:59:59 is still that day
    ("2021-01-02", ["10.0.0.2"]),  # 00:00:00 is the next day
    ("2020-12-31", []),
    ("2021-01-01T23:59:59+00:00", ["10.0.0.1"]),  # a timestamp matches that exact second
    ("2021-01-01T23:59:59Z", ["10.0.0.1"]),
    ("2021-01-02T02:00:00+02:00", ["10.0.0.2"]),  # instants are compared
    ("2021-01-01T23:59:58+00:00", []),
])
def test_create_time_filter_day_and_second(boundary, value, expected):
    api = boundary[0]
    assert [p["ipAddress"] for p in api.get("/addresses", params={"filter[createTime]": value}).json()] == expected


def test_unencoded_plus_in_a_timestamp_filter(boundary):
    api = boundary[0]
    assert [p["ipAddress"] for p in listing(api, "?filter[createTime]=2021-01-02T00:00:00+00:00")] == ["10.0.0.2"]


def test_expire_and_update_time_filters(boundary):
    api, first, second = boundary
    assert first["expireTime"] == "2021-01-02T00:00:00+00:00" and second["expireTime"] == "2021-01-03T00:00:00+00:00"
    assert [p["ipAddress"] for p in listing(api, "?filter[expireTime]=2021-01-02")] == ["10.0.0.1"]
    assert [p["ipAddress"] for p in listing(api, "?filter[expireTime]=2021-01-03")] == ["10.0.0.2"]
    create(api, "10.0.0.3")  # ttl 0: expireTime 9999-12-31T23:59:59+00:00, matched by that day only
    assert [p["ipAddress"] for p in listing(api, "?filter[expireTime]=2021-01-02")] == ["10.0.0.1"]
    assert [p["ipAddress"] for p in listing(api, "?filter[expireTime]=9999-12-31")] == ["10.0.0.3"]
    assert [p["ipAddress"] for p in listing(api, "?filter[expireTime]=9999-12-31T23:59:59%2B00:00")] == ["10.0.0.3"]
    api.advance(86400)
    api.patch(f"/addresses/{first['addressId']}", json={"policy": "deny"})
    assert [p["ipAddress"] for p in listing(api, "?filter[updateTime]=2021-01-03")] == ["10.0.0.1"]
    assert [p["ipAddress"] for p in listing(api, "?filter[createTime]=2021-01-01")] == ["10.0.0.1"]


def test_ip_policy_and_ttl_filters(api):
    create(api, "10.0.0.1", ttl=5)
    create(api, "10.0.0.1/32", "deny", ttl=5)
    create(api, "10.0.0.0/24")
    create(api, "2001:db8::1", "deny")
    ips = lambda query: [p["ipAddress"] for p in listing(api, query)]  # noqa: E731
    assert ips("?filter[ip]=10.0.0.1") == ["10.0.0.1", "10.0.0.1/32"]  # same network, not containment
    assert ips("?filter[ip]=10.0.0.0/24") == ["10.0.0.0/24"]
    assert ips("?filter[ip]=2001:DB8:0::1") == ["2001:db8::1"]
    assert ips("?filter[ip]=10.0.0.2") == []
    assert ips("?filter[policy]=deny") == ["10.0.0.1/32", "2001:db8::1"]
    assert ips("?filter[ttl]=5") == ["10.0.0.1", "10.0.0.1/32"]
    assert ips("?filter[ttl]=0&filter[policy]=allow") == ["10.0.0.0/24"]  # filters combine with AND


@pytest.mark.parametrize("query, code, field", [
    ("filter[foo]=1", "UNKNOWN_FIELD", "filter[foo]"),
    ("filter[ipAddress]=10.0.0.1", "UNKNOWN_FIELD", "filter[ipAddress]"),  # the filter field is ip
    ("filter=1", "INVALID_TYPE", "filter"),
    ("filter[ip]=abc", "INVALID_IP", "filter[ip]"),
    ("filter[ip]=10.0.0.1/8", "HOST_BITS_SET", "filter[ip]"),
    ("filter[policy]=block", "INVALID_ENUM", "filter[policy]"),
    ("filter[ttl]=one", "INVALID_TYPE", "filter[ttl]"),
    ("filter[ttl]=-1", "OUT_OF_RANGE", "filter[ttl]"),
    ("filter[createTime]=yesterday", "INVALID_DATE", "filter[createTime]"),
    ("filter[createTime]=2021-02-30", "INVALID_DATE", "filter[createTime]"),
    ("filter[updateTime]=2021-01-01T25:00:00Z", "INVALID_DATE", "filter[updateTime]"),
    ("filter[expireTime]=2021-01-01T00:00:00", "INVALID_DATE", "filter[expireTime]"),  # no offset
    ("sort_by=ipAddress", "INVALID_ENUM", "sort_by"),
    ("sort_order=up", "INVALID_ENUM", "sort_order"),
    ("limit=0", "OUT_OF_RANGE", "limit"),
    ("limit=1001", "OUT_OF_RANGE", "limit"),
    ("limit=ten", "INVALID_TYPE", "limit"),
    ("offset=-1", "OUT_OF_RANGE", "offset"),
])
def test_bad_list_parameters_are_400_naming_them(api, query, code, field):
    assert error(api.get("/addresses?" + query), 400, code).startswith(f"{field}: ")


def test_unknown_sort_field_is_named(api):
    message = error(api.get("/addresses?sort_by=foo"), 400, "INVALID_ENUM")
    assert message == 'sort_by: "foo" is not one of ip, createTime, expireTime, policy, ttl, updateTime'
    assert error(api.get("/addresses?filter[foo]=1"), 400, "UNKNOWN_FIELD") == "filter[foo]: unknown field"
    assert error(api.get("/addresses?limit=1001"), 400, "OUT_OF_RANGE") == "limit: must be between 1 and 1000"


@pytest.fixture
def four(api):
    """A (10.0.0.1 allow 300), B (9.0.0.1 deny 100), C (2001:db8::1 allow 0), D (10.0.0.0/8 deny 50), created 10 s
    apart; then A is updated, so updateTime order is B C D A and expireTime order is D(80) B(110) A(340) C(never: 9999-12-31)."""
    freeze_at(api, "2021-06-01T00:00:00+00:00")
    names = {}
    for name, ip, policy, ttl in (("A", "10.0.0.1", "allow", 300), ("B", "9.0.0.1", "deny", 100),
                                  ("C", "2001:db8::1", "allow", 0), ("D", "10.0.0.0/8", "deny", 50)):
        names[create(api, ip, policy, ttl)["addressId"]] = name
        api.advance(10)
    api.patch(f"/addresses/{next(iter(names))}", json={"ttl": 300})
    return lambda query: "".join(names[p["addressId"]] for p in listing(api, query))


@pytest.mark.parametrize("sort_by, asc", [
    (None, "ABCD"), ("createTime", "ABCD"), ("ip", "BDAC"), ("ttl", "CDBA"), ("policy", "ACBD"),
    ("updateTime", "BCDA"), ("expireTime", "DBAC"),
])
def test_sorting_on_every_field(four, sort_by, asc):
    query = f"?sort_by={sort_by}" if sort_by else "?"
    assert four(query) == asc  # sort_order defaults to asc
    assert four(query + "&sort_order=asc") == asc
    assert four(query + "&sort_order=desc") == asc[::-1]


def test_ip_order_is_numeric_ipv4_first_then_prefix(api):
    for ip in ("2001:db8::1", "10.0.0.1", "::1", "9.0.0.1", "10.0.0.0/8", "10.0.0.0/16", "255.255.255.255", "1.2.3.4"):
        create(api, ip)
    assert [p["ipAddress"] for p in listing(api, "?sort_by=ip")] == [
        "1.2.3.4", "9.0.0.1", "10.0.0.0/8", "10.0.0.0/16", "10.0.0.1", "255.255.255.255", "::1", "2001:db8::1"]


def test_ties_go_by_address_id_in_the_sort_direction(api):
    freeze_at(api, "2021-01-01T00:00:00+00:00")
    ids = [create(api, "10.0.0.1", ttl=5)["addressId"] for _ in range(4)]
    for field in ("createTime", "ip", "ttl", "policy", "updateTime", "expireTime"):
        assert [p["addressId"] for p in listing(api, f"?sort_by={field}")] == ids
        assert [p["addressId"] for p in listing(api, f"?sort_by={field}&sort_order=desc")] == ids[::-1]


def test_default_order_survives_a_clock_set_back(api):
    freeze_at(api, "2021-01-01T00:00:10+00:00")
    late = create(api, "10.0.0.1")
    freeze_at(api, "2021-01-01T00:00:00+00:00")
    early = create(api, "10.0.0.2")
    assert [p["addressId"] for p in listing(api)] == [early["addressId"], late["addressId"]]
    assert [p["addressId"] for p in listing(api, "?sort_order=desc&limit=1")] == [late["addressId"]]
    newest = create(api, "10.0.0.3")
    assert [p["addressId"] for p in listing(api)] == [early["addressId"], newest["addressId"], late["addressId"]]


def test_paging(api):
    freeze_at(api, "2021-01-01T00:00:00+00:00")
    for i in range(105):
        api.post("/addresses", json={"ipAddress": f"10.0.{i // 256}.{i % 256}", "policy": "allow"}, check=False)
        if i % 10 == 0:
            api.advance(1)
    everything = listing(api, "?limit=1000")
    assert len(everything) == 105
    assert listing(api) == everything[:100]  # limit defaults to 100
    assert listing(api, "?offset=100") == everything[100:]
    assert listing(api, "?limit=1") == everything[:1]
    assert listing(api, "?limit=1&offset=104") == everything[104:]
    assert listing(api, "?offset=105") == []  # past the end
    assert listing(api, "?offset=2147483647") == []
    assert listing(api, "?limit=3&offset=5&sort_order=desc") == everything[::-1][5:8]
    assert listing(api, "?limit=2&offset=1&sort_by=ip&sort_order=desc") == \
        sorted(everything, key=lambda p: tuple(int(x) for x in p["ipAddress"].split(".")), reverse=True)[1:3]
    assert listing(api, "?limit=2&offset=3&filter[policy]=allow&sort_order=desc") == everything[::-1][3:5]
    assert listing(api, "?filter[policy]=deny&limit=1000") == []
