"""The suite's machinery on its own: the normaliser, the comparison, known-gap paths, the
history order of webhooks, snapshot validation and the settings. No target is started."""

from __future__ import annotations

import json

import pytest
from ccai_emulator import ReceivedWebhook

from harness import snapshots
from harness.consumer import _covers, _distinct, history_order
from harness.normalise import Normaliser, endpoint_of
from harness.settings import SettingsError, from_environment
from harness.snapshots import MISSING, Difference, compare


def test_an_id_is_the_same_placeholder_in_paths_bodies_and_messages_and_kinds_do_not_mix() -> None:
    normaliser = Normaliser()
    assert normaliser.path("/chats/42/escalations/7") == "/chats/<chat:1>/escalations/<escalation:1>"
    body = normaliser.value({"id": 42, "end_user": {"id": 42}, "message_id": 42}, kind="chat")
    assert body == {"id": "<chat:1>", "end_user": {"id": "<end_user:1>"}, "message_id": "<message:1>"}
    text = normaliser.value(
        {"message": "escalation_id 7 does not belong to chat 42 (register it with POST /chats/42/photos)"}
    )
    assert text == {
        "message": "escalation_id <escalation:1> does not belong to chat <chat:1> "
        "(register it with POST /chats/<chat:1>/photos)"
    }
    assert normaliser.path("/end_users?id=42") == "/end_users?id=<end_user:1>"


def test_a_senders_id_takes_the_kind_its_type_names() -> None:
    normaliser = Normaliser()
    agent = normaliser.value({"sender": {"id": 501, "type": "agent"}})
    user = normaliser.value({"sender": {"id": 501, "type": "end_user"}})
    bot = normaliser.value({"sender": {"id": 71, "type": "task_virtual_agent"}})
    assert (agent["sender"]["id"], user["sender"]["id"], bot["sender"]["id"]) == (
        "<agent:1>",
        "<end_user:1>",
        "<virtual_agent:1>",
    )


def test_timestamps_keep_their_shape_but_not_their_value_or_identity() -> None:
    normaliser = Normaliser()
    first = normaliser.value({"created_at": "2026-12-06T21:59:46Z", "at": "2026-12-06 21:59:46.123+00:00"})
    second = normaliser.value({"created_at": "2027-01-01T00:00:00Z"})
    assert first == {
        "created_at": "<timestamp:0000-00-00T00:00:00Z>",
        "at": "<timestamp:0000-00-00 00:00:00.000+00:00>",
    }
    assert second["created_at"] == first["created_at"]
    assert normaliser.value({"timestamp": 1700000000}) == {"timestamp": "<timestamp:epoch>"}


def test_urls_and_storage_keys_keep_identity_across_the_upload_flow() -> None:
    normaliser = Normaliser()
    form = normaliser.value({"url": "http://h/__storage/b", "fields": {"key": "chats/3/a.jpg", "policy": "p1"}})
    registered = normaliser.value({"s3_paths": ["chats/3/a.jpg"]})
    upload = normaliser.value("http://h/__storage/b")
    assert form == {"url": "<url:1>", "fields": {"key": "<s3_path:1>", "policy": "<policy:1>"}}
    assert registered == {"s3_paths": ["<s3_path:1>"]} and upload == "<url:1>"
    assert normaliser.value("https://elsewhere/x") == "<url:2>"


def test_run_literals_long_strings_and_parser_positions_are_stable() -> None:
    normaliser = Normaliser({"c0ffee12": "<run>", "conformance-c0ffee12-003": "<tenant>"})
    assert normaliser.value("conformance-ann-c0ffee12") == "conformance-ann-<run>"
    assert normaliser.value("tenant conformance-c0ffee12-003 said") == "tenant <tenant> said"
    long = normaliser.value("x" * 5000)
    assert long.startswith("<long_text:5000 characters, sha256 ") and long == normaliser.value("x" * 5000)
    assert normaliser.value("missing field `content` at line 1 column 57") == (
        "missing field `content` at line <n> column <n>"
    )


def test_endpoints_are_named_as_the_platform_names_them() -> None:
    assert endpoint_of("/chats/<chat:1>/escalations/<escalation:2>") == "/chats/{id}/escalations/{escalation_id}"
    assert endpoint_of("/chats/<chat:1>/media/<media:3>") == "/chats/{id}/media/{media_id}"
    assert endpoint_of("/end_users?id=<end_user:1>") == "/end_users"


def test_compare_names_each_difference_by_its_path() -> None:
    expected = {"exchanges": [{"response": {"status": 200, "body": {"status": "queued", "gone": 1}}}]}
    got = {"exchanges": [{"response": {"status": 200, "body": {"status": "assigned", "new": 2}}}]}
    assert compare(expected, got) == [
        Difference("exchanges[0].response.body.status", "queued", "assigned"),
        Difference("exchanges[0].response.body.gone", 1, MISSING),
        Difference("exchanges[0].response.body.new", MISSING, 2),
    ]
    assert compare([1, 2], [1]) == [Difference("[1]", 2, MISSING)]
    assert compare({"a": 1}, {"a": 1.0}) == [Difference("a", 1, 1.0)]  # a type change is a difference
    rendered = Difference("a.b", MISSING, {"x": 1}).render()
    assert "expected: (missing)" in rendered and 'got:      {"x": 1}' in rendered


def test_subset_matching_and_matchers_for_snapshots_written_from_a_page() -> None:
    expected = {"status": "<int>", "body": {"<each>": {"menu_id": "<int>", "menu_type": "web_menu"}}}
    good = {"status": 200, "body": [{"menu_id": 1, "menu_type": "web_menu", "chat": 10}]}
    assert compare(expected, good, subset=True) == []
    assert compare(expected, good) != []  # "chat" is unexpected when the match is exact
    bad = {"status": "200", "body": [{"menu_id": 1, "menu_type": "ivr_menu"}]}
    assert [d.path for d in compare(expected, bad, subset=True)] == ["status", "body[0].menu_type"]
    assert compare({"a": "<any>"}, {}, subset=True) == [Difference("a", "<any>", MISSING)]
    # An id the normaliser replaced is still an integer; another placeholder is not.
    assert compare({"menu_id": "<int>"}, {"menu_id": "<menu:2>"}) == []
    assert compare({"url": "<int>"}, {"url": "<url:1>"}) != []


def test_a_known_gap_path_covers_itself_what_is_under_it_and_stars() -> None:
    assert _covers("exchanges[2].response.body", "exchanges[2].response.body.status")
    assert _covers("exchanges[*].response.status", "exchanges[7].response.status")
    assert not _covers("exchanges[2].response.body", "exchanges[2].response.body_text")
    assert not _covers("exchanges[2]", "exchanges[20].response")


def hook(event_type: str, chat_id: int, body: dict[str, object]) -> ReceivedWebhook:
    event = {"event_type": event_type, "chat_id": chat_id, "body": body}
    return ReceivedWebhook(event=event, raw_body=json.dumps(event).encode(), headers={}, verified=True, duplicate=False)


def test_webhooks_are_compared_in_history_order_whatever_order_they_arrived_in() -> None:
    created = hook("chat_created", 9, {"chat": {"id": 9}})
    second = hook("message_received", 9, {"message": {"message_id": 12}})
    first = hook("message_received", 9, {"message": {"message_id": 11}})
    other_chat = hook("chat_created", 4, {"chat": {"id": 4}})
    arrived = [second, other_chat, first, created]
    assert history_order(arrived, [9, 4]) == [created, first, second, other_chat]
    assert history_order(list(reversed(arrived)), [9, 4]) == [created, first, second, other_chat]


def test_a_retried_event_counts_once() -> None:
    message = hook("message_received", 9, {"message": {"message_id": 11}})
    retried = hook("message_received", 9, {"message": {"message_id": 11}})
    assert _distinct([message, retried, hook("chat_created", 9, {})]) == [message, hook("chat_created", 9, {})]


def test_a_snapshot_says_where_it_comes_from() -> None:
    base = {"format": snapshots.FORMAT, "exchanges": [], "webhooks": []}
    assert snapshots.validate({**base, "provenance": {"source": "emulator"}}) == []
    assert snapshots.validate({**base, "provenance": {"source": "tenant", "recorded_at": "2027-01-10"}}) == [
        "a tenant snapshot needs provenance.recorded_at and provenance.region"
    ]
    assert snapshots.validate({**base, "provenance": {"source": "docs", "page": "X"}}) == [
        "a docs snapshot needs provenance.page and provenance.url"
    ]
    assert snapshots.validate({**base, "provenance": {"source": "rumour"}}) != []


def test_the_tenant_target_names_every_variable_it_misses() -> None:
    with pytest.raises(SettingsError, match="CCAI_TENANT_API_TOKEN, CCAI_WEBHOOK_PRIMARY_SECRET"):
        from_environment(
            {
                "CCAI_TARGET": "tenant",
                "CCAI_TENANT_BASE_URL": "https://acme.uc1.ccaiplatform.com",
                "CCAI_TENANT_SUBDOMAIN": "acme",
                "CCAI_WEBHOOK_PUBLIC_URL": "https://tunnel.example/hook",
            }
        )
    with pytest.raises(SettingsError, match="CCAI_TARGET='staging'"):
        from_environment({"CCAI_TARGET": "staging"})
    settings = from_environment(
        {
            "CCAI_TARGET": "tenant",
            "CCAI_TENANT_BASE_URL": "https://acme.uc1.ccaiplatform.com/apps/api/v1/",
            "CCAI_TENANT_SUBDOMAIN": "acme",
            "CCAI_TENANT_API_TOKEN": "t",
            "CCAI_WEBHOOK_PRIMARY_SECRET": "p",
            "CCAI_WEBHOOK_PUBLIC_URL": "https://tunnel.example/hook",
            "CCAI_RECEIVER_BIND": "0.0.0.0:9000",
        }
    )
    assert settings.tenant is not None and settings.tenant.base_url == "https://acme.uc1.ccaiplatform.com"
    assert (settings.tenant.receiver_host, settings.tenant.receiver_port) == ("0.0.0.0", 9000)
