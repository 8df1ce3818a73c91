"""A client for the emulated Apps API (``/apps/api/v1``), as one tenant.

It speaks to the emulator exactly as a backend speaks to the platform: HTTP Basic auth with
the tenant's subdomain as the username, JSON in and out. Every method returns the decoded
JSON answer; a non-2xx answer raises :class:`~ccai_emulator.EmulatorError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._http import JSON, Exchange, Observer, Transport
from .uploads import upload_file

MediaType = Literal["photo", "video"]
DeflectionChannel = Literal["email", "human_agent", "external_link", "virtual_agent"]

_UPLOAD_FILENAMES = {"photo": "photo.jpg", "video": "video.mp4"}


@dataclass(frozen=True)
class MediaDownload:
    """A file fetched with ``GET /chats/{id}/media/{media_id}``: its bytes, type and name."""

    data: bytes
    content_type: str | None
    content_disposition: str | None


class AppsClient:
    """The Apps API of one tenant: end users, chats and messages."""

    def __init__(
        self,
        api_url: str,
        tenant: str,
        token: str = "any-token",
        *,
        timeout: float = 30.0,
        observer: Observer | None = None,
    ):
        """``api_url`` is the base, e.g. ``http://127.0.0.1:8080/apps/api/v1``. ``observer``
        is called with every :class:`~ccai_emulator.Exchange` (the storage upload too)."""
        self.api_url = api_url.rstrip("/")
        self.tenant = tenant
        self.observer = observer
        self._http = Transport(self.api_url, basic=(tenant, token), timeout=timeout, observer=observer)

    # --- any request -----------------------------------------------------------------------

    def raw(
        self,
        method: str,
        path: str,
        body: JSON = None,
        *,
        data: bytes | None = None,
        content_type: str | None = None,
        params: Mapping[str, object | None] | None = None,
        headers: Mapping[str, str | None] | None = None,
    ) -> Exchange:
        """Any request as this tenant, answered as an :class:`~ccai_emulator.Exchange` whatever
        its status (nothing raises for a 4xx): for testing refusals.

        ``body`` is sent as JSON; ``data`` as it is, with ``content_type``. ``headers`` replace
        the client's, e.g. ``{"authorization": None}`` (no credentials) or
        ``{"authorization": "Bearer ..."}``.
        """
        if data is None and body is not None:
            data = json.dumps(body).encode()
            content_type = content_type or "application/json"
        return self._http.exchange(method, path, data, content_type=content_type, params=params, headers=headers)

    # --- end users -----------------------------------------------------------------------

    def upsert_end_user(
        self,
        identifier: str,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> dict[str, Any]:
        """``POST /end_users``: the same identifier always answers the same end user."""
        body = _without_none(identifier=identifier, name=name, email=email, phone=phone)
        return self._http.request_object("POST", "/end_users", body)

    def find_end_user(self, *, id: int | None = None, identifier: str | None = None) -> dict[str, Any]:
        """``GET /end_users?id=`` or ``?identifier=``; 404 raises."""
        return self._http.request_object("GET", "/end_users", params={"id": id, "identifier": identifier})

    # --- chats -----------------------------------------------------------------------------

    def create_chat(
        self,
        end_user_id: int,
        *,
        menu_id: int | None = None,
        lang: str | None = None,
        context: dict[str, Any] | None = None,
        transcript: Any = None,
        custom_data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``POST /chats``: a new chat, ``queued`` until the simulated agent joins.

        ``custom_data`` is ``{"<key>": {"label", "value", "type"?}}``; the reserved data
        properties (``reserved_verified_customer``, ``reserved_bad_actor``,
        ``reserved_repeat_customer``) take booleans and reach the agent as user profile flags.
        """
        body = _without_none(
            end_user_id=end_user_id,
            menu_id=menu_id,
            lang=lang,
            context={"value": context} if context is not None else None,
            transcript=transcript,
            custom_data=custom_data,
        )
        return self._http.request_object("POST", "/chats", body)

    def send_custom_data(self, chat_id: int, data: dict[str, Any]) -> dict[str, Any]:
        """``POST /chats/{id}/custom_data`` with ``{"signed": false, "data": data}``: custom data
        and reserved data properties after the chat began (a key sent again replaces its
        entry); answers ``{"chat_id", "custom_data"}`` with all of the chat's."""
        body = {"signed": False, "data": data}
        return self._http.request_object("POST", f"/chats/{chat_id}/custom_data", body)

    def wait_times(
        self,
        lang: str,
        *,
        menu_id: int | None = None,
        menu_type: Literal["ivr_menu", "mobile_menu", "web_menu", "all"] | None = None,
        channel_type: Literal["voice_call", "chat"] | None = None,
        wait_from: int | None = None,
        wait_to: int | None = None,
    ) -> list[dict[str, Any]]:
        """``GET /wait_times``: each menu (queue) with ``menu_id``, ``menu_type``,
        ``materialized_path``, ``wait`` (minutes), ``chat`` / ``voice_call`` (seconds) and the
        agent counts. ``wait_from`` / ``wait_to`` are ``wait[from]`` / ``wait[to]`` (minutes,
        exclusive)."""
        params = {
            "lang": lang,
            "menu_id": menu_id,
            "menu_type": menu_type,
            "channel_type": channel_type,
            "wait[from]": wait_from,
            "wait[to]": wait_to,
        }
        return list(self._http.request("GET", "/wait_times", params=params))

    def get_chat(self, chat_id: int) -> dict[str, Any]:
        """``GET /chats/{id}``: the chat object as the platform returns it."""
        return self._http.request_object("GET", f"/chats/{chat_id}")

    def update_chat(self, chat_id: int, **fields: Any) -> JSON:
        """``PATCH /chats/{id}`` with any documented fields (e.g. ``status="finished"``)."""
        return self._http.request("PATCH", f"/chats/{chat_id}", fields)

    def end_chat(
        self,
        chat_id: int,
        *,
        finished_by_user_id: int | None = None,
        escalation_id: int | None = None,
        deflection_channel: DeflectionChannel | None = None,
    ) -> JSON:
        """``PATCH /chats/{id}`` with ``status: finished``; an ended chat raises 400.

        With ``escalation_id`` and ``deflection_channel`` (``email``, ``external_link``) it
        answers a deflected escalation by ending the chat.
        """
        fields = _without_none(
            status="finished",
            finished_by_user_id=finished_by_user_id,
            escalation_id=escalation_id,
            deflection_channel=deflection_channel,
        )
        return self.update_chat(chat_id, **fields)

    def resume_chat(self, chat_id: int) -> JSON:
        """``PATCH /chats/{id}/resume``: resume a dismissed chat where it was."""
        return self._http.request("PATCH", f"/chats/{chat_id}/resume", {})

    def authenticate_end_user(
        self,
        chat_id: int,
        identifier: str,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> JSON:
        """``POST /chats/{id}/end_user``: mid-session authentication (202 ``accepted``)."""
        body = _without_none(identifier=identifier, name=name, email=email, phone=phone)
        return self._http.request("POST", f"/chats/{chat_id}/end_user", body)

    # --- messages --------------------------------------------------------------------------

    def send_message(self, chat_id: int, from_user_id: int, message: dict[str, Any]) -> dict[str, Any]:
        """``POST /chats/{id}/message`` with a ``message`` object of your own making."""
        body = {"from_user_id": from_user_id, "message": message}
        return self._http.request_object("POST", f"/chats/{chat_id}/message", body)

    def send_text(self, chat_id: int, from_user_id: int, text: str, *, plain_content: bool = False) -> dict[str, Any]:
        """The end user says ``text``.

        The platform takes ``content`` as ``{"text": ...}`` (the default) or, with
        ``plain_content=True``, as the bare string.
        """
        content: Any = text if plain_content else {"text": text}
        return self.send_message(chat_id, from_user_id, {"type": "text", "content": content})

    def send_media(self, chat_id: int, from_user_id: int, kind: MediaType, media_id: int) -> dict[str, Any]:
        """The end user sends a photo or video already uploaded as ``media_id``."""
        message = {"type": kind, "content": {"media_id": media_id}}
        return self.send_message(chat_id, from_user_id, message)

    # --- media: upload form, upload, registration, listing, download ----------------------

    def upload_form(self, chat_id: int, kind: MediaType) -> dict[str, Any]:
        """``POST /chats/{id}/photos/upload`` (or ``/videos/upload``): ``{"url", "fields"}``."""
        return self._http.request_object("POST", f"/chats/{chat_id}/{kind}s/upload")

    def register_photos(self, chat_id: int, s3_paths: list[str]) -> list[dict[str, Any]]:
        """``POST /chats/{id}/photos`` with ``s3_paths``: one ``{media_id, url, ...}`` per path, in order."""
        answer = self._http.request("POST", f"/chats/{chat_id}/photos", {"s3_paths": list(s3_paths)})
        return list(answer)

    def register_video(self, chat_id: int, s3_path: str) -> dict[str, Any]:
        """``POST /chats/{id}/videos`` with one ``s3_path``: its ``{media_id, url, ...}``."""
        return self._http.request_object("POST", f"/chats/{chat_id}/videos", {"s3_path": s3_path})

    def photos(self, chat_id: int) -> list[dict[str, Any]]:
        """``GET /chats/{id}/photos``: the registered photos, oldest first."""
        return list(self._http.request("GET", f"/chats/{chat_id}/photos"))

    def videos(self, chat_id: int) -> list[dict[str, Any]]:
        """``GET /chats/{id}/videos``: the registered videos, oldest first."""
        return list(self._http.request("GET", f"/chats/{chat_id}/videos"))

    def upload_media(
        self, chat_id: int, kind: MediaType, data: bytes, *, filename: str | None = None
    ) -> dict[str, Any]:
        """The whole flow for one file: form, upload to storage, registration; the registered media.

        ``data`` must be what the form allows (``image/jpeg`` up to 2 MiB for a photo,
        ``video/mp4`` up to 20 MiB for a video); storage refusals raise
        :class:`~ccai_emulator.StorageError`.
        """
        form = self.upload_form(chat_id, kind)
        stored = upload_file(
            form,
            data,
            filename=filename or _UPLOAD_FILENAMES[kind],
            timeout=self._http.timeout,
            observer=self.observer,
        )
        if kind == "photo":
            return self.register_photos(chat_id, [stored.s3_path])[0]
        return self.register_video(chat_id, stored.s3_path)

    def download_media(self, chat_id: int, media_id: int) -> MediaDownload:
        """``GET /chats/{id}/media/{media_id}``: any media of the chat (e.g. an agent's attachment)."""
        answer = self._http.request_raw("GET", f"/chats/{chat_id}/media/{media_id}")
        return MediaDownload(answer.data, answer.header("content-type"), answer.header("content-disposition"))

    # --- escalations -----------------------------------------------------------------------

    def escalate(self, chat_id: int, *, queue_id: str | None = None) -> dict[str, Any]:
        """``POST /chats/{id}/escalations``: the virtual agent escalates (to ``queue_id`` or its default)."""
        return self._http.request_object("POST", f"/chats/{chat_id}/escalations", _without_none(queue_id=queue_id))

    def choose_deflection(
        self, chat_id: int, escalation_id: int, deflection_channel: Literal["human_agent", "virtual_agent"]
    ) -> dict[str, Any]:
        """``PATCH /chats/{id}/escalations/{escalation_id}``: keep waiting or continue with the virtual agent."""
        body = {"deflection_channel": deflection_channel}
        return self._http.request_object("PATCH", f"/chats/{chat_id}/escalations/{escalation_id}", body)


def _without_none(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}
