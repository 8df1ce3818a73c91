"""The pytest plugin (entry point ``pytest11``): fixtures for testing against the emulator.

- ``ccai_emulator`` (session): a running :class:`~ccai_emulator.Emulator`, started from the
  binary (``$CCAI_EMULATOR_BIN``, ``PATH`` or ``cargo build``) on a free port and stopped at
  the end, or the one at ``$CCAI_EMULATOR_URL``.
- ``ccai_tenant`` (function): a :class:`~ccai_emulator.TestTenant` of the test's own, with
  its webhook pointed at a per-test receiver that verifies signatures with a random secret.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .launcher import Emulator, start_emulator
from .testing import TestTenant


@pytest.fixture(scope="session")
def ccai_emulator() -> Iterator[Emulator]:
    """The emulator for the whole session (started once, stopped at the end)."""
    emulator = start_emulator()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def ccai_tenant(ccai_emulator: Emulator, request: pytest.FixtureRequest) -> Iterator[TestTenant]:
    """A fresh tenant named after the test, with a verified webhook receiver of its own."""
    tenant = TestTenant(ccai_emulator, request.node.name)
    try:
        yield tenant
    finally:
        tenant.close()
