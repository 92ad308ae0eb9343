"""The contract suite from a user's own pytest session: fixture ``allowlist_contract`` (from the installed plugin),
against the in-process emulator by default and against a deployment given with ``--allowlist-contract-url``."""

from __future__ import annotations

from aiohttp import web

from allowlist_emulator.app import Options, build_app
from allowlist_emulator.contract.pytest_hook import credentials_from_env, parse_targets
from allowlist_emulator.server import EmulatorServer

pytest_plugins = ["pytester"]


def test_fixture_runs_against_an_in_process_emulator(pytester):
    """Wiring only (the whole suites run in tests/test_contract.py): one operation per vendor, one example."""
    pytester.makepyfile(
        """
        def test_hdp_contract(allowlist_contract):
            result = allowlist_contract.check("hdp", max_examples=1, phases=("fuzzing",), seed=1,
                                              operations=["listTenantWhitelists"])
            assert result.emulator and result.allow_writes and not allowlist_contract.is_live("hdp")

        def test_b2core_reads(allowlist_contract):
            result = allowlist_contract.run("b2core", allow_writes=False, max_examples=1, phases=("examples", "fuzzing"), seed=1,
                                            operations=["getAddress"])
            assert result.ok, result.summary()
            assert allowlist_contract.url_for("b2core").endswith("/b2core")
        """
    )
    outcome = pytester.runpytest_subprocess("-p", "no:randomly", "-q")
    outcome.assert_outcomes(passed=2)


@web.middleware
async def _no_control_plane(request, handler):
    if request.path.startswith("/_emulator"):
        raise web.HTTPNotFound()
    return await handler(request)


def test_option_points_the_fixture_at_a_deployment(pytester, tmp_path):
    app = build_app(Options(vendors=("hdp",)))
    app.middlewares.append(_no_control_plane)  # looks like a real deployment
    pytester.makepyfile(
        """
        def test_live_hdp(allowlist_contract):
            assert allowlist_contract.is_live("hdp")
            result = allowlist_contract.check("hdp", phases=("examples", "coverage"), seed=1)
            assert not result.emulator and not result.allow_writes
            assert {op.excluded for op in result.operations.values() if op.excluded} == {"writes need --allow-writes"}

        def test_failing_contract_fails_the_test(allowlist_contract):
            # The system whitelist GET has no documented example: an examples-only run leaves it unexercised.
            allowlist_contract.check("hdp", operations=["getSystemWhitelist"], phases=("examples",))
        """
    )
    with EmulatorServer(app=app) as deployment:
        outcome = pytester.runpytest_subprocess(
            "-p", "no:randomly", "-q", f"--allowlist-contract-url=hdp={deployment.url}",
            "--allowlist-contract-max-examples=2", f"--allowlist-contract-report={tmp_path}")
    outcome.assert_outcomes(passed=1, failed=1)
    outcome.stdout.fnmatch_lines(["*UNTESTED*getSystemWhitelist*", "*FAILED*1 untested*"])
    assert list(tmp_path.glob("contract-hdp-*.xml"))


def test_targets_and_credentials_parsing():
    assert parse_targets(["http://a/", "b2core=http://b/base"]) == {
        "talend": "http://a", "hdp": "http://a", "codearts": "http://a", "b2core": "http://b/base"}
    assert parse_targets(["hdp=http://h,codearts=http://c"]) == {"hdp": "http://h", "codearts": "http://c"}
    creds = credentials_from_env({"ALLOWLIST_CONTRACT_USER": "u", "ALLOWLIST_CONTRACT_PASSWORD": "p"})
    assert (creds.user, creds.password, creds.token) == ("u", "p", None)
