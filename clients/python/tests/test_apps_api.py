"""The Apps API client against the real binary: end users, chats, both message shapes,
ending, resuming and mid-session authentication, and the typed error on every rejection."""

from __future__ import annotations

import pytest

from ccai_emulator import AppsClient, Emulator, EmulatorError, Exchange, TestTenant, message_texts


def test_end_users_are_upserted_by_identifier_and_found_by_id_or_identifier(ccai_tenant: TestTenant) -> None:
    apps = ccai_tenant.apps
    first = apps.upsert_end_user("customer-7", name="Ann", email="ann@example.com")
    again = apps.upsert_end_user("customer-7")
    assert again["id"] == first["id"] and first["name"] == "Ann"
    assert apps.find_end_user(id=first["id"])["identifier"] == "customer-7"
    assert apps.find_end_user(identifier="customer-7")["id"] == first["id"]
    with pytest.raises(EmulatorError) as error:
        apps.find_end_user(identifier="nobody")
    assert (error.value.status, error.value.message) == (404, "End user not found")


def test_both_content_shapes_and_media_reach_the_transcript(ccai_tenant: TestTenant) -> None:
    user, chat = ccai_tenant.start_chat()
    accepted = ccai_tenant.apps.send_text(chat, user, "as an object")
    assert accepted["chat_id"] == chat and isinstance(accepted["id"], int)
    ccai_tenant.apps.send_text(chat, user, "as a plain string", plain_content=True)
    photo = ccai_tenant.apps.upload_media(chat, "photo", b"\xff\xd8\xff\xe0 a small jpeg \xff\xd9")
    ccai_tenant.apps.send_media(chat, user, "photo", photo["media_id"])
    record = ccai_tenant.wait_for_chat(chat, contains="as a plain string")
    end_user_messages = [m["body"] for m in record["messages"] if m["sender"]["type"] == "end_user"]
    assert end_user_messages[:2] == [
        {"type": "text", "text": "as an object"},
        {"type": "text", "text": "as a plain string"},
    ]
    assert end_user_messages[2]["type"] == "photo" and end_user_messages[2]["media_id"] == photo["media_id"]


def test_rejections_raise_the_typed_error_with_the_platforms_message(
    ccai_tenant: TestTenant, ccai_emulator: Emulator
) -> None:
    user, chat = ccai_tenant.start_chat()
    with pytest.raises(EmulatorError) as wrong_user:
        ccai_tenant.apps.send_text(chat, user + 1000, "hello")
    assert wrong_user.value.status == 400 and wrong_user.value.message
    assert wrong_user.value.body == {"message": wrong_user.value.message}
    with pytest.raises(EmulatorError) as unknown_chat:
        ccai_tenant.apps.get_chat(10**9)
    assert unknown_chat.value.status == 404
    with pytest.raises(EmulatorError) as no_token:
        AppsClient(ccai_emulator.api_url, ccai_tenant.name, token="").get_chat(chat)
    assert no_token.value.status == 401


def test_the_end_user_ends_the_chat_once(ccai_tenant: TestTenant) -> None:
    user, chat = ccai_tenant.start_chat()
    ccai_tenant.apps.end_chat(chat, finished_by_user_id=user)
    assert ccai_tenant.apps.get_chat(chat)["status"] == "finished"
    ended = ccai_tenant.wait_for_webhook("chat_ended", chat_id=chat)
    assert ended.body["ended_by"] == "end_user"
    with pytest.raises(EmulatorError) as again:
        ccai_tenant.apps.end_chat(chat)
    assert (again.value.status, again.value.message) == (400, "Chat is already ended")
    with pytest.raises(EmulatorError) as late:
        ccai_tenant.apps.send_text(chat, user, "still there?")
    assert late.value.status == 400


def test_a_dismissed_chat_is_resumed_and_only_a_dismissed_one(ccai_tenant: TestTenant) -> None:
    user, chat = ccai_tenant.start_chat()
    with pytest.raises(EmulatorError) as not_dismissed:
        ccai_tenant.apps.resume_chat(chat)
    assert (not_dismissed.value.status, not_dismissed.value.message) == (400, "This chat is not in dismissed state")
    with pytest.raises(EmulatorError) as too_early:
        ccai_tenant.admin.dismiss(chat)  # the agent greeted; the end user has not written
    assert too_early.value.status == 409
    assert "both the consumer and agent have to have sent at least one message" in too_early.value.message
    ccai_tenant.apps.send_text(chat, user, "is anyone there?")
    ccai_tenant.admin.dismiss(chat)
    dismissed = ccai_tenant.apps.get_chat(chat)
    assert (dismissed["status"], dismissed["agent"]) == ("dismissed", None)  # the agent is removed
    ccai_tenant.apps.resume_chat(chat)  # queued again; an agent joins with the history
    ccai_tenant.wait_for_webhook("chat_resumed", chat_id=chat)
    ccai_tenant.wait_for_chat(chat, state="assigned", status="assigned")
    # Dismissed again (forced: since the resume the end user has not written), the end user's
    # own message brings it back to an agent, as on the platform.
    ccai_tenant.admin.dismiss(chat, force=True)
    ccai_tenant.apps.send_text(chat, user, "back again")
    ccai_tenant.wait_for_chat(chat, state="assigned", status="assigned")
    ccai_tenant.wait_for_transcript(chat, "agent", contains="back again")


def test_mid_session_authentication_re_points_the_chat(ccai_tenant: TestTenant) -> None:
    _, chat = ccai_tenant.start_chat("anonymous-visitor")
    accepted = ccai_tenant.apps.authenticate_end_user(chat, "verified-customer", name="Ann")
    assert accepted == {"message": "accepted"}
    verified = ccai_tenant.apps.find_end_user(identifier="verified-customer")
    assert ccai_tenant.apps.get_chat(chat)["end_user"]["id"] == verified["id"]
    agent_view = ccai_tenant.wait_for_transcript(chat, "agent", contains="authenticated as verified-customer")
    assert any("verified-customer" in text for text in message_texts(agent_view))


def test_an_observer_sees_every_exchange_without_the_credential(ccai_emulator: Emulator) -> None:
    seen: list[Exchange] = []
    apps = ccai_emulator.apps("observed-tenant", "secret-token", observer=seen.append)
    user = apps.upsert_end_user("customer-1")
    chat = apps.create_chat(user["id"])
    apps.upload_media(chat["id"], "photo", b"\xff\xd8\xff\xe0 jpeg \xff\xd9")
    with pytest.raises(EmulatorError):
        apps.get_chat(10**9)
    assert [(e.method, e.url.split("/apps/api/v1")[-1].split("?")[0], e.status) for e in seen][:2] == [
        ("POST", "/end_users", 200),
        ("POST", "/chats", 200),
    ]
    upload = [e for e in seen if "/__storage/" in e.url]
    assert len(upload) == 1 and upload[0].status == 204 and upload[0].authorization is None
    assert (seen[-1].status, seen[-1].json()) == (404, {"message": "Not Found"})
    assert seen[0].authorization == "Basic" and seen[0].json()["id"] == user["id"]
    for exchange in seen:
        assert "authorization" not in {name.lower() for name in exchange.request_headers}
        assert b"secret-token" not in repr(exchange).encode()


def test_raw_answers_any_status_and_can_drop_or_replace_the_credentials(ccai_tenant: TestTenant) -> None:
    apps = ccai_tenant.apps
    malformed = apps.raw("POST", "/end_users", data=b"{not json", content_type="application/json")
    assert malformed.status == 400 and isinstance(malformed.json()["message"], str)
    anonymous = apps.raw("GET", "/end_users", params={"identifier": "x"}, headers={"authorization": None})
    assert anonymous.status == 401 and anonymous.authorization is None
    as_bearer = apps.raw("GET", "/end_users", params={"identifier": "x"}, headers={"Authorization": "Bearer abc"})
    assert as_bearer.authorization == "Bearer" and as_bearer.status == 401  # no Host names the tenant
    named = apps.raw(
        "GET",
        "/end_users",
        params={"identifier": "x"},
        headers={"Authorization": "Bearer abc", "Host": f"{ccai_tenant.name}.localhost"},
    )
    assert (named.status, named.json()) == (404, {"message": "End user not found"})  # authenticated
    created = apps.raw("POST", "/end_users", {"identifier": "customer-9"})
    assert created.status == 200 and created.json()["identifier"] == "customer-9"


def test_after_hours_refuses_a_resume_with_the_tenants_message(ccai_tenant: TestTenant) -> None:
    _, chat = ccai_tenant.start_chat()
    ccai_tenant.admin.dismiss(chat, force=True)
    ccai_tenant.admin.set_after_hours(ccai_tenant.name, message="Closed until Monday.")
    with pytest.raises(EmulatorError) as closed:
        ccai_tenant.apps.resume_chat(chat)
    assert (closed.value.status, closed.value.message) == (400, "Closed until Monday.")
    ccai_tenant.admin.clear_after_hours(ccai_tenant.name)
    ccai_tenant.apps.resume_chat(chat)
    ccai_tenant.wait_for_chat(chat, state="assigned", status="assigned")


def test_wait_times_custom_data_and_the_content_shape(ccai_tenant: TestTenant) -> None:
    apps, admin = ccai_tenant.apps, ccai_tenant.admin
    chats = apps.wait_times("en", channel_type="chat")
    assert [(menu["menu_id"], menu["chat"], menu["wait"]) for menu in chats] == [(1, 45, 1), (2, 900, 15), (3, 120, 2)]
    queue = admin.set_wait_time(ccai_tenant.name, "general", chat=600, available_agents=0)
    assert queue["wait_time"]["chat"] == 600
    assert [menu["menu_id"] for menu in apps.wait_times("en", wait_from=9, wait_to=16, channel_type="chat")] == [1, 2]
    admin.clear_wait_time(ccai_tenant.name, "general")
    assert apps.wait_times("en", menu_id=1)[0]["chat"] == 45
    with pytest.raises(EmulatorError) as no_lang:
        apps.wait_times("")
    assert no_lang.value.status == 400 and "lang is required" in no_lang.value.message

    reserved = {"reserved_bad_actor": {"label": "Bad Actor", "value": True, "type": "boolean"}}
    user, chat = ccai_tenant.start_chat(custom_data=reserved)
    added = apps.send_custom_data(chat, {"plan": {"label": "Plan", "value": "gold"}})
    assert sorted(added["custom_data"]) == ["plan", "reserved_bad_actor"]
    agent_view = admin.transcript(chat, "agent")
    assert [flag["flag"] for flag in agent_view["user_profile_flags"]] == ["bad_actor"]
    with pytest.raises(EmulatorError) as bad:
        apps.send_custom_data(chat, {"reserved_repeat_customer": {"label": "Repeat", "value": "yes"}})
    assert bad.value.status == 400 and "data.reserved_repeat_customer.value" in bad.value.message

    assert admin.set_message_content_shape(ccai_tenant.name, "object")["shape"] == "object"
    apps.send_text(chat, user, "as an object please")
    hook = ccai_tenant.wait_for_webhook(
        "message_received", chat_id=chat, predicate=lambda h: "as an object please" in h.raw_body.decode()
    )
    assert hook.body["message"]["content"] == {"type": "text", "content": "as an object please"}
    admin.clear_message_content_shape(ccai_tenant.name)
    apps.send_text(chat, user, "as a string now")
    plain = ccai_tenant.wait_for_webhook(
        "message_received", chat_id=chat, predicate=lambda h: "as a string now" in h.raw_body.decode()
    )
    assert plain.body["message"]["content"] == "as a string now"
    assert admin.message_content_shape(ccai_tenant.name)["source"] == "default"
