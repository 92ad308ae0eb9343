"""Every answer the Talend contract suite draws from the emulator (valid data, invalid data, the stateful phase, the
probes) has a status Talend's own document declares for the operation, or one the spec's x-fidelity explains: read
back from the journal of the suite's namespace after a run."""

from __future__ import annotations

import pytest

from allowlist_emulator.contract.runner import run_contract

from . import vendor_artifacts


@pytest.mark.deep  # a whole Talend contract suite, writes included
@pytest.mark.timeout(300)
def test_the_contract_suites_answers_have_the_vendors_statuses(server):
    result = run_contract("talend", server.url, allow_writes=True, max_examples=5, seed=7)
    assert result.ok, result.summary()
    journal = server.emulator.journal.select(result.namespace, vendor="talend")
    explained = vendor_artifacts.explained_statuses("talend")
    seen, problems = 0, []
    for entry in journal:
        found = vendor_artifacts.operation_of("talend", entry.method, entry.path)
        if found is None or entry.operation_id is None or entry.status >= 500:
            continue  # an unknown path or method (404/405), or an injected fault
        operation_id, statuses = found
        seen += 1
        if entry.status not in statuses and entry.status not in explained[operation_id]:
            problems.append(f"{entry.method} {entry.path} → {entry.status} ({operation_id})")
    assert seen > 100, seen
    assert not problems, "\n".join(sorted(set(problems)))
