"""The signature check against the project's shared known-answer file
(``tests/signing_vectors.json``, also read by the Rust signing tests), and its rejections."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from ccai_emulator import parse_signature_header, sign, signature_header, verify

VECTORS_FILE = Path(__file__).resolve().parents[3] / "tests" / "signing_vectors.json"


def vectors(kind: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text())[kind]
    assert cases, f"{VECTORS_FILE} has no {kind}"
    return cases


@pytest.mark.parametrize("case", vectors("signatures"), ids=lambda case: case["secret"])
def test_sign_matches_every_known_answer(case: dict[str, Any]) -> None:
    assert sign(case["secret"], case["timestamp"], case["body"].encode()) == case["signature"]


@pytest.mark.parametrize("case", vectors("headers"), ids=lambda case: case["primary_secret"])
def test_every_header_vector_is_built_and_verified(case: dict[str, Any]) -> None:
    body = case["body"].encode()
    secrets = [case["primary_secret"], case["secondary_secret"]]
    assert (
        signature_header(case["primary_secret"], case["secondary_secret"], case["timestamp"], body)
        == case["x_signature"]
    )
    assert verify(case["x_signature"], case["timestamp"], body, [s for s in secrets if s])
    # Either secret alone is enough, as in the platform's sample.
    for secret in filter(None, secrets):
        assert verify(case["x_signature"], case["timestamp"], body, [secret])


@pytest.mark.parametrize("case", vectors("headers"), ids=lambda case: case["primary_secret"])
def test_a_tampered_body_or_timestamp_or_secret_is_rejected(case: dict[str, Any]) -> None:
    body = case["body"].encode()
    secrets = [s for s in (case["primary_secret"], case["secondary_secret"]) if s]
    assert not verify(case["x_signature"], case["timestamp"], body + b" ", secrets)
    assert not verify(case["x_signature"], case["timestamp"], body.replace(b"1", b"2", 1), secrets)
    assert not verify(case["x_signature"], case["timestamp"] + "0", body, secrets)
    assert not verify(case["x_signature"], case["timestamp"], body, ["another-secret"])
    assert not verify("", case["timestamp"], body, secrets)


def test_the_header_is_parsed_with_base64_padding_intact() -> None:
    parsed = parse_signature_header("primary=ab+/cd== secondary=ef==")
    assert parsed == {"primary": "ab+/cd==", "secondary": "ef=="}


def test_only_primary_and_secondary_signatures_count() -> None:
    body, timestamp = b'{"a":1}', "1700000000"
    good = sign("secret", timestamp, body)
    assert verify(f"primary={good}", timestamp, body, ["secret"])
    assert not verify(f"other={good}", timestamp, body, ["secret"])


def test_the_optional_replay_check_rejects_old_timestamps() -> None:
    now = datetime(2025, 9, 25, 14, 30, 30, tzinfo=timezone.utc)
    body = b"{}"
    for timestamp, fresh in [("2025-09-25T14:30:00Z", True), ("2025-09-25T14:28:00Z", False)]:
        header = signature_header("secret", None, timestamp, body)
        assert verify(header, timestamp, body, ["secret"], max_age=60, now=now) is fresh
    unix = str(int((now - timedelta(seconds=120)).timestamp()))
    assert not verify(signature_header("secret", None, unix, body), unix, body, ["secret"], max_age=60, now=now)
    assert verify(signature_header("secret", None, unix, body), unix, body, ["secret"], max_age=300, now=now)
