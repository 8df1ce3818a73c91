"""What the contact center sends back, driven by the emulator's scripted human agent: a task
virtual agent collecting a one-time code ("Use virtual task assistants with the chat API
platform": the end user's messages to it and its replies arrive as ``server_message``, the
human agent never sees them), and a file the agent attaches ("Agent file attachments with the
chat platform API": ``message_received`` with the ``media_id``, downloaded with
``GET /chats/{id}/media/{media_id}``). A tenant has no scripted agent, so these are emulator-only."""

from __future__ import annotations

import json

import pytest

from harness.consumer import Consumer

AGENT_GREETING = "How can I help you today?"


@pytest.mark.emulator_only("the human agent's transfer to a task virtual agent is scripted by the emulator", agent=True)
def test_a_one_time_code_goes_to_the_task_virtual_agent_as_server_messages(consumer: Consumer) -> None:
    """The agent hands over to the one-time-code assistant; its question, a wrong code, the re-ask, the right code
    and the hand-back arrive as signed webhooks; the agent never sees the code."""
    user = consumer.upsert_end_user("cy")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.admin.transcript(chat["id"], "end_user", contains=AGENT_GREETING, wait=10)
    consumer.step("ask to verify the account")
    consumer.apps.send_text(chat["id"], user["id"], "I need to verify my account")
    consumer.admin.transcript(chat["id"], "end_user", contains="6-digit", wait=10)
    consumer.step("read the chat while the assistant has it")
    held = consumer.apps.get_chat(chat["id"])
    assert held["virtual_agent"] is not None
    consumer.step("give a wrong code")
    consumer.apps.send_text(chat["id"], user["id"], "12345")
    consumer.admin.transcript(chat["id"], "end_user", contains="try again", wait=10)
    consumer.step("give the right code")
    consumer.apps.send_text(chat["id"], user["id"], "481516")
    consumer.admin.transcript(chat["id"], "agent", contains="finished successfully", wait=10)
    agent_view = json.dumps(consumer.admin.transcript(chat["id"], "agent"))
    assert "481516" not in agent_view and "12345" not in agent_view
    server_messages = consumer.expect_webhooks(
        "message_received", chat["id"], count=4, predicate=lambda hook: "server_message" in hook.body
    )
    assert {hook.body["sender"]["type"] for hook in server_messages} >= {"task_virtual_agent"}
    consumer.expect_webhooks(
        "message_received", chat["id"], predicate=lambda hook: "finished successfully" in hook.raw_body.decode()
    )


@pytest.mark.emulator_only("the human agent's attachment is scripted by the emulator", agent=True)
def test_a_file_the_agent_attaches_is_announced_and_downloaded(consumer: Consumer) -> None:
    """The end user asks for the manual; the agent attaches user_guide.pdf; message_received carries its media_id;
    GET /chats/{id}/media/{media_id} answers the PDF."""
    user = consumer.upsert_end_user("dee")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.admin.transcript(chat["id"], "end_user", contains=AGENT_GREETING, wait=10)
    consumer.step("ask for the user guide")
    consumer.apps.send_text(chat["id"], user["id"], "Do you have a user guide?")
    [attached] = consumer.expect_webhooks(
        "message_received", chat["id"], predicate=lambda hook: hook.body["message"]["type"] == "attachment"
    )
    media_id = attached.body["message"]["content"]["media_id"]
    consumer.step("download the attachment")
    download = consumer.apps.download_media(chat["id"], media_id)
    assert download.content_type == "application/pdf" and download.data.startswith(b"%PDF")
    consumer.expect_webhooks(
        "message_received", chat["id"], predicate=lambda hook: "Here is our user guide." in hook.raw_body.decode()
    )
