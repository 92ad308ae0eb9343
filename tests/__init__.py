"""The test suite. Helpers shared by several test files live in the ``*support.py`` modules, never in a test file."""

import pytest

# The helpers assert too: their failures read as the tests' own do (pytest rewrites test files' asserts by itself).
pytest.register_assert_rewrite(
    "tests.support", "tests.b2core_support", "tests.codearts_support", "tests.hdp_support", "tests.talend_support",
    "tests.namespace_support", "tests.reliability_support",
)
