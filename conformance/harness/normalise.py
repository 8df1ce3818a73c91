"""Normalisation: what varies from run to run becomes a stable placeholder that keeps identity.

One :class:`Normaliser` serves a whole scenario, so the same chat id is ``<chat:1>`` in a
request path, a response body, an error message and a webhook alike, and a second chat is
``<chat:2>``. The rules, in the order they apply to a value:

- **ids**: an integer (or a string of digits) under an id key (``chat_id``, ``media_id``,
  ``from_user_id``, ...; ``id`` takes its kind from the object it is in: the ``end_user``
  object, a ``sender`` of that ``type``, the resource the endpoint answers) becomes
  ``<kind:n>``, numbered per kind in order of first appearance. Numeric path segments take
  the kind of the collection before them (``/chats/42/escalations/7``).
- **timestamps**: a value under a time key (``created_at``, ``timestamp``, ...) or a string
  shaped like an ISO-8601 date-time becomes ``<timestamp:SHAPE>``, where SHAPE is the value
  with every digit replaced by 0, so the *format* is still compared and the value is not.
  Timestamps keep no identity: two events in the same second must not differ from two in
  different seconds.
- **URLs** (any ``http(s)://`` string) become ``<url:n>``, tokens and storage keys (the upload
  form's ``policy``, signature, credential, ``key`` / ``s3_path``) ``<kind:n>``, with identity.
- **long strings** (over 1,000 characters: a deliberately oversized body) become
  ``<long_text:N characters, sha256 ...>``.
- **run literals**: the run's nonce (in every end-user identifier the suite makes) becomes
  ``<run>``, the tenant's subdomain ``<tenant>``.
- **ids in free text** (error messages such as ``escalation_id 9 does not belong to chat 7``):
  a number right after a word naming a kind (``chat``, ``chats/``, ``escalation_id``, ...)
  becomes that kind's placeholder; a parser's ``at line L column C`` becomes
  ``at line <n> column <n>`` (it moves with the length of the ids in the body).

The same rules are what the Rust ``diff`` command applies (conformance/README.md says how).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"^<[a-z_]+(:[^>]*)?>$")

ID_KEYS = {
    "chat_id": "chat",
    "end_user_id": "end_user",
    "from_user_id": "end_user",
    "finished_by_user_id": "end_user",
    "message_id": "message",
    "media_id": "media",
    "escalation_id": "escalation",
    "menu_id": "menu",
    "x-amz-meta-chat-id": "chat",
}
"""Keys whose integer value is an id of a known kind."""

OBJECT_KINDS = {
    "end_user": "end_user",
    "agent": "agent",
    "all_agents": "agent",
    "virtual_agent": "virtual_agent",
    "all_virtual_agents": "virtual_agent",
    "escalation": "escalation",
    "escalations": "escalation",
    "chat": "chat",
    "menus": "menu",
}
"""The kind of ``id`` inside an object held under these keys (or in a list under them)."""

SENDER_KINDS = {"end_user": "end_user", "agent": "agent"}
"""A ``sender``'s ``id`` by its ``type``; any other type is a virtual agent."""

PATH_KINDS = {
    "chats": "chat",
    "end_users": "end_user",
    "escalations": "escalation",
    "media": "media",
    "photos": "media",
    "videos": "media",
    "messages": "message",
}
"""A numeric path segment takes the kind of the collection before it."""

TIME_KEYS = re.compile(r"(^|_)(at|timestamp|date|time)$|^x-amz-date$|^x-signature-timestamp$", re.IGNORECASE)
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
URL = re.compile(r"^https?://", re.IGNORECASE)

TOKEN_KEYS = {
    "policy": "policy",
    "x-amz-signature": "signature",
    "x-amz-credential": "credential",
    "x-amz-security-token": "token",
    "signature": "signature",
    "token": "token",
    "etag": "etag",
    "s3_path": "s3_path",
    "s3_paths": "s3_path",
    "key": "s3_path",
    "request_id": "token",
}
"""String values under these keys are tokens; ``key`` and ``s3_path`` share a kind, since the
form's ``key`` is what registration takes as ``s3_path``."""

TEXT_HINTS = {
    "chat": "chat",
    "chats": "chat",
    "chat_id": "chat",
    "escalation": "escalation",
    "escalations": "escalation",
    "escalation_id": "escalation",
    "media": "media",
    "media_id": "media",
    "message": "message",
    "message_id": "message",
    "end_user_id": "end_user",
    "from_user_id": "end_user",
    "user": "end_user",
}
"""In free text, a number right after one of these words is an id of that kind."""

_NUMBER_AFTER_WORD = re.compile(r"\b([A-Za-z_]{1,32})(\W{0,3})(\d+)\b")
LONG_TEXT = 1000
"""Longer strings (a deliberately oversized body) are kept as their length and digest."""
_PARSE_POSITION = re.compile(r"\bat line \d+ column \d+")
"""A JSON parser's position moves with the length of the ids in the body."""


class Normaliser:
    """Placeholders for one scenario; feed it everything the scenario observed, in order."""

    def __init__(self, literals: Mapping[str, str] | None = None):
        """``literals``: exact strings to replace wherever they occur (the run nonce, the
        tenant's subdomain), longest first."""
        self._literals = sorted((literals or {}).items(), key=lambda item: -len(item[0]))
        self._ids: dict[tuple[str, str], str] = {}
        self._tokens: dict[tuple[str, str], str] = {}
        self._counters: dict[str, int] = {}

    # --- placeholders ----------------------------------------------------------------------

    def identity(self, kind: str, raw: object) -> str:
        """The placeholder of id ``raw`` of ``kind`` (a new one on first sight)."""
        key = (kind, str(raw))
        if key not in self._ids:
            self._ids[key] = self._next(kind)
        return self._ids[key]

    def known(self, kind: str, raw: object) -> bool:
        return (kind, str(raw)) in self._ids

    def token(self, kind: str, raw: str) -> str:
        key = (kind, raw)
        if key not in self._tokens:
            self._tokens[key] = self._next(kind)
        return self._tokens[key]

    def _next(self, kind: str) -> str:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return f"<{kind}:{self._counters[kind]}>"

    # --- values ----------------------------------------------------------------------------

    def value(self, value: Any, *, key: str | None = None, kind: str | None = None) -> Any:
        """``value`` normalised; ``key`` is the name it is held under, ``kind`` the kind of the
        object it belongs to (what an ``id`` key inside it means)."""
        if isinstance(value, dict):
            return self._object(value, key, kind)
        if isinstance(value, list):
            item_kind = OBJECT_KINDS.get(key or "", kind if key is None else None)
            return [self.value(item, key=key if key in TOKEN_KEYS else None, kind=item_kind) for item in value]
        if isinstance(value, bool) or value is None:
            return value
        lowered = (key or "").lower()
        id_kind = ID_KEYS.get(lowered) or (kind or "id" if lowered == "id" else None)
        if id_kind and (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
            return self.identity(id_kind, value)
        if TIME_KEYS.search(lowered) and isinstance(value, (int, float)):
            return "<timestamp:epoch>"
        if isinstance(value, str):
            return self._string(value, lowered)
        return value

    def _object(self, value: dict[str, Any], key: str | None, kind: str | None) -> dict[str, Any]:
        own_kind = OBJECT_KINDS.get(key or "", kind if key is None else None)
        if key == "sender":
            own_kind = SENDER_KINDS.get(str(value.get("type")), "virtual_agent")
        return {name: self.value(item, key=name, kind=own_kind) for name, item in value.items()}

    def _string(self, value: str, lowered_key: str) -> str:
        if PLACEHOLDER.match(value):
            return value
        if len(value) > LONG_TEXT:
            digest = hashlib.sha256(value.encode()).hexdigest()[:16]
            return f"<long_text:{len(value)} characters, sha256 {digest}>"
        if TIME_KEYS.search(lowered_key) or ISO_TIME.match(value):
            return f"<timestamp:{re.sub(r'[0-9]', '0', value)}>"
        if URL.match(value):
            return self.token("url", value)
        token_kind = TOKEN_KEYS.get(lowered_key)
        if token_kind is not None:
            return self.token(token_kind, value)
        if lowered_key == "x-amz-meta-tenant":
            return "<tenant>"
        return self.text(value)

    def text(self, text: str) -> str:
        """Free text: run literals replaced, then ids named after a kind word."""
        for literal, placeholder in self._literals:
            if literal:
                text = text.replace(literal, placeholder)
        text = _PARSE_POSITION.sub("at line <n> column <n>", text)

        def replace(match: re.Match[str]) -> str:
            word, gap, number = match.groups()
            kind = TEXT_HINTS.get(word.lower())
            if kind is None:
                return match.group(0)
            return f"{word}{gap}{self.identity(kind, number)}"

        return _NUMBER_AFTER_WORD.sub(replace, text)

    # --- paths -----------------------------------------------------------------------------

    def path(self, path: str) -> str:
        """``/chats/42/escalations/7?x=1`` as ``/chats/<chat:1>/escalations/<escalation:1>?x=1``
        (query values normalised by their names; the collection names ``id``'s kind)."""
        route, _, query = path.partition("?")
        segments = route.split("/")
        for index, segment in enumerate(segments):
            if segment.isdigit():
                before = segments[index - 1] if index else ""
                segments[index] = self.identity(PATH_KINDS.get(before, "id"), segment)
        normalised = "/".join(segments)
        if not query:
            return normalised
        resource = PATH_KINDS.get(next((s for s in reversed(route.split("/")) if s and not s.isdigit()), ""))
        pairs = []
        for pair in query.split("&"):
            name, _, raw = pair.partition("=")
            pairs.append(f"{name}={self.value(_unquote(raw), key=name, kind=resource)}")
        return normalised + "?" + "&".join(pairs)


def endpoint_of(normalised_path: str) -> str:
    """The route a normalised path belongs to: ``/chats/<chat:1>/escalations/<escalation:2>``
    is ``/chats/{id}/escalations/{escalation_id}`` (the platform's own way of naming them)."""
    route = normalised_path.partition("?")[0]
    segments = []
    for index, segment in enumerate(route.split("/")):
        match = PLACEHOLDER.match(segment)
        if match:
            kind = segment[1:].split(":", 1)[0]
            segments.append("{id}" if index == 2 and kind in ("chat", "id") else "{" + kind + "_id}")
        else:
            segments.append(segment)
    return "/".join(segments)


def _unquote(text: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(text)
