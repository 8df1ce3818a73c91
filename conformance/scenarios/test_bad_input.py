"""The answers to bad input: every refusal is a 4xx whose body is the platform's envelope
``{"message": ...}`` ("Apps API", "Chat endpoints"; SPEC A1), never a 5xx. Each scenario
checks the envelope itself; the snapshot keeps the exact status and text, which is where a
tenant recording will teach us the platform's own wording."""

from __future__ import annotations

from ccai_emulator import Exchange

from harness.consumer import Consumer


def assert_refused(answer: Exchange, status: int) -> None:
    assert answer.status == status, (answer.method, answer.url, answer.status, answer.json())
    body = answer.json()
    assert isinstance(body, dict) and set(body) == {"message"}, body
    assert isinstance(body["message"], str) and body["message"].strip(), body


def test_credentials_that_are_missing_or_wrong_are_refused(consumer: Consumer) -> None:
    """No Authorization header, and the subdomain with a token nobody issued: 401 in the envelope."""
    consumer.step("no credentials")
    assert_refused(consumer.raw("GET", "/end_users", params={"identifier": consumer.identifier("x")}, auth="none"), 401)
    consumer.step("a wrong token")
    assert_refused(
        consumer.raw("POST", "/end_users", {"identifier": consumer.identifier("x")}, auth="wrong-token"), 401
    )


def test_bodies_that_are_not_json_are_refused(consumer: Consumer) -> None:
    """Malformed JSON, a JSON array where an object is expected, and a non-JSON content type: 4xx, nothing created."""
    consumer.step("malformed JSON")
    assert_refused(consumer.raw("POST", "/end_users", data=b'{"identifier": ', content_type="application/json"), 400)
    consumer.step("a JSON array")
    assert_refused(consumer.raw("POST", "/end_users", data=b"[1, 2]", content_type="application/json"), 400)
    consumer.step("plain text")
    assert_refused(consumer.raw("POST", "/end_users", data=b"identifier=x", content_type="text/plain"), 415)


def test_a_chat_without_a_valid_end_user_is_refused(consumer: Consumer) -> None:
    """POST /chats with no end_user_id, a string one, and one nobody upserted: refused, no chat, no webhook."""
    consumer.step("no end_user_id")
    assert_refused(consumer.raw("POST", "/chats", {"lang": "en"}), 400)
    consumer.step("end_user_id as text")
    assert_refused(consumer.raw("POST", "/chats", {"end_user_id": "somebody"}), 400)
    consumer.step("an end user nobody upserted")
    unknown = consumer.raw("POST", "/chats", {"end_user_id": 987654321})
    assert unknown.status in (400, 404)
    assert_refused(unknown, unknown.status)


def test_a_pre_chat_transcript_of_the_wrong_shape_is_refused(consumer: Consumer) -> None:
    """A transcript entry whose sender is unknown, or whose content is empty: 400 naming the place, no chat."""
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
        ),
        400,
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
        ),
        400,
    )


def test_unknown_chats_routes_and_methods_are_refused(consumer: Consumer) -> None:
    """A chat that does not exist (404 Not Found, as the mid-session page shows), a route that does not
    exist, and a method a route does not take."""
    consumer.step("a chat that does not exist")
    assert_refused(consumer.raw("GET", "/chats/987654321"), 404)
    consumer.step("a message to a chat that does not exist")
    assert_refused(
        consumer.raw(
            "POST",
            "/chats/987654321/message",
            {"message": {"type": "text", "content": {"text": "hello"}}, "from_user_id": 1},
        ),
        404,
    )
    consumer.step("a route that does not exist")
    assert_refused(consumer.raw("GET", "/no_such_route"), 404)
    consumer.step("a method the route does not take")
    assert_refused(consumer.raw("DELETE", "/end_users"), 405)


def test_a_body_over_the_size_limit_is_refused(consumer: Consumer) -> None:
    """A 2 MiB body (over the emulator's 1 MiB default): 413 in the envelope, not a dropped connection."""
    consumer.step("a 2 MiB identifier")
    body = b'{"identifier": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert_refused(consumer.raw("POST", "/end_users", data=body, content_type="application/json"), 413)
