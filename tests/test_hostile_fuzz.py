"""Fuzz: at least 5,000 hostile requests (4 vendors × 1,300 hypothesis examples, derandomized so CI is repeatable).

Each example picks an operation of the vendor's spec and a hostile mutation that is *guaranteed* invalid: random bytes
as the body (behind a byte no JSON text starts with, or in a content type no vendor reads), JSON of the wrong
top-level type, JSON whose field has the wrong type, or absurd path and query values (ids that cannot exist or cannot
parse, with an invalid body on writes). Sent with valid credentials over one keep-alive session. Every answer must be
below 500, in the vendor's error shape when it is an error, and every write must be refused; afterwards the
namespace's state must equal its snapshot from before the fuzz (seeded entries included).
"""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allowlist_emulator.engine.spec import Operation, vendor_spec

from .reliability_support import VENDORS, Vendor, concrete_path, error_shape, path_schemas, stored_ids

EXAMPLES = int(__import__("os").environ.get("FUZZ_EXAMPLES", "1300"))  # per vendor: 4 × 1,300 = 5,200 requests
MINIMUM = 1_250  # per vendor, asserted: 4 × 1,250 = 5,000
SENT: dict[str, int] = {}

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
                    max_leaves=12)
HDP_USERS = {"d2cadmin", "orgadmin", "user1", "viewer"}
NO_SUCH_USER = TEXT.filter(lambda t: t.strip().lower() not in HDP_USERS)

# a value of every JSON type but the ones a schema allows
NOT = {
    "string": st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), st.lists(SCALARS, max_size=3),
                        st.dictionaries(TEXT, SCALARS, max_size=3)),
    "integer": st.one_of(TEXT, st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != int(f)), st.booleans(),
                         st.none(), st.lists(SCALARS, max_size=3), st.dictionaries(TEXT, SCALARS, max_size=3)),
    "boolean": st.one_of(TEXT, st.integers(), st.none(), st.lists(SCALARS, max_size=3), st.dictionaries(TEXT, SCALARS, max_size=3)),
    "array": st.one_of(TEXT, st.integers(), st.booleans(), st.dictionaries(TEXT, SCALARS, max_size=3)),
    "object": st.one_of(TEXT, st.integers(), st.booleans(), st.none(), st.lists(SCALARS, max_size=3)),
}


def _typed(schema: dict) -> tuple[str, ...]:
    types = schema.get("type")
    return tuple(types) if isinstance(types, list) else (types,) if types else ()


def _wrong(schema: dict) -> st.SearchStrategy:
    return _wrong_cached(json.dumps(schema, sort_keys=True))


@lru_cache(maxsize=None)  # built once: hypothesis analyses every new filter's lambda (ast.parse), which is slow
def _wrong_cached(key: str) -> st.SearchStrategy:
    """A value of none of the schema's types."""
    schema = json.loads(key)
    allowed = set(_typed(schema))
    choices = [NOT[t] for t in allowed if t in NOT]
    assert choices, schema
    return st.one_of(*choices).filter(lambda v: _json_type(v) not in allowed)


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"  # (json.dumps writes inf as Infinity: not JSON at all)
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@st.composite
def wrong_field_body(draw, op: Operation) -> bytes:
    """A JSON body with the right top-level type and one declared field of the wrong type, plus random others."""
    schema = op.body.schema
    item_schema = schema.get("items", {}) if schema.get("type") == "array" else schema
    props = {name: sub for name, sub in item_schema.get("properties", {}).items() if _typed(sub)}
    name = draw(st.sampled_from(sorted(props)))
    item = draw(st.dictionaries(st.sampled_from(sorted(item_schema.get("properties", {}))), JSON, max_size=3))
    item[name] = draw(_wrong(props[name]))
    body = [item] + draw(st.lists(st.dictionaries(TEXT, JSON, max_size=2), max_size=2)) if schema.get("type") == "array" else item
    return json.dumps(body).encode()


@st.composite
def wrong_top_level_body(draw, op: Operation) -> bytes:
    return json.dumps(draw(_wrong(op.body.schema))).encode()


@st.composite
def random_bytes_body(draw) -> tuple[bytes, str]:
    raw = draw(st.binary(min_size=0, max_size=200))
    kind = draw(st.sampled_from(["lt", "ff", "xml", "form", "octet"]))
    if kind == "lt":
        return b"<" + raw, "application/json"  # no JSON text starts with <
    if kind == "ff":
        return b"\xff" + raw, "application/json"  # never UTF-8
    content_type = {"xml": "application/xml", "form": "multipart/form-data; boundary=x", "octet": "application/octet-stream"}[kind]
    return b"x" + raw, content_type  # non-empty, in a content type no vendor reads


def _invalid_path_value(schema: dict) -> st.SearchStrategy:
    return _invalid_path_value_cached(json.dumps(schema, sort_keys=True))


@lru_cache(maxsize=None)
def _invalid_path_value_cached(key: str) -> st.SearchStrategy:
    """A path value that cannot parse, is out of range, or cannot name an existing entry."""
    schema = json.loads(key)
    if schema.get("type") == "integer":
        not_int = TEXT.filter(lambda t: not t.strip().lstrip("-").isdigit() or len(t) > 30)
        out_of_range = st.one_of(st.integers(max_value=schema["minimum"] - 1), st.integers(min_value=schema["maximum"] + 1)) \
            if "minimum" in schema and "maximum" in schema else st.integers(min_value=10**31, max_value=10**40)
        return st.one_of(not_int, out_of_range.map(str), st.just("9" * 31))
    if schema.get("pattern"):  # B2Core addressId: not 24 hex, or 24 hex that no entry has (ids come from the clock)
        return st.one_of(TEXT.filter(lambda t: len(t) != 24), st.just("f" * 24), st.just("0" * 24))
    return st.one_of(TEXT.filter(lambda t: len(t) != 36), st.just("00000000-0000-4000-8000-000000000000"))  # Talend uuids


def _fill(op: Operation, values: dict[str, str]) -> str:
    return concrete_path(op, **{k: quote(v, safe="") or "%20" for k, v in values.items()})


def _fuzz(server, vendor: str) -> None:
    v = Vendor(vendor, server, f"fuzz-{vendor}")
    v.seed()
    before = v.snapshot()
    ids = stored_ids(v)
    # a DELETE with neither a path nor a query parameter (Talend's DELETE of the whole policy) has nothing hostile to
    # carry: whatever is sent, it is a valid delete. Every other operation is fuzzed.
    operations = [op for op in vendor_spec(vendor).operations
                  if op.method != "DELETE" or op.path_params or any(p.name == "user" for p in op.query_params)]
    sent = 0
    failures: list[str] = []
    statuses: Counter = Counter()
    previous = ["(none)"]  # the request before, named in a failure: one keep-alive connection carries them all

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        nonlocal sent
        op = data.draw(st.sampled_from(operations))
        kinds = ["bytes", "top", "field", "path", "query"] if op.body is not None else ["path", "query"]
        if not op.path_params:
            kinds.remove("path")
        if op.method == "DELETE" and not any(p.name == "user" for p in op.query_params):
            kinds = ["path"]  # a DELETE of a real id with only an odd (or ignored, as Talend's talendVersion) query is a valid delete
        kind = data.draw(st.sampled_from(kinds))
        path, query, content_type = concrete_path(op, **ids), "", "application/json"
        body = b'"not an object"' if op.body is not None else None  # an invalid body for writes unless replaced below
        if kind == "bytes":
            body, content_type = data.draw(random_bytes_body())
        elif kind == "top":
            body = data.draw(wrong_top_level_body(op))
        elif kind == "field":
            body = data.draw(wrong_field_body(op))
        elif kind == "path":
            schemas = path_schemas(op)
            name = data.draw(st.sampled_from(sorted(schemas)))
            path = _fill(op, {**ids, name: data.draw(_invalid_path_value(schemas[name]))})
        else:
            pairs = data.draw(st.lists(st.tuples(st.one_of(st.sampled_from([p.name for p in op.query_params] or ["x"]),
                                                           st.sampled_from(["limit", "offset", "filter[ip]", "filter[nope]", "user"]),
                                                           TEXT),
                                                 st.one_of(TEXT, st.integers(-(10**30), 10**30).map(str))),
                                       min_size=1, max_size=4))
            if op.method == "DELETE":  # HDP's ?user= names whose whitelist goes: only names no user has
                user = data.draw(NO_SUCH_USER)
                pairs = [(k, val) for k, val in pairs if k != "user"] + [("user", user)]
            query = "?" + urlencode(pairs)
        response = v.session.request(op.method, v.base + path + query, data=body,
                                     headers={**v.headers_for(op), "Content-Type": content_type}, timeout=60)
        sent += 1
        status = response.status_code
        statuses[status] += 1
        where = f"{kind} {op.method} {path[:80]}{query[:80]} body={body[:80] if body else body!r} → {status} (after {previous[0]})"
        previous[0] = where.split(" (after ")[0]
        if status >= 500:
            failures.append(f"{where}: {response.text[:200]}")
        elif op.method not in ("GET", "DELETE") and status < 400:  # (Talend deletes an unknown id with 204: idempotent)
            failures.append(f"{where}: a hostile write was accepted")
        elif status >= 400 and not (status == 400 and len(path) + len(query) > 8000):
            try:
                error_shape(vendor, response)
            except (AssertionError, KeyError, ValueError) as exc:
                failures.append(f"{where}: not the vendor's error shape ({exc})")

    run()
    SENT[vendor] = sent
    v.alive()
    assert not failures, f"{len(failures)} of {sent} fuzzed requests misbehaved:\n" + "\n".join(failures[:20])
    assert v.snapshot() == before, "a fuzzed request changed the stored state"
    assert sent >= MINIMUM, f"only {sent} requests were sent ({MINIMUM} per vendor, 5,000 in all, are required)"
    # the credentials held throughout, so every request reached validation (not just the auth check)
    assert statuses[401] == 0 and statuses[400] > sent // 4, statuses


@pytest.mark.deep  # fuzzing: 5,000 requests
@pytest.mark.parametrize("vendor", VENDORS)
def test_fuzz_never_500_never_stores(server, vendor):
    _fuzz(server, vendor)


def test_the_fuzz_adds_up_to_5000_requests():
    assert len(VENDORS) * MINIMUM >= 5_000 and EXAMPLES >= MINIMUM
