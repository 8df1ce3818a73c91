"""Resuming a chat ("Resume a chat", "Dismiss Inactive Chats"): a dismissed chat comes back
to an agent with its history; any other chat is refused with ``This chat is not in dismissed
state``; after hours the tenant's after-hours message is the answer. Dismissal is the agent's
act (or the platform's timer), so the resumes that succeed are emulator-only."""

from __future__ import annotations

import pytest

from harness.checks import assert_refused
from harness.consumer import Consumer

AGENT_GREETING = "How can I help you today?"


def test_resuming_a_chat_that_is_not_dismissed_is_refused(consumer: Consumer) -> None:
    """PATCH /chats/{id}/resume on a waiting chat and on an ended one: the documented refusal; an unknown chat: 404."""
    user = consumer.upsert_end_user("ned")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("resume the waiting chat")
    waiting = consumer.raw("PATCH", f"/chats/{chat['id']}/resume", {})
    consumer.step("end the chat")
    consumer.apps.end_chat(chat["id"])
    consumer.step("resume the ended chat")
    ended = consumer.raw("PATCH", f"/chats/{chat['id']}/resume", {})
    for answer in (waiting, ended):  # the page gives the text, not the status
        assert assert_refused(answer) == {"message": "This chat is not in dismissed state"}
    consumer.step("resume a chat that does not exist")
    assert_refused(consumer.raw("PATCH", "/chats/987654321/resume", {}))
    consumer.expect_webhooks("chat_created", chat["id"])


@pytest.mark.emulator_only("dismissing a chat is the human agent's act (POST /__admin/chats/{id}/dismiss)", agent=True)
def test_a_dismissed_chat_resumes_with_its_history(consumer: Consumer) -> None:
    """Both sides write, the agent dismisses the chat, PATCH /resume brings an agent back; the agent's messages
    reach the consumer as message_received."""
    user = consumer.upsert_end_user("olga")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.admin.transcript(chat["id"], "end_user", contains=AGENT_GREETING, wait=10)
    consumer.step("the end user writes")
    consumer.apps.send_text(chat["id"], user["id"], "Are you there?")
    consumer.admin.agent_say(chat["id"], "Yes, one moment please.")
    consumer.admin.dismiss(chat["id"])
    consumer.step("read the dismissed chat")
    dismissed = consumer.apps.get_chat(chat["id"])
    assert dismissed["status"] == "dismissed" and dismissed["agent"] is None
    consumer.step("resume it")
    resumed = consumer.apps.resume_chat(chat["id"])
    assert resumed is None or isinstance(resumed, dict)
    record = consumer.admin.chat(chat["id"], routing_state="assigned", wait=10)
    assert any("Are you there?" in str(message.get("body")) for message in record["messages"])
    consumer.step("read the resumed chat")
    assert consumer.apps.get_chat(chat["id"])["status"] == "assigned"
    greetings = consumer.expect_webhooks(
        "message_received", chat["id"], count=2, predicate=lambda hook: AGENT_GREETING in hook.raw_body.decode()
    )
    assert len(greetings) == 2  # the agent greets again when it comes back


@pytest.mark.emulator_only("dismissal and the tenant's hours are set on the control plane", agent=True)
def test_resuming_after_hours_answers_the_after_hours_message(consumer: Consumer) -> None:
    """A dismissed chat of a tenant that is closed: PATCH /resume answers the after-hours message, the chat stays dismissed."""
    user = consumer.upsert_end_user("pia")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.admin.transcript(chat["id"], "end_user", contains=AGENT_GREETING, wait=10)
    consumer.step("the end user writes")
    consumer.apps.send_text(chat["id"], user["id"], "Hello")
    consumer.admin.agent_say(chat["id"], "Hi there.")
    consumer.admin.dismiss(chat["id"])
    consumer.admin.set_after_hours(consumer.subdomain, message="We are closed.")
    consumer.step("resume after hours")
    refused = consumer.raw("PATCH", f"/chats/{chat['id']}/resume", {})
    assert (refused.status, refused.json()) == (400, {"message": "We are closed."})
    consumer.step("the chat is still dismissed")
    assert consumer.apps.get_chat(chat["id"])["status"] == "dismissed"
