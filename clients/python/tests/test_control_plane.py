"""The control-plane client against the real binary: webhook target and rotation, faults,
the delivery journal and redelivery, long-poll timeouts, the agent's actions, the request
journal and resets."""

from __future__ import annotations

import pytest

from ccai_emulator import EmulatorError, TestTenant, WaitTimeout, WebhookTimeout, parse_signature_header
from ccai_emulator.admin import LONG_POLL_CAP_SECONDS, _until_deadline


def test_the_tenants_webhook_points_at_its_own_receiver(ccai_tenant: TestTenant) -> None:
    assert ccai_tenant.admin.webhook(ccai_tenant.name)["webhook"]["primary_secret"] == "[redacted]"
    config = ccai_tenant.admin.webhook(ccai_tenant.name, reveal_secrets=True)
    assert config["source"] == "tenant"
    assert config["webhook"]["url"] == ccai_tenant.webhooks.url
    assert config["webhook"]["primary_secret"] == ccai_tenant.webhook_secret


def test_rotation_makes_the_secondary_secret_the_primary(ccai_tenant: TestTenant) -> None:
    tenant = ccai_tenant
    tenant.admin.set_webhook(tenant.name, tenant.webhooks.url, "old-secret", "new-secret")
    tenant.webhooks.set_secrets(["new-secret"])  # the consumer already only knows the new one
    _, before = tenant.start_chat("before-rotation")
    signed_twice = tenant.wait_for_webhook("chat_created", chat_id=before)
    assert set(parse_signature_header(signed_twice.headers["x-signature"])) == {"primary", "secondary"}

    tenant.admin.rotate_webhook(tenant.name)
    assert tenant.admin.webhook(tenant.name, reveal_secrets=True)["webhook"]["primary_secret"] == "new-secret"
    _, after = tenant.start_chat("after-rotation")
    signed_once = tenant.wait_for_webhook("chat_created", chat_id=after)
    assert set(parse_signature_header(signed_once.headers["x-signature"])) == {"primary"}


def test_a_bad_signature_fault_is_refused_then_the_retry_verifies(ccai_tenant: TestTenant) -> None:
    tenant = ccai_tenant
    tenant.admin.set_webhook_faults(tenant.name, bad_signature=True)
    _, chat = tenant.start_chat()
    forged = tenant.webhooks.wait_for_webhook("chat_created", chat_id=chat, verified=False)
    tenant.admin.clear_webhook_faults(tenant.name)
    retried = tenant.wait_for_webhook("chat_created", chat_id=chat)
    assert retried.delivery_id == forged.delivery_id
    delivery = tenant.admin.delivery(retried.delivery_id)
    assert delivery["attempts"][0]["status_code"] == 401


def test_a_redelivery_arrives_again_with_the_same_id(ccai_tenant: TestTenant) -> None:
    _, chat = ccai_tenant.start_chat()
    journal = ccai_tenant.admin.deliveries(chat_id=chat, event_type="chat_created", status="delivered", wait=5)
    delivery_id = journal["deliveries"][0]["id"]
    ccai_tenant.admin.redeliver(delivery_id)
    again = ccai_tenant.webhooks.wait_for_webhook(chat_id=chat, predicate=lambda hook: hook.duplicate)
    assert again.delivery_id == delivery_id and again.verified
    assert ccai_tenant.admin.webhook_stats(tenant=ccai_tenant.name)["attempts"] >= 2


def test_a_long_poll_that_times_out_raises_with_the_state_last_seen(ccai_tenant: TestTenant) -> None:
    _, chat = ccai_tenant.start_chat()
    with pytest.raises(WaitTimeout) as timeout:
        ccai_tenant.admin.chat(chat, routing_state="finished", wait=0.2)
    assert timeout.value.status == 408 and "routing_state" in timeout.value.message
    assert timeout.value.body["routing_state"] == "assigned"
    with pytest.raises(EmulatorError) as malformed:
        ccai_tenant.admin.chat(chat, routing_state="sleeping", wait=1)  # type: ignore[arg-type]
    assert malformed.value.status == 400


def test_a_wait_that_times_out_says_what_it_saw_in_its_message(ccai_tenant: TestTenant) -> None:
    user, chat = ccai_tenant.start_chat()
    ccai_tenant.apps.send_text(chat, user, "hello there")
    with pytest.raises(WaitTimeout) as timeout:
        ccai_tenant.wait_for_transcript(chat, "end_user", contains="refund", timeout=0.2)
    text = str(timeout.value)
    assert "status=assigned, routing_state=assigned" in text, text
    assert 'end_user: "hello there"' in text, text
    assert timeout.value.last_seen["view"] == "end_user"


def test_waiting_for_an_event_left_out_by_the_selection_says_how_to_enable_it(ccai_tenant: TestTenant) -> None:
    ccai_tenant.admin.set_webhook_events(ccai_tenant.name, "documented")  # the platform's default
    assert "chat_ended" not in ccai_tenant.admin.webhook_events(ccai_tenant.name)["events"]
    _, chat = ccai_tenant.start_chat()
    ccai_tenant.apps.end_chat(chat)  # no page mentions an event for it: journaled, not sent
    ccai_tenant.admin.deliveries(chat_id=chat, event_type="chat_ended", status="suppressed", min_count=1, wait=5)
    with pytest.raises(WaitTimeout) as timeout:
        ccai_tenant.admin.deliveries(chat_id=chat, event_type="chat_ended", status="delivered", min_count=1, wait=0.2)
    text = str(timeout.value)
    assert "chat_ended is left out by the tenant" in text and "(documented: chat_created" in text, text
    assert "journaled as suppressed" in text, text
    assert f"PUT /__admin/tenants/{ccai_tenant.name}/webhook/events" in text, text
    assert timeout.value.last_seen["left_out_by_selection"][0]["event_type"] == "chat_ended"
    with pytest.raises(WebhookTimeout) as never_sent:
        ccai_tenant.wait_for_webhook("chat_ended", chat_id=chat, timeout=0.1)
    assert "the emulator's journal: 0 matched" in str(never_sent.value), never_sent.value
    assert "journaled as suppressed; enable it with PUT" in str(never_sent.value), never_sent.value


def test_a_tenants_clock_moves_alone(ccai_tenant: TestTenant) -> None:
    from datetime import timedelta

    other = ccai_tenant.admin.clock(ccai_tenant.name + "-other")
    moved = ccai_tenant.advance_clock(timedelta(minutes=90))
    assert moved["offset_ms"] == 90 * 60 * 1000 and moved["real_time"] is False
    assert ccai_tenant.advance_clock("30m")["offset_ms"] == 120 * 60 * 1000
    assert ccai_tenant.admin.clock(ccai_tenant.name + "-other")["offset_ms"] == other["offset_ms"] == 0
    with pytest.raises(EmulatorError) as refused:
        ccai_tenant.advance_clock("soon")
    assert refused.value.status == 400
    with pytest.raises(ValueError):
        ccai_tenant.advance_clock(-1)
    ccai_tenant.reset_clock()
    assert ccai_tenant.clock()["real_time"] is True


def test_waits_longer_than_the_emulators_cap_are_asked_again() -> None:
    asked: list[float] = []

    def ask(wait: float) -> str:
        asked.append(wait)
        if len(asked) == 1:
            raise WaitTimeout("GET", "/x", 408, "Timed out", {})
        return "met"

    assert _until_deadline(ask, 150.0) == "met"
    assert asked[0] == LONG_POLL_CAP_SECONDS and 60.0 < asked[0] + asked[1] <= 150.0


def test_the_agent_speaks_transfers_and_ends(ccai_tenant: TestTenant) -> None:
    tenant = ccai_tenant
    _, chat = tenant.start_chat()
    tenant.agent_say(chat, "Anything else?")
    said = tenant.wait_for_webhook(
        "message_received", chat_id=chat, predicate=lambda hook: "Anything else?" in hook.raw_body.decode()
    )
    assert said.body["sender"]["type"] == "agent"
    assert (
        "Anything else?"
        in tenant.wait_for_transcript(chat, "end_user", contains="Anything else?")["messages"][-1]["body"]["text"]
    )
    tenant.agent_transfer(chat, "order_status")
    assert tenant.wait_for_chat(chat, state="task_virtual_agent")["task_virtual_agent"]["key"] == "order_status"
    tenant.agent_end(chat)
    assert tenant.wait_for_chat(chat, state="finished", status="finished")["routing_state"] == "finished"
    assert tenant.wait_for_webhook("chat_ended", chat_id=chat).body["ended_by"] == "agent"


def test_the_request_journal_shows_what_was_sent_and_reset_forgets_the_tenant(ccai_tenant: TestTenant) -> None:
    tenant = ccai_tenant
    user, chat = tenant.start_chat()
    tenant.apps.send_text(chat, user, "hello")
    sent = tenant.admin.requests(tenant=tenant.name, path=f"/apps/api/v1/chats/{chat}/message", min_count=1, wait=5)
    assert sent["count"] == 1 and sent["requests"][0]["body"]["message"]["content"]["text"] == "hello"
    tenant.admin.reset(tenant.name)
    assert tenant.admin.requests(tenant=tenant.name)["count"] == 0
    with pytest.raises(EmulatorError) as gone:
        tenant.apps.get_chat(chat)
    assert gone.value.status == 404


def test_tenant_names_are_sent_as_one_encoded_path_segment(ccai_tenant: TestTenant) -> None:
    admin = ccai_tenant.admin
    odd = f"{ccai_tenant.name} odd?name#1"
    admin.set_webhook(odd, ccai_tenant.webhooks.url, "odd-secret")
    config = admin.webhook(odd, reveal_secrets=True)
    assert config["source"] == "tenant"
    assert config["webhook"]["primary_secret"] == "odd-secret"
    assert admin.queues(odd)["tenant"] == odd
    # The tenant the name's prefix spells was not touched.
    assert admin.webhook(ccai_tenant.name, reveal_secrets=True)["webhook"]["primary_secret"] == (
        ccai_tenant.webhook_secret
    )
