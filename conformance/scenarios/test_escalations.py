"""Escalations and deflections ("Chat platform API Guide", "Virtual agent reason codes";
docs/escalations.md). A chat whose ``context`` names a department goes to the
queue-selection virtual agent, which escalates to a queue; a queue over capacity or after
hours deflects, and the consumer answers with the end user's choice.

Which queues a tenant has, and whether one is full, is the tenant's configuration: forcing a
queue over capacity or closed, and learning the escalation's id, go through the emulator's
control plane, so those scenarios are emulator-only. The refusals a consumer meets on any
chat run everywhere.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.checks import assert_refused
from harness.consumer import Consumer

AGENT_GREETING = "How can I help you today?"


def open_chat_for(consumer: Consumer, label: str, department: str) -> tuple[dict[str, Any], dict[str, Any]]:
    user = consumer.upsert_end_user(label)
    consumer.step(f"open a chat for the {department} department")
    chat = consumer.apps.create_chat(user["id"], context={"department": department})
    return user, chat


def test_escalating_a_chat_no_virtual_agent_holds_is_refused(consumer: Consumer) -> None:
    """POST /chats/{id}/escalations on a chat without a virtual agent, and a deflection choice on a
    chat with no escalation: refused in the envelope, the chat unchanged."""
    user = consumer.upsert_end_user("tom")
    consumer.step("open a chat without a context")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("ask to escalate")
    escalate = consumer.raw("POST", f"/chats/{chat['id']}/escalations", {})
    consumer.step("choose a deflection for an escalation that does not exist")
    choose = consumer.raw("PATCH", f"/chats/{chat['id']}/escalations/987654", {"deflection_channel": "human_agent"})
    consumer.step("end with a deflection channel but no escalation")
    end = consumer.raw("PATCH", f"/chats/{chat['id']}", {"chat": {"status": "finished", "deflection_channel": "email"}})
    for answer in (escalate, choose, end):
        assert_refused(answer)
    consumer.step("the chat is unchanged")
    assert consumer.apps.get_chat(chat["id"])["status"] != "finished"
    consumer.expect_webhooks("chat_created", chat["id"])


@pytest.mark.emulator_only("forces the billing queue over capacity and opens it on the control plane", agent=True)
def test_an_over_capacity_queue_deflects_and_the_end_user_keeps_waiting(consumer: Consumer) -> None:
    """billing is over capacity: the escalation is deflecting; keep waiting (human_agent) queues the chat;
    when billing has room the agent joins and the escalation is escalated."""
    _, chat = open_chat_for(consumer, "uma", "billing")
    escalation = consumer.admin.escalations(chat_id=chat["id"], status="deflecting", min_count=1, wait=10)
    [deflecting] = escalation["escalations"]
    consumer.admin.transcript(chat["id"], "end_user", contains="very busy right now", wait=10)
    assert deflecting["deflection_reason"] == "over_capacity"
    consumer.step("keep waiting")
    chosen = consumer.apps.choose_deflection(chat["id"], deflecting["id"], "human_agent")
    assert chosen["deflection_channel"] == "human_agent"
    consumer.step("the chat waits in the queue")
    assert consumer.apps.get_chat(chat["id"])["status"] == "queued"
    consumer.admin.set_queue_availability(consumer.subdomain, "billing", "available")
    consumer.admin.transcript(chat["id"], "end_user", contains=AGENT_GREETING, wait=10)
    consumer.step("an agent has the chat")
    assert consumer.apps.get_chat(chat["id"])["status"] == "assigned"
    consumer.expect_webhooks("message_received", chat["id"], predicate=lambda h: AGENT_GREETING in h.raw_body.decode())


@pytest.mark.emulator_only(
    "orders is after hours in the emulator's fixtures; the escalation id comes from the control plane", agent=True
)
def test_after_hours_refuses_keep_waiting_and_an_email_deflection_ends_the_chat(consumer: Consumer) -> None:
    """orders is closed: keep waiting is refused (only for over_capacity); email through PATCH /chats/{id} ends the chat."""
    user, chat = open_chat_for(consumer, "vic", "orders")
    [deflecting] = consumer.admin.escalations(chat_id=chat["id"], status="deflecting", min_count=1, wait=10)[
        "escalations"
    ]
    assert deflecting["deflection_reason"] == "after_hours"
    consumer.admin.transcript(chat["id"], "end_user", contains="closed right now", wait=10)
    consumer.step("keep waiting after hours")
    refused = consumer.raw(
        "PATCH", f"/chats/{chat['id']}/escalations/{deflecting['id']}", {"deflection_channel": "human_agent"}
    )
    assert refused.status == 400 and "over_capacity" in refused.json()["message"]
    consumer.step("leave an email instead")
    ended = consumer.raw(
        "PATCH",
        f"/chats/{chat['id']}",
        {
            "finished_by_user_id": user["id"],
            "chat": {"status": "finished", "escalation_id": deflecting["id"], "deflection_channel": "email"},
        },
    )
    assert ended.status == 200 and ended.json()["status"] == "finished"
    settled = consumer.admin.escalations(chat_id=chat["id"], status="deflected", min_count=1, wait=10)
    assert settled["escalations"][0]["deflection_channel"] == "email"


@pytest.mark.emulator_only(
    "orders is after hours in the emulator's fixtures; the escalation id comes from the control plane", agent=True
)
def test_an_external_link_deflection_ends_the_chat_and_an_option_not_offered_is_refused(consumer: Consumer) -> None:
    """orders is closed and offers an external link: choosing it ends the chat; an option the escalation did not
    offer (sms) is refused first, and so is email through the escalation route (it ends the chat)."""
    user, chat = open_chat_for(consumer, "val", "orders")
    [deflecting] = consumer.admin.escalations(chat_id=chat["id"], status="deflecting", min_count=1, wait=10)[
        "escalations"
    ]
    assert "external_link" in deflecting["deflection_options"] and deflecting["external_link_url"]
    consumer.admin.transcript(chat["id"], "end_user", contains="closed right now", wait=10)
    consumer.step("choose a channel that is not an option")
    unknown = consumer.raw(
        "PATCH",
        f"/chats/{chat['id']}",
        {"chat": {"status": "finished", "escalation_id": deflecting["id"], "deflection_channel": "sms"}},
    )
    consumer.step("choose email through the escalation route")
    wrong_route = consumer.raw(
        "PATCH", f"/chats/{chat['id']}/escalations/{deflecting['id']}", {"deflection_channel": "email"}
    )
    for answer in (unknown, wrong_route):
        assert answer.status == 400 and set(answer.json()) == {"message"}, answer.json()
    consumer.step("follow the external link")
    ended = consumer.raw(
        "PATCH",
        f"/chats/{chat['id']}",
        {
            "finished_by_user_id": user["id"],
            "chat": {"status": "finished", "escalation_id": deflecting["id"], "deflection_channel": "external_link"},
        },
    )
    assert ended.status == 200 and ended.json()["status"] == "finished"
    settled = consumer.admin.escalations(chat_id=chat["id"], status="deflected", min_count=1, wait=10)
    assert settled["escalations"][0]["deflection_channel"] == "external_link"


@pytest.mark.emulator_only(
    "forces the billing queue over capacity; the escalation id comes from the control plane", agent=True
)
def test_the_end_user_continues_with_the_virtual_agent_then_escalates_again(consumer: Consumer) -> None:
    """billing deflects; virtual_agent keeps the chat with the virtual agent; POST /escalations to general
    (available) escalates it and the agent joins."""
    _, chat = open_chat_for(consumer, "wes", "billing")
    [deflecting] = consumer.admin.escalations(chat_id=chat["id"], status="deflecting", min_count=1, wait=10)[
        "escalations"
    ]
    consumer.admin.transcript(chat["id"], "end_user", contains="very busy right now", wait=10)
    consumer.step("continue with the virtual agent")
    chosen = consumer.apps.choose_deflection(chat["id"], deflecting["id"], "virtual_agent")
    assert chosen["status"] == "deflected"
    consumer.step("ask to escalate to general support")
    again = consumer.apps.escalate(chat["id"], queue_id="general")
    assert again["id"] != deflecting["id"]
    consumer.admin.transcript(chat["id"], "end_user", contains=AGENT_GREETING, wait=10)
    consumer.step("an agent has the chat")
    assert consumer.apps.get_chat(chat["id"])["status"] == "assigned"
    consumer.expect_webhooks("message_received", chat["id"], predicate=lambda h: AGENT_GREETING in h.raw_body.decode())


@pytest.mark.emulator_only("the virtual agent's questions and the queues are the emulator's fixtures", agent=True)
def test_a_department_the_rules_do_not_know_is_asked_and_the_answer_routes(consumer: Consumer) -> None:
    """context department "not sure": the virtual agent asks which team; the answer "general support" escalates."""
    user, chat = open_chat_for(consumer, "xia", "not sure")
    consumer.admin.transcript(chat["id"], "end_user", min_messages=1, wait=10)
    consumer.step("read the chat while the virtual agent has it")
    held = consumer.apps.get_chat(chat["id"])
    assert held["status"] == "va_assigned" and held["virtual_agent"] is not None
    consumer.step("answer the virtual agent")
    consumer.apps.send_text(chat["id"], user["id"], "general support please")
    consumer.admin.transcript(chat["id"], "end_user", contains=AGENT_GREETING, wait=10)
    consumer.expect_webhooks("message_received", chat["id"], predicate=lambda h: AGENT_GREETING in h.raw_body.decode())


@pytest.mark.emulator_only("forces the billing queue over capacity on the control plane", agent=True)
def test_a_deflection_is_announced_by_a_webhook_with_its_reason_and_options(consumer: Consumer) -> None:
    """The guide: on a deflection "the consumer receives a webhook indicating the reason for deflection and
    available deflection options", with default settings; from it the consumer learns the escalation id."""
    user, chat = open_chat_for(consumer, "yan", "billing")

    def announces_the_deflection(hook: Any) -> bool:
        text = hook.raw_body.decode()
        return hook.event_type not in ("chat_created", "message_received") and "over_capacity" in text

    [announced] = consumer.expect_webhooks(None, chat["id"], predicate=announces_the_deflection)
    text = announced.raw_body.decode()
    for option in ("email", "human_agent", "virtual_agent"):
        assert option in text, (option, announced.event)
    escalation_id = _find_escalation_id(announced.event)
    assert escalation_id is not None, announced.event
    consumer.step("leave an email, naming the escalation the webhook announced")
    ended = consumer.raw(
        "PATCH",
        f"/chats/{chat['id']}",
        {
            "finished_by_user_id": user["id"],
            "chat": {"status": "finished", "escalation_id": escalation_id, "deflection_channel": "email"},
        },
    )
    assert ended.status == 200 and ended.json()["status"] == "finished"


def _find_escalation_id(event: Any) -> int | None:
    """The escalation's id wherever the event carries it (``escalation.id`` or ``escalation_id``)."""
    if isinstance(event, dict):
        if isinstance(event.get("escalation_id"), int):
            return int(event["escalation_id"])
        escalation = event.get("escalation")
        if isinstance(escalation, dict) and isinstance(escalation.get("id"), int):
            return int(escalation["id"])
        for value in event.values():
            found = _find_escalation_id(value)
            if found is not None:
                return found
    return None
