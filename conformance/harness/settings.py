"""The suite's settings, all from environment variables (conformance/README.md lists them).

``CCAI_TARGET`` chooses the target: ``emulator`` (the default) starts the binary the Python
package finds (``$CCAI_EMULATOR_BIN``, ``PATH`` or ``cargo build``); ``tenant`` talks to a
CCAI Platform tenant and needs the ``CCAI_TENANT_*`` and ``CCAI_WEBHOOK_*`` variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


class SettingsError(Exception):
    """A variable is missing or malformed; the message says which and what it should be."""


@dataclass(frozen=True)
class TenantSettings:
    base_url: str
    subdomain: str
    api_token: str
    region: str | None
    primary_secret: str
    secondary_secret: str | None
    public_url: str
    receiver_host: str
    receiver_port: int


@dataclass(frozen=True)
class Settings:
    target: str
    """``emulator`` or ``tenant``."""
    tenant: TenantSettings | None
    webhook_timeout: float
    """Seconds a scenario waits for a webhook it expects."""
    settle: float
    """Seconds a tenant recording listens for webhooks nobody asked for."""


def from_environment(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    target = env.get("CCAI_TARGET", "emulator").strip() or "emulator"
    if target not in ("emulator", "tenant"):
        raise SettingsError(f"CCAI_TARGET={target!r}: expected emulator (the default) or tenant")
    webhook_timeout = _seconds(env, "CCAI_WEBHOOK_TIMEOUT", 10.0)
    settle = _seconds(env, "CCAI_TENANT_SETTLE", 3.0)
    if target == "emulator":
        return Settings("emulator", None, webhook_timeout, settle)
    missing = [
        name
        for name in (
            "CCAI_TENANT_BASE_URL",
            "CCAI_TENANT_SUBDOMAIN",
            "CCAI_TENANT_API_TOKEN",
            "CCAI_WEBHOOK_PRIMARY_SECRET",
            "CCAI_WEBHOOK_PUBLIC_URL",
        )
        if not env.get(name)
    ]
    if missing:
        raise SettingsError(
            f"CCAI_TARGET=tenant needs {', '.join(missing)} (conformance/README.md, 'Against a tenant')"
        )
    base_url = env["CCAI_TENANT_BASE_URL"].rstrip("/")
    base_url = base_url.removesuffix("/apps/api/v1")
    if not base_url.startswith(("http://", "https://")):
        raise SettingsError(f"CCAI_TENANT_BASE_URL={base_url!r}: expected https://SUBDOMAIN.REGION.ccaiplatform.com")
    bind = env.get("CCAI_RECEIVER_BIND", "127.0.0.1:8765")
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise SettingsError(f"CCAI_RECEIVER_BIND={bind!r}: expected host:port, e.g. 127.0.0.1:8765")
    tenant = TenantSettings(
        base_url=base_url,
        subdomain=env["CCAI_TENANT_SUBDOMAIN"],
        api_token=env["CCAI_TENANT_API_TOKEN"],
        region=env.get("CCAI_TENANT_REGION") or None,
        primary_secret=env["CCAI_WEBHOOK_PRIMARY_SECRET"],
        secondary_secret=env.get("CCAI_WEBHOOK_SECONDARY_SECRET") or None,
        public_url=env["CCAI_WEBHOOK_PUBLIC_URL"],
        receiver_host=host.strip("[]"),
        receiver_port=int(port),
    )
    return Settings("tenant", tenant, webhook_timeout, settle)


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a number of seconds") from None
    if value < 0:
        raise SettingsError(f"{name}={raw!r}: expected a number of seconds, not negative")
    return value
