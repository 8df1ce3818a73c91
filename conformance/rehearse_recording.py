"""Record the parity suite's tenant rehearsal through ``ccai-emulator record``, then
``ccai-emulator diff`` what was recorded: the whole procedure of conformance/README.md's
"Recording your tenant", with an emulator playing the tenant.

1. A stand-in tenant (as in rehearse_tenant.py: strict, one subdomain and token, nobody
   picking chats up), its webhook pointed at the recorder, with both secrets.
2. ``ccai-emulator record`` in front of it, forwarding every webhook to the suite's
   receiver; the suite runs in tenant mode against the recorder: it must pass, which proves
   the proxy transparent and the webhook target faithful (signatures intact).
3. The cassettes must hold none of the token, the encoded credentials, the secrets or the
   subdomain.
4. ``ccai-emulator --agent-join-delay 60m diff`` replays each cassette against a fresh
   emulator with the stand-in's settings: every difference must be one of ``KNOWN`` below
   (each with its reason), and each of those must still occur (so the list cannot outlive
   its reason).

    python conformance/rehearse_recording.py [pytest arguments...]

The binary is found as the Python package finds it (``$CCAI_EMULATOR_BIN``, ``PATH``, cargo).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ccai_emulator import start_emulator
from ccai_emulator.launcher import find_binary

CONFORMANCE = Path(__file__).resolve().parent
SUBDOMAIN = "conformance-rehearsal"

KNOWN = [
    (
        "exchanges[*].response.body.message",
        "never-uploaded.jpg",
        (
            "a value the consumer makes up (an s3_path it never uploaded) is a placeholder in the "
            "cassette, so the replay sends another, and the platform's message echoes it"
        ),
    ),
]
"""Differences a recording of the emulator must show when diffed against the emulator: the
replay's own limits, not the emulator's: (path pattern, text of the recorded value, reason)."""


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def matches(pattern: str, path: str) -> bool:
    import re

    return re.fullmatch(re.escape(pattern).replace(r"\*", r"[^.\[\]]+"), path) is not None


def main(pytest_args: list[str]) -> int:
    started = time.monotonic()
    binary = find_binary()
    token = secrets.token_hex(16)
    primary, secondary = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    recorder_port, receiver_port = free_port(), free_port()
    recorder_url = f"http://127.0.0.1:{recorder_port}"
    work = Path(tempfile.mkdtemp(prefix="ccai-rehearse-recording-"))
    out = work / "cassettes"
    tenant = start_emulator(
        extra_args=[
            "--auth=strict",
            f"--tenant={SUBDOMAIN}:{token}",
            "--agent-join-delay=60m",
            f"--webhook-url={recorder_url}/webhook",
            f"--webhook-primary-secret={primary}",
            f"--webhook-secondary-secret={secondary}",
        ]
    )
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CCAI_EMU_")}
    recorder = subprocess.Popen(
        [
            binary,
            "record",
            f"--bind=127.0.0.1:{recorder_port}",
            f"--upstream={tenant.base_url}",
            f"--out={out}",
            f"--webhook-primary-secret={primary}",
            f"--webhook-secondary-secret={secondary}",
            f"--forward-webhooks=http://127.0.0.1:{receiver_port}/webhook",
            "--region=rehearsal",
        ],
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert recorder.stdout is not None
        first = recorder.stdout.readline()
        if "listening on" not in first:
            print(f"rehearse_recording: the recorder did not start: {first!r}", file=sys.stderr)
            return 1
        print(f"rehearse_recording: {first.strip()}", flush=True)
        suite = subprocess.run(
            [sys.executable, "-m", "pytest", str(CONFORMANCE / "scenarios"), *pytest_args],
            env={
                **os.environ,
                "CCAI_TARGET": "tenant",
                "CCAI_TENANT_BASE_URL": recorder_url,
                "CCAI_TENANT_SUBDOMAIN": SUBDOMAIN,
                "CCAI_TENANT_API_TOKEN": token,
                "CCAI_TENANT_REGION": "rehearsal",
                "CCAI_WEBHOOK_PRIMARY_SECRET": primary,
                "CCAI_WEBHOOK_SECONDARY_SECRET": secondary,
                "CCAI_WEBHOOK_PUBLIC_URL": f"{recorder_url}/webhook",
                "CCAI_RECEIVER_BIND": f"127.0.0.1:{receiver_port}",
            },
            cwd=CONFORMANCE.parent,
            check=False,
        )
    finally:
        recorder.terminate()
        recorder.wait(timeout=30)
        tenant.stop()
    if suite.returncode != 0:
        print("rehearse_recording: the suite failed through the recorder", file=sys.stderr)
        return 1
    if recorder.returncode != 0:
        print(f"rehearse_recording: the recorder exited with {recorder.returncode}", file=sys.stderr)
        return 1

    cassettes = sorted(out.rglob("*.json"))
    credentials = base64.b64encode(f"{SUBDOMAIN}:{token}".encode()).decode()
    for cassette in cassettes:
        text = cassette.read_text()
        for name, secret in [
            ("the API token", token),
            ("the encoded credentials", credentials),
            ("the primary secret", primary),
            ("the secondary secret", secondary),
            ("the subdomain", SUBDOMAIN),
        ]:
            if secret in text:
                print(f"rehearse_recording: {cassette} holds {name}", file=sys.stderr)
                return 1

    report_path = work / "report.json"
    diffed = subprocess.run(
        [binary, "--agent-join-delay", "60m", "diff", str(out), "--json", str(report_path)],
        env=environment,
        capture_output=True,
        text=True,
        cwd=CONFORMANCE.parent,
        check=False,
    )
    if diffed.returncode not in (0, 1) or not report_path.exists():
        print(f"rehearse_recording: diff failed ({diffed.returncode}): {diffed.stderr}", file=sys.stderr)
        return 1
    report = json.loads(report_path.read_text())
    unexplained, seen = [], set()
    for cassette in report["cassettes"]:
        if cassette["error"]:
            unexplained.append(f"{cassette['file']}: {cassette['error']}")
        for difference in cassette["differences"]:
            known = [
                index
                for index, (pattern, recorded, _) in enumerate(KNOWN)
                if matches(pattern, difference["path"]) and recorded in json.dumps(difference["cassette"])
            ]
            seen.update(known)
            if not known:
                unexplained.append(f"{cassette['file']}: {difference['labelled_path']}")
    stale = [KNOWN[index][2] for index in range(len(KNOWN)) if index not in seen]
    exchanges = sum(cassette["exchanges"] for cassette in report["cassettes"])
    webhooks = sum(cassette["webhooks"] for cassette in report["cassettes"])
    print(
        f"rehearse_recording: {len(cassettes)} cassettes ({exchanges} exchanges, {webhooks} webhooks), "
        f"{report['differences']} difference(s) on diff, {len(KNOWN)} known; "
        f"{round(time.monotonic() - started, 1)} s"
    )
    if unexplained or stale:
        print(diffed.stdout)
        for line in unexplained:
            print(f"rehearse_recording: unexplained difference: {line}", file=sys.stderr)
        for reason in stale:
            print(f"rehearse_recording: a known difference no longer occurs (remove it): {reason}", file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
