"""A webhook receiver for tests: verifies every signature and records every event.

It listens on ``127.0.0.1`` port 0 (a free port) in a background thread, answers 200 to a
request whose ``X-Signature`` verifies against one of its secrets and 401 otherwise (as the
platform's sample does), and records both. It can fail on purpose (:meth:`WebhookReceiver.fail_next`,
``status_for_valid``) to make the emulator retry. :meth:`WebhookReceiver.wait_for_webhook`
waits on a condition variable that every arriving request notifies, so a test waits exactly
as long as the event takes and never polls; by default it resolves only on a request the
receiver accepted (answered 2xx), never on an attempt it was told to fail.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .signing import verify


@dataclass(frozen=True)
class ReceivedWebhook:
    """One request the receiver got (each retry and redelivery is its own)."""

    event: dict[str, Any]
    """The decoded payload: ``event_type``, ``timestamp``, ``chat_id``, ``body``."""
    raw_body: bytes
    headers: dict[str, str]
    verified: bool
    """Whether ``X-Signature`` matched one of the receiver's secrets."""
    duplicate: bool
    """Whether a request with the same ``X-Emulator-Delivery-Id`` arrived before."""
    delivery_id: str = ""
    path: str = "/"
    status: int = 200
    """What the receiver answered: 2xx accepted it, anything else asks the emulator to retry."""

    @property
    def accepted(self) -> bool:
        """Verified and answered 2xx: the delivery the emulator journals as ``delivered``."""
        return self.verified and 200 <= self.status < 300

    @property
    def event_type(self) -> str:
        return str(self.event.get("event_type", ""))

    @property
    def chat_id(self) -> int | None:
        chat_id = self.event.get("chat_id")
        return chat_id if isinstance(chat_id, int) else None

    @property
    def body(self) -> dict[str, Any]:
        body = self.event.get("body")
        return body if isinstance(body, dict) else {}


Predicate = Callable[[ReceivedWebhook], bool]


class WebhookTimeout(AssertionError):
    """No matching webhook arrived in time; the message lists what did arrive."""


@dataclass
class _Journal:
    received: list[ReceivedWebhook] = field(default_factory=list)
    delivery_ids: set[str] = field(default_factory=set)
    scripted_failures: list[int] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)


class WebhookReceiver:
    """A local HTTP receiver of signed webhooks. Use as a context manager, or start/stop."""

    def __init__(self, secrets: Iterable[str], *, host: str = "127.0.0.1", port: int = 0, status_for_valid: int = 200):
        """Listens on ``host``:``port`` (0, the default, picks a free port; give one when a
        tunnel or another program must know it in advance)."""
        self._secrets = [secret for secret in secrets if secret]
        self._journal = _Journal()
        self.status_for_valid = status_for_valid
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Where to point the webhook, e.g. ``http://127.0.0.1:41234/webhook``."""
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}/webhook"

    def start(self) -> WebhookReceiver:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="webhook-receiver", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- secrets ---------------------------------------------------------------------------

    @property
    def secrets(self) -> list[str]:
        with self._journal.condition:
            return list(self._secrets)

    def set_secrets(self, secrets: Iterable[str]) -> None:
        """Verify from now on against these secrets (e.g. around a rotation)."""
        with self._journal.condition:
            self._secrets = [secret for secret in secrets if secret]

    # --- failing on purpose ----------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next ``count`` verified requests with ``status`` (e.g. 503) instead of
        ``status_for_valid``, so the emulator retries them."""
        if not 300 <= status <= 599:
            raise ValueError(f"status {status} is not a failure (300 to 599)")
        with self._journal.condition:
            self._journal.scripted_failures.extend([status] * count)

    # --- what arrived ----------------------------------------------------------------------

    @property
    def received(self) -> list[ReceivedWebhook]:
        """Every request so far, in arrival order (a copy)."""
        with self._journal.condition:
            return list(self._journal.received)

    def events(self, *, event_type: str | None = None, chat_id: int | None = None) -> list[ReceivedWebhook]:
        """The requests the receiver accepted, the first of each delivery id (so a retry
        after a failed attempt counts once, a duplicate not at all), matching the filters."""
        seen: set[str] = set()
        events = []
        for hook in self.received:
            if not hook.accepted or (hook.delivery_id and hook.delivery_id in seen):
                continue
            seen.add(hook.delivery_id)
            if _matches(hook, event_type, chat_id, None):
                events.append(hook)
        return events

    def wait_for_webhook(
        self,
        event_type: str | None = None,
        *,
        chat_id: int | None = None,
        predicate: Predicate | None = None,
        timeout: float = 10.0,
        verified: bool | None = True,
        accepted: bool | None = True,
    ) -> ReceivedWebhook:
        """The first request that matches, waiting up to ``timeout`` seconds for it.

        ``verified=True`` (the default) only matches requests whose signature verified,
        ``False`` only those that did not, ``None`` either. ``accepted=True`` (the default)
        only matches requests the receiver answered 2xx, so after ``fail_next(2, 503)`` it
        resolves on the retry that was accepted; ``False`` only the failed attempts, ``None``
        either (``accepted`` applies to verified requests; unverified ones are always
        answered 401). Raises :class:`WebhookTimeout`.
        """
        return self.wait_for_webhooks(
            1,
            event_type=event_type,
            chat_id=chat_id,
            predicate=predicate,
            timeout=timeout,
            verified=verified,
            accepted=accepted,
        )[0]

    def wait_for_webhooks(
        self,
        count: int,
        *,
        event_type: str | None = None,
        chat_id: int | None = None,
        predicate: Predicate | None = None,
        timeout: float = 10.0,
        verified: bool | None = True,
        accepted: bool | None = True,
    ) -> list[ReceivedWebhook]:
        """The first ``count`` matching requests, once that many have arrived (the filters
        as in :meth:`wait_for_webhook`)."""

        def wanted(hook: ReceivedWebhook) -> bool:
            if verified is not None and hook.verified != verified:
                return False
            if accepted is not None and hook.verified and hook.accepted != accepted:
                return False
            return _matches(hook, event_type, chat_id, predicate)

        def matching() -> list[ReceivedWebhook]:
            return [hook for hook in self._journal.received if wanted(hook)]

        with self._journal.condition:
            if not self._journal.condition.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                arrived = [
                    f"{hook.event_type} chat {hook.chat_id} verified={hook.verified}"
                    + ("" if hook.accepted or not hook.verified else f" answered {hook.status}")
                    for hook in self._journal.received
                ]
                raise WebhookTimeout(
                    f"no {count} webhook(s) with event_type={event_type!r} chat_id={chat_id!r}"
                    f"{' and the predicate' if predicate else ''} (verified={verified}, accepted={accepted})"
                    f" within {timeout}s; arrived: {arrived or 'nothing'}"
                )
            return matching()[:count]

    def wait_until(self, condition: Callable[[list[ReceivedWebhook]], bool], *, timeout: float = 10.0) -> bool:
        """Wait until ``condition(every request so far)`` holds; False if ``timeout`` passed first.

        For conditions the other waits do not express (e.g. "N distinct events for these
        chats"); it is checked on every arrival, never polled.
        """
        with self._journal.condition:
            return self._journal.condition.wait_for(lambda: condition(list(self._journal.received)), timeout=timeout)

    # --- HTTP ------------------------------------------------------------------------------

    def _record(self, path: str, headers: dict[str, str], raw_body: bytes) -> int:
        """Records the request and answers the status to send back."""
        lowered = {name.lower(): value for name, value in headers.items()}
        with self._journal.condition:
            ok = verify(
                lowered.get("x-signature", ""), lowered.get("x-signature-timestamp", ""), raw_body, self._secrets
            )
            if not ok:
                status = 401
            elif self._journal.scripted_failures:
                status = self._journal.scripted_failures.pop(0)
            else:
                status = self.status_for_valid
            delivery_id = lowered.get("x-emulator-delivery-id", "")
            duplicate = bool(delivery_id) and ok and delivery_id in self._journal.delivery_ids
            if ok and delivery_id:
                self._journal.delivery_ids.add(delivery_id)
            try:
                event = json.loads(raw_body or b"{}")
            except ValueError:
                event = {}
            self._journal.received.append(
                ReceivedWebhook(
                    event=event if isinstance(event, dict) else {},
                    raw_body=raw_body,
                    headers=lowered,
                    verified=ok,
                    duplicate=duplicate,
                    delivery_id=delivery_id,
                    path=path,
                    status=status,
                )
            )
            self._journal.condition.notify_all()
        return status

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._record(self.path, dict(self.headers.items()), raw_body)
                text = b"ok" if status < 300 else b"bad signature" if status == 401 else b"failing on purpose"
                self._answer(status, text)

            def do_GET(self) -> None:
                self._answer(200, b"receiver up")

            def _answer(self, status: int, text: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _matches(hook: ReceivedWebhook, event_type: str | None, chat_id: int | None, predicate: Predicate | None) -> bool:
    if event_type is not None and hook.event_type != event_type:
        return False
    if chat_id is not None and hook.chat_id != chat_id:
        return False
    return predicate is None or predicate(hook)
