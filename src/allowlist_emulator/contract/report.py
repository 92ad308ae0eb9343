"""JUnit XML for CI: one ``<testsuite>`` per run, one ``<testcase>`` per operation, one ``<failure>`` per failing
check (its ``type`` is the check name), ``<skipped>`` for operations left out, and an extra ``<testcase>`` for
run-level errors and for the restore step."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .runner import Result


def junit_tree(result: "Result") -> ET.ElementTree:
    suite = ET.Element("testsuite", {
        "name": f"allowlist-emulator contract {result.vendor}",
        "time": f"{result.elapsed:.3f}",
    })
    props = ET.SubElement(suite, "properties")
    for name, value in (("base_url", result.base_url), ("emulator", str(result.emulator).lower()),
                        ("namespace", result.namespace or ""), ("seed", str(result.seed)),
                        ("allow_writes", str(result.allow_writes).lower()), ("phases", ",".join(result.phases))):
        ET.SubElement(props, "property", {"name": name, "value": value})
    tests = failures = errors = skipped = 0
    classname = f"contract.{result.vendor}"
    for op in result.operations.values():
        tests += 1
        case = ET.SubElement(suite, "testcase", {"classname": classname, "name": f"{op.operation_id} ({op.label})"})
        if op.excluded:
            skipped += 1
            ET.SubElement(case, "skipped", {"message": op.excluded})
        elif op.failures:
            failures += 1
            for failure in op.failures:
                node = ET.SubElement(case, "failure", {"type": failure.check, "message": f"{failure.title}: {failure.message}"[:1000]})
                node.text = "\n".join(filter(None, [f"phase: {failure.phase}", failure.message, failure.reproduce]))
        elif not op.cases:
            failures += 1
            ET.SubElement(case, "failure", {"type": "untested", "message": "the run sent no request to this operation"})
        statuses = ", ".join(f"{code}x{n}" for code, n in sorted(op.statuses.items()))
        ET.SubElement(case, "system-out").text = f"{op.cases} requests; statuses {statuses or '-'}; phases {', '.join(sorted(op.phases)) or '-'}"
    if result.errors or result.interrupted:
        tests += 1
        errors += 1
        case = ET.SubElement(suite, "testcase", {"classname": classname, "name": "run"})
        message = "interrupted" if result.interrupted and not result.errors else result.errors[0]
        ET.SubElement(case, "error", {"message": message[:1000]}).text = "\n".join(result.errors)
    if result.restore is not None:
        tests += 1
        case = ET.SubElement(suite, "testcase", {"classname": classname, "name": "restore"})
        if not result.restore.ok:
            failures += 1
            ET.SubElement(case, "failure", {"type": "restore", "message": result.restore.problems[0][:1000]}).text = "\n".join(result.restore.problems)
        ET.SubElement(case, "system-out").text = "restored: " + (", ".join(result.restore.restored) or "nothing was written")
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suites = ET.Element("testsuites", {"tests": str(tests), "failures": str(failures), "errors": str(errors)})
    suites.append(suite)
    return ET.ElementTree(suites)


def write_junit(result: "Result", path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = junit_tree(result)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
