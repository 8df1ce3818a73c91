"""The estimated wait time ("Estimated Wait Time API", "Wait time endpoints"): ``GET
/wait_times`` with ``lang`` (required) and the optional ``menu_id``, ``menu_type``,
``channel_type``, ``wait[from]``, ``wait[to]``; a list of ``{menu_id, menu_type, chat,
voice_call, materialized_path, ...}``. Custom front ends call it before a chat starts."""

from __future__ import annotations

from harness.consumer import Consumer


def test_wait_times_are_listed_per_menu_for_a_language(consumer: Consumer) -> None:
    """GET /wait_times?lang=en answers a list with each menu's wait; with channel_type=chat only chat waits."""
    consumer.step("wait times in English")
    everything = consumer.raw("GET", "/wait_times", params={"lang": "en"})
    assert everything.status == 200, everything.json()
    menus = everything.json()
    assert isinstance(menus, list)
    for menu in menus:
        assert isinstance(menu["menu_id"], int) and isinstance(menu["materialized_path"], str), menu
    consumer.step("chat wait times of web menus")
    chat_only = consumer.raw(
        "GET", "/wait_times", params={"lang": "en", "menu_type": "web_menu", "channel_type": "chat"}
    )
    assert chat_only.status == 200 and isinstance(chat_only.json(), list)


def test_wait_times_without_a_language_are_refused(consumer: Consumer) -> None:
    """lang is required: without it, a 400 in the envelope."""
    consumer.step("wait times without lang")
    answer = consumer.raw("GET", "/wait_times")
    assert answer.status == 400 and set(answer.json()) == {"message"}, answer.json()
