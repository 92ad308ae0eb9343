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


def _oracle(policies, address, now):
    """The decision by a plain scan of every policy: the rule as written in the spec's x-fidelity."""
    from allowlist_emulator.vendors.b2core.models import _specificity

    live = [p for p in policies if not p.expired(now)]
    best = {}
    for p in live:
        if address in p.block and (p.policy not in best or _specificity(p) < _specificity(best[p.policy])):
            best[p.policy] = p
    if "deny" in best:
        return False, best["deny"]
    if "allow" in best:
        return True, best["allow"]
    return not any(p.policy == "allow" for p in live), None


def test_the_policy_index_decides_as_a_scan_of_every_policy_would():
    """The index answers from one lookup per prefix length; on random nested and repeated CIDR blocks, IPv4, IPv6 and
    IPv4-mapped clients, with TTLs expiring around the asked time, it must name the same policy as a full scan."""
    import ipaddress
    import random

    from allowlist_emulator.addresses import parse_address_or_cidr
    from allowlist_emulator.vendors.b2core.models import Policy, PolicyIndex

    rng = random.Random(5)
    for trial in range(40):
        policies = []
        for n in range(rng.randrange(1, 60)):
            if rng.random() < 0.75:
                prefix = rng.choice((8, 16, 24, 28, 30, 32, 32))
                net = ipaddress.ip_network((rng.choice((0x0A000000, 0x0A010000, 0x0A010100)) + rng.randrange(4), prefix), strict=False)
            else:
                prefix = rng.choice((32, 64, 120, 128))
                net = ipaddress.ip_network(((0x20010DB8 << 96) + rng.randrange(300), prefix), strict=False)
            text = str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)
            created = rng.randrange(100)
            policies.append(Policy(f"{n:024x}", text, parse_address_or_cidr(text), rng.choice(("allow", "allow", "deny")),
                                   rng.choice((0, 0, 10, 50)), created, created + rng.randrange(3)))
        index = PolicyIndex(policies)
        for probe in range(60):
            if rng.random() < 0.8:
                address = ipaddress.IPv4Address(rng.choice((0x0A000000, 0x0A010000, 0x0A010100, 0x0B000000)) + rng.randrange(6))
                if rng.random() < 0.2:
                    address = ipaddress.IPv6Address("::ffff:" + str(address))
            else:
                address = ipaddress.IPv6Address((0x20010DB8 << 96) + rng.randrange(300))
            now = rng.randrange(0, 160)
            allowed, matched = _oracle(policies, address, now)
            found = index.most_specific(address, now)
            got = found.get("deny") or found.get("allow")
            assert got is matched, (trial, probe, str(address), now)
            assert (("deny" not in found) and ("allow" in found or index.allow_until <= now)) is allowed
