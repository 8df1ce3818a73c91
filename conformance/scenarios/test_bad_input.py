"""The answers to bad input: every refusal is a 4xx whose body is the platform's envelope
``{"message": ...}`` ("Apps API"), never a 5xx. Each scenario checks that itself; the exact
status and text are the emulator's choice today (the pages do not list them), so they live in
the snapshot, which is where a tenant recording will teach us the platform's own."""

from __future__ import annotations

from harness.checks import assert_refused
from harness.consumer import Consumer


def test_credentials_that_are_missing_or_wrong_are_refused(consumer: Consumer) -> None:
    """No Authorization header, and the subdomain with a token nobody issued: 401 in the envelope."""
    consumer.step("no credentials")
    assert_refused(consumer.raw("GET", "/end_users", params={"identifier": consumer.identifier("x")}, auth="none"))
    consumer.step("a wrong token")
    assert_refused(consumer.raw("POST", "/end_users", {"identifier": consumer.identifier("x")}, auth="wrong-token"))


def test_bodies_that_are_not_json_are_refused(consumer: Consumer) -> None:
    """Malformed JSON, a JSON array where an object is expected, and a non-JSON content type: 4xx, nothing created."""
    consumer.step("malformed JSON")
    assert_refused(consumer.raw("POST", "/end_users", data=b'{"identifier": ', content_type="application/json"))
    consumer.step("a JSON array")
    assert_refused(consumer.raw("POST", "/end_users", data=b"[1, 2]", content_type="application/json"))
    consumer.step("plain text")
    assert_refused(consumer.raw("POST", "/end_users", data=b"identifier=x", content_type="text/plain"))


def test_a_chat_without_a_valid_end_user_is_refused(consumer: Consumer) -> None:
    """POST /chats with no end_user_id, a string one, and one nobody upserted: refused, no chat, no webhook."""
    consumer.step("no end_user_id")
    assert_refused(consumer.raw("POST", "/chats", {"lang": "en"}))
    consumer.step("end_user_id as text")
    assert_refused(consumer.raw("POST", "/chats", {"end_user_id": "somebody"}))
    consumer.step("an end user nobody upserted")
    assert_refused(consumer.raw("POST", "/chats", {"end_user_id": 987654321}))


def test_a_pre_chat_transcript_of_the_wrong_shape_is_refused(consumer: Consumer) -> None:
    """A transcript entry whose sender is unknown, or whose content is empty: refused naming the place, no chat."""
    user = consumer.upsert_end_user("zoe")
    consumer.step("an unknown sender")
    assert_refused(
        consumer.raw(
            "POST",
            "/chats",
            {
                "transcript": [
                    {
                        "sender": "robot",
                        "timestamp": "2021-03-15 12:00:00Z",
                        "content": [{"type": "text", "text": "hi"}],
                    }
                ],
                "end_user_id": user["id"],
            },
        )
    )
    consumer.step("empty content")
    assert_refused(
        consumer.raw(
            "POST",
            "/chats",
            {
                "transcript": [{"sender": "end_user", "timestamp": "2021-03-15 12:00:00Z", "content": []}],
                "end_user_id": user["id"],
            },
        )
    )


def test_unknown_chats_routes_and_methods_are_refused(consumer: Consumer) -> None:
    """A chat that does not exist, a route that does not exist, and a method a route does not take."""
    consumer.step("a chat that does not exist")
    assert_refused(consumer.raw("GET", "/chats/987654321"))
    consumer.step("a message to a chat that does not exist")
    assert_refused(
        consumer.raw(
            "POST",
            "/chats/987654321/message",
            {"message": {"type": "text", "content": {"text": "hello"}}, "from_user_id": 1},
        )
    )
    consumer.step("a route that does not exist")
    assert_refused(consumer.raw("GET", "/no_such_route"))
    consumer.step("a method the route does not take")
    assert_refused(consumer.raw("DELETE", "/end_users"))


def test_a_body_over_the_size_limit_is_refused(consumer: Consumer) -> None:
    """A 2 MiB body (over the emulator's 1 MiB default): refused in the envelope, not a dropped connection."""
    consumer.step("a 2 MiB identifier")
    body = b'{"identifier": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert_refused(consumer.raw("POST", "/end_users", data=body, content_type="application/json"))
