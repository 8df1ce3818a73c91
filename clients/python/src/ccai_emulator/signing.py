"""Webhook signatures, as the platform makes them and as its verification sample checks them.

``sig = base64(HMAC-SHA256(key=secret, data=X-Signature-Timestamp + raw_body))``, sent as
``X-Signature: primary=<sig> secondary=<sig>`` (``secondary`` only when a secondary secret is
configured). Like the platform's sample, a request is accepted when any signature in the
header equals the one expected for the primary or the secondary secret; the comparison is
constant-time. The sample's optional replay check is ``max_age``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timezone


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The base64 HMAC-SHA256 of ``timestamp + body`` under ``secret``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_header(primary_secret: str, secondary_secret: str | None, timestamp: str, body: bytes) -> str:
    """The ``X-Signature`` value the platform sends for these secrets."""
    header = f"primary={sign(primary_secret, timestamp, body)}"
    if secondary_secret:
        header += f" secondary={sign(secondary_secret, timestamp, body)}"
    return header


def parse_signature_header(header: str) -> dict[str, str]:
    """``{"primary": sig, "secondary": sig}`` from ``X-Signature`` (base64 keeps its ``=``)."""
    signatures = {}
    for part in header.split():
        name, separator, value = part.partition("=")
        if separator and value:
            signatures[name] = value
    return signatures


def verify(
    header: str,
    timestamp: str,
    body: bytes,
    secrets: Iterable[str],
    *,
    max_age: float | None = None,
    now: datetime | None = None,
) -> bool:
    """True when a ``primary``/``secondary`` signature of the header matches any secret.

    With ``max_age`` (seconds), also reject a timestamp older than that (ISO-8601 or Unix
    seconds), as the sample's optional replay check does.
    """
    if max_age is not None and not _fresh(timestamp, max_age, now or datetime.now(timezone.utc)):
        return False
    given = [sig for name, sig in parse_signature_header(header).items() if name in ("primary", "secondary")]
    expected = [sign(secret, timestamp, body) for secret in secrets if secret]
    found = False
    for candidate in given:
        for wanted in expected:
            # No early exit: every pair is compared, so timing says nothing about which matched.
            found |= hmac.compare_digest(candidate.encode(), wanted.encode())
    return found


def _fresh(timestamp: str, max_age: float, now: datetime) -> bool:
    try:
        if timestamp.isdigit():
            sent = datetime.fromtimestamp(int(timestamp), timezone.utc)
        else:
            sent = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
            if sent.tzinfo is None:
                sent = sent.replace(tzinfo=timezone.utc)
    except ValueError:
        return False
    return (now - sent).total_seconds() <= max_age
