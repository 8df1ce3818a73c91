"""Chats: creation (plain, with a context, with a pre-chat transcript, fields nested under
``chat``), reading one back, and ending it ("Chat endpoints", "Chat platform API Guide").

The documented ``chat_created`` webhook may arrive before or after the answer to
``POST /chats``; the snapshot keeps webhooks in history order, never in arrival order, so
either order compares the same.
"""

from __future__ import annotations

from harness.checks import assert_refused
from harness.consumer import Consumer

PRE_CHAT = [
    {
        "sender": "end_user",
        "timestamp": "2021-03-15 12:00:00Z",
        "content": [
            {"type": "text", "text": "My parcel never arrived"},
            {"type": "media", "media": {"type": "image", "url": "https://example.com/box.jpg"}},
        ],
    },
    {
        "sender": "agent",
        "timestamp": "2021-03-15 12:00:30Z",
        "content": [{"type": "text", "text": "Let me transfer you"}],
    },
]


def test_a_chat_is_created_for_an_end_user_and_read_back(consumer: Consumer) -> None:
    """POST /chats with end_user_id answers the chat object; GET /chats/{id} answers it again; chat_created is signed."""
    user = consumer.upsert_end_user("bob")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    assert isinstance(chat["id"], int) and chat["end_user"]["id"] == user["id"]
    assert {"id", "status", "created_at", "agent", "end_user"} <= set(chat)
    consumer.step("read the chat back")
    again = consumer.apps.get_chat(chat["id"])
    assert again["id"] == chat["id"] and again["status"] != "finished"
    [created] = consumer.expect_webhooks("chat_created", chat["id"])
    assert created.event["chat_id"] == chat["id"]


def test_a_chat_opens_with_a_context_and_a_pre_chat_transcript(consumer: Consumer) -> None:
    """POST /chats with context.value and a pre-chat transcript (the SDKs' external chat transfer shape)."""
    user = consumer.upsert_end_user("carol")
    consumer.step("open a chat with a context and a transcript")
    chat = consumer.apps.create_chat(user["id"], lang="en", context={"plan": "gold"}, transcript=PRE_CHAT)
    assert chat["end_user"]["id"] == user["id"] and chat["lang"] == "en"
    consumer.expect_webhooks("chat_created", chat["id"])


def test_chat_fields_nested_under_chat_are_accepted(consumer: Consumer) -> None:
    """POST /chats with its fields under ``chat`` (``{"chat": {...}}``), as clients in the wild send them;
    the emulator accepts both shapes, the platform's answer is for a tenant recording to tell."""
    user = consumer.upsert_end_user("dan")
    consumer.step("open a chat with its fields under chat")
    answer = consumer.raw(
        "POST", "/chats", {"chat": {"end_user_id": user["id"], "lang": "en", "context": {"value": {"plan": "gold"}}}}
    )
    if answer.status != 200:
        assert_refused(answer)
        return
    chat = answer.json()
    assert chat["end_user"]["id"] == user["id"]
    consumer.expect_webhooks("chat_created", chat["id"])


def test_a_chat_is_ended_by_the_consumer_and_stays_ended(consumer: Consumer) -> None:
    """PATCH /chats/{id} status finished (with finished_by_user_id) ends it; ending it again,
    or writing to it, is 400 ``Chat is already ended``."""
    user = consumer.upsert_end_user("erin")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("end it")
    ended = consumer.apps.end_chat(chat["id"], finished_by_user_id=user["id"])
    assert ended["status"] == "finished"
    consumer.step("read it back")
    assert consumer.apps.get_chat(chat["id"])["status"] == "finished"
    consumer.step("end it again")
    twice = consumer.raw("PATCH", f"/chats/{chat['id']}", {"status": "finished"})
    consumer.step("write to the ended chat")
    late = consumer.raw(
        "POST",
        f"/chats/{chat['id']}/message",
        {"from_user_id": user["id"], "message": {"type": "text", "content": {"text": "hello?"}}},
    )
    for answer in (twice, late):
        assert (answer.status, answer.json()) == (400, {"message": "Chat is already ended"})
    consumer.expect_webhooks("chat_created", chat["id"])


def test_a_chat_is_ended_with_the_fields_nested_as_the_update_page_shows(consumer: Consumer) -> None:
    """PATCH /chats/{id} with ``{"finished_by_user_id": N, "chat": {"status": "finished"}}``, the
    body "Update a chat" shows."""
    user = consumer.upsert_end_user("fay")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("end it, nested")
    answer = consumer.raw(
        "PATCH", f"/chats/{chat['id']}", {"finished_by_user_id": user["id"], "chat": {"status": "finished"}}
    )
    assert answer.status == 200 and answer.json()["status"] == "finished"
    consumer.expect_webhooks("chat_created", chat["id"])
