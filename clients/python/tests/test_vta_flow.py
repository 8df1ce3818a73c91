"""Whole flows against the real binary: the one-time-code VTA end to end, with verified
webhooks and the agent's view, and the payment VTA whose card the agent only sees masked."""

from __future__ import annotations

import pytest

from ccai_emulator import ReceivedWebhook, TestTenant, message_texts


def server_text(hook: ReceivedWebhook) -> str:
    """The text of a VTA's ``server_message`` webhook ('' for any other event)."""
    content = hook.body.get("server_message", {}).get("content", {})
    return str(content.get("content", ""))


def test_one_time_code_flow_with_verified_webhooks_never_shows_the_code_to_the_agent(ccai_tenant: TestTenant) -> None:
    tenant = ccai_tenant
    user, chat = tenant.start_chat("customer-42")
    assert tenant.wait_for_webhook("chat_created", chat_id=chat).event["chat_id"] == chat

    tenant.apps.send_text(chat, user, "I need to verify my account")
    record = tenant.wait_for_chat(chat, state="task_virtual_agent", contains="6-digit")
    assert record["task_virtual_agent"]["key"] == "one_time_code"
    assert tenant.apps.get_chat(chat)["virtual_agent"]["name"] == "Verification Assistant"

    # The VTA's question reaches the consumer as a signed server_message webhook.
    question = tenant.wait_for_webhook(
        "message_received", chat_id=chat, predicate=lambda hook: "6-digit" in server_text(hook)
    )
    assert question.verified and question.body["sender"]["type"] == "task_virtual_agent"
    assert question.headers["x-signature"].startswith("primary=")

    tenant.apps.send_text(chat, user, "12345")  # too short: asked again
    tenant.wait_for_transcript(chat, "end_user", contains="exactly 6 digits")
    tenant.apps.send_text(chat, user, "481516", plain_content=True)

    agent_view = tenant.wait_for_transcript(chat, "agent", contains="finished successfully")
    assert any("finished: success" in text for text in message_texts(agent_view))
    tenant.assert_agent_never_saw(chat, "481516")
    tenant.assert_agent_never_saw(chat, "12345")
    assert "481516" in message_texts(tenant.admin.transcript(chat, "all"))
    assert "481516" in message_texts(tenant.admin.transcript(chat, "end_user"))  # their own message
    assert tenant.wait_for_chat(chat, state="assigned")["task_virtual_agent"] is None

    left = tenant.wait_for_webhook("virtual_agent_left", chat_id=chat)
    assert "481516" not in left.raw_body.decode()
    # Every delivery the journal calls delivered reached this receiver and verified (the
    # receiver records a request before it answers 200, so the journal can never be ahead).
    journal = tenant.admin.deliveries(chat_id=chat, status="delivered", min_count=5, wait=5)
    received = {hook.delivery_id for hook in tenant.webhooks.events(chat_id=chat)}
    assert {delivery["id"] for delivery in journal["deliveries"]} <= received
    assert all(hook.verified for hook in tenant.webhooks.received)


def test_assert_agent_never_saw_fails_on_what_the_agent_did_see(ccai_tenant: TestTenant) -> None:
    user, chat = ccai_tenant.start_chat()
    ccai_tenant.apps.send_text(chat, user, "my account number is 99-1234")
    ccai_tenant.wait_for_transcript(chat, "agent", contains="99-1234")
    with pytest.raises(AssertionError, match="contains '99-1234'"):
        ccai_tenant.assert_agent_never_saw(chat, "99-1234")


def test_the_payment_vta_shows_the_agent_only_a_masked_card(ccai_tenant: TestTenant) -> None:
    user, chat = ccai_tenant.start_chat("card-holder")
    ccai_tenant.agent_transfer(chat, "payment_card")
    ccai_tenant.wait_for_chat(chat, state="task_virtual_agent", contains="card number")
    ccai_tenant.apps.send_text(chat, user, "4111 1111 1111 1111")
    ccai_tenant.wait_for_transcript(chat, "end_user", contains="MM/YY")
    ccai_tenant.apps.send_text(chat, user, "04/29")

    agent_view = ccai_tenant.wait_for_transcript(chat, "agent", contains="finished successfully")
    ccai_tenant.assert_agent_never_saw(chat, "4111111111111111")
    ccai_tenant.assert_agent_never_saw(chat, "4111 1111 1111 1111")
    assert any("1111" in text for text in message_texts(agent_view)), "the masked card shows its last digits"
