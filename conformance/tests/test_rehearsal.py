"""The tenant path catches a tenant that behaves differently: the rehearsal's stand-in tenant
with an agent online (join delay 0) answers a chat ``assigned`` where the snapshot, recorded
where nobody picks chats up, says ``queued``; no assertion of the scenario looks at that
field, so only the snapshot comparison, in tenant mode, can name the place. (.ci/run runs the
whole rehearsal, which must pass.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CONFORMANCE = Path(__file__).resolve().parents[1]


def test_a_stand_in_tenant_that_differs_is_reported_where_it_differs() -> None:
    environment = {**os.environ, "CCAI_REHEARSAL_EMULATOR_ARGS": "--agent-join-delay 0"}
    environment.pop("CCAI_TARGET", None)
    result = subprocess.run(
        [
            sys.executable,
            str(CONFORMANCE / "rehearse_tenant.py"),
            "-k",
            "a_chat_is_created_for_an_end_user_and_read_back",
            "-p",
            "no:cacheprovider",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "target: tenant" in output or "conformance target: tenant" in output, output
    assert (
        "tenant differs from conformance/snapshots/chats/a_chat_is_created_for_an_end_user_and_read_back.json" in output
    )
    assert "exchanges[2] (read the chat back).response.body.status" in output, output
    assert 'expected: "queued"' in output and 'got:      "assigned"' in output, output
