"""The emulator's container image as a Testcontainers container (``pip install
'ccai-emulator[testcontainers]'``)::

    from ccai_emulator import WebhookReceiver
    from ccai_emulator.testcontainers import CcaiEmulatorContainer

    with CcaiEmulatorContainer().with_fixtures("tests/fixtures") as emulator:
        apps = emulator.apps("acme")                      # the Apps API as tenant acme
        with WebhookReceiver(["s3cret"], host=emulator.host_address()) as receiver:
            emulator.point_webhooks_at(receiver, "acme", "s3cret")
            ...

``start()`` returns once the health check's probe (``GET /__admin/health`` answering
``{"status": "ok"}``, what the image's ``HEALTHCHECK`` runs) answers through the mapped port.
It waits on that request rather than on the engine's health status because Docker runs the
``HEALTHCHECK`` only every 5 s, and podman without systemd never runs it by itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import HttpWaitStrategy

from .admin import AdminClient
from .apps import AppsClient
from .receiver import WebhookReceiver

PORT = 8080
IMAGE_ENV = "CCAI_EMULATOR_IMAGE"


def default_image() -> str:
    """``$CCAI_EMULATOR_IMAGE``, else the image the release workflow publishes for this
    package's version."""
    return os.environ.get(IMAGE_ENV) or f"ghcr.io/ccai-emulator/ccai-emulator:{metadata.version('ccai-emulator')}"


class CcaiEmulatorContainer(DockerContainer):
    """ccai-emulator in a container: the Apps API and the control plane on a mapped port.

    Tests want the simulated agent at once and a quick stop, so the agent joins with no
    delay and SIGTERM drains webhooks for at most a second (``with_env`` overrides either).
    """

    def __init__(self, image: str | None = None, *, admin_token: str | None = None, **kwargs: Any) -> None:
        super().__init__(image or default_image(), **kwargs)
        self.admin_token = admin_token
        self._seeds: list[tuple[str, dict[str, Any]]] = []
        self.with_exposed_ports(PORT)
        self.with_env("CCAI_EMU_AGENT_JOIN_DELAY", "0")
        self.with_env("CCAI_EMU_SHUTDOWN_GRACE", "1s")
        probe = HttpWaitStrategy(PORT, "/__admin/health").for_response_predicate(_is_ok)
        if admin_token:
            self.with_env("CCAI_EMU_ADMIN_TOKEN", admin_token)
            probe = probe.with_header("Authorization", f"Bearer {admin_token}")
        self.waiting_for(probe.with_startup_timeout(60))

    # --- before start ----------------------------------------------------------------------

    def with_fixtures(self, folder: str | os.PathLike[str]) -> CcaiEmulatorContainer:
        """Mounts a fixture folder (read-only) as the emulator's fixtures: its agent script,
        VTAs, data tables, and the seeds in its ``seeds/<tenant>.json``, loaded at start-up."""
        path = Path(folder).resolve()
        if not (path / "contact_center.json").is_file():
            raise ValueError(f"{path} is not a fixture folder (no contact_center.json)")
        self.with_volume_mapping(str(path), "/fixtures", "ro")
        self.with_env("CCAI_EMU_FIXTURES", "/fixtures")
        return self

    def with_seed(self, tenant: str, snapshot: Mapping[str, Any] | str | os.PathLike[str]) -> CcaiEmulatorContainer:
        """Loads a snapshot (a mapping, or a JSON file: the format of ``seeds/*.json`` and
        ``GET /__admin/tenants/{tenant}/snapshot``) into ``tenant`` once the container is up."""
        document = dict(snapshot) if isinstance(snapshot, Mapping) else json.loads(Path(snapshot).read_text())
        self._seeds.append((tenant, document))
        return self

    def start(self) -> CcaiEmulatorContainer:
        super().start()
        for tenant, snapshot in self._seeds:
            self.admin.import_snapshot(tenant, snapshot)
        return self

    # --- once started ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The emulator's root on the host, e.g. ``http://localhost:32771``."""
        return f"http://{self.get_container_host_ip()}:{self.get_exposed_port(PORT)}"

    @property
    def api_url(self) -> str:
        """The Apps API: what your backend calls (Basic auth: tenant subdomain, any token)."""
        return self.base_url + "/apps/api/v1"

    @property
    def admin_url(self) -> str:
        """The control plane (``/__admin``); the web console is at ``admin_url + "/console"``."""
        return self.base_url + "/__admin"

    @property
    def admin(self) -> AdminClient:
        return AdminClient(self.base_url, admin_token=self.admin_token)

    def apps(self, tenant: str, token: str = "any-token") -> AppsClient:
        """The Apps API as ``tenant`` (created on first use in the default ``open`` auth mode)."""
        return AppsClient(self.api_url, tenant, token)

    def host_address(self) -> str:
        """An address of the host that the container reaches: the gateway of its network (on
        Linux, a host interface). Bind a receiver there, e.g. ``WebhookReceiver(secrets,
        host=container.host_address())``. Docker Desktop (macOS, Windows) routes no gateway to
        the host: use ``host.docker.internal`` there, with a receiver on ``0.0.0.0``."""
        container = self.get_wrapped_container()
        container.reload()
        settings = container.attrs.get("NetworkSettings") or {}
        gateways = [network.get("Gateway") for network in (settings.get("Networks") or {}).values()]
        gateway = next((address for address in [*gateways, settings.get("Gateway")] if address), None)
        if gateway is None:
            raise RuntimeError(f"the container's networks name no gateway: {settings}")
        return str(gateway)

    def point_webhooks_at(
        self,
        receiver: WebhookReceiver | str,
        tenant: str,
        primary_secret: str,
        secondary_secret: str | None = None,
    ) -> str:
        """Points ``tenant``'s webhooks at a receiver on the host: a ``WebhookReceiver`` (bound
        on ``host_address()``) or any URL of the host as the container sees it. Returns the URL."""
        url = receiver.url if isinstance(receiver, WebhookReceiver) else receiver
        if urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(
                f"{url} is the container's own loopback, not the host's: bind the receiver on "
                f"host_address() ({self.host_address()})"
            )
        self.admin.set_webhook(tenant, url, primary_secret, secondary_secret)
        return url


def _is_ok(body: str) -> bool:
    try:
        return bool(json.loads(body).get("status") == "ok")
    except ValueError:
        return False
