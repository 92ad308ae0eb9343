"""HDP end to end over HTTP: every operation, every error code, permissions, enforcement, address edge cases.

Every response is validated against specs/hdp.yaml by the client (tests/support.py).
"""

from __future__ import annotations

import pytest

from .hdp_support import ADMIN, CONFIGS, ORGADMIN, SYSTEM, TENANTS, USER, USER1, USERS, VIEWER, as_user, code, from_address, text

# seed 001 (PUT tenant) and seed 002 (POST user) request and response bodies, verbatim
SEED_BODY = {
    "managementAPI": [{"startAddress": "10.20.30.0", "endAddress": "10.20.30.10"}],
    "adminAPI": [],
    "dataAccess": [{"startAddress": "10.20.30.0", "endAddress": "10.20.50.10"}],
    "webUI": None,
}


@pytest.fixture
def hdp(client_for):
    return client_for("hdp", auth=ADMIN)


# -- seeds ----------------------------------------------------------------------------------------------------------------


def test_seed_001_update_tenant_whitelist_returns_200_with_the_body(hdp):
    assert hdp.post(f"{TENANTS}/2", json={"managementAPI": [{"startAddress": "1.1.1.1"}]}).status_code == 201
    response = hdp.put(f"{TENANTS}/2", json=SEED_BODY)
    assert response.status_code == 200
    assert response.json() == SEED_BODY
    assert hdp.get(f"{TENANTS}/2").json() == SEED_BODY


def test_seed_001_failure_update_without_whitelist_is_222208719_with_the_id(hdp):
    response = hdp.put(f"{TENANTS}/2", json=SEED_BODY)
    assert response.status_code == 404
    assert code(response) == 222208719
    assert text(response) == "whiteList IPs does not exist for tenant id : 2."


def test_seed_002_create_user_whitelist_returns_201_with_the_body(hdp):
    response = hdp.post(f"{USER}?user=user1", json=SEED_BODY)
    assert response.status_code == 201
    assert response.json() == SEED_BODY
    assert hdp.get(USER, params={"user": "user1"}).json() == SEED_BODY


def test_seed_002_failure_text_keeps_its_two_dots(hdp):
    hdp.control("POST", "/faults", json={"vendor": "hdp", "operationId": "createUserWhitelist", "status": 500})
    response = hdp.post(USER, json=SEED_BODY)
    assert response.status_code == 500
    assert code(response) == 222208711
    assert text(response) == "Problem creating WhiteList IPs at this time. Please try again at another time.."
    hdp.control("DELETE", "/faults")
    assert hdp.get(USER).status_code == 404  # nothing was stored by the failed create


# -- each level: create, get, replace, delete -----------------------------------------------------------------------------
# (the system level, which always exists, is tested in tests/test_hdp_system_level_and_configurations.py)


@pytest.mark.parametrize(
    "path, params, missing_code",
    [
        (f"{TENANTS}/3", {}, 222208719),
        (USER, {"user": "user1"}, 222208728),
        (USER, {}, 222208728),
    ],
)
def test_crud_at_every_level(hdp, path, params, missing_code):
    assert code(hdp.get(path, params=params)) == missing_code
    created = hdp.post(path, params=params, json={"managementAPI": [{"startAddress": "10.0.0.1"}], "dataAccess": None})
    assert created.status_code == 201
    assert created.json() == {"managementAPI": [{"startAddress": "10.0.0.1"}], "dataAccess": None}
    again = hdp.post(path, params=params, json={})
    assert again.status_code == 409 and code(again) == 222208727
    # PUT replaces: keys left out are removed
    replaced = hdp.put(path, params=params, json={"adminAPI": [{"startAddress": "2001:db8::1", "endAddress": "2001:db8::ff"}]})
    assert replaced.status_code == 200
    assert hdp.get(path, params=params).json() == {"adminAPI": [{"startAddress": "2001:db8::1", "endAddress": "2001:db8::ff"}]}
    deleted = hdp.delete(path, params=params)
    assert deleted.status_code == 204 and deleted.content == b""
    assert code(hdp.get(path, params=params)) == missing_code
    assert code(hdp.delete(path, params=params)) == missing_code
    assert code(hdp.put(path, params=params, json={})) == missing_code


def test_system_level_accepts_webui_and_lower_levels_refuse_it(hdp):
    body = {"webUI": [{"startAddress": "10.0.0.1"}]}
    assert hdp.post(SYSTEM, json=body).status_code == 201
    for path, params in ((f"{TENANTS}/2", {}), (USER, {"user": "user1"})):
        refused = hdp.post(path, params=params, json=body)
        assert refused.status_code == 400 and code(refused) == 222208725
        assert text(refused) == "webUI whiteList IPs can only be applied at the system level."
        assert hdp.get(path, params=params).status_code == 404  # nothing stored
    # null and [] are not "setting" webUI (both seeds send "webUI": null)
    assert hdp.post(f"{TENANTS}/2", json={"webUI": []}).status_code == 201


def test_unknown_tenant_and_user(hdp):
    for method in ("get", "post", "put", "delete"):
        kwargs = {"json": {}} if method in ("post", "put") else {}
        response = getattr(hdp, method)(f"{TENANTS}/99", **kwargs)
        assert response.status_code == 404 and code(response) == 222208720
        assert text(response) == "tenant id : 99 does not exist."
        response = getattr(hdp, method)(USER, params={"user": "ghost"}, **kwargs)
        assert response.status_code == 404 and code(response) == 222208721
        assert text(response) == "user : ghost does not exist."


def test_tenant_id_must_be_an_integer(hdp):
    response = hdp.get(f"{TENANTS}/abc")
    assert response.status_code == 400 and code(response) == 222208726
    assert "id" in text(response)


# -- lists ---------------------------------------------------------------------------------------------------------------


def test_lists_show_what_the_caller_administers(hdp, client_for):
    hdp.post(f"{TENANTS}/2", json={"managementAPI": [{"startAddress": "10.0.0.1"}], "adminAPI": []})
    hdp.post(f"{TENANTS}/3", json={"dataAccess": [{"startAddress": "10.0.0.2"}]})
    hdp.post(USER, params={"user": "user1"}, json={"adminAPI": [{"startAddress": "10.0.0.3"}]})
    hdp.post(USER, json={"managementAPI": [{"startAddress": "10.0.0.4"}]})  # d2cadmin's own, tenant 1
    assert hdp.get(TENANTS).json() == {"appliedWhiteLists": [
        {"id": 2, "name": "OrgA", "protectedResources": ["managementAPI"]},
        {"id": 3, "name": "OrgB", "protectedResources": ["dataAccess"]},
    ]}
    assert [u["name"] for u in hdp.get(USERS).json()["appliedWhiteLists"]] == ["d2cadmin", "user1"]
    org = client_for("hdp", auth=ORGADMIN)
    org.session.headers["X-Emulator-Namespace"] = hdp.namespace
    assert org.get(TENANTS).json() == {"appliedWhiteLists": [{"id": 2, "name": "OrgA", "protectedResources": ["managementAPI"]}]}
    assert org.get(USERS).json() == {"appliedWhiteLists": [{"id": 3, "name": "user1", "protectedResources": ["adminAPI"]}]}


# -- permissions --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, method, path, params, expected",
    [
        (ADMIN, "post", SYSTEM, {}, 201),
        (ORGADMIN, "post", SYSTEM, {}, 201),  # MgmtAPI (11) + IPWhiteList (29) manage the system level [doc]
        (USER1, "get", SYSTEM, {}, 200),  # the same permissions, no tenant administration needed
        (VIEWER, "get", SYSTEM, {}, 403),
        (VIEWER, "post", SYSTEM, {}, 403),
        (ORGADMIN, "post", f"{TENANTS}/2", {}, 201),  # administers OrgA
        (ORGADMIN, "post", f"{TENANTS}/3", {}, 403),  # does not administer OrgB
        (ORGADMIN, "post", f"{TENANTS}/99", {}, 404),  # unknown tenant: 404 before 403
        (USER1, "post", f"{TENANTS}/2", {}, 403),  # member, not admin
        (VIEWER, "get", TENANTS, {}, 403),
        (USER1, "post", USER, {}, 201),  # own whitelist with 11 + 29
        (VIEWER, "post", USER, {}, 403),  # no permissions
        (USER1, "post", USER, {"user": "viewer"}, 403),  # another user, no tenant admin access
        (ORGADMIN, "post", USER, {"user": "user1"}, 201),  # administers user1's tenant
        (ORGADMIN, "post", USER, {"user": "d2cadmin"}, 403),  # not tenant 1
        (USER1, "post", USER, {"user": "user1"}, 201),  # naming yourself
        (ORGADMIN, "get", CONFIGS, {}, 403),  # needs 12 or 22
        (ADMIN, "get", CONFIGS, {}, 200),
    ],
)
def test_permission_matrix(hdp, client_for, who, method, path, params, expected):
    caller = as_user(hdp, client_for, who)
    kwargs = {"json": {"managementAPI": [{"startAddress": "10.0.0.1"}]}} if method == "post" else {}
    response = getattr(caller, method)(path, params=params, **kwargs)
    assert response.status_code == expected, response.text
    if expected == 403:
        assert code(response) == 222208730
        assert text(response) == f"user : {who[0]} does not have permission to perform this operation."


@pytest.mark.parametrize("auth", [("d2cadmin", "wrong"), ("nobody", "x"), None])
def test_bad_credentials_are_222206007(client_for, auth):
    caller = client_for("hdp", auth=auth)
    response = caller.get(SYSTEM)
    assert response.status_code == 401 and code(response) == 222206007
    assert text(response) == "Invalid user ID or password."
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_malformed_basic_header_is_401_not_500(client_for):
    caller = client_for("hdp")
    for header in ("Basic", "Basic !!!", "Basic " + "bm9jb2xvbg==", "Bearer x", "Basic \u00e9"):
        response = caller.get(SYSTEM, headers={"Authorization": header.encode("utf-8")})
        assert response.status_code == 401, header


# -- validation ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, expected_code, names",
    [
        ({"managementAPI": [{"startAddress": "10.0.0.256"}]}, 222208722, "managementAPI[0].startAddress"),
        ({"managementAPI": [{"startAddress": " 10.0.0.1"}]}, 222208722, "managementAPI[0].startAddress"),
        ({"managementAPI": [{"startAddress": "garbage"}]}, 222208722, "managementAPI[0].startAddress"),
        ({"adminAPI": [{"startAddress": "10.0.0.1", "endAddress": "10.0.0.1/24"}]}, 222208722, "adminAPI[0].endAddress"),
        ({"dataAccess": [{"startAddress": "1.1.1.1"}, {"startAddress": "10.0.0.9", "endAddress": "10.0.0.1"}]}, 222208723, "dataAccess[1]"),
        ({"dataAccess": [{"startAddress": "10.0.0.1", "endAddress": "2001:db8::1"}]}, 222208724, "dataAccess[0]"),
        ({"dataAccess": [{"endAddress": "10.0.0.1"}]}, 222208726, "dataAccess[0].startAddress"),
        ({"dataAccess": [{"startAddress": "10.0.0.1", "note": "x"}]}, 222208726, "dataAccess[0].note"),
        ({"dataAccess": "10.0.0.1"}, 222208726, "dataAccess"),
        ({"other": []}, 222208726, "other"),
        ([], 222208726, "body"),
    ],
)
def test_bad_bodies_name_the_field_and_store_nothing(hdp, body, expected_code, names):
    response = hdp.post(f"{TENANTS}/2", json=body)
    assert response.status_code == 400, response.text
    assert code(response) == expected_code
    assert names in text(response)
    assert hdp.get(f"{TENANTS}/2").status_code == 404


@pytest.mark.parametrize(
    "address",
    ["0.0.0.0", "255.255.255.255", "::", "::1", "::ffff:10.20.30.40", "2001:db8:0:0:0:0:0:1", "fe80::1"],
)
def test_edge_addresses_are_accepted_and_kept_as_written(hdp, address):
    body = {"managementAPI": [{"startAddress": address}]}
    assert hdp.post(SYSTEM, json=body).json() == body


def test_reversed_and_mixed_ranges_messages(hdp):
    reversed_ = hdp.post(SYSTEM, json={"adminAPI": [{"startAddress": "10.0.0.9", "endAddress": "10.0.0.1"}]})
    assert text(reversed_) == "Start address '10.0.0.9' is greater than end address '10.0.0.1' in adminAPI[0]."
    mixed = hdp.post(SYSTEM, json={"adminAPI": [{"startAddress": "::1", "endAddress": "10.0.0.1"}]})
    assert code(mixed) == 222208724
    # no conversion between the families [doc]: a mapped address is IPv6, its IPv4 twin is not
    mapped = hdp.post(SYSTEM, json={"adminAPI": [{"startAddress": "::ffff:10.0.0.1", "endAddress": "10.0.0.9"}]})
    assert mapped.status_code == 400 and code(mapped) == 222208724
    ok = hdp.post(SYSTEM, json={"adminAPI": [{"startAddress": "::ffff:10.0.0.1", "endAddress": "::ffff:10.0.0.9"}]})
    assert ok.status_code == 201


def test_not_json_and_wrong_content_type(hdp):
    broken = hdp.post(SYSTEM, data=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and code(broken) == 222208726
    xml = hdp.post(SYSTEM, data=b"<a/>", headers={"Content-Type": "application/xml"})
    assert xml.status_code == 400 and code(xml) == 222208726 and "Content-Type" in text(xml)
    bad_utf8 = hdp.post(SYSTEM, data=b'{"adminAPI": "\xff"}', headers={"Content-Type": "application/json"})
    assert bad_utf8.status_code == 400
    assert hdp.get(SYSTEM).json() == {"managementAPI": [], "adminAPI": [], "dataAccess": [], "webUI": []}


def test_unknown_path_and_wrong_method_in_hdp_shape(hdp):
    missing = hdp.get("/api/admin/nothing", check=False)
    assert missing.status_code == 404 and code(missing) == 222208732
    wrong = hdp.request("PATCH", SYSTEM, check=False)
    assert wrong.status_code == 405 and code(wrong) == 222208733
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "POST", "PUT", "DELETE"}


def test_body_over_one_mebibyte_is_413_in_hdp_shape(hdp):
    response = hdp.post(SYSTEM, data=b"[" + b"1," * 600_000 + b"1]", headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and code(response) == 222208734


# -- configurations ----------------------------------------------------------------------------------------------------


def test_configuration_8(hdp):
    expected = {"id": 8, "description": 'Enable IP Whitelist filtering, when value is set to true. Default value is "true".', "value": "true"}
    assert hdp.get(f"{CONFIGS}/8").json() == expected
    assert hdp.get(CONFIGS).json()["configurations"][-1] == expected
    assert hdp.put(f"{CONFIGS}/8", json={"value": "false"}).json()["value"] == "false"
    assert hdp.get(f"{CONFIGS}/8").json()["value"] == "false"
    unknown = hdp.get(f"{CONFIGS}/9")
    assert unknown.status_code == 404 and code(unknown) == 222208729
    boolean = hdp.put(f"{CONFIGS}/8", json={"value": True})
    assert boolean.status_code == 400 and "value" in text(boolean)


# -- enforcement ------------------------------------------------------------------------------------------------------------


def test_enforcement_is_an_and_over_levels(hdp, client_for):
    hdp.post(SYSTEM, json={"managementAPI": [{"startAddress": "10.0.0.0", "endAddress": "10.0.0.255"}]})
    hdp.post(f"{TENANTS}/2", json={"managementAPI": [{"startAddress": "10.0.0.0", "endAddress": "10.0.0.127"}]})
    hdp.post(USER, params={"user": "user1"}, json={"managementAPI": [{"startAddress": "10.0.0.100", "endAddress": "10.0.0.200"}]})
    user1 = as_user(hdp, client_for, USER1)
    # admitted by all three: system (0-255), tenant (0-127), user (100-200)
    assert from_address(user1, "10.0.0.110").get(USER).status_code == 200
    # admitted by system and tenant, not user
    refused = from_address(user1, "10.0.0.50").get(USER)
    assert refused.status_code == 403 and code(refused) == 222208731
    assert text(refused) == "IP address : 10.0.0.50 is not allowed to access managementAPI."
    # admitted by system and user, not tenant
    assert from_address(user1, "10.0.0.150").get(USER).status_code == 403
    # orgadmin (tenant 2, no user list): system AND tenant
    org = as_user(hdp, client_for, ORGADMIN)
    assert from_address(org, "10.0.0.50").get(USER).status_code in (200, 404)
    assert from_address(org, "10.0.0.200").get(USER).status_code == 403
    # the decide endpoint answers the same question
    assert hdp.decide(ip="10.0.0.110", user="user1")["allowed"] is True
    decision = hdp.decide(ip="10.0.0.150", user="user1")
    assert decision["allowed"] is False and "tenant 2" in decision["reason"]


def test_admin_api_is_checked_against_admin_lists(hdp, client_for):
    hdp.post(SYSTEM, json={"adminAPI": [{"startAddress": "192.0.2.1"}], "managementAPI": []})
    admin = as_user(hdp, client_for, ADMIN)
    assert from_address(admin, "192.0.2.1").get(TENANTS).status_code == 200
    assert from_address(admin, "192.0.2.2").get(TENANTS).status_code == 403
    # the management API has no list, so every address reaches it
    assert from_address(admin, "192.0.2.2").get(USER).status_code == 404
    assert hdp.decide(ip="192.0.2.2", resource="adminAPI")["allowed"] is False
    assert hdp.decide(ip="192.0.2.2", resource="managementAPI")["allowed"] is True


def test_loopback_bypasses_and_configuration_8_switches_enforcement(hdp, client_for):
    hdp.post(SYSTEM, json={"adminAPI": [{"startAddress": "192.0.2.1"}]})
    admin = as_user(hdp, client_for, ADMIN)
    for loopback in ("127.0.0.1", "::1", "127.8.9.10"):
        assert from_address(admin, loopback).get(TENANTS).status_code == 200
    assert hdp.decide(ip="127.0.0.1", resource="adminAPI")["allowed"] is True
    # the documented recovery path: from the local host, switch filtering off
    assert from_address(admin, "127.0.0.1").put(f"{CONFIGS}/8", json={"value": "false"}).status_code == 200
    assert from_address(admin, "203.0.113.9").get(TENANTS).status_code == 200
    assert hdp.decide(ip="203.0.113.9", resource="adminAPI")["allowed"] is True


def test_ipv6_clients_match_only_ipv6_ranges(hdp, client_for):
    hdp.post(SYSTEM, json={"adminAPI": [{"startAddress": "2001:db8::", "endAddress": "2001:db8::ffff"}, {"startAddress": "10.0.0.1"}]})
    admin = as_user(hdp, client_for, ADMIN)
    assert from_address(admin, "2001:db8::42").get(TENANTS).status_code == 200
    assert from_address(admin, "2001:db9::1").get(TENANTS).status_code == 403
    assert from_address(admin, "::ffff:10.0.0.1").get(TENANTS).status_code == 403  # mapped is IPv6: no conversion [doc]
    assert from_address(admin, "10.0.0.1").get(TENANTS).status_code == 200
    assert from_address(admin, "10.0.0.2").get(TENANTS).status_code == 403


def test_decide_validates_its_query(hdp):
    assert hdp.control("GET", "/decide/hdp", params={"ip": "nope"}).status_code == 400
    assert hdp.control("GET", "/decide/hdp", params={"ip": "10.0.0.1", "resource": "x"}).status_code == 400
    assert hdp.control("GET", "/decide/hdp", params={"ip": "10.0.0.1", "user": "ghost"}).status_code == 404
    assert hdp.control("GET", "/decide/hdp").status_code == 400


# -- namespaces, state, journal ----------------------------------------------------------------------------------------


def test_namespaces_are_isolated(hdp, client_for):
    other = client_for("hdp", auth=ADMIN)
    assert hdp.post(SYSTEM, json={"adminAPI": []}).status_code == 201
    assert other.get(SYSTEM).json() == {"managementAPI": [], "adminAPI": [], "dataAccess": [], "webUI": []}
    assert other.post(SYSTEM, json={"dataAccess": []}).status_code == 201
    assert hdp.get(SYSTEM).json() == {"adminAPI": []}


def test_snapshot_restore_and_reset(hdp):
    hdp.post(f"{TENANTS}/2", json=SEED_BODY)
    snapshot = hdp.control("GET", "/state").json()
    assert snapshot["vendors"]["hdp"]["whitelists"]["tenants"]["2"] == SEED_BODY
    hdp.delete(f"{TENANTS}/2")
    assert hdp.control("PUT", "/state", json=snapshot).status_code == 200
    assert hdp.get(f"{TENANTS}/2").json() == SEED_BODY
    assert hdp.control("POST", "/reset", params={"vendor": "hdp"}).status_code == 200
    assert hdp.get(f"{TENANTS}/2").status_code == 404
    bad = hdp.control("PUT", "/state", json={"vendors": {"hdp": {"tenants": "x"}}})
    assert bad.status_code == 400
    assert hdp.control("PUT", "/state", json={"vendors": {"nope": {}}}).status_code == 400


def test_journal_records_this_namespace_only(hdp, client_for):
    other = client_for("hdp", auth=ADMIN)
    other.get(SYSTEM)
    hdp.get(SYSTEM)
    hdp.post(SYSTEM, json={})
    journal = hdp.control("GET", "/requests", params={"vendor": "hdp"}).json()
    assert [(r["method"], r["status"], r["operationId"]) for r in journal["requests"]] == [
        ("GET", 200, "getSystemWhitelist"), ("POST", 201, "createSystemWhitelist")]
    assert hdp.control("GET", "/requests", params={"status": 201}).json()["count"] == 1
    assert hdp.control("DELETE", "/requests").json()["removed"] == 2
    assert other.control("GET", "/requests").json()["count"] == 1
