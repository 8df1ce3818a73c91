"""Queues, escalations and deflections against the real binary (the shipped fixtures' queues:
``general`` available, ``billing`` over capacity, ``orders`` after hours): a chat opened with
a ``context`` is routed by the queue-selection virtual agent; a deflected escalation is
answered by keeping waiting, by email (ending the chat) or by going on with the virtual
agent; a chat can open with a pre-chat ``transcript``."""

from __future__ import annotations

import pytest

from ccai_emulator import EmulatorError, TestTenant


def open_chat(tenant: TestTenant, department: str) -> tuple[int, int]:
    return tenant.start_chat(wait_for_agent=False, context={"department": department})


def test_keep_waiting_queues_the_chat_until_the_queue_has_room(ccai_tenant: TestTenant) -> None:
    user, chat = open_chat(ccai_tenant, "billing")
    deflected = ccai_tenant.wait_for_webhook("escalation_deflected", chat_id=chat)
    escalation = deflected.body["escalation"]
    assert (escalation["queue"]["id"], escalation["deflection_reason"]) == ("billing", "over_capacity")
    listed = ccai_tenant.wait_for_escalation(chat, "deflecting")
    assert (listed["id"], listed["tenant"], listed["deflection_options"]) == (
        escalation["id"],
        ccai_tenant.name,
        ["email", "human_agent", "virtual_agent"],
    )

    waiting = ccai_tenant.apps.choose_deflection(chat, escalation["id"], "human_agent")
    assert (waiting["status"], waiting["deflection_channel"]) == ("escalating", "human_agent")
    assert ccai_tenant.apps.get_chat(chat)["status"] == "queued"
    queues = {queue["id"]: queue for queue in ccai_tenant.admin.queues(ccai_tenant.name)["queues"]}
    assert queues["billing"]["availability"] == "over_capacity" and chat in queues["billing"]["waiting_chats"]

    billing = ccai_tenant.admin.set_queue_availability(ccai_tenant.name, "billing", "available")
    assert billing["availability"] == "available"
    record = ccai_tenant.wait_for_chat(chat, state="assigned")
    assert record["agent"] is not None
    assert ccai_tenant.wait_for_escalation(chat, "escalated")["id"] == escalation["id"]
    ccai_tenant.apps.send_text(chat, user, "thanks for waiting")


def test_after_hours_refuses_keep_waiting_and_email_ends_the_chat(ccai_tenant: TestTenant) -> None:
    user, chat = open_chat(ccai_tenant, "orders")
    escalation = ccai_tenant.wait_for_escalation(chat, "deflecting")
    assert escalation["deflection_reason"] == "after_hours"
    with pytest.raises(EmulatorError) as keep_waiting:
        ccai_tenant.apps.update_chat(chat, escalation_id=escalation["id"], deflection_channel="human_agent")
    assert keep_waiting.value.status == 400
    assert keep_waiting.value.message == (
        "deflection_channel human_agent (keep waiting) is only allowed when the reason is over_capacity; "
        f"escalation {escalation['id']} was deflected because of after_hours"
    )
    ended = ccai_tenant.apps.end_chat(
        chat, finished_by_user_id=user, escalation_id=escalation["id"], deflection_channel="email"
    )
    assert ended["status"] == "finished"
    answered = ccai_tenant.wait_for_escalation(chat, "deflected")
    assert (answered["id"], answered["deflection_channel"]) == (escalation["id"], "email")
    with pytest.raises(EmulatorError) as twice:
        ccai_tenant.apps.choose_deflection(chat, escalation["id"], "virtual_agent")
    assert twice.value.status == 400


def test_continuing_with_the_virtual_agent_then_escalating_to_an_open_queue(ccai_tenant: TestTenant) -> None:
    _, chat = open_chat(ccai_tenant, "billing")
    escalation = ccai_tenant.wait_for_escalation(chat, "deflecting")
    with pytest.raises(EmulatorError) as pending:
        ccai_tenant.apps.escalate(chat, queue_id="general")
    assert (pending.value.status, pending.value.message) == (
        400,
        f"Escalation {escalation['id']} is still waiting for a deflection choice",
    )
    stays = ccai_tenant.apps.choose_deflection(chat, escalation["id"], "virtual_agent")
    assert (stays["status"], stays["deflection_channel"]) == ("deflected", "virtual_agent")
    with pytest.raises(EmulatorError) as unknown:
        ccai_tenant.apps.escalate(chat, queue_id="nope")
    assert unknown.value.status == 400 and unknown.value.message.startswith('queue_id "nope" is not a known queue')
    again = ccai_tenant.apps.escalate(chat, queue_id="general")
    assert again["queue"]["id"] == "general" and again["id"] != escalation["id"]
    ccai_tenant.wait_for_chat(chat, state="assigned")
    assert ccai_tenant.wait_for_escalation(chat, "escalated")["id"] == again["id"]


def test_a_pre_chat_transcript_is_shown_to_the_agent_only(ccai_tenant: TestTenant) -> None:
    transcript = [
        {
            "sender": "end_user",
            "timestamp": "2021-03-15 12:00:00Z",
            "content": [{"type": "text", "text": "Where is my refund?"}],
        }
    ]
    _, chat = ccai_tenant.start_chat(transcript=transcript)
    agent_view = ccai_tenant.admin.transcript(chat, "agent")
    assert [entry["content"] for entry in agent_view["pre_chat"]] == [transcript[0]["content"]]
    assert agent_view["pre_chat"][0]["pre_chat"] is True
    assert not ccai_tenant.admin.transcript(chat, "end_user").get("pre_chat")
    user = ccai_tenant.apps.find_end_user(identifier="customer-1")["id"]
    bad = [{"sender": "end_user", "timestamp": "2021-03-15 12:00:00Z", "content": [{"type": "media", "media": {}}]}]
    with pytest.raises(EmulatorError) as refused:
        ccai_tenant.apps.create_chat(user, transcript=bad)
    assert refused.value.status == 400 and refused.value.message.startswith("Invalid transcript[0].content[0]")
