"""Assertions a scenario that also runs against a tenant may make: only what the platform
documents. Exact statuses and texts the pages do not give are left to the snapshot, so a
tenant that answers otherwise is recorded (and shown as a difference) instead of stopping
the scenario before its snapshot is taken."""

from __future__ import annotations

from typing import Any

from ccai_emulator import Exchange


def assert_refused(answer: Exchange) -> dict[str, Any]:
    """A 4xx in the platform's error envelope ``{"message": "..."}`` ("Apps API": errors are
    JSON with a message); the snapshot holds the exact status and text."""
    body = answer.json()
    assert 400 <= answer.status < 500, (answer.method, answer.url, answer.status, body)
    assert isinstance(body, dict) and set(body) == {"message"}, (answer.status, body)
    assert isinstance(body["message"], str) and body["message"].strip(), body
    return body


def registered_media(answer: Exchange) -> list[dict[str, Any]]:
    """The ``{media_id, url}`` items of a registration or listing answer, whether it is a list
    (the emulator's choice), one object, or a list under ``photos``/``videos``."""
    assert answer.status == 200, (answer.url, answer.status, answer.json())
    body = answer.json()
    if isinstance(body, dict):
        nested = body.get("photos", body.get("videos"))
        body = nested if isinstance(nested, list) else [body]
    assert isinstance(body, list) and all(isinstance(item, dict) and "media_id" in item for item in body), body
    return body
