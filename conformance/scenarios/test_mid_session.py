"""Mid-session authentication ("Mid-Session authentication by API"): ``POST
/chats/{id}/end_user`` with an ``identifier`` links the chat to that end user (202
``{"message": "accepted"}``); the page lists its refusals word for word, so their snapshot is
derived from the page (provenance ``docs``)."""

from __future__ import annotations

import pytest

from harness.consumer import Consumer


def test_an_anonymous_chat_is_linked_to_the_verified_end_user(consumer: Consumer) -> None:
    """202 accepted; the chat now names the verified end user; the same request again at once is a duplicate."""
    visitor = consumer.upsert_end_user("visitor")
    consumer.step("open a chat as an anonymous visitor")
    chat = consumer.apps.create_chat(visitor["id"])
    verified = consumer.identifier("verified")
    consumer.step("authenticate mid-session")
    accepted = consumer.raw("POST", f"/chats/{chat['id']}/end_user", {"identifier": verified, "name": "Quinn Verified"})
    assert (accepted.status, accepted.json()) == (202, {"message": "accepted"})
    consumer.step("read the chat back")
    linked = consumer.apps.get_chat(chat["id"])
    assert linked["end_user"]["identifier"] == verified
    consumer.step("the same request again at once")
    duplicate = consumer.raw("POST", f"/chats/{chat['id']}/end_user", {"identifier": verified})
    assert (duplicate.status, duplicate.json()) == (
        400,
        {"message": "Duplicate request: Please wait for the interval to expire"},
    )
    consumer.expect_webhooks("chat_created", chat["id"])


def test_mid_session_authentication_refusals_are_the_documented_ones(consumer: Consumer) -> None:
    """No identifier, a blank one, an ended chat, a comm type other than call or chat: the page's status and message."""
    user = consumer.upsert_end_user("rita")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    path = f"/chats/{chat['id']}/end_user"
    consumer.step("no identifier")
    missing = consumer.raw("POST", path, {"name": "Rita"})
    consumer.step("a blank identifier")
    blank = consumer.raw("POST", path, {"identifier": ""})
    for answer in (missing, blank):
        assert (answer.status, answer.json()) == (
            400,
            {"message": "param is missing or the value is empty: identifier"},
        )
    consumer.step("a comm type other than call or chat")
    other = consumer.raw("POST", f"/emails/{chat['id']}/end_user", {"identifier": consumer.identifier("rita")})
    assert (other.status, other.json()) == (404, {"message": "Not Found"})
    consumer.step("end the chat")
    consumer.apps.end_chat(chat["id"])
    consumer.step("authenticate on the ended chat")
    ended = consumer.raw("POST", path, {"identifier": consumer.identifier("rita-verified")})
    assert (ended.status, ended.json()) == (400, {"message": "Chat is already ended"})
    consumer.expect_webhooks("chat_created", chat["id"])


def test_mid_session_authentication_takes_the_bearer_form_of_the_pages_samples(consumer: Consumer) -> None:
    """The page's samples send ``Authorization: Bearer``: the same request with the tenant's token as a bearer is accepted."""
    user = consumer.upsert_end_user("sam")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("authenticate mid-session with a bearer token")
    accepted = consumer.raw(
        "POST", f"/chats/{chat['id']}/end_user", {"identifier": consumer.identifier("sam-verified")}, auth="bearer"
    )
    assert (accepted.status, accepted.json()) == (202, {"message": "accepted"})
    consumer.step("a wrong bearer token is refused")
    refused = consumer.raw(
        "POST", f"/chats/{chat['id']}/end_user", {"identifier": consumer.identifier("sam-other")}, auth="wrong-bearer"
    )
    assert refused.status == 401 and set(refused.json()) == {"message"}
    consumer.expect_webhooks("chat_created", chat["id"])
