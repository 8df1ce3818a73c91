"""The upload step of the media flow: a pre-signed form posted straight to storage.

``POST /chats/{id}/photos/upload`` (or ``/videos/upload``) answers ``{"url", "fields"}``;
:func:`upload_file` posts every field, then the file as ``file`` (last), as
``multipart/form-data`` to that URL, exactly as to S3, with the standard library only. The
storage endpoint refuses in S3's XML (``<Error><Code>…</Code><Message>…</Message>``);
such a refusal raises :class:`StorageError`, an :class:`~ccai_emulator.EmulatorError`
that also carries the S3 ``code``.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from ._http import EmulatorError, Exchange, Observer


class StorageError(EmulatorError):
    """A refusal of the storage endpoint: HTTP status, S3 ``code`` (e.g. ``EntityTooLarge``) and message."""

    def __init__(self, url: str, status: int, code: str, message: str, body: str) -> None:
        super().__init__("POST", url, status, message, body)
        self.code = code


@dataclass(frozen=True)
class StoredUpload:
    """A stored upload: ``s3_path`` (the form's ``key``, what registration takes), ``etag`` and ``location``."""

    s3_path: str
    etag: str | None
    location: str | None


def multipart_body(fields: Mapping[str, str], data: bytes, filename: str, content_type: str) -> tuple[bytes, str]:
    """The ``multipart/form-data`` body (fields in order, then ``file``) and its content type."""
    boundary = "ccai-emulator-" + secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{_quoted(filename)}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload_file(
    form: Mapping[str, Any],
    data: bytes,
    *,
    filename: str = "upload",
    timeout: float = 60.0,
    observer: Observer | None = None,
) -> StoredUpload:
    """Post ``data`` with a pre-signed ``form`` (``{"url", "fields"}``); 204 answers a :class:`StoredUpload`.

    The file part's type is the form's ``Content-Type`` field (``image/jpeg``, ``video/mp4``).
    A refusal raises :class:`StorageError` with S3's status, code and message. ``observer``
    is given the :class:`~ccai_emulator.Exchange`, refusals included.
    """
    url = str(form["url"])
    fields = {str(key): str(value) for key, value in form["fields"].items()}
    content_type = fields.get("Content-Type", "application/octet-stream")
    body, multipart_type = multipart_body(fields, data, filename, content_type)
    request = urllib.request.Request(url, data=body, headers={"content-type": multipart_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, headers, answer = response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:
            status, headers, answer = error.code, dict(error.headers.items()), error.read()
    if observer is not None:
        observer(Exchange("POST", url, {"content-type": multipart_type}, body, status, headers, answer))
    if status >= 300:
        text = answer.decode(errors="replace")
        code, message = _s3_error(text)
        raise StorageError(url, status, code, message or f"HTTP {status}", text)
    lowered = {name.lower(): value for name, value in headers.items()}
    return StoredUpload(fields.get("key", ""), lowered.get("etag"), lowered.get("location"))


def _s3_error(text: str) -> tuple[str, str]:
    """``(Code, Message)`` of an S3 ``<Error>`` document (empty strings if it is not one)."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return "", text
    return root.findtext("Code") or "", root.findtext("Message") or ""


def _quoted(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")
