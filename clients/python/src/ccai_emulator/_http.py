"""The one place that speaks HTTP: a small JSON transport over ``urllib`` and the typed error.

Every non-2xx answer becomes an :class:`EmulatorError` carrying the status and the platform's
``{"message": ...}`` text; a long-poll that timed out (408) becomes a :class:`WaitTimeout`,
which also carries the body as it was last seen. :meth:`Transport.exchange` answers any
status without raising, and an ``observer`` sees every :class:`Exchange` (to record traffic).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.client import responses
from typing import Any

JSON = Any
"""A decoded JSON value (the emulator's bodies are objects, so usually ``dict[str, Any]``)."""


@dataclass(frozen=True)
class RawAnswer:
    """A 2xx answer as bytes: ``status``, ``data`` and ``headers`` (names as the server sent them)."""

    status: int
    data: bytes
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        """A header by name, ignoring case."""
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, whatever the status (what an ``observer`` is given).

    ``request_headers`` are the headers sent, without ``Authorization``: its scheme alone is in
    ``authorization`` (``"Basic"``, ``"Bearer"``, or ``None`` when none was sent), so a
    recording of exchanges never holds a credential.
    """

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    authorization: str | None = None

    def json(self) -> JSON:
        """The answer decoded as JSON (``None`` when empty, the text when it is not JSON)."""
        return _decode(self.response_body)

    def header(self, name: str) -> str | None:
        """A response header by name, ignoring case."""
        return next((value for key, value in self.response_headers.items() if key.lower() == name.lower()), None)


Observer = Callable[[Exchange], None]
"""Called with every :class:`Exchange` a client makes (for recording; it must not raise)."""


class EmulatorError(Exception):
    """An HTTP answer outside 2xx, with its status and the ``message`` of the error envelope."""

    def __init__(self, method: str, url: str, status: int, message: str, body: JSON) -> None:
        super().__init__(f"{method} {url} -> {status}: {message}")
        self.method = method
        self.url = url
        self.status = status
        self.message = message
        self.body = body


class WaitTimeout(EmulatorError):
    """A long-poll (``?wait=``) whose condition did not hold in time (HTTP 408).

    The message says what the emulator last saw (the chat's state and last messages in the
    asked view, the deliveries that did arrive, an event the tenant's selection leaves out
    and how to enable it); ``body`` is the resource as it last saw it and ``last_seen`` the
    same explanation as data.
    """

    @property
    def last_seen(self) -> dict[str, Any]:
        """The explanation's data: e.g. ``status``, ``last_messages`` or ``left_out_by_selection``."""
        seen = self.body.get("last_seen") if isinstance(self.body, dict) else None
        return seen if isinstance(seen, dict) else {}


def query_string(params: Mapping[str, object | None]) -> str:
    """``?a=1&b=x`` from the parameters that are not ``None`` (booleans as ``true``/``false``)."""
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        pairs.append((key, str(value)))
    return "?" + urllib.parse.urlencode(pairs) if pairs else ""


class Transport:
    """JSON requests against one base URL, with optional Basic or Bearer authorization."""

    def __init__(
        self,
        base_url: str,
        *,
        basic: tuple[str, str] | None = None,
        bearer: str | None = None,
        timeout: float = 30.0,
        observer: Observer | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.observer = observer
        self._headers = {"accept": "application/json"}
        if basic is not None:
            token = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
            self._headers["authorization"] = f"Basic {token}"
        elif bearer is not None:
            self._headers["authorization"] = f"Bearer {bearer}"

    def request(
        self,
        method: str,
        path: str,
        body: JSON | None = None,
        *,
        params: Mapping[str, object | None] | None = None,
        timeout: float | None = None,
    ) -> JSON:
        """Send one request; return the decoded JSON body (``None`` for an empty one)."""
        data = None if body is None else json.dumps(body).encode()
        raw = self.request_raw(method, path, data, content_type="application/json", params=params, timeout=timeout)
        return _decode(raw.data)

    def request_raw(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        *,
        content_type: str | None = None,
        params: Mapping[str, object | None] | None = None,
        timeout: float | None = None,
    ) -> RawAnswer:
        """Send ``data`` as it is (with ``content_type``); the answer's bytes and headers."""
        answer = self.exchange(method, path, data, content_type=content_type, params=params, timeout=timeout)
        if answer.status >= 300:
            payload = answer.json()
            message = payload.get("message") if isinstance(payload, dict) else None
            if not isinstance(message, str):
                message = str(payload) if payload is not None else responses.get(answer.status, "HTTP error")
            kind = WaitTimeout if answer.status == 408 else EmulatorError
            raise kind(method, answer.url, answer.status, message, payload)
        return RawAnswer(answer.status, answer.response_body, answer.response_headers)

    def exchange(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        *,
        content_type: str | None = None,
        params: Mapping[str, object | None] | None = None,
        timeout: float | None = None,
        headers: Mapping[str, str | None] | None = None,
    ) -> Exchange:
        """Send one request and answer it as an :class:`Exchange`, whatever its status.

        ``headers`` add to or replace the transport's (names ignore case); a ``None`` value
        leaves that header out, e.g. ``{"authorization": None}`` sends no credentials.
        """
        url = self.base_url + path + query_string(params or {})
        sent = dict(self._headers)
        if data is not None and content_type is not None:
            sent["content-type"] = content_type
        for name, value in (headers or {}).items():
            sent.pop(name.lower(), None)
            if value is not None:
                sent[name.lower()] = value
        request = urllib.request.Request(url, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                status, answer_headers, body = response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, answer_headers, body = error.code, dict(error.headers.items()), error.read()
        authorization = sent.pop("authorization", None)
        exchange = Exchange(
            method=method,
            url=url,
            request_headers=sent,
            request_body=data,
            status=status,
            response_headers=answer_headers,
            response_body=body,
            authorization=authorization.split(" ", 1)[0] if authorization else None,
        )
        if self.observer is not None:
            self.observer(exchange)
        return exchange

    def request_object(
        self,
        method: str,
        path: str,
        body: JSON | None = None,
        *,
        params: Mapping[str, object | None] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """:meth:`request` for an answer that must be a JSON object."""
        answer = self.request(method, path, body, params=params, timeout=timeout)
        if not isinstance(answer, dict):
            url = self.base_url + path
            raise EmulatorError(method, url, 200, f"expected a JSON object, got {answer!r}", answer)
        return answer


def _decode(raw: bytes) -> JSON:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
