"""The specs' OpenAPI links let the stateful phase reach every write: each write that acts on something that exists
(every one but a create) is the target of a link, and a write that names entries in its body (Talend's bulk
``PUT .../ips``, both path families) gets their ids from the link."""

from __future__ import annotations

import copy

import pytest

from allowlist_emulator.contract.choices import vendors
from allowlist_emulator.engine.spec import vendor_spec


def _links(spec):
    for op in spec.operations:
        for code, response in (op.raw.get("responses") or {}).items():
            for name, link in (response.get("links") or {}).items():
                yield op, code, name, link


@pytest.mark.parametrize("vendor", vendors())
def test_every_write_but_a_create_is_the_target_of_a_link(vendor):
    spec = vendor_spec(vendor)
    targets = {link.get("operationId") for _, _, _, link in _links(spec)}
    unreached = [op.operation_id for op in spec.operations if op.method in ("PUT", "PATCH", "DELETE")
                 and op.operation_id not in targets]
    assert not unreached, f"specs/{vendor}.yaml: no link leads to {unreached}"


def test_a_bulk_update_by_entry_id_gets_the_created_entry_s_id():
    bulk = [(op, link) for vendor in vendors() for op, _, _, link in _links(vendor_spec(vendor))
            if isinstance(link.get("requestBody"), list)]
    targets = {link["operationId"] for _, link in bulk}
    spec = vendor_spec("talend")
    bulk_updates = {op.operation_id for op in spec.operations if op.method == "PUT" and op.path.endswith("/ips")}
    assert len(bulk_updates) == 2 and bulk_updates <= targets, (bulk_updates, targets)
    for op, link in bulk:
        assert link["requestBody"] == [{"id": "$response.body#/0/id"}], (op.operation_id, link)


def test_schemathesis_loads_the_bulk_update_links():
    import schemathesis

    spec = vendor_spec("talend")
    schema = schemathesis.openapi.from_dict(copy.deepcopy(spec.document))
    transitions = schema.as_state_machine()._transitions.operations
    for path in ("/security/ip-allowlist/ips", "/v1/management/ip-allowlist/ips"):
        incoming = [link.full_name for link in transitions[f"PUT {path}"].incoming]
        assert f"POST {path} -> [201] UpdateIps -> PUT {path}" in incoming, incoming
