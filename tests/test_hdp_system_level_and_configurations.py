"""HDP, what the vendor's other pages say, end to end over HTTP.

System-level permissions, the system whitelist that exists from the start, the users list by tenant access, no
conversion between address families (X-Forwarded-For is trusted by the test server), configurations 1-8, the
permissions list, ``Location`` on every 201, out-of-range numbers, and ``webUI`` refused by the request schema.
Every response is validated against specs/hdp.yaml by the client.
"""

from __future__ import annotations

import jsonschema
import pytest

from allowlist_emulator.engine.spec import vendor_spec

from .hdp_support import ADMIN, CONFIGS, ORGADMIN, SYSTEM, TENANTS, USER, USER1, USERS, VIEWER, as_user, code, from_address, text

EMPTY = {"managementAPI": [], "adminAPI": [], "dataAccess": [], "webUI": []}
PERMISSIONS = "/api/admin/permissions"


@pytest.fixture
def hdp(client_for):
    return client_for("hdp", auth=ADMIN)


def _with_user(hdp, **user) -> None:
    """Add a user to this namespace's HDP state (the way --config does), through /_emulator/state."""
    state = hdp.control("GET", "/state").json()
    state["vendors"]["hdp"]["users"].append({"id": 50, "tenant": 2, "administers": [], **user})
    assert hdp.control("PUT", "/state", json=state).status_code == 200


# -- 1. system level: Administrator (12), or MgmtAPI (11) + IPWhiteList (29) ----------------------------------------------


@pytest.mark.parametrize("who", [ORGADMIN, USER1])
def test_mgmtapi_and_ipwhitelist_manage_the_system_whitelist(hdp, client_for, who):
    caller = as_user(hdp, client_for, who)
    body = {"dataAccess": [{"startAddress": "10.0.0.1"}]}
    assert caller.get(SYSTEM).status_code == 200
    assert caller.post(SYSTEM, json=body).status_code == 201
    assert caller.put(SYSTEM, json={"adminAPI": []}).status_code == 200
    assert hdp.get(SYSTEM).json() == {"adminAPI": []}  # the administrator sees what they wrote
    assert caller.delete(SYSTEM).status_code == 204


def test_system_whitelist_refuses_callers_without_the_permissions(hdp, client_for):
    _with_user(hdp, name="mgmtonly", password="mgmtonly", permissions=[11])
    for who in (VIEWER, ("mgmtonly", "mgmtonly")):
        caller = as_user(hdp, client_for, who)
        for method, kwargs in (("get", {}), ("post", {"json": {}}), ("put", {"json": {}}), ("delete", {})):
            response = getattr(caller, method)(SYSTEM, **kwargs)
            assert response.status_code == 403 and code(response) == 222208730, (who, method)
    assert hdp.get(SYSTEM).json() == EMPTY  # nothing changed


# -- 2. the system whitelist exists from the start ------------------------------------------------------------------------


def test_system_whitelist_exists_from_the_start_with_empty_lists(hdp):
    assert hdp.get(SYSTEM).json() == EMPTY
    # PUT works without a POST
    put = hdp.put(SYSTEM, json={"managementAPI": [{"startAddress": "10.0.0.1"}]})
    assert put.status_code == 200
    assert hdp.get(SYSTEM).json() == {"managementAPI": [{"startAddress": "10.0.0.1"}]}
    # POST on the existing system whitelist sets it, as PUT does (never 409)
    posted = hdp.post(SYSTEM, json={"adminAPI": [{"startAddress": "10.0.0.2"}]})
    assert posted.status_code == 201 and posted.json() == {"adminAPI": [{"startAddress": "10.0.0.2"}]}
    assert hdp.post(SYSTEM, json={}).status_code == 201
    assert hdp.get(SYSTEM).json() == {}
    # DELETE empties it again; it still exists
    assert hdp.delete(SYSTEM).status_code == 204
    assert hdp.get(SYSTEM).json() == EMPTY
    assert hdp.delete(SYSTEM).status_code == 204
    # tenants and users still have no whitelist until one is created (seed 001's 222208719)
    tenant = hdp.get(f"{TENANTS}/2")
    assert tenant.status_code == 404 and code(tenant) == 222208719
    assert code(hdp.put(f"{TENANTS}/2", json={})) == 222208719
    assert code(hdp.get(USER, params={"user": "user1"})) == 222208728


def test_initial_and_deleted_system_whitelist_admit_everyone(hdp, client_for):
    admin = as_user(hdp, client_for, ADMIN)
    assert from_address(admin, "203.0.113.9").get(TENANTS).status_code == 200
    hdp.put(SYSTEM, json={"adminAPI": [{"startAddress": "192.0.2.1"}]})
    assert from_address(admin, "203.0.113.9").get(TENANTS).status_code == 403
    assert hdp.delete(SYSTEM).status_code == 204  # from the test's loopback address
    assert from_address(admin, "203.0.113.9").get(TENANTS).status_code == 200


def test_system_whitelist_survives_state_round_trip_and_reset(hdp):
    hdp.put(SYSTEM, json={})
    snapshot = hdp.control("GET", "/state").json()
    assert snapshot["vendors"]["hdp"]["whitelists"]["system"] == {}
    hdp.delete(SYSTEM)
    assert hdp.control("PUT", "/state", json=snapshot).status_code == 200
    assert hdp.get(SYSTEM).json() == {}  # an empty object stays an empty object
    assert hdp.control("POST", "/reset", params={"vendor": "hdp"}).status_code == 200
    assert hdp.get(SYSTEM).json() == EMPTY


# -- 3. users list: only users of tenants the caller administers ----------------------------------------------------------


def test_users_list_hides_users_of_tenants_the_caller_does_not_administer(hdp, client_for):
    user1 = as_user(hdp, client_for, USER1)
    assert user1.post(USER, json={"managementAPI": [{"startAddress": "10.0.0.3"}]}).status_code == 201
    hdp.post(USER, params={"user": "orgadmin"}, json={"adminAPI": [{"startAddress": "10.0.0.4"}]})
    hdp.post(USER, json={"dataAccess": [{"startAddress": "10.0.0.5"}]})  # d2cadmin, tenant 1
    # user1 administers no tenant: it sees nobody, not even itself
    assert user1.get(USERS).json() == {"appliedWhiteLists": []}
    assert user1.get(USER).status_code == 200  # its own whitelist is still its to read
    # orgadmin administers tenant 2: both of tenant 2's users, not d2cadmin (tenant 1)
    org = as_user(hdp, client_for, ORGADMIN)
    assert org.get(USERS).json() == {"appliedWhiteLists": [
        {"id": 2, "name": "orgadmin", "protectedResources": ["adminAPI"]},
        {"id": 3, "name": "user1", "protectedResources": ["managementAPI"]},
    ]}
    assert [u["name"] for u in hdp.get(USERS).json()["appliedWhiteLists"]] == ["d2cadmin", "orgadmin", "user1"]


# -- 4. no conversion between address families ------------------------------------------------------------------------


def test_mapped_entry_admits_only_the_mapped_client(hdp, client_for):
    hdp.put(SYSTEM, json={"adminAPI": [{"startAddress": "::ffff:10.0.0.1"}]})
    admin = as_user(hdp, client_for, ADMIN)
    assert from_address(admin, "::ffff:10.0.0.1").get(TENANTS).status_code == 200
    refused = from_address(admin, "10.0.0.1").get(TENANTS)
    assert refused.status_code == 403 and code(refused) == 222208731
    assert text(refused) == "IP address : 10.0.0.1 is not allowed to access adminAPI."
    assert hdp.decide(ip="::ffff:10.0.0.1", resource="adminAPI")["allowed"] is True
    decision = hdp.decide(ip="10.0.0.1", resource="adminAPI")
    assert decision["allowed"] is False and decision["ip"] == "10.0.0.1"


def test_ipv4_entry_never_admits_the_mapped_client(hdp, client_for):
    hdp.put(SYSTEM, json={"adminAPI": [{"startAddress": "10.0.0.0", "endAddress": "10.0.0.255"}]})
    admin = as_user(hdp, client_for, ADMIN)
    assert from_address(admin, "10.0.0.7").get(TENANTS).status_code == 200
    refused = from_address(admin, "::ffff:10.0.0.7").get(TENANTS)
    assert refused.status_code == 403
    assert text(refused) == "IP address : ::ffff:10.0.0.7 is not allowed to access adminAPI."  # reported as sent
    decision = hdp.decide(ip="::ffff:10.0.0.7", resource="adminAPI")
    assert decision["allowed"] is False and decision["ip"] == "::ffff:10.0.0.7"
    # a mapped range: IPv6, so it holds mapped clients only
    hdp.put(SYSTEM, json={"adminAPI": [{"startAddress": "::ffff:10.0.0.0", "endAddress": "::ffff:10.0.0.255"}]})
    assert from_address(admin, "::ffff:10.0.0.7").get(TENANTS).status_code == 200
    assert from_address(admin, "10.0.0.7").get(TENANTS).status_code == 403


def test_mapped_loopback_still_bypasses(hdp, client_for):
    hdp.put(SYSTEM, json={"adminAPI": [{"startAddress": "192.0.2.1"}]})
    admin = as_user(hdp, client_for, ADMIN)
    assert from_address(admin, "::ffff:127.0.0.1").get(TENANTS).status_code == 200
    assert hdp.decide(ip="::ffff:127.0.0.1", resource="adminAPI")["allowed"] is True


def test_other_vendors_keep_mapping_ipv4(client_for):
    """The family rule is HDP's choice through the shared address code, not a change for every vendor."""
    codearts = client_for("codearts", headers={"X-Auth-Token": "codearts-token"})
    assert codearts.post("/v4/tenant/trusted-ip-addresses", json={"ip_start": "10.0.0.1", "view_flag": 1}).status_code == 200
    assert codearts.decide(ip="::ffff:10.0.0.1", action="view")["allowed"] is True
    talend = client_for("talend", headers={"Authorization": "Bearer talend-admin-token"})
    policy = {"enabled": True, "description": "office", "ips": [{"ip": "10.0.0.1", "description": "one"}]}
    assert talend.post("/security/ip-allowlist", json=policy).status_code == 201
    assert talend.decide(ip="::ffff:10.0.0.1")["allowed"] is True
    assert talend.decide(ip="10.0.0.2")["allowed"] is False


# -- 5. configurations 1-8 and the permissions list --------------------------------------------------------------------------

DEFAULTS = {1: None, 2: "true", 3: "4", 4: "GUESS", 5: "true", 6: "1", 7: "1", 8: "true"}


def test_configurations_list_all_eight_with_descriptions_and_defaults(hdp):
    listed = hdp.get(CONFIGS).json()["configurations"]
    assert [c["id"] for c in listed] == list(range(1, 9))
    assert {c["id"]: c["value"] for c in listed} == DEFAULTS
    documented = {
        1: "Delimiter between user name and authentication service/configuration name",
        2: "Enable Secure Password Change, when value is set to true, the change password api will require a valid old "
           "password in order to update the logged in user password.",
        3: "Default OData version for new data sources. 4 is the only supported value.",
        8: 'Enable IP Whitelist filtering, when value is set to true. Default value is "true".',
    }
    for config_id, description in documented.items():
        assert listed[config_id - 1]["description"] == description
    for item in listed:
        assert hdp.get(f"{CONFIGS}/{item['id']}").json() == item
    # the spec's example of the fresh list is what the emulator answers
    example = vendor_spec("hdp").resolved["paths"]["/api/admin/configurations"]["get"]["responses"]["200"]["content"][
        "application/json"]["examples"]["default"]["value"]
    assert example == {"configurations": listed}


@pytest.mark.parametrize("config_id, value", [(1, "|"), (1, None), (2, "false"), (3, "4"), (4, "PLURALIZE"),
                                              (5, "false"), (6, "-1"), (7, "3")])
def test_writes_to_1_to_7_are_stored_and_change_nothing_else(hdp, client_for, config_id, value):
    hdp.put(SYSTEM, json={"adminAPI": [{"startAddress": "192.0.2.1"}]})
    written = hdp.put(f"{CONFIGS}/{config_id}", json={"value": value})
    assert written.status_code == 200 and written.json()["value"] == value
    assert hdp.get(f"{CONFIGS}/{config_id}").json()["value"] == value
    others = {c["id"]: c["value"] for c in hdp.get(CONFIGS).json()["configurations"]}
    assert others == {**DEFAULTS, config_id: value}
    assert hdp.control("GET", "/state").json()["vendors"]["hdp"]["configurations"][str(config_id)] == value
    # enforcement is untouched: filtering (8) still on
    assert from_address(as_user(hdp, client_for, ADMIN), "203.0.113.9").get(TENANTS).status_code == 403


@pytest.mark.parametrize("config_id, value, problem", [
    (8, "yes", "not a valid value for configuration 8"),
    (8, None, "null is not accepted for configuration 8"),
    (2, "maybe", "not a valid value for configuration 2"),
    (3, "2", "not a valid value for configuration 3"),
    (7, "4", "not a valid value for configuration 7"),
    (5, True, "value"),
    (6, 1, "value"),
])
def test_configuration_values_are_checked_per_id(hdp, config_id, value, problem):
    before = hdp.get(f"{CONFIGS}/{config_id}").json()
    response = hdp.put(f"{CONFIGS}/{config_id}", json={"value": value})
    assert response.status_code == 400 and code(response) == 222208726
    assert text(response).startswith("The JSON request is invalid: value: ") and problem in text(response)
    assert hdp.get(f"{CONFIGS}/{config_id}").json() == before


def test_configurations_need_administrator_or_configurations_22(hdp, client_for):
    _with_user(hdp, name="configurer", password="configurer", permissions=[22])
    configurer = as_user(hdp, client_for, ("configurer", "configurer"))
    assert configurer.get(CONFIGS).status_code == 200
    assert configurer.put(f"{CONFIGS}/1", json={"value": ":"}).json()["value"] == ":"
    assert configurer.get(SYSTEM).status_code == 403  # 22 is not a whitelist permission
    for who in (ORGADMIN, USER1, VIEWER):
        caller = as_user(hdp, client_for, who)
        assert caller.get(CONFIGS).status_code == 403
        assert caller.get(f"{CONFIGS}/4").status_code == 403
        assert caller.put(f"{CONFIGS}/4", json={"value": "x"}).status_code == 403
    unknown = hdp.get(f"{CONFIGS}/9")
    assert unknown.status_code == 404 and code(unknown) == 222208729
    assert hdp.get(f"{CONFIGS}/0").status_code == 404


def test_configurations_seed_from_config():
    from allowlist_emulator.state import Clock
    from allowlist_emulator.vendors.hdp.models import HdpModel

    model = HdpModel.seeded({"configurations": {1: "|", 8: "false"}}, None, Clock())
    assert model.configuration(1)["value"] == "|" and model.filtering == "false"
    with pytest.raises(ValueError, match=r"configurations.3"):
        HdpModel.seeded({"configurations": {3: "2"}}, None, Clock())
    with pytest.raises(ValueError, match="9 is not a configuration id"):
        HdpModel.seeded({"configurations": {9: "x"}}, None, Clock())


def test_permissions_list_as_documented(hdp, client_for):
    listed = hdp.get(PERMISSIONS).json()["permissions"]
    by_id = {p["id"]: p for p in listed}
    assert listed[0] == {"id": 1, "name": "CreateDataSource", "description": "May create new data sources."}
    assert {pid: by_id[pid]["name"] for pid in (11, 12, 22, 29)} == {
        11: "MgmtAPI", 12: "Administrator", 22: "Configurations", 29: "IPWhiteList"}
    assert [p["id"] for p in listed] == sorted(by_id)
    # Administrator (12) or MgmtAPI (11) [doc]
    assert as_user(hdp, client_for, USER1).get(PERMISSIONS).json()["permissions"] == listed
    refused = as_user(hdp, client_for, VIEWER).get(PERMISSIONS)
    assert refused.status_code == 403 and code(refused) == 222208730


# -- 6. every 201 carries Location --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, params", [(SYSTEM, {}), (f"{TENANTS}/2", {}), (USER, {}), (USER, {"user": "user1"})])
def test_every_201_carries_location_pointing_at_the_resource(hdp, path, params):
    created = hdp.post(path, params=params, json={"dataAccess": [{"startAddress": "10.0.0.1"}]})
    assert created.status_code == 201
    location = created.headers["Location"]
    assert location == created.request.url  # absolute, with ?user= when sent
    assert location.startswith("http://127.0.0.1:")
    again = hdp.session.get(location, timeout=10)  # the URI reads the created resource back
    assert again.status_code == 200 and again.json() == {"dataAccess": [{"startAddress": "10.0.0.1"}]}


def test_the_spec_declares_location_on_every_201():
    for path, item in vendor_spec("hdp").resolved["paths"].items():
        for method, operation in item.items():
            created = operation.get("responses", {}).get("201") if isinstance(operation, dict) else None
            if created is not None:
                assert created["headers"]["Location"]["required"] is True, (method, path)


# -- 7. a number out of range is named as such --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b'{"value": 1e400}', b'{"value": -1E+999}', b'{"value": 1' + b"0" * 400 + b'.5}'])
def test_out_of_range_number_is_named(hdp, raw):
    response = hdp.put(f"{CONFIGS}/8", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and code(response) == 222208726
    message = text(response)
    assert message.startswith("The JSON request is invalid: value: the number ") and "out of range" in message
    assert "null" not in message
    assert hdp.get(f"{CONFIGS}/8").json()["value"] == "true"


def test_huge_integer_is_named_as_not_a_string(hdp):
    response = hdp.put(f"{CONFIGS}/8", data=b'{"value": 1' + b"0" * 400 + b'}', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert text(response).endswith('is not of types "null", "string"')  # the long number is cut, the problem kept


def test_out_of_range_number_deep_in_a_body(hdp):
    response = hdp.post(f"{TENANTS}/2", data=b'{"managementAPI": [{"startAddress": "10.0.0.1"}, {"startAddress": 2e999}]}',
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "managementAPI[1].startAddress: the number 2e999 is out of range" in text(response)


# -- 8. webUI below the system level: the request schema refuses it --------------------------------------------------------


def _request_schema(operation_id: str) -> dict:
    op = vendor_spec("hdp").operation(operation_id)
    return op.raw["requestBody"]["content"]["application/json"]["schema"]


@pytest.mark.parametrize("operation_id", ["createTenantWhitelist", "updateTenantWhitelist", "createUserWhitelist",
                                          "updateUserWhitelist"])
def test_spec_refuses_webui_below_system_level(operation_id):
    schema = _request_schema(operation_id)
    refused = {"webUI": [{"startAddress": "10.0.0.1"}]}
    assert not jsonschema.Draft202012Validator(schema).is_valid(refused)
    for allowed in ({"webUI": None}, {"webUI": []}, {}):
        assert jsonschema.Draft202012Validator(schema).is_valid(allowed)


def test_spec_accepts_webui_at_system_level():
    for operation_id in ("createSystemWhitelist", "updateSystemWhitelist"):
        assert jsonschema.Draft202012Validator(_request_schema(operation_id)).is_valid({"webUI": [{"startAddress": "10.0.0.1"}]})


def test_webui_below_system_level_keeps_its_code_and_stores_nothing(hdp):
    body = {"webUI": [{"startAddress": "10.0.0.1"}]}
    for method, path, params in (("post", f"{TENANTS}/2", {}), ("post", USER, {"user": "user1"}),
                                 ("post", f"{TENANTS}/99", {})):
        refused = getattr(hdp, method)(path, params=params, json=body)
        assert refused.status_code == 400 and code(refused) == 222208725, path
        assert text(refused) == "webUI whiteList IPs can only be applied at the system level."
    hdp.post(f"{TENANTS}/2", json={})
    assert code(hdp.put(f"{TENANTS}/2", json=body)) == 222208725
    assert hdp.get(f"{TENANTS}/2").json() == {}


def test_permissions_failure_uses_the_documented_code(hdp):
    hdp.control("POST", "/faults", json={"vendor": "hdp", "operationId": "listPermissions", "status": 500})
    failed = hdp.get(PERMISSIONS)
    assert failed.status_code == 500 and code(failed) == 222207919
    assert text(failed) == "Problem getting Roles at this time. Please try again at another time."
