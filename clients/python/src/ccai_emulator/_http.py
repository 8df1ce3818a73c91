"""The one place that speaks HTTP: a small JSON transport over ``urllib`` and the typed error.

Every non-2xx answer becomes an :class:`EmulatorError` carrying the status and the platform's
``{"message": ...}`` text; a long-poll that timed out (408) becomes a :class:`WaitTimeout`,
which also carries the body as it was last seen.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
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

    ``body`` is the resource as the emulator last saw it, which is what to print when a test
    fails.
    """


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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
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
        url = self.base_url + path + query_string(params or {})
        headers = dict(self._headers)
        if data is not None and content_type is not None:
            headers["content-type"] = content_type
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return RawAnswer(response.status, response.read(), dict(response.headers.items()))
        except urllib.error.HTTPError as error:
            with error:
                payload = _decode(error.read())
            message = payload.get("message") if isinstance(payload, dict) else None
            if not isinstance(message, str):
                message = str(payload) if payload is not None else error.reason
            kind = WaitTimeout if error.code == 408 else EmulatorError
            raise kind(method, url, error.code, message, payload) from None

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
