"""Talend Cloud IP allowlist, end to end over HTTP against the session server (default config, seed 1234).

Every response is checked against specs/talend.yaml by VendorClient. Limits, rate limiting and extra tokens need
their own configuration: see test_talend_config.py.
"""

from __future__ import annotations

import uuid

import pytest

from .talend_support import ADMIN, LEGACY, NO_PERMISSION, PUBLIC, add, assert_error, create

# the documented examples (seed / vendor docs; the same bodies are the spec's examples)
DOCUMENTED_POLICY = {
    "description": "Allowlist for the Paris office and the VPN egress",
    "enabled": False,
    "ips": [{"description": "Paris office egress", "ip": "203.0.113.10"}],
}
DOCUMENTED_IPS = [
    {"description": "Data Prep user1", "ip": "230.65.223.167"},
    {"description": "Data Prep user2", "ip": "230.65.223.169"},
]


@pytest.fixture
def talend(client_for):
    client = client_for("talend")
    client.session.headers["Authorization"] = ADMIN
    return client


@pytest.fixture(params=[LEGACY, PUBLIC], ids=["legacy", "public"])
def base(request):
    return request.param


# -- the documented examples -------------------------------------------------------------------------------------------


def test_documented_policy_example_is_created_but_not_active(talend, base):
    response = talend.post(base, json=DOCUMENTED_POLICY)
    assert response.status_code == 201
    body = response.json()
    assert body["enabled"] is False
    assert body["description"] == DOCUMENTED_POLICY["description"]
    [entry] = body["ips"]
    assert {k: entry[k] for k in ("ip", "description")} == DOCUMENTED_POLICY["ips"][0]
    assert uuid.UUID(entry["id"]).version == 4
    assert talend.get(base).json() == body
    # created but not active: every address is admitted
    decision = talend.decide(ip="198.51.100.7")
    assert decision["allowed"] is True and decision["matched"] is None
    assert "disabled" in decision["reason"]


def test_documented_add_ips_example(talend, base):
    create(talend, base)
    response = talend.post(f"{base}/ips", json=DOCUMENTED_IPS)
    assert response.status_code == 201
    added = response.json()
    assert [{"description": e["description"], "ip": e["ip"]} for e in added] == DOCUMENTED_IPS
    assert len({e["id"] for e in added}) == 2
    assert talend.get(f"{base}/ips").json() == added


# -- the policy ----------------------------------------------------------------------------------------------------------


def test_get_without_policy_is_404(talend, base):
    assert_error(talend.get(base), 404, "Not Found", "IP allowlist configuration not found")


def test_second_create_is_409_and_changes_nothing(talend, base):
    first = create(talend, base, ips=[{"ip": "10.0.0.1", "description": "a"}])
    response = talend.post(base, json={"enabled": True, "description": "other", "ips": []})
    assert_error(response, 409, "Conflict", "an IP allowlist configuration already exists")
    assert talend.get(base).json() == first


def test_create_minimal_policy_defaults(talend, base):
    response = talend.post(base, json={"enabled": True})
    assert response.status_code == 201
    assert response.json() == {"enabled": True, "description": "", "ips": []}


def test_create_ignores_a_sent_id(talend):
    body = create(talend, ips=[{"id": "mine", "ip": "10.0.0.1", "description": "a"}])
    assert body["ips"][0]["id"] != "mine"
    uuid.UUID(body["ips"][0]["id"])


def test_create_body_schema_errors_name_the_field(talend, base):
    assert_error(talend.post(base, json={"description": "x"}), 400, "Bad Request", "enabled: is required")
    assert_error(talend.post(base, json={"enabled": "yes"}), 400, "Bad Request", detail_start="enabled: ")
    assert_error(talend.post(base, json={"enabled": True, "ips": [{"ip": "10.0.0.1"}]}), 400, "Bad Request",
                 "ips[0].description: is required")
    assert_error(talend.post(base, json={"enabled": True, "colour": "red"}), 400, "Bad Request",
                 "colour: is not an allowed property")
    assert_error(talend.post(base, data=b"{not json", headers={"Content-Type": "application/json"}), 400,
                 "Bad Request", detail_start="body: is not valid JSON")
    # Talend's Error handling page lists 415 "Unsupported media type" (the page wins over this test's former 400)
    assert_error(talend.post(base, data=b"<x/>", headers={"Content-Type": "text/xml"}), 415, "Unsupported Media Type",
                 detail_start="Content-Type: ")
    assert_error(talend.post(base), 400, "Bad Request", "body: a JSON request body is required")
    assert_error(talend.get(base), 404, "Not Found")  # nothing was stored


def test_detailed_false_leaves_ips_out(talend, base):
    create(talend, base, ips=[{"ip": "10.0.0.1", "description": "a"}], description="d")
    assert talend.get(base, params={"detailed": "false"}).json() == {"enabled": False, "description": "d"}
    assert len(talend.get(base, params={"detailed": "true"}).json()["ips"]) == 1
    assert len(talend.get(base).json()["ips"]) == 1
    assert_error(talend.get(base, params={"detailed": "yes"}), 400, "Bad Request",
                 "detailed: 'yes' is not a boolean (true or false)")


def test_put_policy_adds_ips_and_keeps_stored_entries_with_their_ids(talend, base):
    """Seed 000: "With this request, you add IPs to the existing IP allowlist and activate or deactivate your IP
    allowlist policy at the same time." A replacing PUT (the first build) fails every assertion on `ips` here."""
    old = create(talend, base, ips=[{"ip": "10.0.0.1", "description": "a"}, {"ip": "10.0.0.2", "description": "b"}],
                 description="old")
    response = talend.put(base, json={"enabled": True, "ips": [{"ip": "192.0.2.0/24", "description": "new"}]})
    assert response.status_code == 200
    body = response.json()
    assert body["enabled"] is True
    assert body["description"] == "old"  # not sent: kept
    assert body["ips"][:2] == old["ips"]  # stored entries stay, same ids, same place, same values
    [added] = body["ips"][2:]
    assert added["ip"] == "192.0.2.0/24" and added["description"] == "new"
    assert uuid.UUID(added["id"]).version == 4 and added["id"] not in {e["id"] for e in old["ips"]}
    for kept in old["ips"]:
        assert talend.get(f"{base}/ips/{kept['id']}").json() == kept
    assert talend.get(base).json() == body
    assert talend.decide(ip="10.0.0.2")["allowed"] is True and talend.decide(ip="192.0.2.9")["allowed"] is True
    # enabled and description are set; no `ips` adds nothing and removes nothing
    after = talend.put(base, json={"enabled": False, "description": "x"}).json()
    assert after == {"enabled": False, "description": "x", "ips": body["ips"]}
    assert talend.put(base, json={"enabled": True, "ips": []}).json() == {**after, "enabled": True}


def test_put_policy_with_an_address_already_listed_keeps_the_entry_and_takes_the_description(talend, base):
    """The x-fidelity choice: not added twice, not an error; id, place and ip text kept; description updated."""
    old = create(talend, base, ips=[{"ip": "10.0.0.1", "description": "a"}, {"ip": "2001:db8::/32", "description": "v6"}])
    body = {"enabled": True, "ips": [{"ip": "10.0.0.1/32", "description": "renamed"},
                                     {"ip": "2001:DB8::/32", "description": "v6 renamed"},
                                     {"ip": "10.0.0.9", "description": "new"}]}
    response = talend.put(base, json=body)
    assert response.status_code == 200, response.text
    first, second, third = response.json()["ips"]
    assert first == {**old["ips"][0], "description": "renamed"}  # same id and stored ip text "10.0.0.1"
    assert second == {**old["ips"][1], "description": "v6 renamed"}
    assert third["ip"] == "10.0.0.9" and third["id"] not in (first["id"], second["id"])
    # the same PUT again changes nothing: PUT is idempotent
    assert talend.put(base, json=body).json() == response.json()
    assert talend.get(f"{base}/ips").json() == [first, second, third]


def test_put_policy_rejections_store_nothing(talend, base):
    old = create(talend, base, ips=[{"ip": "10.0.0.1", "description": "a"}], description="keep")
    twice = [{"ip": "192.0.2.1", "description": "x"}, {"ip": "192.0.2.1/32", "description": "y"}]
    assert_error(talend.put(base, json={"enabled": True, "description": "changed", "ips": twice}), 400, "Bad Request",
                 "ips[1].ip: '192.0.2.1/32' is already on the IP allowlist")
    bad = [{"ip": "192.0.2.7", "description": "ok"}, {"ip": "300.0.0.1", "description": "bad"}]
    assert_error(talend.put(base, json={"enabled": True, "description": "changed", "ips": bad}), 400, "Bad Request",
                 "ips[1].ip: '300.0.0.1' is not a valid IPv4 or IPv6 address or CIDR block")
    assert_error(talend.put(base, json={"description": "no enabled"}), 400, "Bad Request", "enabled: is required")
    assert talend.get(base).json() == old


def test_replace_without_policy_is_404_and_creates_nothing(talend, base):
    response = talend.put(base, json={"enabled": True, "ips": [{"ip": "10.0.0.1", "description": "a"}]})
    assert_error(response, 404, "Not Found", "IP allowlist configuration not found")
    assert_error(talend.get(base), 404, "Not Found")


def test_delete_policy_is_204_and_idempotent(talend, base):
    create(talend, base, ips=[{"ip": "10.0.0.1", "description": "a"}], enabled=True)
    response = talend.delete(base)
    assert response.status_code == 204 and response.content == b""
    assert_error(talend.get(base), 404, "Not Found")
    assert talend.get(f"{base}/ips").json() == []
    assert talend.decide(ip="192.0.2.1")["allowed"] is True
    assert talend.delete(base).status_code == 204
    create(talend, base)  # a new one can be created


def test_patch_toggles_enabled_without_body(talend, base):
    created = create(talend, base, ips=[{"ip": "10.0.0.0/8", "description": "corp"}], description="keep")
    for enabled in (True, True, False, True):
        response = talend.patch(base, json={"enabled": enabled})
        assert response.status_code == 200 and response.content == b""
        assert talend.get(base).json() == {**created, "enabled": enabled}
        assert talend.decide(ip="192.0.2.1")["allowed"] is (not enabled)
    assert_error(talend.patch(base, json={"enabled": "true"}), 400, "Bad Request", detail_start="enabled: ")
    assert_error(talend.patch(base, json={}), 400, "Bad Request", "enabled: is required")
    assert talend.get(base).json()["enabled"] is True


def test_patch_without_policy_is_404(talend, base):
    assert_error(talend.patch(base, json={"enabled": True}), 404, "Not Found", "IP allowlist configuration not found")


# -- the entries ---------------------------------------------------------------------------------------------------------


def test_list_without_policy_is_empty(talend, base):
    response = talend.get(f"{base}/ips")
    assert response.status_code == 200 and response.json() == []


def test_add_ips_before_a_policy_exists_is_404(talend, base):
    assert_error(talend.post(f"{base}/ips", json=DOCUMENTED_IPS), 404, "Not Found", "IP allowlist configuration not found")
    create(talend, base)
    assert talend.get(f"{base}/ips").json() == []


def test_add_ips_is_all_or_nothing(talend, base):
    create(talend, base)
    body = [{"ip": "10.0.0.1", "description": "ok"}, {"ip": "10.0.0.300", "description": "bad"}]
    assert_error(talend.post(f"{base}/ips", json=body), 400, "Bad Request",
                 "ips[1].ip: '10.0.0.300' is not a valid IPv4 or IPv6 address or CIDR block")
    assert talend.get(f"{base}/ips").json() == []
    assert_error(talend.post(f"{base}/ips", json=[]), 400, "Bad Request", detail_start="body: ")
    assert_error(talend.post(f"{base}/ips", json=[{"ip": "10.0.0.1"}]), 400, "Bad Request", "ips[0].description: is required")
    assert talend.get(f"{base}/ips").json() == []


BAD_IPS = ["300.1.1.1", "10.0.0.1/33", " 10.0.0.1", "10.0.0.1 ", "abc", "10.0.0.1/24", "10.0.0.1-10.0.0.9",
           "010.0.0.1", "fe80::1%eth0", "2001:db8::1/129", "10.0.0.0/", "1.2.3"]


@pytest.mark.parametrize("bad", BAD_IPS)
def test_bad_ip_values_are_400_naming_the_field(talend, bad):
    policy = create(talend, ips=[{"ip": "192.0.2.1", "description": "a"}])
    entry_id = policy["ips"][0]["id"]
    detail = "{}: %r is not a valid IPv4 or IPv6 address or CIDR block" % bad
    good = {"ip": "192.0.2.2", "description": "ok"}
    assert_error(talend.post(f"{PUBLIC}/ips", json=[good, {"ip": bad, "description": "x"}]), 400, "Bad Request",
                 detail.format("ips[1].ip"))
    assert_error(talend.put(PUBLIC, json={"enabled": True, "ips": [{"ip": bad, "description": "x"}]}), 400,
                 "Bad Request", detail.format("ips[0].ip"))
    assert_error(talend.put(f"{LEGACY}/ips/{entry_id}", json={"ip": bad, "description": "x"}), 400, "Bad Request",
                 detail.format("ip"))
    assert_error(talend.put(f"{PUBLIC}/ips", json=[{"id": entry_id, "ip": bad, "description": "x"}]), 400,
                 "Bad Request", detail.format("ips[0].ip"))
    assert talend.get(PUBLIC).json() == policy  # nothing changed
    talend.delete(PUBLIC)
    assert_error(talend.post(PUBLIC, json={"enabled": False, "ips": [good, {"ip": bad, "description": "x"}]}), 400,
                 "Bad Request", detail.format("ips[1].ip"))
    assert_error(talend.get(PUBLIC), 404, "Not Found")


def test_empty_ip_is_400_naming_the_field(talend):
    create(talend)
    body = assert_error(talend.post(f"{PUBLIC}/ips", json=[{"ip": "", "description": "x"}]), 400, "Bad Request")
    assert body["detail"].startswith("ips[0].ip: ")
    assert talend.get(f"{PUBLIC}/ips").json() == []


def test_accepted_ip_forms_are_returned_as_sent(talend):
    create(talend)
    forms = ["230.65.223.167", "10.0.0.0/24", "2001:db8::/32", "2001:DB8:0:0::7", "0.0.0.0/0", "::/0", "192.0.2.5/32"]
    added = add(talend, *forms)
    assert [e["ip"] for e in added] == forms
    assert [e["ip"] for e in talend.get(f"{PUBLIC}/ips").json()] == forms


def test_get_one_ip(talend, base):
    create(talend, base)
    [entry] = add(talend, "198.51.100.0/24", base=base)
    assert talend.get(f"{base}/ips/{entry['id']}").json() == entry
    assert_error(talend.get(f"{base}/ips/nope"), 404, "Not Found", "IP entry 'nope' not found")
    talend.delete(base)
    assert_error(talend.get(f"{base}/ips/{entry['id']}"), 404, "Not Found", f"IP entry '{entry['id']}' not found")


def test_update_one_ip(talend, base):
    create(talend, base)
    first, second = add(talend, "230.65.223.167", "230.65.223.169", base=base)
    response = talend.put(f"{base}/ips/{first['id']}", json={"id": "ignored", "ip": "230.65.223.0/24", "description": "Data Prep subnet"})
    assert response.status_code == 200
    assert response.json() == {"id": first["id"], "ip": "230.65.223.0/24", "description": "Data Prep subnet"}
    assert talend.get(f"{base}/ips").json() == [response.json(), second]  # keeps its place
    # an entry updated to its own address is not a duplicate
    assert talend.put(f"{base}/ips/{second['id']}", json={"ip": "230.65.223.169/32", "description": "same"}).status_code == 200
    assert_error(talend.put(f"{base}/ips/unknown", json={"ip": "10.0.0.1", "description": "x"}), 404, "Not Found",
                 "IP entry 'unknown' not found")


def test_delete_one_ip_is_204_and_idempotent(talend, base):
    create(talend, base)
    first, second = add(talend, "10.0.0.1", "10.0.0.2", base=base)
    response = talend.delete(f"{base}/ips/{first['id']}")
    assert response.status_code == 204 and response.content == b""
    assert talend.get(f"{base}/ips").json() == [second]
    assert talend.delete(f"{base}/ips/{first['id']}").status_code == 204
    assert talend.delete(f"{base}/ips/never-was").status_code == 204
    assert talend.get(f"{base}/ips").json() == [second]


# -- duplicates ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stored, sent", [
    ("10.0.0.1", "10.0.0.1"), ("10.0.0.1", "10.0.0.1/32"), ("2001:db8::1", "2001:DB8::1"),
    ("2001:db8::/32", "2001:0db8::/32"), ("10.0.0.1", "::ffff:10.0.0.1"),
])
def test_duplicate_addresses_are_409_on_add(talend, stored, sent):
    create(talend, ips=[{"ip": stored, "description": "first"}])
    before = talend.get(f"{PUBLIC}/ips").json()
    body = [{"ip": "192.0.2.9", "description": "new"}, {"ip": sent, "description": "again"}]
    assert_error(talend.post(f"{PUBLIC}/ips", json=body), 409, "Conflict", f"ips[1].ip: {sent!r} is already on the IP allowlist")
    assert talend.get(f"{PUBLIC}/ips").json() == before


def test_duplicates_within_one_request(talend):
    twice = [{"ip": "10.0.0.1", "description": "a"}, {"ip": "10.0.0.1/32", "description": "b"}]
    assert_error(talend.post(PUBLIC, json={"enabled": True, "ips": twice}), 409, "Conflict",
                 "ips[1].ip: '10.0.0.1/32' is already on the IP allowlist")
    assert_error(talend.get(PUBLIC), 404, "Not Found")
    create(talend)
    assert_error(talend.post(f"{PUBLIC}/ips", json=twice), 409, "Conflict", "ips[1].ip: '10.0.0.1/32' is already on the IP allowlist")
    # PUT on the policy and the updates do not declare 409: the same duplicate answers 400 there
    assert_error(talend.put(PUBLIC, json={"enabled": True, "ips": twice}), 400, "Bad Request",
                 "ips[1].ip: '10.0.0.1/32' is already on the IP allowlist")
    assert talend.get(PUBLIC).json()["ips"] == []


def test_overlapping_networks_are_not_duplicates(talend):
    create(talend)
    assert len(add(talend, "10.0.0.0/24", "10.0.0.0/25", "10.0.0.7", "10.0.0.0/16")) == 4


def test_update_to_another_entrys_address_is_400(talend, base):
    create(talend, base)
    first, second = add(talend, "10.0.0.1", "10.0.0.2", base=base)
    assert_error(talend.put(f"{base}/ips/{second['id']}", json={"ip": "10.0.0.1/32", "description": "x"}), 400,
                 "Bad Request", "ip: '10.0.0.1/32' is already on the IP allowlist")
    assert talend.get(f"{base}/ips").json() == [first, second]


# -- PUT /ips: a set, atomically -------------------------------------------------------------------------------------------


def test_update_a_set_of_ips(talend, base):
    create(talend, base)
    a, b, c = add(talend, "10.0.0.1", "10.0.0.2", "10.0.0.3", base=base)
    body = [{"id": c["id"], "ip": "10.0.0.30", "description": "c2"}, {"id": a["id"], "ip": "10.0.0.10", "description": "a2"}]
    response = talend.put(f"{base}/ips", json=body)
    assert response.status_code == 200
    assert response.json() == body  # request order
    assert talend.get(f"{base}/ips").json() == [body[1], b, body[0]]  # entries keep their place and ids


def test_update_a_set_with_one_unknown_id_changes_nothing(talend, base):
    create(talend, base)
    a, b = add(talend, "10.0.0.1", "10.0.0.2", base=base)
    body = [{"id": a["id"], "ip": "10.9.9.9", "description": "changed"},
            {"id": str(uuid.uuid4()), "ip": "10.8.8.8", "description": "ghost"}]
    assert_error(talend.put(f"{base}/ips", json=body), 404, "Not Found", "at least one IP to be updated was not found")
    assert talend.get(f"{base}/ips").json() == [a, b]


def test_update_a_set_other_rejections_change_nothing(talend, base):
    create(talend, base)
    a, b = add(talend, "10.0.0.1", "10.0.0.2", base=base)
    twice = [{"id": a["id"], "ip": "10.0.0.5", "description": "x"}, {"id": a["id"], "ip": "10.0.0.6", "description": "y"}]
    assert_error(talend.put(f"{base}/ips", json=twice), 400, "Bad Request", f"ips[1].id: {a['id']!r} appears more than once")
    clash = [{"id": a["id"], "ip": "10.0.0.7", "description": "x"}, {"id": b["id"], "ip": "10.0.0.1", "description": "y"}]
    response = talend.put(f"{base}/ips", json=clash)
    assert response.status_code == 200  # checked after all updates: a leaves 10.0.0.1 before b takes it
    assert talend.put(f"{base}/ips", json=[{"id": a["id"], "ip": "10.0.0.1", "description": "z"}]).status_code == 400
    assert_error(talend.put(f"{base}/ips", json=[]), 400, "Bad Request", detail_start="body: ")
    assert_error(talend.put(f"{base}/ips", json=[{"ip": "10.0.0.9", "description": "no id"}]), 400, "Bad Request",
                 "ips[0].id: is required")
    assert talend.get(f"{base}/ips").json() == response.json()


def test_swapping_two_addresses_in_one_set_update(talend):
    create(talend)
    a, b = add(talend, "10.0.0.1", "10.0.0.2")
    body = [{"id": a["id"], "ip": "10.0.0.2", "description": "a"}, {"id": b["id"], "ip": "10.0.0.1", "description": "b"}]
    assert talend.put(f"{PUBLIC}/ips", json=body).json() == body


def test_update_a_set_without_policy_is_404(talend, base):
    body = [{"id": str(uuid.uuid4()), "ip": "10.0.0.1", "description": "x"}]
    assert_error(talend.put(f"{base}/ips", json=body), 404, "Not Found", "at least one IP to be updated was not found")


# -- both path families, one state ---------------------------------------------------------------------------------------


def test_both_families_share_one_state(talend):
    created = create(talend, LEGACY, ips=[{"ip": "203.0.113.10", "description": "office"}])
    assert talend.get(PUBLIC).json() == created
    assert_error(talend.post(PUBLIC, json={"enabled": True}), 409, "Conflict")
    [added] = add(talend, "2001:db8::/48", base=PUBLIC)
    assert talend.get(f"{LEGACY}/ips/{added['id']}").json() == added
    talend.put(f"{LEGACY}/ips/{added['id']}", json={"ip": "2001:db8:1::/48", "description": "moved"})
    assert talend.get(f"{PUBLIC}/ips/{added['id']}").json()["ip"] == "2001:db8:1::/48"
    talend.patch(PUBLIC, json={"enabled": True})
    assert talend.get(LEGACY, params={"detailed": "false"}).json()["enabled"] is True
    talend.delete(f"{LEGACY}/ips/{created['ips'][0]['id']}")
    assert [e["id"] for e in talend.get(f"{PUBLIC}/ips").json()] == [added["id"]]
    talend.delete(PUBLIC)
    assert_error(talend.get(LEGACY), 404, "Not Found")


# -- auth ----------------------------------------------------------------------------------------------------------------

OPERATIONS = [
    ("GET", ""), ("POST", ""), ("PUT", ""), ("DELETE", ""), ("PATCH", ""),
    ("GET", "/ips"), ("POST", "/ips"), ("PUT", "/ips"), ("GET", "/ips/x"), ("PUT", "/ips/x"), ("DELETE", "/ips/x"),
]
VALID_BODIES = {
    ("POST", ""): {"enabled": True}, ("PUT", ""): {"enabled": True}, ("PATCH", ""): {"enabled": True},
    ("POST", "/ips"): DOCUMENTED_IPS, ("PUT", "/ips"): [{"id": "x", "ip": "10.0.0.1", "description": "d"}],
    ("PUT", "/ips/x"): {"ip": "10.0.0.1", "description": "d"},
}


@pytest.mark.parametrize("method, suffix", OPERATIONS)
def test_every_operation_needs_a_token_and_the_permission(client_for, base, method, suffix):
    client = client_for("talend")
    body = VALID_BODIES.get((method, suffix))
    missing = client.request(method, base + suffix, json=body)
    assert_error(missing, 401, "Unauthorized", "Authorization: a bearer token is required")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer not-a-token", "Basic dGFsZW5kOnRhbGVuZA==", "talend-admin-token", "Bearer "):
        assert_error(client.request(method, base + suffix, json=body, headers={"Authorization": header}), 401, "Unauthorized")
    refused = client.request(method, base + suffix, json=body, headers={"Authorization": NO_PERMISSION})
    assert_error(refused, 403, "Forbidden", 'the "Users - Management" permission is required')
    assert_error(client.request("GET", base, headers={"Authorization": ADMIN}), 404, "Not Found")  # nothing was stored


def test_auth_comes_before_body_validation(client_for):
    client = client_for("talend")
    assert_error(client.post(PUBLIC, data=b"{broken"), 401, "Unauthorized")
    assert_error(client.post(PUBLIC, data=b"{broken", headers={"Authorization": NO_PERMISSION}), 403, "Forbidden")


def test_enabled_allowlist_refuses_unlisted_callers_but_never_the_admin(talend):
    create(talend, ips=[{"ip": "230.65.223.0/24", "description": "Data Prep"}], enabled=True)
    outside, inside = {"X-Forwarded-For": "198.51.100.7"}, {"X-Forwarded-For": "230.65.223.167"}
    # no permission: refused for the address from outside, for the permission from inside
    assert_error(talend.get(f"{PUBLIC}/ips", headers={**outside, "Authorization": NO_PERMISSION}), 403, "Forbidden",
                 "client address 198.51.100.7 is not on the IP allowlist")
    assert_error(talend.get(f"{PUBLIC}/ips", headers={**inside, "Authorization": NO_PERMISSION}), 403, "Forbidden",
                 'the "Users - Management" permission is required')
    # the admin from an unlisted address still manages the allowlist, and can even delete every entry
    assert talend.get(f"{PUBLIC}/ips", headers=outside).status_code == 200
    entry_id = talend.get(f"{PUBLIC}/ips").json()[0]["id"]
    assert talend.delete(f"{LEGACY}/ips/{entry_id}", headers=outside).status_code == 204
    assert talend.get(PUBLIC, headers=outside).json() == {"enabled": True, "description": "test policy", "ips": []}
    # disabled: the no-permission caller from outside is refused only for the permission
    talend.patch(PUBLIC, json={"enabled": False}, headers=outside)
    assert_error(talend.get(f"{PUBLIC}/ips", headers={**outside, "Authorization": NO_PERMISSION}), 403, "Forbidden",
                 'the "Users - Management" permission is required')


# -- decide ----------------------------------------------------------------------------------------------------------------


def test_decide_follows_the_policy(talend):
    assert talend.decide(ip="192.0.2.1") == {
        "allowed": True, "reason": "no IP allowlist configuration exists", "matched": None, "ip": "192.0.2.1"}
    create(talend, ips=[{"ip": "10.0.0.0/8", "description": "corp"}, {"ip": "2001:db8::/32", "description": "v6"},
                        {"ip": "192.0.2.1", "description": "one"}])
    assert talend.decide(ip="8.8.8.8")["reason"] == "the IP allowlist is disabled"
    talend.patch(PUBLIC, json={"enabled": True})
    entries = {e["ip"]: e for e in talend.get(f"{PUBLIC}/ips").json()}
    cases = {
        "10.1.2.3": "10.0.0.0/8", "10.255.255.255": "10.0.0.0/8", "11.0.0.0": None, "9.255.255.255": None,
        "192.0.2.1": "192.0.2.1", "192.0.2.2": None, "2001:db8:ffff::1": "2001:db8::/32", "2001:db9::1": None,
        "::ffff:10.0.0.1": "10.0.0.0/8", "::1": None,
    }
    for ip, match in cases.items():
        decision = talend.decide(ip=ip)
        assert decision["allowed"] is (match is not None), (ip, decision)
        assert decision["matched"] == (entries[match] if match else None), ip
    refused = talend.decide(ip="11.0.0.0")
    assert refused["reason"] == "11.0.0.0 is not on the enabled IP allowlist" and refused["ip"] == "11.0.0.0"
    # a caller holding "Users - Management" is always admitted; one without it is not
    exempt = talend.decide(ip="11.0.0.0", token="talend-admin-token")
    assert exempt["allowed"] is True and "Users - Management" in exempt["reason"]
    assert talend.decide(ip="11.0.0.0", token="talend-no-permission-token")["allowed"] is False
    assert talend.decide(ip="10.0.0.1", token="talend-no-permission-token")["allowed"] is True


def test_decide_rejects_bad_queries(talend):
    assert talend.control("GET", "/decide/talend", params={"ip": "nope"}).status_code == 400
    assert talend.control("GET", "/decide/talend", params={"ip": "10.0.0.1", "token": "unknown"}).status_code == 400
    assert talend.control("GET", "/decide/talend").status_code == 400


def test_decide_follows_writes_at_once(talend):
    create(talend, enabled=True)
    assert talend.decide(ip="10.0.0.5")["allowed"] is False
    [entry] = add(talend, "10.0.0.0/29")
    assert talend.decide(ip="10.0.0.5")["allowed"] is True
    talend.put(f"{PUBLIC}/ips/{entry['id']}", json={"ip": "10.0.0.8/29", "description": "moved"})
    assert talend.decide(ip="10.0.0.5")["allowed"] is False
    assert talend.decide(ip="10.0.0.9")["allowed"] is True
    talend.delete(f"{PUBLIC}/ips/{entry['id']}")
    assert talend.decide(ip="10.0.0.9")["allowed"] is False


# -- engine errors in Talend's shape -------------------------------------------------------------------------------------


def test_unknown_paths_and_methods_in_talends_shape(talend, base):
    assert_error(talend.get(f"{base}/ips/x/y", check=False), 404, "Not Found", f"path {base}/ips/x/y does not exist")
    assert_error(talend.get(f"{base}/other", check=False), 404, "Not Found")
    response = talend.request("DELETE", f"{base}/ips", check=False)
    assert_error(response, 405, "Method Not Allowed")
    assert response.headers["Allow"] == "GET, PUT, POST"
    assert_error(talend.request("POST", f"{base}/ips/x", check=False), 405, "Method Not Allowed")


def test_too_large_body_in_talends_shape(talend):
    body = b'{"enabled": true, "description": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    assert_error(talend.post(PUBLIC, data=body, headers={"Content-Type": "application/json"}, check=False), 413,
                 "Payload Too Large")


def test_injected_fault_in_talends_shape(talend):
    rule = talend.control("POST", "/faults", json={"vendor": "talend", "operationId": "retrieveIpEntriesLegacy", "status": 500})
    assert rule.status_code == 201, rule.text
    assert_error(talend.get(f"{LEGACY}/ips"), 500, "Internal Server Error")
    assert talend.get(f"{PUBLIC}/ips").status_code == 200  # the other family's operation is not hit


# -- determinism, snapshot and restore -----------------------------------------------------------------------------------


def test_ids_are_deterministic_under_seed(talend):
    first = create(talend, ips=DOCUMENTED_IPS)
    assert talend.control("POST", "/reset", params={"vendor": "talend"}).status_code == 200
    assert create(talend, ips=DOCUMENTED_IPS) == first


def test_state_snapshot_and_restore(talend, client_for):
    created = create(talend, ips=DOCUMENTED_IPS, enabled=True)
    state = talend.control("GET", "/state").json()
    assert state["vendors"]["talend"] == {"policy": {k: created[k] for k in ("enabled", "description", "ips")}}
    other = client_for("talend")
    other.session.headers["Authorization"] = ADMIN
    assert other.control("PUT", "/state", json=state).status_code == 200
    assert other.get(LEGACY).json() == created
    broken = {"vendors": {"talend": {"policy": {"enabled": True, "ips": [{"ip": "300.1.1.1", "description": "x"}]}}}}
    response = other.control("PUT", "/state", json=broken)
    assert response.status_code == 400 and "ips[0].ip" in response.text
    broken["vendors"]["talend"]["policy"]["ips"] = [{"id": "not-a-uuid", "ip": "10.0.0.1", "description": "x"}]
    response = other.control("PUT", "/state", json=broken)
    assert response.status_code == 400 and "ips[0].id" in response.text
    assert other.get(LEGACY).json() == created
