"""The webhook receiver on its own: it verifies, records, answers 200 (or ``status_for_valid``)
/401 and wakes waiters. (The README's retry example runs it against the emulator.)"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from ccai_emulator import WebhookReceiver, WebhookTimeout, signature_header

SECRET = "receiver-test-secret"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver([SECRET]) as receiver:
        yield receiver


def post(
    url: str, event: dict[str, object], *, secret: str = SECRET, delivery_id: str = "d-1", tamper: bool = False
) -> int:
    body = json.dumps(event).encode()
    timestamp = "2026-01-01T00:00:00Z"
    headers = {
        "content-type": "application/json",
        "x-signature-timestamp": timestamp,
        "x-signature": signature_header(secret, None, timestamp, body),
        "x-emulator-delivery-id": delivery_id,
    }
    request = urllib.request.Request(url, data=body + (b" " if tamper else b""), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_it_listens_on_loopback_on_a_free_port(receiver: WebhookReceiver) -> None:
    assert receiver.url.startswith("http://127.0.0.1:")
    assert not receiver.url.startswith("http://127.0.0.1:0/")


def test_a_signed_event_is_accepted_and_recorded(receiver: WebhookReceiver) -> None:
    assert post(receiver.url, {"event_type": "chat_created", "chat_id": 7, "body": {}}) == 200
    hook = receiver.wait_for_webhook("chat_created", chat_id=7, timeout=5)
    assert hook.verified and not hook.duplicate and hook.delivery_id == "d-1"
    assert [h.event_type for h in receiver.events()] == ["chat_created"]


def test_a_tampered_body_or_a_wrong_secret_is_refused_and_recorded_as_unverified(receiver: WebhookReceiver) -> None:
    assert post(receiver.url, {"event_type": "chat_created", "chat_id": 1}, tamper=True) == 401
    assert post(receiver.url, {"event_type": "chat_created", "chat_id": 2}, secret="wrong", delivery_id="d-2") == 401
    unverified = receiver.wait_for_webhooks(2, verified=False, timeout=5)
    assert [hook.chat_id for hook in unverified] == [1, 2]
    assert receiver.events() == []
    with pytest.raises(WebhookTimeout, match="verified=False"):
        receiver.wait_for_webhook("chat_created", timeout=0.2)


def test_a_repeated_delivery_id_is_marked_duplicate(receiver: WebhookReceiver) -> None:
    for _ in range(2):
        assert post(receiver.url, {"event_type": "message_received", "chat_id": 3}) == 200
    first, second = receiver.wait_for_webhooks(2, event_type="message_received", timeout=5)
    assert (first.duplicate, second.duplicate) == (False, True)
    assert len(receiver.events(event_type="message_received")) == 1


def test_a_waiter_wakes_when_the_event_arrives_from_another_thread(receiver: WebhookReceiver) -> None:
    # Sent from another thread while the test waits: the condition variable wakes the waiter.
    waiting = threading.Event()
    sender = threading.Thread(
        target=lambda: waiting.wait(5) and post(receiver.url, {"event_type": "chat_ended", "chat_id": 9})
    )
    sender.start()
    waiting.set()
    hook = receiver.wait_for_webhook(chat_id=9, predicate=lambda hook: hook.event_type == "chat_ended", timeout=10)
    sender.join()
    assert hook.chat_id == 9


def test_the_timeout_message_lists_what_did_arrive(receiver: WebhookReceiver) -> None:
    post(receiver.url, {"event_type": "chat_created", "chat_id": 4})
    receiver.wait_for_webhook("chat_created", timeout=5)
    with pytest.raises(WebhookTimeout, match=r"arrived: \['chat_created chat 4 verified=True'\]"):
        receiver.wait_for_webhook("chat_ended", timeout=0.1)


def test_new_secrets_apply_to_the_next_request(receiver: WebhookReceiver) -> None:
    receiver.set_secrets(["rotated"])
    assert post(receiver.url, {"event_type": "chat_created", "chat_id": 5}) == 401
    assert post(receiver.url, {"event_type": "chat_created", "chat_id": 6}, secret="rotated", delivery_id="d-6") == 200


def test_status_for_valid_is_answered_to_verified_requests_only() -> None:
    with WebhookReceiver([SECRET], status_for_valid=503) as failing:
        assert post(failing.url, {"event_type": "chat_created", "chat_id": 11}) == 503
        assert post(failing.url, {"event_type": "chat_created", "chat_id": 12}, tamper=True) == 401
        failing.status_for_valid = 200
        assert post(failing.url, {"event_type": "chat_created", "chat_id": 13}, delivery_id="d-13") == 200
        assert [(hook.chat_id, hook.verified) for hook in failing.received] == [(11, True), (12, False), (13, True)]

def test_fail_next_fails_that_many_and_waits_resolve_on_the_accepted_request(receiver: WebhookReceiver) -> None:
    receiver.fail_next(2, 503)
    assert [post(receiver.url, {"event_type": "chat_created", "chat_id": 21}, delivery_id="d-21") for _ in range(3)] == [
        503,
        503,
        200,
    ]
    hook = receiver.wait_for_webhook("chat_created", chat_id=21, timeout=5)
    assert hook.status == 200 and hook.accepted and hook.duplicate
    failed = receiver.wait_for_webhooks(2, chat_id=21, accepted=False, timeout=5)
    assert [attempt.status for attempt in failed] == [503, 503]
    assert len(receiver.wait_for_webhooks(3, chat_id=21, accepted=None, timeout=5)) == 3
    assert [event.status for event in receiver.events(chat_id=21)] == [200]
    with pytest.raises(ValueError):
        receiver.fail_next(1, 200)


def test_a_wait_is_not_resolved_by_an_attempt_the_receiver_failed(receiver: WebhookReceiver) -> None:
    receiver.fail_next(1, 503)
    assert post(receiver.url, {"event_type": "chat_created", "chat_id": 22}, delivery_id="d-22") == 503
    with pytest.raises(WebhookTimeout, match="answered 503"):
        receiver.wait_for_webhook("chat_created", chat_id=22, timeout=0.1)


def test_a_receiver_listens_on_the_port_it_is_given() -> None:
    with WebhookReceiver([SECRET]) as first:
        port = int(first.url.rsplit(":", 1)[1].split("/")[0])
    with WebhookReceiver([SECRET], port=port) as second:
        assert second.url == f"http://127.0.0.1:{port}/webhook"
        assert post(second.url, {"event_type": "chat_created", "chat_id": 1, "body": {}}) == 200


def test_wait_until_wakes_on_the_arrival_that_makes_the_condition_true(receiver: WebhookReceiver) -> None:
    assert receiver.wait_until(lambda received: len(received) > 0, timeout=0.01) is False
    for chat_id in (1, 1, 2):
        threading.Thread(target=post, args=(receiver.url, {"event_type": "x", "chat_id": chat_id, "body": {}})).start()
    assert receiver.wait_until(lambda received: len({h.chat_id for h in received}) >= 2, timeout=10)
