"""The parity suite's plugin (harness.plugin): the target, the consumer fixture, snapshots.

Its modules' asserts are rewritten like the scenarios' so failures explain themselves and the
closing summary counts them."""

import pytest

pytest.register_assert_rewrite("harness")

pytest_plugins = ["harness.plugin", "pytester"]
