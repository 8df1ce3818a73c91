"""Run the parity suite in tenant mode against an emulator started as if it were a tenant.

There is no tenant on a CI machine, so this proves the tenant path end to end with the next
best thing: the emulator binary with ``--auth strict`` and one subdomain/token pair (a wrong
token is refused, as on the platform), the agent's join delay at 60 minutes (nobody picks a
chat up, as on a tenant without agents online), and its default webhook pointed at
``CCAI_WEBHOOK_PUBLIC_URL`` with a primary and a secondary secret, exactly what a team sets
in the portal. The suite then runs with ``CCAI_TARGET=tenant`` and only the ``CCAI_*``
variables a team would give it: it never touches the control plane, and the scenarios marked
``emulator_only`` are skipped. It must match the stored snapshots.

The stand-in takes the liberties the platform keeps: ``chat_created`` before or after the
``POST /chats`` answer at random, and webhooks in no particular order, which the suite must
absorb without a difference. ``$CCAI_REHEARSAL_EMULATOR_ARGS`` adds flags or replaces these
(a test uses it to play a tenant that behaves differently, and expects the suite to say where).

    python conformance/rehearse_tenant.py [pytest arguments...]

The binary is found as the Python package finds it (``$CCAI_EMULATOR_BIN``, ``PATH``, cargo).
"""

from __future__ import annotations

import os
import secrets
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ccai_emulator import start_emulator

CONFORMANCE = Path(__file__).resolve().parent
SUBDOMAIN = "conformance-rehearsal"


def free_port() -> int:
    """A port the receiver can take: the tenant (the emulator) must be told it before the
    suite starts, as a tunnel would be."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def stand_in_tenant() -> Iterator[dict[str, str]]:
    """Start the stand-in tenant; yield the ``CCAI_*`` variables that point the suite at it."""
    token = secrets.token_hex(16)
    primary, secondary = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    port = free_port()
    public_url = f"http://127.0.0.1:{port}/webhook"
    chosen = shlex.split(os.environ.get("CCAI_REHEARSAL_EMULATOR_ARGS", ""))
    given = {arg.split("=", 1)[0] for arg in chosen if arg.startswith("--")}
    defaults = [
        ("--auth", "strict"),
        ("--tenant", f"{SUBDOMAIN}:{token}"),
        ("--agent-join-delay", "60m"),
        ("--webhook-url", public_url),
        ("--webhook-primary-secret", primary),
        ("--webhook-secondary-secret", secondary),
        ("--chat-created-order", "random"),
        ("--webhook-ordering", "unordered"),
    ]
    # --flag=value: a secret may start with "-", which would read as another flag.
    flags = [f"{flag}={value}" for flag, value in defaults if flag not in given]
    tenant = start_emulator(extra_args=[*flags, *chosen])
    try:
        yield {
            "CCAI_TARGET": "tenant",
            "CCAI_TENANT_BASE_URL": tenant.base_url,
            "CCAI_TENANT_SUBDOMAIN": SUBDOMAIN,
            "CCAI_TENANT_API_TOKEN": token,
            "CCAI_TENANT_REGION": "rehearsal",
            "CCAI_WEBHOOK_PRIMARY_SECRET": primary,
            "CCAI_WEBHOOK_SECONDARY_SECRET": secondary,
            "CCAI_WEBHOOK_PUBLIC_URL": public_url,
            "CCAI_RECEIVER_BIND": f"127.0.0.1:{port}",
        }
    finally:
        tenant.stop()


def main(pytest_args: list[str]) -> int:
    with stand_in_tenant() as variables:
        print(
            f"rehearsal: a strict emulator at {variables['CCAI_TENANT_BASE_URL']} plays tenant {SUBDOMAIN}; "
            f"webhooks to {variables['CCAI_WEBHOOK_PUBLIC_URL']}",
            flush=True,
        )
        command = [sys.executable, "-m", "pytest", str(CONFORMANCE / "scenarios"), *pytest_args]
        environment = {**os.environ, **variables}
        return subprocess.run(command, env=environment, cwd=CONFORMANCE.parent, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
