"""GET /_emulator/decide/b2core?ip=: deny wins, allow policies form an allowlist, expired policies are ignored."""

from __future__ import annotations

import pytest

from .b2core_support import authorised, create, freeze_at


@pytest.fixture
def api(client_for):
    return authorised(client_for("b2core"))


def test_no_policies_admits_everyone(api):
    assert api.decide(ip="198.51.100.1") == {"allowed": True, "reason": "no allow policy in force", "matched": None,
                                            "ip": "198.51.100.1"}


def test_only_deny_policies_admit_everyone_else(api):
    deny = create(api, "198.51.100.0/24", "deny")
    assert api.decide(ip="198.51.100.7") == {"allowed": False, "reason": "deny policy matched", "matched": deny,
                                            "ip": "198.51.100.7"}
    assert api.decide(ip="198.51.101.7")["reason"] == "no allow policy in force"


def test_allow_policies_form_an_allowlist(api):
    allow = create(api, "10.0.0.0/8")
    assert api.decide(ip="10.1.2.3") == {"allowed": True, "reason": "allow policy matched", "matched": allow, "ip": "10.1.2.3"}
    assert api.decide(ip="11.0.0.1") == {"allowed": False, "reason": "no allow policy matched", "matched": None, "ip": "11.0.0.1"}
    assert api.decide(ip="2001:db8::1")["allowed"] is False  # IPv4 policies never cover IPv6 clients


@pytest.mark.parametrize("allow_ip, deny_ip", [("10.0.0.0/8", "10.6.6.6"), ("10.6.6.6", "10.0.0.0/8"), ("10.6.6.6", "10.6.6.6/32")])
def test_deny_wins_over_allow_whatever_the_specificity(api, allow_ip, deny_ip):
    create(api, allow_ip)
    deny = create(api, deny_ip, "deny")
    result = api.decide(ip="10.6.6.6")
    assert (result["allowed"], result["reason"], result["matched"]) == (False, "deny policy matched", deny)
    assert api.decide(ip="10.6.6.7")["allowed"] is (allow_ip == "10.0.0.0/8")


def test_matched_is_the_most_specific_then_the_oldest(api):
    freeze_at(api, "2021-01-01T00:00:00+00:00")
    create(api, "10.0.0.0/8")
    narrow = create(api, "10.1.0.0/16")
    create(api, "10.1.0.0/16")  # same block, created later (same second, larger id)
    assert api.decide(ip="10.1.2.3")["matched"] == narrow


def test_ipv6_cidr_and_mapped_addresses(api):
    create(api, "2001:db8::/32")
    create(api, "192.0.2.0/24")
    assert api.decide(ip="2001:db8:ffff::1")["allowed"] is True
    assert api.decide(ip="2001:db9::1")["allowed"] is False
    assert api.decide(ip="::ffff:192.0.2.9") == {**api.decide(ip="192.0.2.9"), "ip": "192.0.2.9"}  # compared as IPv4
    assert api.decide(ip="::ffff:192.0.2.9")["allowed"] is True


def test_expired_policies_are_ignored(api):
    freeze_at(api, "2021-01-01T00:00:00+00:00")
    create(api, "10.0.0.0/8")
    create(api, "10.6.6.6", "deny", ttl=5)
    create(api, "172.16.0.0/12", ttl=10)
    assert api.decide(ip="10.6.6.6")["allowed"] is False
    assert api.decide(ip="172.16.0.1")["allowed"] is True
    api.advance(5)
    assert api.decide(ip="10.6.6.6")["reason"] == "allow policy matched"
    api.advance(5)
    assert api.decide(ip="172.16.0.1") == {"allowed": False, "reason": "no allow policy matched", "matched": None,
                                          "ip": "172.16.0.1"}


def test_only_expired_allow_policies_admit_everyone(api):
    freeze_at(api, "2021-01-01T00:00:00+00:00")
    create(api, "10.0.0.0/8", ttl=1)
    assert api.decide(ip="11.0.0.1")["allowed"] is False
    api.advance(1)
    assert api.decide(ip="11.0.0.1")["reason"] == "no allow policy in force"


def test_deleting_and_updating_change_the_decision(api):
    deny = create(api, "10.6.6.6", "deny")
    assert api.decide(ip="10.6.6.6")["allowed"] is False
    api.patch(f"/addresses/{deny['addressId']}", json={"policy": "allow"})
    assert api.decide(ip="10.6.6.6")["reason"] == "allow policy matched"
    api.delete(f"/addresses/{deny['addressId']}")
    assert api.decide(ip="10.6.6.6")["reason"] == "no allow policy in force"


def test_decide_needs_a_valid_ip(api):
    assert api.control("GET", "/decide/b2core", params={"ip": "nope"}).status_code == 400
    assert api.control("GET", "/decide/b2core").status_code == 400
