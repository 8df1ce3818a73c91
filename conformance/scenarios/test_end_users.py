"""End users: the upsert by identifier and the two lookups ("Chat endpoints"; docs/api.md)."""

from __future__ import annotations

from harness.checks import assert_refused
from harness.consumer import Consumer


def test_an_end_user_is_upserted_by_identifier_and_found_by_id_or_identifier(consumer: Consumer) -> None:
    """POST /end_users twice with one identifier is one end user; GET finds it by id and by identifier."""
    identifier = consumer.identifier("ann")
    consumer.step("create the end user")
    created = consumer.apps.upsert_end_user(identifier, name="Ann Example", email="ann@example.com", phone="555-0100")
    assert isinstance(created["id"], int) and created["identifier"] == identifier
    consumer.step("upsert the same identifier with a new name")
    again = consumer.apps.upsert_end_user(identifier, name="Ann Renamed")
    assert again["id"] == created["id"]
    consumer.step("find by id")
    assert consumer.apps.find_end_user(id=created["id"])["identifier"] == identifier
    consumer.step("find by identifier")
    assert consumer.apps.find_end_user(identifier=identifier)["id"] == created["id"]


def test_an_unknown_end_user_is_not_found(consumer: Consumer) -> None:
    """GET /end_users for an identifier or id nobody upserted: 404 in the envelope."""
    consumer.step("find an identifier nobody upserted")
    by_identifier = consumer.raw("GET", "/end_users", params={"identifier": consumer.identifier("nobody")})
    consumer.step("find an id that does not exist")
    by_id = consumer.raw("GET", "/end_users", params={"id": 987654321})
    for answer in (by_identifier, by_id):
        assert answer.status == 404
        assert set(answer.json()) == {"message"}


def test_an_upsert_without_identifier_is_refused(consumer: Consumer) -> None:
    """POST /end_users with no identifier (or a blank one): refused in the envelope, nothing created."""
    consumer.step("no identifier")
    missing = consumer.raw("POST", "/end_users", {"name": "Nobody"})
    consumer.step("a blank identifier")
    blank = consumer.raw("POST", "/end_users", {"identifier": "  "})
    for answer in (missing, blank):
        assert_refused(answer)
