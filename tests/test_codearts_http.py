"""CodeArts Repo over raw HTTP with X-Auth-Token: token paths, every validation rule, 404s, formats, decide, state.

Every response is checked against specs/codearts.yaml by VendorClient (fresh namespace per client).
"""

from __future__ import annotations

import re

import pytest

from allowlist_emulator.state import Clock
from allowlist_emulator.vendors.codearts.models import CodeArtsModel

TENANT = "/v4/tenant/trusted-ip-addresses"
REPO = "/v4/projects/{}/trusted-ip-addresses"
ADMIN = {"X-Auth-Token": "codearts-token"}
TIMESTAMP = re.compile(r"^[A-Z][a-z]{2} [1-9]\d?, \d{4} [1-9]\d?:\d{2}:\d{2} (AM|PM)$")
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def api(client_for):
    return client_for("codearts", headers=ADMIN)


def add(api, path=TENANT, **fields):
    response = api.post(path, json=fields)
    assert response.status_code == 200, response.text
    return response.json()


def error_of(response, status, code):
    assert response.status_code == status, response.text
    assert REQUEST_ID.match(response.headers["X-Request-Id"])
    data = response.json()
    assert data["error_code"] == code, data
    return data


# -- credentials -----------------------------------------------------------------------------------------------------------


def test_expired_token_is_the_seed_401(client_for):
    api = client_for("codearts", headers={"X-Auth-Token": "codearts-expired-token"})
    response = api.get(TENANT)
    error_of(response, 401, "DEV.00000003")
    assert response.json() == {"error_code": "DEV.00000003", "error_msg": "Authentication information expired."}


def test_no_permission_token_is_the_seed_403_on_every_operation(client_for):
    api = client_for("codearts", headers={"X-Auth-Token": "codearts-no-permission-token"})
    seed = {"error_code": "CH.004403", "error_msg": "Insufficient permissions. Apply for the required permissions and try again."}
    calls = [("GET", TENANT, None), ("POST", TENANT, {"ip_type": 9}), ("PUT", TENANT + "/1", {}), ("DELETE", TENANT + "/1", None),
             ("GET", REPO.format(1001), None), ("POST", REPO.format(9999), {}), ("PUT", REPO.format(1001) + "/5", {}),
             ("DELETE", REPO.format(1002) + "/5", None)]
    for method, path, payload in calls:
        response = api.request(method, path, json=payload)
        error_of(response, 403, "CH.004403")
        assert response.json() == seed


def test_missing_and_unknown_credentials(client_for):
    bare = client_for("codearts")
    data = error_of(bare.get(TENANT), 401, "APIGW.0301")
    assert data["error_msg"] == "Incorrect IAM authentication information: x-auth-token not found"
    assert REQUEST_ID.match(data["request_id"])
    wrong = client_for("codearts", headers={"X-Auth-Token": "who-knows"})
    assert error_of(wrong.get(TENANT), 401, "APIGW.0301")["error_msg"].endswith("decrypt token fail")
    garbage = client_for("codearts", headers={"Authorization": "Bearer abc"})
    assert error_of(garbage.get(TENANT), 401, "APIGW.0301")["error_msg"].endswith("verify aksk signature fail")
    # a token wins over Authorization
    both = client_for("codearts", headers={**ADMIN, "Authorization": "Bearer abc"})
    assert both.get(TENANT).status_code == 200


# -- success shapes ----------------------------------------------------------------------------------------------------------


def test_list_is_a_bare_array_with_x_total_and_request_id(api):
    empty = api.get(TENANT)
    assert empty.status_code == 200 and empty.json() == [] and empty.headers["X-Total"] == "0"
    assert REQUEST_ID.match(empty.headers["X-Request-Id"])
    first = add(api, ip_start="1.1.1.1", view_flag=1)
    second = add(api, ip_type=1, ip_start="2.2.2.1", ip_end="2.2.2.9")
    page = api.get(TENANT, params={"offset": 1, "limit": 1})
    assert page.headers["X-Total"] == "2" and page.json() == [second]
    assert api.get(TENANT).json() == [first, second]


def test_item_fields_and_defaults(api):
    item = add(api, ip_start="1.1.1.1")
    assert item["id"] == "1" and item["ip_type"] == 0 and item["ip_range"] == item["ip_start"] == item["ip_end"] == "1.1.1.1"
    assert (item["view_flag"], item["download_flag"], item["upload_flag"], item["remark"], item["order_flag"]) == (0, 0, 0, "", 1)
    assert re.fullmatch(r"[0-9a-f]{32}", item["domain_id"]) and item["user_id"] == 9155
    assert TIMESTAMP.match(item["created_at"]) and TIMESTAMP.match(item["updated_at"])
    repo_item = add(api, REPO.format(1002), ip_start="1.1.1.1")
    assert repo_item["id"] == "2" and repo_item["repository_id"] == 1002  # one id counter for every list
    assert "user_id" not in repo_item and "domain_id" not in repo_item


def test_timestamps_follow_the_emulator_clock(api):
    api.control("POST", "/clock", json={"set": "2023-08-21T22:27:09Z", "freeze": True})
    item = add(api, ip_start="1.1.1.1")
    assert item["created_at"] == item["updated_at"] == "Aug 21, 2023 10:27:09 PM"
    api.control("POST", "/clock", json={"set": "2024-07-01T00:05:03Z"})
    updated = api.put(f"{TENANT}/{item['id']}", json={}).json()
    assert updated["created_at"] == "Aug 21, 2023 10:27:09 PM" and updated["updated_at"] == "Jul 1, 2024 12:05:03 AM"
    api.control("POST", "/clock", json={"set": "2024-12-09T12:00:00Z"})
    assert api.put(f"{TENANT}/{item['id']}", json={}).json()["updated_at"] == "Dec 9, 2024 12:00:00 PM"


def test_address_forms_are_canonical(api):
    cidr = add(api, ip_type=2, ip_start="10.0.0.0/24")
    assert (cidr["ip_range"], cidr["ip_start"], cidr["ip_end"]) == ("10.0.0.0/24", "10.0.0.0", "10.0.0.255")
    pair = add(api, ip_type=2, ip_start="172.16.0.0", ip_end="172.16.255.255")
    assert pair["ip_range"] == "172.16.0.0/16"
    v6 = add(api, ip_start="2001:DB8::0001", ip_end="")
    assert v6["ip_range"] == v6["ip_end"] == "2001:db8::1"
    v6_range = add(api, ip_type=1, ip_start="2001:db8::1", ip_end="2001:db8::ff")
    assert v6_range["ip_range"] == "2001:db8::1-2001:db8::ff"
    # a rule read back can be sent back unchanged
    fields = {k: cidr[k] for k in ("ip_type", "ip_start", "ip_end", "view_flag", "download_flag", "upload_flag", "remark")}
    assert api.put(f"{TENANT}/{cidr['id']}", json=fields).status_code == 200
    # the same block twice is a duplicate, whichever way it is written
    dup = error_of(api.post(TENANT, json={"ip_type": 2, "ip_start": "10.0.0.0", "ip_end": "10.0.0.255"}), 400, "CH.010001")
    assert dup["error_msg"] == "Invalid parameter: the IP address rule 10.0.0.0/24 already exists"


def test_put_is_partial_and_merges_addresses(api):
    rule = add(api, ip_type=1, ip_start="1.1.1.1", ip_end="1.1.1.9", view_flag=1, remark="keep")
    path = f"{TENANT}/{rule['id']}"
    assert api.put(path, json={"upload_flag": 1}).json()["ip_range"] == "1.1.1.1-1.1.1.9"
    moved = api.put(path, json={"ip_end": "1.1.1.20"}).json()
    assert (moved["ip_range"], moved["view_flag"], moved["upload_flag"], moved["remark"]) == ("1.1.1.1-1.1.1.20", 1, 1, "keep")
    single = api.put(path, json={"ip_type": 0}).json()
    assert single["ip_range"] == single["ip_end"] == "1.1.1.1"
    block = api.put(path, json={"ip_type": 2, "ip_start": "10.9.0.0/16"}).json()
    assert (block["ip_range"], block["ip_end"]) == ("10.9.0.0/16", "10.9.255.255")
    assert block["created_at"] == rule["created_at"] and block["order_flag"] == 1


# -- validation: 400 CH.010001 naming the field, nothing stored ----------------------------------------------------------------

BAD_QUERIES = [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": "ten"}, "limit"), ({"offset": -1}, "offset")]

BAD_BODIES = [
    ({"ip_type": 3, "ip_start": "1.1.1.1"}, "ip_type"),
    ({"ip_type": "1", "ip_start": "1.1.1.1", "ip_end": "1.1.1.2"}, "ip_type"),
    ({"ip_start": "1.1.1.1", "view_flag": 2}, "view_flag"),
    ({"ip_start": "1.1.1.1", "download_flag": -1}, "download_flag"),
    ({"ip_start": "1.1.1.1", "upload_flag": True}, "upload_flag"),
    ({"ip_start": "1.1.1.1", "remark": "x" * 201}, "remark"),
    ({"ip_start": "1.1.1.1", "remark": None}, "remark"),
    ({}, "ip_start"),
    ({"ip_start": ""}, "ip_start"),
    ({"ip_start": "1.1.1"}, "ip_start"),
    ({"ip_start": "01.1.1.1"}, "ip_start"),
    ({"ip_start": "1.1.1.1", "ip_end": "1.1.1.2"}, "ip_end"),
    ({"ip_type": 0, "ip_start": "10.0.0.0/24"}, "ip_start"),
    ({"ip_type": 1, "ip_start": "1.1.1.1"}, "ip_end"),
    ({"ip_type": 1, "ip_start": "1.1.1.9", "ip_end": "1.1.1.1"}, "ip_start"),
    ({"ip_type": 1, "ip_start": "1.1.1.1", "ip_end": "2001:db8::1"}, "ip_start"),
    ({"ip_type": 1, "ip_start": "1.1.1.1", "ip_end": "nope"}, "ip_end"),
    ({"ip_type": 2, "ip_start": "2001:db8::/32"}, "ip_type"),
    ({"ip_type": 2, "ip_start": "2001:db8::", "ip_end": "2001:db8::ff"}, "ip_type"),
    ({"ip_type": 2, "ip_start": "10.0.0.5/24"}, "ip_start"),
    ({"ip_type": 2, "ip_start": "10.0.0.0/33"}, "ip_start"),
    ({"ip_type": 2, "ip_start": "10.0.0.0/24", "ip_end": "10.0.0.9"}, "ip_end"),
    ({"ip_type": 2, "ip_start": "10.0.0.1", "ip_end": "10.0.0.4"}, "ip_start"),
    ({"ip_type": 2, "ip_start": "10.0.0.1"}, "ip_start"),
]


@pytest.mark.parametrize("params,field", BAD_QUERIES)
def test_bad_query_is_400_naming_the_field(api, params, field):
    for path in (TENANT, REPO.format(1001)):
        data = error_of(api.get(path, params=params), 400, "CH.010001")
        assert data["error_msg"].startswith(f"Invalid parameter: {field} "), data
        assert "request_id" not in data


@pytest.mark.parametrize("payload,field", BAD_BODIES)
def test_bad_body_is_400_naming_the_field_and_stores_nothing(api, payload, field):
    add(api, ip_start="9.9.9.9")
    add(api, REPO.format(1001), ip_start="9.9.9.9")
    for path in (TENANT, REPO.format(1001)):
        before = api.get(path).json()
        data = error_of(api.post(path, json=payload), 400, "CH.010001")
        assert data["error_msg"].startswith(f"Invalid parameter: {field} "), data
        assert api.get(path).json() == before


BAD_UPDATES = [
    ({"ip_type": 1, "ip_end": "9.9.9.1"}, "ip_start"),  # merged range 9.9.9.9-9.9.9.1 is reversed
    ({"ip_end": "9.9.9.10"}, "ip_end"),  # single address with another end
    ({"ip_type": 2, "ip_end": "9.9.9.10"}, "ip_start"),  # 9.9.9.9-9.9.9.10 is not one CIDR block
    ({"ip_start": "2001:db8::1", "ip_type": 1}, "ip_start"),  # merged with the stored IPv4 end: mixed family
    ({"view_flag": 5}, "view_flag"),
    ({"remark": "r" * 201}, "remark"),
    ({"ip_start": "1.1.1.1"}, "the IP address rule 1.1.1.1 already exists"),  # duplicate of the other rule
]


@pytest.mark.parametrize("payload,field", BAD_UPDATES)
def test_bad_update_is_400_and_changes_nothing(api, payload, field):
    rule = add(api, ip_start="9.9.9.9", view_flag=1)
    add(api, ip_start="1.1.1.1")
    before = api.get(TENANT).json()
    data = error_of(api.put(f"{TENANT}/{rule['id']}", json=payload), 400, "CH.010001")
    assert data["error_msg"].startswith(f"Invalid parameter: {field}"), data
    assert api.get(TENANT).json() == before


def test_body_format_errors(api):
    data = error_of(api.post(TENANT, data=b"{not json", headers={"Content-Type": "application/json"}), 400, "CH.010001")
    assert data["error_msg"] == "Invalid parameter value format."
    assert error_of(api.post(TENANT, json=[{"ip_start": "1.1.1.1"}]), 400, "CH.010001")["error_msg"] == "Invalid parameter value format."
    data = error_of(api.post(TENANT), 400, "CH.010001")
    assert data["error_msg"] == "Invalid parameter: request body is required"
    data = error_of(api.post(TENANT, data=b"<xml/>", headers={"Content-Type": "application/xml"}), 400, "CH.010001")
    assert "Content-Type" in data["error_msg"]
    assert api.get(TENANT).headers["X-Total"] == "0"


def test_bad_path_ids_are_400(api):
    data = error_of(api.get(REPO.format(0)), 400, "CH.010001")
    assert data["error_msg"].startswith("Invalid parameter: id ")
    data = error_of(api.put(TENANT + "/abc", json={}), 400, "CH.010001")
    assert data["error_msg"].startswith("Invalid parameter: ip_id ")


def test_too_large_body_is_413(api):
    response = api.post(TENANT, data=b'{"remark": "' + b"x" * (1024 * 1024) + b'"}', headers={"Content-Type": "application/json"})
    error_of(response, 413, "CH.000413")


# -- 404 ------------------------------------------------------------------------------------------------------------------------


def test_unknown_ids_and_repositories_are_404(api):
    rule = add(api, ip_start="1.1.1.1")
    assert error_of(api.put(f"{TENANT}/99", json={}), 404, "CH.000404")["error_msg"] == "Resource unavailable."
    error_of(api.delete(f"{TENANT}/99"), 404, "CH.000404")
    error_of(api.delete(f"{REPO.format(1001)}/{rule['id']}"), 404, "CH.000404")  # belongs to the tenant list
    for method, suffix, payload in (("GET", "", None), ("POST", "", {"ip_start": "1.1.1.1"}), ("PUT", "/1", {}), ("DELETE", "/1", None)):
        error_of(api.request(method, REPO.format(31337) + suffix, json=payload), 404, "CH.000404")
    # a body that fails validation is 400 before the unknown repository's 404
    error_of(api.post(REPO.format(31337), json={"ip_type": 1, "ip_start": "1.1.1.1"}), 400, "CH.010001")
    assert api.delete(f"{TENANT}/{rule['id']}").json() == {"status": "success"}
    error_of(api.delete(f"{TENANT}/{rule['id']}"), 404, "CH.000404")
    assert add(api, ip_start="1.1.1.1")["id"] == "2"  # ids are not reused


def test_unknown_path_and_method(api):
    error_of(api.get("/v4/tenant/nothing-here", check=False), 404, "CH.000404")
    response = api.patch(TENANT, json={}, check=False)
    assert error_of(response, 405, "CH.000405")["error_msg"] == "Request method 'PATCH' is not supported"
    assert "GET" in response.headers["Allow"]


# -- decide -----------------------------------------------------------------------------------------------------------------------


def test_decide_empty_lists_allow_everything(api):
    decision = api.decide(ip="203.0.113.7")
    assert decision["allowed"] is True and decision["matched"] is None and "empty" in decision["reason"]
    assert api.decide(ip="203.0.113.7", action="upload", repository="1001")["allowed"] is True


def test_decide_flags_per_action(api):
    add(api, ip_start="198.51.100.7", view_flag=1, download_flag=1, upload_flag=0)
    assert api.decide(ip="198.51.100.7")["allowed"] is True
    hit = api.decide(ip="198.51.100.7", action="download")
    assert hit["allowed"] is True and hit["matched"]["id"] == "1" and hit["matched"]["level"] == "tenant"
    refused = api.decide(ip="198.51.100.7", action="upload")
    assert refused["allowed"] is False and "upload_flag is 0" in refused["reason"]
    outside = api.decide(ip="198.51.100.8")
    assert outside["allowed"] is False and "no rule" in outside["reason"]


def test_decide_cidr_and_range_entries(api):
    add(api, ip_type=2, ip_start="10.0.0.0/24", view_flag=1)
    add(api, ip_type=1, ip_start="192.168.1.10", ip_end="192.168.1.20", view_flag=1)
    add(api, ip_type=1, ip_start="2001:db8::1", ip_end="2001:db8::ff", view_flag=1)
    for ip, allowed in (("10.0.0.0", True), ("10.0.0.255", True), ("10.0.1.0", False), ("192.168.1.10", True),
                        ("192.168.1.20", True), ("192.168.1.21", False), ("2001:db8::80", True), ("::ffff:10.0.0.9", True),
                        ("2001:db8::100", False)):
        assert api.decide(ip=ip)["allowed"] is allowed, ip


def test_decide_repository_needs_tenant_and_repository(api):
    add(api, REPO.format(1001), ip_type=2, ip_start="10.0.0.0/16", upload_flag=1)
    # tenant list empty: the repository list alone decides; 1002 is unrestricted; the tenant decision ignores 1001
    assert api.decide(ip="10.0.5.5", action="upload", repository="1001")["matched"]["level"] == "repository 1001"
    assert api.decide(ip="10.1.0.1", action="upload", repository="1001")["allowed"] is False
    assert api.decide(ip="10.1.0.1", action="upload", repository="1002")["allowed"] is True
    assert api.decide(ip="10.1.0.1", action="upload")["allowed"] is True
    # both lists have rules: both must admit
    add(api, ip_type=1, ip_start="10.0.0.0", ip_end="10.0.0.255", upload_flag=1)
    assert api.decide(ip="10.0.0.9", action="upload", repository="1001")["allowed"] is True
    refused = api.decide(ip="10.0.5.5", action="upload", repository="1001")
    assert refused["allowed"] is False and "tenant" in refused["reason"]


def test_decide_bad_input(api):
    assert api.control("GET", "/decide/codearts", params={"ip": "nope"}).status_code == 400
    assert api.control("GET", "/decide/codearts", params={"ip": "1.1.1.1", "action": "delete"}).status_code == 400
    assert api.control("GET", "/decide/codearts", params={"ip": "1.1.1.1", "repository": "77"}).status_code == 404


# -- config and state ----------------------------------------------------------------------------------------------------------------


def test_config_identities_repositories_and_rules():
    config = {
        "domain_id": "0123456789ABCDEF0123456789abcdef",
        "credentials": [{"ak": "ci-ak", "sk": "ci-sk", "user_id": 42}],
        "tokens": [{"token": "ci-token", "status": "no_permission"}],
        "repositories": [2001],
        "whitelists": {"tenant": [{"ip_type": 2, "ip_start": "10.0.0.0/8", "view_flag": 1}],
                       "repositories": {"2001": [{"ip_start": "1.1.1.1", "upload_flag": 1, "order_flag": 1}]}},
    }
    model = CodeArtsModel.seeded(config, None, Clock())
    assert model.domain_id == "0123456789abcdef0123456789abcdef"
    assert model.credentials["ci-ak"].secret == "ci-sk" and model.credentials["ci-ak"].user_id == 42
    assert "emulator-ak" in model.credentials and model.tokens["ci-token"].status == "no_permission"
    assert set(model.repositories) == {1001, 1002, 2001}
    tenant_rule = model.item(model.tenant.rules[1], None)
    assert tenant_rule["order_flag"] == 0 and tenant_rule["ip_range"] == "10.0.0.0/8"
    assert model.repositories[2001].rules[2].order_flag == 1
    restored = CodeArtsModel.from_json(model.to_json(), config, None, Clock())
    assert restored.to_json() == model.to_json() and restored.next_id == 3
    assert set(CodeArtsModel.from_json({"tenant": []}, {}, None, Clock()).repositories) == {1001, 1002}
    with pytest.raises(ValueError):
        CodeArtsModel.seeded({"whitelists": {"tenant": [{"ip_type": 1, "ip_start": "1.1.1.1"}]}}, None, Clock())
    with pytest.raises(ValueError):
        CodeArtsModel.seeded({"domain_id": "short"}, None, Clock())


def test_state_round_trip_over_http(api):
    add(api, ip_type=2, ip_start="10.0.0.0/24", view_flag=1)
    add(api, REPO.format(1002), ip_start="2001:db8::1")
    state = api.control("GET", "/state").json()
    assert state["vendors"]["codearts"]["next_id"] == 3
    api.control("POST", "/reset")
    assert api.get(TENANT).headers["X-Total"] == "0"
    assert api.control("PUT", "/state", json=state).status_code == 200
    assert api.get(TENANT).json()[0]["ip_range"] == "10.0.0.0/24"
    assert api.get(REPO.format(1002)).json()[0]["id"] == "2"
    assert add(api, ip_start="5.5.5.5")["id"] == "3"
