"""Messages the end user sends: text with ``content`` as an object and as a plain string
(the two shapes the platform's pages show), each echoed as a signed ``message_received``
("Chat platform API Guide": sent for every message, the consumer's own included)."""

from __future__ import annotations

from harness.checks import assert_refused
from harness.consumer import Consumer


def test_text_messages_in_both_content_shapes_are_echoed_as_message_received(consumer: Consumer) -> None:
    """POST /chats/{id}/message with content {"text": ...} and with a plain string; two message_received."""
    user = consumer.upsert_end_user("gil")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("say hello (content as an object)")
    first = consumer.apps.send_text(chat["id"], user["id"], "Hello, I have a question")
    consumer.step("say more (content as a plain string)")
    second = consumer.apps.send_text(chat["id"], user["id"], "It is about my order", plain_content=True)
    assert first["chat_id"] == second["chat_id"] == chat["id"]
    assert first["id"] != second["id"]
    echoes = consumer.expect_webhooks("message_received", chat["id"], count=2)
    senders = {hook.body["sender"]["type"] for hook in echoes}
    assert senders == {"end_user"}, senders
    consumer.expect_webhooks("chat_created", chat["id"])


def test_a_message_from_someone_else_than_the_chats_end_user_is_refused(consumer: Consumer) -> None:
    """from_user_id must be the chat's end user: another end user's id is refused and sends nothing."""
    user = consumer.upsert_end_user("hal")
    other = consumer.upsert_end_user("ivy")
    consumer.step("open a chat for hal")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("ivy writes to hal's chat")
    answer = consumer.raw(
        "POST",
        f"/chats/{chat['id']}/message",
        {"message": {"type": "text", "content": {"text": "not mine"}}, "from_user_id": other["id"]},
    )
    assert_refused(answer)
    consumer.expect_webhooks("chat_created", chat["id"])


def test_malformed_messages_are_refused_in_the_envelope(consumer: Consumer) -> None:
    """An unknown message type, a missing content, an empty text, a missing message: refused each, nothing sent."""
    user = consumer.upsert_end_user("jo")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    path = f"/chats/{chat['id']}/message"
    bodies = {
        "an unknown type": {"message": {"type": "sticker", "content": {"text": "x"}}, "from_user_id": user["id"]},
        "no content": {"message": {"type": "text"}, "from_user_id": user["id"]},
        "an empty text": {"message": {"type": "text", "content": {"text": ""}}, "from_user_id": user["id"]},
        "no message": {"from_user_id": user["id"]},
    }
    for label, body in bodies.items():
        consumer.step(f"send {label}")
        assert_refused(consumer.raw("POST", path, body))
    consumer.expect_webhooks("chat_created", chat["id"])
