"""The example of docs/client-test-suites.md (examples/test_client_example.py) runs and passes, as a user runs it."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = ("pytester",)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "test_client_example.py"
DOC = Path(__file__).resolve().parents[1] / "docs" / "client-test-suites.md"


def test_the_documented_example_passes(pytester):
    pytester.makepyfile(test_client_example=EXAMPLE.read_text(encoding="utf-8"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest",
                                           "-p", "no:faker", "-p", "no:anyio", "-q")
    result.assert_outcomes(passed=6)


def test_the_doc_shows_the_example_as_it_is():
    """The guide quotes the example file verbatim, so the text a reader copies is the text that is tested."""
    assert EXAMPLE.read_text(encoding="utf-8").strip() in DOC.read_text(encoding="utf-8")
