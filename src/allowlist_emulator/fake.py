"""Generated seed data (``generate: N`` in a vendor's ``--config`` section), made with Faker.

The entries come from the namespace's random generator, so ``--seed`` makes them the same on every run. Faker is
imported only when something is generated; ``serve`` without ``generate`` never pays for it.
"""

from __future__ import annotations

import random


def fake_entries(rng: random.Random, count: int, ipv6_share: float = 0.1) -> list[tuple[str, str]]:
    """``count`` distinct (public address, description) pairs, about ``ipv6_share`` of them IPv6."""
    from .extras import require

    require("faker", "generate: N in --config")
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(rng.getrandbits(64))
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    while len(out) < count:
        address = fake.ipv6() if rng.random() < ipv6_share else fake.ipv4_public()
        if address in seen:
            continue
        seen.add(address)
        out.append((address, f"{fake.company()} ({fake.city()})"[:100]))
    return out


def generated_config(config: dict, rng: random.Random, place) -> dict:
    """The vendor config with ``generate: N`` turned into N seed entries by the vendor's ``place`` function."""
    count = config.get("generate")
    if not count:
        return config
    if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= 1_000_000:
        raise ValueError(f"generate: {count!r} is not a whole number from 1 to 1000000")
    return place({k: v for k, v in config.items() if k != "generate"}, fake_entries(rng, count))
