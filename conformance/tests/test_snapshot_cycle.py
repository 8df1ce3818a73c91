"""The snapshot cycle end to end, with a scenario of its own in a scratch folder (pytester),
against the real emulator: no snapshot fails; ``--snapshot-update`` records one; a run
matches it; a tenant reference that differs fails with a readable diff; a known gap covering
the difference turns it into an xfail, and fails once the gap is gone; the emulator never
overwrites a tenant reference; a webhook whose signature does not verify fails the scenario.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[1]

SCENARIO = '''
import pytest

{marker}
def test_a_chat_is_opened(consumer):
    """Upsert, open a chat, its chat_created."""
    user = consumer.upsert_end_user("tiny")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.expect_webhooks("chat_created", chat["id"])
'''

BAD_SIGNATURE = """
import pytest

@pytest.mark.emulator_only("injects a webhook fault")
def test_a_chat_whose_webhook_is_badly_signed(consumer):
    consumer.admin.set_webhook_faults(consumer.subdomain, {fault})
    user = consumer.upsert_end_user("tiny")
    chat = consumer.apps.create_chat(user["id"])
    consumer.expect_webhooks("chat_created", chat["id"])
"""


@pytest.fixture
def scratch(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(CONFORMANCE))
    monkeypatch.delenv("CCAI_TARGET", raising=False)
    pytester.makeini("[pytest]\ntestpaths = scenarios\nenable_assertion_pass_hook = true\nxfail_strict = true\n")
    pytester.makeconftest('pytest_plugins = ["harness.plugin"]\n')
    pytester.mkdir("scenarios")
    return pytester


def write_scenario(scratch: pytest.Pytester, marker: str = "") -> None:
    (scratch.path / "scenarios" / "test_tiny.py").write_text(SCENARIO.format(marker=marker))


def run(scratch: pytest.Pytester, *args: str) -> pytest.RunResult:
    return scratch.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_record_match_diff_known_gap_and_protection_of_a_tenant_reference(scratch: pytest.Pytester) -> None:
    write_scenario(scratch)
    snapshot = scratch.path / "snapshots" / "tiny" / "a_chat_is_opened.json"

    missing = run(scratch)
    missing.assert_outcomes(failed=1)
    missing.stdout.fnmatch_lines(["*no snapshot*--snapshot-update*"])

    run(scratch, "--snapshot-update").assert_outcomes(passed=1)
    recorded = json.loads(snapshot.read_text())
    written = snapshot.stat().st_mtime_ns
    run(scratch, "--snapshot-update").assert_outcomes(passed=1)
    assert snapshot.stat().st_mtime_ns == written  # unchanged: not rewritten, its date kept
    assert (
        recorded["provenance"]["source"] == "emulator" and recorded["title"] == "Upsert, open a chat, its chat_created."
    )
    assert [w["event_type"] for w in recorded["webhooks"]] == ["chat_created"]
    run(scratch).assert_outcomes(passed=1)

    tenant = copy.deepcopy(recorded)
    tenant["provenance"] = {"source": "tenant", "recorded_at": "2027-01-10", "region": "uc1"}
    tenant["exchanges"][1]["response"]["body"]["status"] = "waiting"
    snapshot.write_text(json.dumps(tenant))
    differs = run(scratch)
    differs.assert_outcomes(failed=1)
    differs.stdout.re_match_lines(
        [
            r"emulator differs from .*a_chat_is_opened\.json \(tenant, recorded 2027-01-10\) in 1 place\(s\):",
            re.escape("  exchanges[1] (open a chat).response.body.status"),
            re.escape('      expected: "waiting"'),
            re.escape('      got:      "queued"'),
        ]
    )

    run(scratch, "--snapshot-update").assert_outcomes(failed=1)  # the emulator never rewrites a tenant's
    assert json.loads(snapshot.read_text()) == tenant

    write_scenario(
        scratch, '@pytest.mark.known_gap("the platform says waiting", paths=["exchanges[1].response.body.status"])'
    )
    run(scratch).assert_outcomes(xfailed=1)
    write_scenario(scratch, '@pytest.mark.known_gap("something else", paths=["webhooks[0]"])')
    run(scratch).assert_outcomes(failed=1)

    snapshot.write_text(json.dumps(dict(recorded, provenance=tenant["provenance"])))
    write_scenario(scratch, '@pytest.mark.known_gap("the platform says waiting")')
    gone = run(scratch)
    gone.assert_outcomes(failed=1)
    gone.stdout.fnmatch_lines(["*known gap declared*now matches*remove the known_gap marker*"])


@pytest.mark.parametrize(
    ("fault", "complaint"),
    [
        ("bad_signature=True", "the primary signature is invalid"),
        ("primary_only=True", "the secondary signature is absent"),
    ],
)
def test_a_webhook_that_does_not_verify_with_both_secrets_fails_the_scenario(
    scratch: pytest.Pytester, fault: str, complaint: str
) -> None:
    (scratch.path / "scenarios" / "test_tiny.py").write_text(BAD_SIGNATURE.format(fault=fault))
    result = run(scratch, "--snapshot-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*{complaint}*"])


def test_a_tenant_recording_confirming_the_emulator_still_becomes_a_tenant_reference(
    scratch: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded in tenant mode (here, the rehearsal's stand-in plays the tenant), a snapshot that
    says exactly what the emulator's did is rewritten with provenance tenant, its date and region."""
    import rehearse_tenant  # the stand-in tenant: its flags and start-up

    write_scenario(scratch)
    run(scratch, "--snapshot-update").assert_outcomes(passed=1)
    snapshot = scratch.path / "snapshots" / "tiny" / "a_chat_is_opened.json"
    emulator_recording = json.loads(snapshot.read_text())
    with rehearse_tenant.stand_in_tenant() as variables:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        run(scratch, "--snapshot-update").assert_outcomes(passed=1)
    tenant_recording = json.loads(snapshot.read_text())
    assert tenant_recording["provenance"]["source"] == "tenant"
    assert tenant_recording["provenance"]["region"] == "rehearsal" and tenant_recording["provenance"]["recorded_at"]
    assert snapshots_observed(tenant_recording) == snapshots_observed(emulator_recording)


def snapshots_observed(document: dict[str, object]) -> tuple[object, object]:
    return document["exchanges"], document["webhooks"]
