"""A client for the emulator's control plane (``/__admin``).

Setup (webhook targets, faults, resets), inspection (chat records, the transcript each party
sees, the delivery and request journals) and the simulated human agent's actions. Queries
that take a condition also take ``wait`` (seconds): the emulator answers as soon as the
condition holds, or with 408 when the wait is over, which raises
:class:`~ccai_emulator.WaitTimeout` carrying the state last seen. Waits longer than the
emulator's 60 s cap are re-asked until the deadline, so any ``wait`` works.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from ._http import JSON, Transport, WaitTimeout

View = Literal["agent", "end_user", "all"]
RoutingState = Literal["queued", "assigned", "task_virtual_agent", "virtual_agent", "finished"]
Availability = Literal["available", "over_capacity", "after_hours"]
EscalationStatus = Literal["escalating", "escalated", "canceled", "deflecting", "deflected"]

T = TypeVar("T")


def _segment(text: str) -> str:
    """One path segment, percent-encoded: tenant names are free text in ``open`` mode."""
    return quote(text, safe="")

def _duration(by: str | float | timedelta) -> str:
    """The emulator's duration text: ``"11m"`` as given, a number of seconds or a
    ``timedelta`` as whole milliseconds."""
    if isinstance(by, str):
        return by
    seconds = by.total_seconds() if isinstance(by, timedelta) else float(by)
    if seconds < 0:
        raise ValueError(f"the clock only moves forward; {by!r} is negative")
    return f"{round(seconds * 1000)}ms"


LONG_POLL_CAP_SECONDS = 60.0
"""The longest single ``wait=`` the emulator accepts."""


class AdminClient:
    """The control plane of one emulator."""

    def __init__(self, base_url: str, *, admin_token: str | None = None, timeout: float = 30.0):
        """``base_url`` is the emulator's root, e.g. ``http://127.0.0.1:8080``."""
        self.base_url = base_url.rstrip("/")
        self._http = Transport(self.base_url + "/__admin", bearer=admin_token, timeout=timeout)

    # --- system ----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._http.request_object("GET", "/health")

    def tenants(self) -> JSON:
        return self._http.request("GET", "/tenants")

    def reset(self, tenant: str | None = None) -> JSON:
        """Forget all state, or one tenant's (its request journal too)."""
        return self._http.request("POST", "/reset", params={"tenant": tenant})

    def openapi(self) -> dict[str, Any]:
        return self._http.request_object("GET", "/openapi.json")

    def task_virtual_agents(self) -> JSON:
        return self._http.request("GET", "/task_virtual_agents")

    def fixtures(self) -> dict[str, Any]:
        """Where the fixtures came from (``source``: ``embedded`` or a folder), when, reloads."""
        return self._http.request_object("GET", "/fixtures")

    # --- snapshots (docs/fixtures.md) ------------------------------------------------------

    def snapshot(self, tenant: str) -> dict[str, Any]:
        """The tenant's whole state, in the format ``import_snapshot`` and seed files take."""
        return self._http.request_object("GET", f"/tenants/{_segment(tenant)}/snapshot")

    def import_snapshot(self, tenant: str, snapshot: Mapping[str, Any]) -> dict[str, Any]:
        """Replaces the tenant's state with ``snapshot``; the answer maps every id (``id_map``)."""
        return self._http.request_object("PUT", f"/tenants/{_segment(tenant)}/snapshot", dict(snapshot))

    # --- webhook target and faults ---------------------------------------------------------

    def set_webhook(self, tenant: str, url: str, primary_secret: str, secondary_secret: str | None = None) -> JSON:
        body: dict[str, Any] = {"url": url, "primary_secret": primary_secret}
        if secondary_secret is not None:
            body["secondary_secret"] = secondary_secret
        return self._http.request("PUT", f"/tenants/{_segment(tenant)}/webhook", body)

    def webhook(self, tenant: str, *, reveal_secrets: bool = False) -> dict[str, Any]:
        """The tenant's target, ``source`` ``tenant`` or ``default``. Its secrets read
        ``[redacted]`` unless ``reveal_secrets`` asks for them."""
        query = "?reveal_secrets=true" if reveal_secrets else ""
        return self._http.request_object("GET", f"/tenants/{_segment(tenant)}/webhook{query}")

    def delete_webhook(self, tenant: str) -> JSON:
        return self._http.request("DELETE", f"/tenants/{_segment(tenant)}/webhook")

    def rotate_webhook(self, tenant: str) -> JSON:
        """The secondary secret becomes the primary."""
        return self._http.request("POST", f"/tenants/{_segment(tenant)}/webhook/rotate")

    def set_webhook_faults(self, tenant: str, **faults: Any) -> JSON:
        """Fault injection, e.g. ``bad_signature=True`` or ``duplicate_probability=1.0``."""
        return self._http.request("PUT", f"/tenants/{_segment(tenant)}/webhook/faults", faults)

    def clear_webhook_faults(self, tenant: str) -> JSON:
        return self._http.request("DELETE", f"/tenants/{_segment(tenant)}/webhook/faults")

    def webhook_events(self, tenant: str) -> dict[str, Any]:
        """The event types the tenant's webhook receives (``selection``, ``events``, ``source``)."""
        answer: dict[str, Any] = self._http.request("GET", f"/tenants/{_segment(tenant)}/webhook/events")
        return answer

    def set_webhook_events(self, tenant: str, events: str | list[str]) -> dict[str, Any]:
        """``"documented"`` (the platform's events only, the default), ``"all"``, or a list of
        event names; the others are journaled as ``suppressed``."""
        answer: dict[str, Any] = self._http.request(
            "PUT", f"/tenants/{_segment(tenant)}/webhook/events", {"events": events}
        )
        return answer

    def clear_webhook_events(self, tenant: str) -> None:
        """Back to the process default (``--webhook-events``)."""
        self._http.request("DELETE", f"/tenants/{_segment(tenant)}/webhook/events")

    # --- tenant hours ----------------------------------------------------------------------

    def set_after_hours(self, tenant: str, after_hours: bool = True, message: str | None = None) -> JSON:
        """Close (or open) the tenant: while closed, resuming a chat answers 400 with ``message``
        (the emulator's default wording when None)."""
        body: dict[str, Any] = {"after_hours": after_hours}
        if message is not None:
            body["message"] = message
        return self._http.request("PUT", f"/tenants/{_segment(tenant)}/after_hours", body)

    def clear_after_hours(self, tenant: str) -> JSON:
        """Back within hours."""
        return self._http.request("DELETE", f"/tenants/{_segment(tenant)}/after_hours")

    # --- the tenant's clock -----------------------------------------------------------------

    def clock(self, tenant: str) -> dict[str, Any]:
        """The tenant's clock: ``now``, ``offset_ms`` ahead of real time, ``real_time``,
        ``pending_timers``."""
        answer: dict[str, Any] = self._http.request("GET", f"/tenants/{_segment(tenant)}/clock")
        return answer

    def advance_clock(self, tenant: str, by: str | float | timedelta) -> dict[str, Any]:
        """Moves the tenant's clock forward ``by`` (``"11m"``, ``"90s"``, ``"2h"``, seconds as
        a number, or a ``timedelta``); every timer that falls due fires, in order, before it
        answers. Other tenants' clocks do not move. Answers the clock."""
        answer: dict[str, Any] = self._http.request(
            "POST", f"/tenants/{_segment(tenant)}/clock", {"advance": _duration(by)}
        )
        return answer

    def reset_clock(self, tenant: str) -> None:
        """The tenant's clock reads real time again."""
        self._http.request("DELETE", f"/tenants/{_segment(tenant)}/clock")

    # --- message content shape -------------------------------------------------------------

    def set_message_content_shape(self, tenant: str, shape: Literal["string", "object"]) -> dict[str, Any]:
        """How the tenant's text ``message_received`` carries ``body.message.content``: the plain
        text (``string``, the default) or ``{"type": "text", "content": ...}`` (``object``)."""
        body = {"shape": shape}
        return self._http.request_object("PUT", f"/tenants/{_segment(tenant)}/message_content_shape", body)

    def message_content_shape(self, tenant: str) -> dict[str, Any]:
        """``{"tenant", "source", "shape"}``."""
        return self._http.request_object("GET", f"/tenants/{_segment(tenant)}/message_content_shape")

    def clear_message_content_shape(self, tenant: str) -> JSON:
        """Back to ``--message-content-shape``."""
        return self._http.request("DELETE", f"/tenants/{_segment(tenant)}/message_content_shape")

    # --- chats -----------------------------------------------------------------------------

    def chat(
        self,
        chat_id: int,
        *,
        routing_state: RoutingState | None = None,
        status: str | None = None,
        min_messages: int | None = None,
        contains: str | None = None,
        wait: float | None = None,
    ) -> dict[str, Any]:
        """The full record (routing state, participants, every message with its visibility).

        With a condition and ``wait``, answers once the condition holds.
        """
        params = {
            "routing_state": routing_state,
            "status": status,
            "min_messages": min_messages,
            "contains": contains,
        }
        return self._long_poll(f"/chats/{chat_id}", params, wait)

    def transcript(
        self,
        chat_id: int,
        view: View = "all",
        *,
        min_messages: int | None = None,
        contains: str | None = None,
        wait: float | None = None,
    ) -> dict[str, Any]:
        """The chat as one party sees it: ``agent``, ``end_user`` or ``all``."""
        params = {"view": view, "min_messages": min_messages, "contains": contains}
        return self._long_poll(f"/chats/{chat_id}/transcript", params, wait)

    def agent_say(self, chat_id: int, text: str) -> JSON:
        return self._http.request("POST", f"/chats/{chat_id}/agent/messages", {"text": text})

    def agent_transfer(self, chat_id: int, task_virtual_agent: str) -> JSON:
        body = {"task_virtual_agent": task_virtual_agent}
        return self._http.request("POST", f"/chats/{chat_id}/agent/transfer", body)

    def agent_end(self, chat_id: int) -> JSON:
        return self._http.request("POST", f"/chats/{chat_id}/agent/end")

    def dismiss(self, chat_id: int, *, force: bool = False) -> JSON:
        """Dismiss the chat (the agent's button). Until both the end user and an agent have
        written (and, after a reactivation, the end user again) the platform's rule refuses
        it: 409, unless ``force``."""
        return self._http.request("POST", f"/chats/{chat_id}/dismiss", params={"force": True if force else None})

    def attach_file(
        self, chat_id: int, data: bytes, filename: str, *, content_type: str = "application/octet-stream"
    ) -> dict[str, Any]:
        """The human agent attaches a file: ``{media_id, message_id, chat_id, filename, content_type, size, url}``.

        With the default ``application/octet-stream`` the type comes from the file name's
        extension. The end user's side gets ``message_received`` with the ``media_id`` and
        downloads it with :meth:`AppsClient.download_media`.
        """
        answer = self._http.request_raw(
            "POST",
            f"/chats/{chat_id}/agent/attachments",
            data,
            content_type=content_type,
            params={"filename": filename},
        )
        attached: dict[str, Any] = json.loads(answer.data)
        return attached

    # --- queues and escalations ------------------------------------------------------------

    def queues(self, tenant: str) -> dict[str, Any]:
        """``{"tenant", "queues"}``: each queue's availability for this tenant and its waiting chats."""
        return self._http.request_object("GET", f"/tenants/{_segment(tenant)}/queues")

    def set_queue_availability(self, tenant: str, queue_id: str, availability: Availability | None) -> dict[str, Any]:
        """Set one queue's availability for this tenant (``None``: the fixture's); the queue.

        A queue that becomes ``available`` hands its waiting chats to the agent.
        """
        body = {"availability": availability}
        return self._http.request_object("PUT", f"/tenants/{_segment(tenant)}/queues/{_segment(queue_id)}", body)

    def set_wait_time(self, tenant: str, queue_id: str, **figures: int) -> dict[str, Any]:
        """Change what ``GET /wait_times`` answers for one queue of this tenant: ``chat`` and
        ``voice_call`` (seconds), ``logged_in_agents``, ``available_agents``,
        ``breakthrough_agents`` (the ones given); the queue."""
        path = f"/tenants/{_segment(tenant)}/queues/{_segment(queue_id)}/wait_time"
        return self._http.request_object("PUT", path, dict(figures))

    def clear_wait_time(self, tenant: str, queue_id: str) -> JSON:
        """The fixture's wait-time figures again."""
        return self._http.request("DELETE", f"/tenants/{_segment(tenant)}/queues/{_segment(queue_id)}/wait_time")

    def escalations(
        self,
        *,
        tenant: str | None = None,
        chat_id: int | None = None,
        status: EscalationStatus | None = None,
        min_count: int | None = None,
        wait: float | None = None,
    ) -> dict[str, Any]:
        """Every escalation (``count``, ``escalations``); with ``min_count`` and ``wait`` a long-poll."""
        params = {"tenant": tenant, "chat_id": chat_id, "status": status, "min_count": min_count}
        return self._long_poll("/escalations", params, wait)

    # --- journals --------------------------------------------------------------------------

    def deliveries(
        self,
        *,
        tenant: str | None = None,
        chat_id: int | None = None,
        event_type: str | None = None,
        status: str | None = None,
        min_count: int | None = None,
        wait: float | None = None,
    ) -> dict[str, Any]:
        """The webhook delivery journal (``count``, ``deliveries``, ``counters``)."""
        params = {
            "tenant": tenant,
            "chat_id": chat_id,
            "event_type": event_type,
            "status": status,
            "min_count": min_count,
        }
        return self._long_poll("/webhooks/deliveries", params, wait)

    def delivery(self, delivery_id: str) -> dict[str, Any]:
        return self._http.request_object("GET", f"/webhooks/deliveries/{_segment(delivery_id)}")

    def redeliver(self, delivery_id: str) -> JSON:
        """Send a delivery again: same id, fresh signature."""
        return self._http.request("POST", f"/webhooks/deliveries/{_segment(delivery_id)}/redeliver")

    def webhook_stats(self, **filters: Any) -> dict[str, Any]:
        return self._http.request_object("GET", "/webhooks/stats", params=filters)

    def requests(
        self,
        *,
        tenant: str | None = None,
        method: str | None = None,
        path: str | None = None,
        path_prefix: str | None = None,
        status: int | None = None,
        after: int | None = None,
        min_count: int | None = None,
        wait: float | None = None,
    ) -> dict[str, Any]:
        """The request journal of the Apps API."""
        params = {
            "tenant": tenant,
            "method": method,
            "path": path,
            "path_prefix": path_prefix,
            "status": status,
            "after": after,
            "min_count": min_count,
        }
        return self._long_poll("/requests", params, wait)

    def clear_requests(self, tenant: str | None = None) -> JSON:
        return self._http.request("DELETE", "/requests", params={"tenant": tenant})

    # --- long-polls ------------------------------------------------------------------------

    def _long_poll(self, path: str, params: Mapping[str, object | None], wait: float | None) -> dict[str, Any]:
        if wait is None:
            return self._http.request_object("GET", path, params=params)
        return _until_deadline(
            lambda remaining: self._http.request_object(
                "GET",
                path,
                params={**params, "wait": f"{max(1, int(remaining * 1000))}ms"},
                timeout=remaining + 10.0,
            ),
            wait,
        )


def _until_deadline(ask: Callable[[float], T], wait: float) -> T:
    """Ask with ``wait`` capped at the emulator's limit, again until the whole wait is over."""
    deadline = time.monotonic() + wait
    while True:
        remaining = deadline - time.monotonic()
        try:
            return ask(min(max(remaining, 0.001), LONG_POLL_CAP_SECONDS))
        except WaitTimeout:
            if deadline - time.monotonic() <= 0.001:
                raise
