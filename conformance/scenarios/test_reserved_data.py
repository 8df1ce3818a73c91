"""Reserved data properties ("Send reserved data properties"): ``reserved_verified_customer``,
``reserved_bad_actor`` and ``reserved_repeat_customer``, sent "using the Apps API, even after
a session has begun", shown to the agent as user-profile flags. The request shape is the
platform's custom data (``{"label", "value", "type"}`` per key), sent as ``custom_data`` on
``POST /chats``, and after the chat began with ``POST /chats/{id}/custom_data`` as the public Go
client (GoogleCloudPlatform/dialogflow-integrations, webchat-proxy) sends it."""

from __future__ import annotations

import json

import pytest

from harness.consumer import Consumer

RESERVED = {
    "reserved_verified_customer": {"label": "Verified Customer", "value": True, "type": "boolean"},
    "reserved_bad_actor": {"label": "Bad Actor", "value": False, "type": "boolean"},
    "reserved_repeat_customer": {"label": "Repeat Customer", "value": True, "type": "boolean"},
}


def test_a_chat_opens_with_reserved_data_properties(consumer: Consumer) -> None:
    """POST /chats with custom_data holding the three reserved properties is accepted, and the chat created."""
    user = consumer.upsert_end_user("ada")
    consumer.step("open a chat with reserved data")
    answer = consumer.raw("POST", "/chats", {"end_user_id": user["id"], "custom_data": RESERVED})
    assert answer.status == 200, answer.json()
    consumer.expect_webhooks("chat_created", answer.json()["id"])


@pytest.mark.emulator_only("what the human agent sees is read on the control plane")
def test_reserved_data_properties_reach_the_chat_record_and_the_agent(consumer: Consumer) -> None:
    """The reserved properties sent with POST /chats are stored with the chat: its record and the agent's view carry each value."""
    user = consumer.upsert_end_user("bea")
    consumer.step("open a chat with reserved data")
    chat = consumer.raw("POST", "/chats", {"end_user_id": user["id"], "custom_data": RESERVED}).json()
    record = json.dumps(consumer.admin.chat(chat["id"]))
    agent_view = json.dumps(consumer.admin.transcript(chat["id"], "agent"))
    for name in RESERVED:
        assert name in record, (name, record)
        assert name in agent_view or RESERVED[name]["label"] in agent_view, (name, agent_view)
    consumer.expect_webhooks("chat_created", chat["id"])


def test_reserved_data_is_sent_after_the_chat_began_as_a_public_client_sends_it(consumer: Consumer) -> None:
    """POST /chats/{id}/custom_data with {"signed": false, "data": ...} (the public Go client's call) is accepted."""
    user = consumer.upsert_end_user("cai")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("send reserved data after the chat began")
    answer = consumer.raw("POST", f"/chats/{chat['id']}/custom_data", {"signed": False, "data": RESERVED})
    assert answer.status in (200, 201), answer.json()
    consumer.step("a reserved property that is not a boolean is refused")
    refused = consumer.raw(
        "POST",
        f"/chats/{chat['id']}/custom_data",
        {"signed": False, "data": {"reserved_bad_actor": {"label": "Bad Actor", "value": "maybe"}}},
    )
    assert refused.status == 400 and set(refused.json()) == {"message"}, refused.json()
    consumer.expect_webhooks("chat_created", chat["id"])
