"""A tenant of a test's own, with its webhook receiver and the helpers a test needs.

:class:`TestTenant` is what the ``ccai_tenant`` pytest fixture gives each test, and can be
used without pytest: it picks a unique subdomain, starts a :class:`WebhookReceiver` with a
random secret, points the tenant's webhook at it, and offers waits that go through the
emulator's long-polls (``wait_for_chat``, ``wait_for_transcript``), through the receiver
(``wait_for_webhook``), the tenant's own clock (``advance_clock("11m")``), the simulated
agent's actions, and ``assert_agent_never_saw(chat_id, value)``.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from typing import Any

from .admin import EscalationStatus, RoutingState, View
from .apps import AppsClient
from .launcher import Emulator
from ._http import EmulatorError, WaitTimeout
from .receiver import Predicate, ReceivedWebhook, WebhookReceiver, WebhookTimeout

DEFAULT_TIMEOUT = 10.0
"""Seconds a wait helper waits unless told otherwise."""


class TestTenant:
    """One isolated tenant (Basic-auth subdomain) on an emulator, with a verified webhook."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, emulator: Emulator, name_hint: str = "test", *, token: str = "any-token"):
        self.emulator = emulator
        self.admin = emulator.admin
        self.name = unique_tenant_name(name_hint)
        self.token = token
        self.apps: AppsClient = emulator.apps(self.name, token)
        self.webhook_secret = secrets.token_urlsafe(24)
        self.webhooks = WebhookReceiver([self.webhook_secret]).start()
        try:
            self.admin.set_webhook(self.name, self.webhooks.url, self.webhook_secret)
        except BaseException:
            self.webhooks.stop()
            raise

    def close(self) -> None:
        """Forget the tenant's state on the emulator (its webhook target too), stop the receiver."""
        try:
            self.admin.reset(self.name)
        finally:
            self.webhooks.stop()

    def __enter__(self) -> TestTenant:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- starting a conversation -----------------------------------------------------------

    def start_chat(
        self, identifier: str = "customer-1", *, wait_for_agent: bool = True, **chat: Any
    ) -> tuple[int, int]:
        """Upsert an end user and open a chat for them; ``(end_user_id, chat_id)``.

        With ``wait_for_agent`` (the default) it returns once the simulated agent has joined,
        so the first message reaches the agent, not the queue.
        """
        user_id = int(self.apps.upsert_end_user(identifier)["id"])
        chat_id = int(self.apps.create_chat(user_id, **chat)["id"])
        if wait_for_agent:
            self.wait_for_chat(chat_id, state="assigned")
        return user_id, chat_id

    # --- waits -----------------------------------------------------------------------------

    def wait_for_chat(
        self,
        chat_id: int,
        *,
        state: RoutingState | None = None,
        status: str | None = None,
        min_messages: int | None = None,
        contains: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> dict[str, Any]:
        """The chat's full record once it is in routing ``state`` (``queued``, ``assigned``,
        ``task_virtual_agent``, ``finished``) and meets the other conditions; long-polls.
        """
        return self.admin.chat(
            chat_id, routing_state=state, status=status, min_messages=min_messages, contains=contains, wait=timeout
        )

    def wait_for_transcript(
        self,
        chat_id: int,
        view: View = "all",
        *,
        contains: str | None = None,
        min_messages: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> dict[str, Any]:
        """The transcript in ``view`` once it has ``min_messages`` and/or ``contains`` text."""
        return self.admin.transcript(chat_id, view, contains=contains, min_messages=min_messages, wait=timeout)

    def wait_for_webhook(
        self,
        event_type: str | None = None,
        *,
        chat_id: int | None = None,
        predicate: Predicate | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> ReceivedWebhook:
        """The first verified webhook of this tenant the receiver accepted matching the
        filters (waits for it). On timeout the :class:`WebhookTimeout` also says what the
        emulator's delivery journal shows for that event (e.g. that the tenant's selection
        left it out, and how to enable it)."""
        try:
            return self.webhooks.wait_for_webhook(event_type, chat_id=chat_id, predicate=predicate, timeout=timeout)
        except WebhookTimeout as timed_out:
            journal = self._journal_account(event_type, chat_id)
            if journal is None:
                raise
            raise WebhookTimeout(f"{timed_out}; {journal}") from None

    def _journal_account(self, event_type: str | None, chat_id: int | None) -> str | None:
        """What the delivery journal shows for the event: the 408 of a one-time check on it."""
        try:
            found = self.admin.deliveries(
                tenant=self.name, chat_id=chat_id, event_type=event_type, status="delivered", min_count=1
            )
        except WaitTimeout as journal:
            return "the emulator's journal: " + journal.message.split(": ", 1)[-1]
        except EmulatorError:
            return None
        return f"the emulator's journal shows {found.get('count')} delivered"

    def wait_for_escalation(
        self, chat_id: int, status: EscalationStatus | None = None, *, timeout: float = DEFAULT_TIMEOUT
    ) -> dict[str, Any]:
        """The chat's latest escalation once one (in ``status``, if given) exists; long-polls."""
        found = self.admin.escalations(tenant=self.name, chat_id=chat_id, status=status, min_count=1, wait=timeout)
        escalation: dict[str, Any] = found["escalations"][-1]
        return escalation

    # --- the tenant's clock -----------------------------------------------------------------

    def advance_clock(self, by: str | float | timedelta) -> dict[str, Any]:
        """Moves this tenant's clock forward (``"11m"``, seconds, or a ``timedelta``); the
        timers that fall due (inactivity dismissal, agent joins) fire before it returns, and
        their effects can be awaited with the usual waits. See :meth:`AdminClient.advance_clock`."""
        return self.admin.advance_clock(self.name, by)

    def clock(self) -> dict[str, Any]:
        """This tenant's clock (``now``, ``offset_ms``, ``real_time``, ``pending_timers``)."""
        return self.admin.clock(self.name)

    def reset_clock(self) -> None:
        """This tenant's clock reads real time again."""
        self.admin.reset_clock(self.name)

    # --- the simulated human agent ---------------------------------------------------------

    def agent_say(self, chat_id: int, text: str) -> Any:
        return self.admin.agent_say(chat_id, text)

    def agent_transfer(self, chat_id: int, task_virtual_agent: str) -> Any:
        return self.admin.agent_transfer(chat_id, task_virtual_agent)

    def agent_end(self, chat_id: int) -> Any:
        return self.admin.agent_end(chat_id)

    def agent_view(self, chat_id: int) -> list[str]:
        """The texts of every message the human agent has seen in the chat."""
        return message_texts(self.admin.transcript(chat_id, "agent"))

    # --- assertions ------------------------------------------------------------------------

    def assert_agent_never_saw(self, chat_id: int, value: str) -> None:
        """Fail if ``value`` appears anywhere in the agent's view of the chat.

        Looks at the whole of each message the agent can see (texts, notes, sender, media),
        not just the text. Call it after the hand-back, e.g. once
        ``wait_for_transcript(chat_id, "agent", contains="finished successfully")`` answered.
        """
        transcript = self.admin.transcript(chat_id, "agent")
        leaks = [
            message for message in transcript.get("messages", []) if value in json.dumps(message, ensure_ascii=False)
        ]
        if leaks:
            shown = "\n".join(json.dumps(message, ensure_ascii=False) for message in leaks)
            raise AssertionError(f"the agent's view of chat {chat_id} contains {value!r}:\n{shown}")


def message_texts(transcript: dict[str, Any]) -> list[str]:
    """The ``body.text`` of each message of a transcript or chat record."""
    texts = []
    for message in transcript.get("messages", []):
        body = message.get("body") or {}
        if isinstance(body.get("text"), str):
            texts.append(body["text"])
    return texts


def unique_tenant_name(hint: str) -> str:
    """A subdomain no other test uses: the hint made URL-safe, plus a random suffix."""
    slug = re.sub(r"[^a-z0-9]+", "-", hint.lower()).strip("-")[:40] or "test"
    return f"{slug}-{secrets.token_hex(4)}"
