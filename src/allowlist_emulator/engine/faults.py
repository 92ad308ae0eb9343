"""Fault rules, in WireMock's vocabulary: latency (fixed or log-normal), an error status in the vendor's own body,
a dropped connection. Per vendor and operation, with a probability, seeded, scoped to the namespace that set them.

The hot path checks one attribute (``Faults.rules`` is empty) and pays nothing more when no rule is set.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class FaultRule:
    id: str
    namespace: str
    vendor: str | None = None
    operationId: str | None = None
    probability: float = 1.0
    status: int | None = None  # answer with this status in the vendor's error shape
    message: str | None = None
    latencyMs: float | None = None  # fixed delay
    lognormal: dict | None = None  # {"medianMs": m, "sigma": s}
    drop: bool = False  # close the connection without answering
    times: int | None = None  # fire at most this many times, then the rule is gone
    fired: int = field(default=0)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def delay_seconds(self, rng: random.Random) -> float:
        delay = (self.latencyMs or 0.0) / 1000.0
        if self.lognormal:
            median = float(self.lognormal.get("medianMs", 0.0))
            sigma = float(self.lognormal.get("sigma", 0.1))
            if median > 0:
                delay += rng.lognormvariate(math.log(median), sigma) / 1000.0
        return delay


_FIELDS = {"vendor", "operationId", "probability", "status", "message", "latencyMs", "lognormal", "drop", "times"}


def resolve_operation(vendors: dict, name: str, vendor: str | None = None) -> str | None:
    """The operationId ``name`` means for ``vendor`` (or any served vendor): a spec's own name wins; else a name the
    vendor used before (``Vendor.operation_aliases``) gives the current one. None: no served vendor knows it."""
    candidates = [vendors[vendor]] if vendor in vendors else list(vendors.values())
    for v in candidates:
        if name in v.spec.by_id:
            return name
    for v in candidates:
        renamed = v.operation_aliases.get(name)
        if renamed is not None:
            return renamed
    return None


def parse_rule(data: Any, namespace: str, rule_id: str, vendors: dict) -> FaultRule:
    """A rule from JSON; ValueError names the field and the problem."""
    if not isinstance(data, dict):
        raise ValueError("body: a fault rule must be a JSON object")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field (known: {', '.join(sorted(_FIELDS))})")
    rule = FaultRule(id=rule_id, namespace=namespace)
    vendor = data.get("vendor")
    if vendor is not None and vendor not in vendors:
        raise ValueError(f"vendor: {vendor!r} is not served (served: {', '.join(vendors)})")
    rule.vendor = vendor
    op = data.get("operationId")
    if op is not None:
        resolved = resolve_operation(vendors, op, vendor)
        if resolved is None:
            raise ValueError(f"operationId: {op!r} is not an operation of {vendor or 'any served vendor'}")
        rule.operationId = resolved
    probability = data.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 <= probability <= 1:
        raise ValueError("probability: must be a number from 0 to 1")
    rule.probability = float(probability)
    status = data.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599):
        raise ValueError("status: must be an integer from 400 to 599")
    rule.status = status
    message = data.get("message")
    if message is not None and not isinstance(message, str):
        raise ValueError("message: must be a string")
    rule.message = message
    latency = data.get("latencyMs")
    if latency is not None and (isinstance(latency, bool) or not isinstance(latency, (int, float)) or not 0 <= latency <= 60_000):
        raise ValueError("latencyMs: must be a number from 0 to 60000")
    rule.latencyMs = latency
    lognormal = data.get("lognormal")
    if lognormal is not None:
        if not isinstance(lognormal, dict) or set(lognormal) - {"medianMs", "sigma"}:
            raise ValueError("lognormal: must be an object {medianMs, sigma}")
        median, sigma = lognormal.get("medianMs", 0), lognormal.get("sigma", 0.1)
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (median, sigma)) or not (0 <= median <= 60_000 and 0 <= sigma <= 5):
            raise ValueError("lognormal: medianMs must be 0..60000 and sigma 0..5")
    rule.lognormal = lognormal
    drop = data.get("drop", False)
    if not isinstance(drop, bool):
        raise ValueError("drop: must be true or false")
    rule.drop = drop
    times = data.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ValueError("times: must be a positive integer")
    rule.times = times
    if not (rule.status or rule.drop or rule.latencyMs or rule.lognormal):
        raise ValueError("body: a fault rule needs at least one of status, drop, latencyMs, lognormal")
    return rule


MAX_FAULTS = 1000  # rules one namespace may hold (serve --max-faults)


class TooManyFaults(ValueError):
    pass


class Faults:
    """Every namespace's rules. ``rules`` is all of them (empty: the hot path looks no further); ``pick`` reads only
    the requesting namespace's own list, so rules set by other namespaces cost a request nothing."""

    def __init__(self, seed: int | None = None, max_per_namespace: int = MAX_FAULTS):
        self.rules: list[FaultRule] = []
        self.by_namespace: dict[str, list[FaultRule]] = {}
        self.max_per_namespace = max_per_namespace
        self.rng = random.Random(seed)
        self._ids = itertools.count(1)

    def add(self, data: Any, namespace: str, vendors: dict) -> FaultRule:
        held = self.by_namespace.get(namespace, ())
        if len(held) >= self.max_per_namespace:
            raise TooManyFaults(f"faults: the namespace {namespace!r} holds {self.max_per_namespace} rules, its limit; "
                                "delete some (DELETE /_emulator/faults) or raise serve --max-faults")
        rule = parse_rule(data, namespace, f"f{next(self._ids)}", vendors)
        self.rules.append(rule)
        self.by_namespace.setdefault(namespace, []).append(rule)
        return rule

    def of(self, namespace: str) -> list[FaultRule]:
        return list(self.by_namespace.get(namespace, ()))

    def clear(self) -> None:
        self.rules.clear()
        self.by_namespace.clear()

    def remove(self, namespace: str, rule_id: str | None = None) -> int:
        held = self.by_namespace.get(namespace)
        if not held:
            return 0
        kept = [r for r in held if rule_id is not None and r.id != rule_id]
        removed = len(held) - len(kept)
        if removed:
            if kept:
                self.by_namespace[namespace] = kept
            else:
                del self.by_namespace[namespace]
            self.rules = [r for r in self.rules if not (r.namespace == namespace and (rule_id is None or r.id == rule_id))]
        return removed

    def pick(self, vendor: str, operation_id: str | None, namespace: str) -> list[FaultRule]:
        held = self.by_namespace.get(namespace)
        if not held:
            return []
        fired = []
        for rule in held:
            if rule.vendor and rule.vendor != vendor:
                continue
            if rule.operationId and rule.operationId != operation_id:
                continue
            if rule.probability < 1.0 and self.rng.random() >= rule.probability:
                continue
            rule.fired += 1
            fired.append(rule)
        if any(r.times is not None and r.fired >= r.times for r in fired):
            spent = {r.id for r in fired if r.times is not None and r.fired >= r.times}
            for rule_id in spent:
                self.remove(namespace, rule_id)
        return fired
