"""The shared address library: parsing edge cases and the interval index (against a brute-force oracle)."""

import ipaddress
import random

import pytest

from allowlist_emulator.addresses import (
    AddressError,
    Block,
    IntervalIndex,
    address_sort_key,
    normalise_client,
    parse_address,
    parse_address_or_cidr,
    parse_block,
    parse_cidr,
    parse_range,
)


@pytest.mark.parametrize("text", ["0.0.0.0", "255.255.255.255", "::", "::1", "2001:db8::1", "::ffff:10.0.0.1", "1.2.3.4"])
def test_valid_addresses_parse(text):
    assert str(parse_address(text)) == str(ipaddress.ip_address(text))


@pytest.mark.parametrize(
    "text",
    ["", " 10.0.0.1", "10.0.0.1 ", "10.0.0.256", "10.0.0", "abc", "10.0.0.1/32", "fe80::1%eth0", "1.2.3.04", None, 17, "::g"],
)
def test_invalid_addresses_are_refused(text):
    with pytest.raises(AddressError) as err:
        parse_address(text)
    assert err.value.kind == "invalid"


def _oracle(text):
    """What ``ipaddress`` alone makes of a text: (family, integer), or None when it refuses it."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return 4, int(address.ipv4_mapped)
    return address.version, int(address)


def test_the_dotted_quad_shortcut_reads_every_text_as_ipaddress_does():
    """parse_block skips the address object for dotted quads (the HDP write path): it must accept and refuse exactly
    what ipaddress does, on near misses too: leading zeros, 256, non-ASCII digits, a trailing newline, 3 or 5 parts."""
    rng = random.Random(8)
    parts = ["0", "1", "9", "10", "99", "100", "199", "249", "250", "255", "256", "300", "00", "01", "010", "1000", "", "٣", "１", " 1", "1\n", "-1", "+1"]
    texts = [".".join(rng.choice(parts) for _ in range(rng.choice((3, 4, 4, 4, 5)))) for _ in range(5000)]
    texts += [f"{a}.{b}.{c}.{d}" for a, b, c, d in (rng.choices(range(256), k=4) for _ in range(2000))]
    texts += ["1.2.3.4\n", "::ffff:1.2.3.4", "1.2.3.4.", ".1.2.3.4", "1..2.3"]
    for text in texts:
        expected = _oracle(text)
        if expected is None:
            with pytest.raises(AddressError):
                parse_block(text)
        else:
            block = parse_block(text)
            assert (block.version, block.first) == expected and block.first == block.last, text


def test_ipv4_mapped_ipv6_counts_as_ipv4():
    block = parse_range("::ffff:10.0.0.1", "10.0.0.5")
    assert block == Block(4, int(ipaddress.IPv4Address("10.0.0.1")), int(ipaddress.IPv4Address("10.0.0.5")))
    assert ipaddress.ip_address("10.0.0.3") in block
    assert ipaddress.ip_address("::ffff:10.0.0.3") in block
    assert normalise_client("::ffff:127.0.0.1") == ipaddress.IPv4Address("127.0.0.1")


def test_range_rules():
    assert parse_range("10.0.0.1").size == 1
    assert parse_range("10.0.0.1", "10.0.0.1").size == 1
    assert parse_range("0.0.0.0", "255.255.255.255").size == 2**32
    with pytest.raises(AddressError) as reversed_:
        parse_range("10.0.0.9", "10.0.0.1")
    assert reversed_.value.kind == "reversed"
    with pytest.raises(AddressError) as mixed:
        parse_range("10.0.0.1", "2001:db8::1")
    assert mixed.value.kind == "mixed_family"
    with pytest.raises(AddressError) as bad_end:
        parse_range("10.0.0.1", "10.0.0.x")
    assert bad_end.value.kind == "invalid"


def test_cidr_rules():
    block = parse_cidr("10.0.0.0/24")
    assert (block.start, block.end) == (ipaddress.ip_address("10.0.0.0"), ipaddress.ip_address("10.0.0.255"))
    assert parse_cidr("0.0.0.0/0").size == 2**32
    assert parse_cidr("2001:db8::/32").version == 6
    with pytest.raises(AddressError) as host_bits:
        parse_cidr("10.0.0.1/24")
    assert host_bits.value.kind == "host_bits"
    assert parse_cidr("10.0.0.1/24", strict=False).first == int(ipaddress.ip_address("10.0.0.0"))
    with pytest.raises(AddressError) as v6:
        parse_cidr("2001:db8::/32", ipv6=False)
    assert v6.value.kind == "ipv6_cidr"
    for bad in ("10.0.0.0/33", "10.0.0.0/", "/24", "10.0.0.0/24 ", "10.0.0.0/-1"):
        with pytest.raises(AddressError):
            parse_cidr(bad)
    assert parse_address_or_cidr("10.0.0.7").size == 1
    assert parse_address_or_cidr("10.0.0.0/30").size == 4


def test_sort_key_is_numeric_with_ipv4_first():
    texts = ["10.0.0.1", "9.0.0.1", "2001:db8::1", "::1", "10.0.0.0/8", "1.1.1.1"]
    assert sorted(texts, key=address_sort_key) == ["1.1.1.1", "9.0.0.1", "10.0.0.0/8", "10.0.0.1", "::1", "2001:db8::1"]


def test_index_finds_the_containing_block_even_when_blocks_overlap():
    index: IntervalIndex[str] = IntervalIndex()
    index.add(parse_cidr("10.0.0.0/8"), "wide")
    index.add(parse_range("10.1.0.0", "10.1.0.9"), "narrow")
    index.add(parse_range("11.0.0.0", "11.0.0.0"), "single")
    index.add(parse_cidr("2001:db8::/32"), "v6")
    assert index.find(ipaddress.ip_address("10.200.0.1"))[1] == "wide"
    assert index.find(ipaddress.ip_address("10.1.0.5")) is not None
    assert index.find(ipaddress.ip_address("11.0.0.0"))[1] == "single"
    assert index.find(ipaddress.ip_address("11.0.0.1")) is None
    assert index.find(ipaddress.ip_address("9.255.255.255")) is None
    assert index.find(ipaddress.ip_address("2001:db8::5"))[1] == "v6"
    assert index.find(ipaddress.ip_address("2001:db9::")) is None
    # IPv6 clients never match IPv4 blocks and the other way round
    assert index.find(ipaddress.ip_address("::a00:1")) is None


def test_index_removal_takes_effect():
    index: IntervalIndex[str] = IntervalIndex()
    handle = index.add(parse_cidr("10.0.0.0/8"), "wide")
    assert ipaddress.ip_address("10.0.0.1") in index
    index.remove(handle)
    assert ipaddress.ip_address("10.0.0.1") not in index
    assert len(index) == 0


def test_index_agrees_with_a_linear_scan_on_random_overlapping_ranges():
    rng = random.Random(7)
    blocks = []
    for _ in range(400):
        start = rng.randrange(0, 10_000)
        blocks.append(Block(4, start, start + rng.choice([0, 1, 5, 50, 500, 3000])))
    index = IntervalIndex((block, i) for i, block in enumerate(blocks))
    for probe in range(0, 14_000, 7):
        address = ipaddress.IPv4Address(probe)
        expected = any(b.first <= probe <= b.last for b in blocks)
        found = index.find(address)
        assert (found is not None) == expected, probe
        if found is not None:
            assert found[0].first <= probe <= found[0].last
