"""The media flow against the real binary: a pre-signed form, the multipart upload to the
emulator's storage (stdlib only), registration by ``s3_path``, listing, a ``photo``/``video``
message naming the ``media_id``, the agent's attachment and its download, and the refusals
(an unregistered ``media_id``, a used form, an empty file)."""

from __future__ import annotations

import pytest

from ccai_emulator import EmulatorError, StorageError, TestTenant, upload_file

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(200)) * 4


def test_a_photo_is_uploaded_registered_listed_sent_and_downloaded(ccai_tenant: TestTenant) -> None:
    apps = ccai_tenant.apps
    user, chat = ccai_tenant.start_chat()
    form = apps.upload_form(chat, "photo")
    assert set(form) == {"url", "fields"}
    assert form["fields"]["Content-Type"] == "image/jpeg" and form["fields"]["x-amz-meta-chat-id"] == str(chat)
    stored = upload_file(form, JPEG, filename="receipt.jpg")
    assert stored.s3_path == form["fields"]["key"] and stored.etag
    [photo] = apps.register_photos(chat, [stored.s3_path])
    assert (photo["s3_path"], photo["content_type"], photo["size"]) == (stored.s3_path, "image/jpeg", len(JPEG))
    assert apps.photos(chat) == [photo] and apps.videos(chat) == []
    assert apps.register_photos(chat, [stored.s3_path])[0]["media_id"] == photo["media_id"]  # a retry is safe

    apps.send_media(chat, user, "photo", photo["media_id"])
    received = ccai_tenant.wait_for_webhook(
        "message_received", chat_id=chat, predicate=lambda event: event.body["message"]["type"] == "photo"
    )
    assert received.body["message"]["content"] == {"type": "photo", "media_id": photo["media_id"]}
    download = apps.download_media(chat, photo["media_id"])
    assert (download.data, download.content_type) == (JPEG, "image/jpeg")


def test_an_unregistered_media_id_is_refused_with_the_platforms_400(ccai_tenant: TestTenant) -> None:
    user, chat = ccai_tenant.start_chat()
    with pytest.raises(EmulatorError) as unregistered:
        ccai_tenant.apps.send_media(chat, user, "photo", 777)
    assert unregistered.value.status == 400
    assert unregistered.value.message == (
        f"media_id 777 is not a photo registered on chat {chat} (register it with POST /chats/{chat}/photos first)"
    )
    assert unregistered.value.body == {"message": unregistered.value.message}
    video = ccai_tenant.apps.upload_media(chat, "video", MP4)
    with pytest.raises(EmulatorError) as as_photo:
        ccai_tenant.apps.send_media(chat, user, "photo", video["media_id"])
    assert as_photo.value.status == 400 and f"media_id {video['media_id']} is not a photo" in as_photo.value.message


def test_a_video_registers_as_one_object_and_is_sent(ccai_tenant: TestTenant) -> None:
    user, chat = ccai_tenant.start_chat()
    video = ccai_tenant.apps.upload_media(chat, "video", MP4, filename="clip.mp4")
    assert video["content_type"] == "video/mp4" and video["size"] == len(MP4)
    assert ccai_tenant.apps.videos(chat) == [video]
    sent = ccai_tenant.apps.send_media(chat, user, "video", video["media_id"])
    assert sent["chat_id"] == chat
    record = ccai_tenant.admin.chat(chat)
    assert any(m["body"].get("media_id") == video["media_id"] for m in record["messages"])
    with pytest.raises(EmulatorError) as unknown_path:
        ccai_tenant.apps.register_video(chat, "chats/0/videos/nothing.mp4")
    assert unknown_path.value.status == 400 and unknown_path.value.message


def test_storage_refuses_a_used_form_an_empty_and_a_too_large_file_in_s3s_terms(ccai_tenant: TestTenant) -> None:
    _, chat = ccai_tenant.start_chat()
    form = ccai_tenant.apps.upload_form(chat, "photo")
    upload_file(form, JPEG)
    with pytest.raises(StorageError) as used:
        upload_file(form, JPEG)
    assert (used.value.status, used.value.code) == (403, "AccessDenied")
    assert "already used" in used.value.message
    with pytest.raises(StorageError) as empty:
        upload_file(ccai_tenant.apps.upload_form(chat, "photo"), b"")
    assert (empty.value.status, empty.value.code) == (400, "EntityTooSmall")
    too_large = b"\xff" * (2 * 1024 * 1024 + 1)
    with pytest.raises(StorageError) as large:
        upload_file(ccai_tenant.apps.upload_form(chat, "photo"), too_large)
    assert (large.value.status, large.value.code) == (400, "EntityTooLarge")


def test_the_agents_attachment_reaches_the_end_user_who_downloads_it(ccai_tenant: TestTenant) -> None:
    _, chat = ccai_tenant.start_chat()
    pdf = b"%PDF-1.4\n" + b"invoice " * 100 + b"\n%%EOF\n"
    attached = ccai_tenant.admin.attach_file(chat, pdf, "invoice.pdf")
    assert (attached["chat_id"], attached["filename"], attached["content_type"], attached["size"]) == (
        chat,
        "invoice.pdf",
        "application/pdf",
        len(pdf),
    )
    received = ccai_tenant.wait_for_webhook(
        "message_received", chat_id=chat, predicate=lambda event: event.body["message"]["type"] == "attachment"
    )
    assert received.body["sender"]["type"] == "agent"
    assert received.body["message"]["content"]["media_id"] == attached["media_id"]
    download = ccai_tenant.apps.download_media(chat, attached["media_id"])
    assert (download.data, download.content_type) == (pdf, "application/pdf")
    assert "invoice.pdf" in (download.content_disposition or "")
    with pytest.raises(EmulatorError) as nameless:
        ccai_tenant.admin.attach_file(chat, pdf, "")
    assert nameless.value.status == 400
