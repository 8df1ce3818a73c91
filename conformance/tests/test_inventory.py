"""The suite's files agree with each other: every scenario has its snapshot (an awaited one
may have none until its feature lands), every snapshot belongs to a scenario and names it,
and docs/parity.md is what `python conformance/parity.py` would write."""

from __future__ import annotations

from harness import snapshots
from harness.parity_table import PARITY_MD, SNAPSHOTS, render, scenarios


def test_every_scenario_has_a_snapshot_and_every_snapshot_a_scenario() -> None:
    found = scenarios()
    assert len(found) >= 30, "the scenarios were not found"
    missing = [s.id for s in found if s.snapshot is None and not s.awaiting]
    assert not missing, f"scenarios without a snapshot (run with --snapshot-update): {missing}"
    ids = {s.id for s in found}
    orphans = sorted(
        str(path.relative_to(SNAPSHOTS))
        for path in SNAPSHOTS.rglob("*.json")
        if str(path.relative_to(SNAPSHOTS)).removesuffix(".json") not in ids
    )
    assert not orphans, f"snapshots whose scenario is gone (delete them): {orphans}"
    for scenario in found:
        if scenario.snapshot is not None:
            assert scenario.snapshot["scenario"] == scenario.id, scenario.id
            assert snapshots.validate(scenario.snapshot) == [], scenario.id


def test_docs_parity_md_is_current() -> None:
    assert PARITY_MD.exists(), "docs/parity.md is missing: run python conformance/parity.py"
    assert PARITY_MD.read_text() == render(), "docs/parity.md is stale: run python conformance/parity.py"
