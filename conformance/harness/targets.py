"""The two targets a scenario runs against, behind one interface: :meth:`Target.open` gives
each scenario a :class:`TenantHandle` (credentials, the Apps API URL, a receiver that gets the
tenant's webhooks, and the control plane when there is one).

- :class:`EmulatorTarget` starts the binary twice, lazily. The *quiet* emulator is a stand-in
  for a tenant where nobody picks a chat up during a scenario: ``--auth strict`` with a pool
  of subdomain/token pairs (one per scenario, so a wrong token really is refused) and the
  agent's join delay at 60 minutes. Scenarios that script the human agent
  (``emulator_only(..., agent=True)``) get the *scripted* emulator instead: the package's
  defaults (the agent joins at once), any subdomain. Each emulator's tenants send to one
  receiver of its own, with a random primary and secondary secret (chat ids are unique
  within an emulator, so a scenario picks out its webhooks by its chats).
- :class:`TenantTarget` is a real tenant (or anything that looks like one): its base URL,
  subdomain and token, one receiver on ``CCAI_RECEIVER_BIND`` for the whole run, and the
  secrets the tenant signs with. At the start it sends a signed probe to
  ``CCAI_WEBHOOK_PUBLIC_URL`` and waits for it at the receiver, so a tunnel that does not
  reach the receiver fails the run at once, with what to check.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ccai_emulator import AdminClient, Emulator, WebhookReceiver, signature_header, start_emulator

from .settings import Settings, TenantSettings

QUIET_JOIN_DELAY = "60m"
"""Longer than any run: on the quiet emulator no agent joins during a scenario."""
SHUTDOWN_GRACE = ("--shutdown-grace", "10ms")
"""Webhooks still pending at the end of a run go to receivers that are gone: do not wait for them."""

PROBE_EVENT = "conformance_probe"


class TargetError(Exception):
    """The target cannot be used; the message says why and what to do."""


@dataclass
class TenantHandle:
    """What one scenario gets: whom to call as, and where the webhooks arrive."""

    kind: str
    """``emulator`` or ``tenant``."""
    subdomain: str
    token: str
    api_url: str
    receiver: WebhookReceiver
    primary_secret: str
    secondary_secret: str | None
    emulator: Emulator | None = None
    """The emulator serving this tenant (its control plane is ``emulator.admin``); None on a tenant."""
    scripted: bool = False
    literals: dict[str, str] = field(default_factory=dict)

    @property
    def admin(self) -> AdminClient | None:
        return self.emulator.admin if self.emulator is not None else None

    def close(self) -> None:
        """Forget the tenant's state on the emulator (its receiver is the target's)."""
        if self.emulator is not None:
            self.emulator.admin.reset(self.subdomain)


class Target:
    kind = "target"

    def open(self, scenario_id: str, *, scripted: bool) -> TenantHandle:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class EmulatorTarget(Target):
    kind = "emulator"

    def __init__(self, run_nonce: str, pool_size: int):
        self.run_nonce = run_nonce
        self._pool = [(f"conformance-{run_nonce}-{index:03d}", secrets.token_hex(12)) for index in range(pool_size)]
        self._next = 0
        self._quiet: Emulator | None = None
        self._scripted: Emulator | None = None
        self._receivers: dict[str, tuple[WebhookReceiver, str, str]] = {}

    def _receiver(self, which: str) -> tuple[WebhookReceiver, str, str]:
        if which not in self._receivers:
            primary, secondary = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
            self._receivers[which] = (WebhookReceiver([primary, secondary]).start(), primary, secondary)
        return self._receivers[which]

    def _quiet_emulator(self) -> Emulator:
        if self._quiet is None:
            admitted = [arg for name, token in self._pool for arg in ("--tenant", f"{name}:{token}")]
            self._quiet = start_emulator(
                extra_args=["--auth", "strict", *admitted, "--agent-join-delay", QUIET_JOIN_DELAY, *SHUTDOWN_GRACE]
            )
        return self._quiet

    def _scripted_emulator(self) -> Emulator:
        if self._scripted is None:
            self._scripted = start_emulator(extra_args=list(SHUTDOWN_GRACE))
        return self._scripted

    def open(self, scenario_id: str, *, scripted: bool) -> TenantHandle:
        if scripted:
            emulator = self._scripted_emulator()
            subdomain, token = f"conformance-{self.run_nonce}-agent-{self._next:03d}", secrets.token_hex(12)
        else:
            emulator = self._quiet_emulator()
            if self._next >= len(self._pool):
                raise TargetError(f"the quiet emulator's {len(self._pool)} tenants are used up")
            subdomain, token = self._pool[self._next]
        self._next += 1
        receiver, primary, secondary = self._receiver("scripted" if scripted else "quiet")
        emulator.admin.set_webhook(subdomain, receiver.url, primary, secondary)
        return TenantHandle(
            kind="emulator",
            subdomain=subdomain,
            token=token,
            api_url=emulator.api_url,
            receiver=receiver,
            primary_secret=primary,
            secondary_secret=secondary,
            emulator=emulator,
            scripted=scripted,
            literals={subdomain: "<tenant>"},
        )

    def close(self) -> None:
        for emulator in (self._quiet, self._scripted):
            if emulator is not None:
                emulator.stop()
        for receiver, _, _ in self._receivers.values():
            receiver.stop()

    def describe(self) -> str:
        started = [name for name, emulator in (("quiet", self._quiet), ("scripted", self._scripted)) if emulator]
        return f"emulator ({', '.join(started) or 'not started'})"


class TenantTarget(Target):
    kind = "tenant"

    def __init__(self, settings: Settings, *, probe_timeout: float = 10.0):
        assert settings.tenant is not None
        self.tenant: TenantSettings = settings.tenant
        secrets_ = [self.tenant.primary_secret, self.tenant.secondary_secret or ""]
        try:
            self.receiver = WebhookReceiver(
                secrets_, host=self.tenant.receiver_host, port=self.tenant.receiver_port
            ).start()
        except OSError as error:
            raise TargetError(
                f"the receiver cannot listen on {self.tenant.receiver_host}:{self.tenant.receiver_port} "
                f"(CCAI_RECEIVER_BIND): {error}"
            ) from None
        try:
            self._probe(probe_timeout)
        except BaseException:
            self.receiver.stop()
            raise

    def _probe(self, timeout: float) -> None:
        """A signed event through ``CCAI_WEBHOOK_PUBLIC_URL`` must reach the receiver."""
        nonce = secrets.token_hex(8)
        timestamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = json.dumps({"event_type": PROBE_EVENT, "timestamp": timestamp, "probe": nonce}).encode()
        headers = {
            "content-type": "application/json",
            "x-signature-timestamp": timestamp,
            "x-signature": signature_header(self.tenant.primary_secret, self.tenant.secondary_secret, timestamp, body),
        }
        request = urllib.request.Request(self.tenant.public_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read()
        except (urllib.error.URLError, OSError) as error:
            raise TargetError(
                f"CCAI_WEBHOOK_PUBLIC_URL={self.tenant.public_url} did not take a probe ({error}); it must "
                f"forward to the receiver on {self.tenant.receiver_host}:{self.tenant.receiver_port} "
                "(CCAI_RECEIVER_BIND)"
            ) from None
        arrived = self.receiver.wait_until(
            lambda received: any(hook.event.get("probe") == nonce and hook.verified for hook in received),
            timeout=timeout,
        )
        if not arrived:
            raise TargetError(
                f"a probe posted to CCAI_WEBHOOK_PUBLIC_URL={self.tenant.public_url} never reached the receiver "
                f"on {self.tenant.receiver_host}:{self.tenant.receiver_port} with a valid signature"
            )

    def open(self, scenario_id: str, *, scripted: bool) -> TenantHandle:
        literals = {self.tenant.subdomain: "<tenant>"} if len(self.tenant.subdomain) >= 6 else {}
        return TenantHandle(
            kind="tenant",
            subdomain=self.tenant.subdomain,
            token=self.tenant.api_token,
            api_url=self.tenant.base_url + "/apps/api/v1",
            receiver=self.receiver,
            primary_secret=self.tenant.primary_secret,
            secondary_secret=self.tenant.secondary_secret,
            literals=literals,
        )

    def close(self) -> None:
        self.receiver.stop()

    def describe(self) -> str:
        return f"tenant {self.tenant.base_url} (region {self.tenant.region or 'not given'})"
