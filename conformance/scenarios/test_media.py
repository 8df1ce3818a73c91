"""Photos and videos: the pre-signed upload form, the upload straight to storage, the
registration by ``s3_path``, the listing, the message naming the ``media_id``, and its
``message_received`` ("Chat platform API endpoints", "Agent file attachments with the chat
platform API"; docs/media.md)."""

from __future__ import annotations

from ccai_emulator import upload_file

from harness.checks import assert_refused, registered_media
from harness.consumer import Consumer

# The smallest files the storage policies take: the bytes are what they are, the types are
# what the forms demand (image/jpeg, video/mp4), and the same bytes give the same digest.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"conformance photo" + b"\xff\xd9"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" + b"conformance video"


def test_a_photo_is_uploaded_registered_listed_sent_and_downloaded(consumer: Consumer) -> None:
    """Upload form, storage upload, POST /photos, GET /photos, a photo message, GET /media/{id}."""
    user = consumer.upsert_end_user("kim")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("ask for a photo upload form")
    form = consumer.apps.upload_form(chat["id"], "photo")
    assert set(form) >= {"url", "fields"} and form["fields"]
    consumer.step("upload the photo to storage")
    stored = upload_file(form, JPEG, filename="receipt.jpg", observer=consumer.apps.observer)
    consumer.step("register the upload")
    [photo] = registered_media(consumer.raw("POST", f"/chats/{chat['id']}/photos", {"s3_paths": [stored.s3_path]}))
    assert isinstance(photo["media_id"], int) and photo["url"]  # "returns {media_id, url}"
    consumer.step("list the chat's photos")
    listed = registered_media(consumer.raw("GET", f"/chats/{chat['id']}/photos"))
    assert [item["media_id"] for item in listed] == [photo["media_id"]]
    consumer.step("send the photo")
    sent = consumer.apps.send_media(chat["id"], user["id"], "photo", photo["media_id"])
    assert sent["chat_id"] == chat["id"]
    consumer.step("download it")
    download = consumer.apps.download_media(chat["id"], photo["media_id"])
    assert download.data == JPEG
    [echo] = consumer.expect_webhooks("message_received", chat["id"])
    assert echo.body["message"]["type"] == "photo"
    assert str(photo["media_id"]) in str(echo.body["message"]), echo.body  # "the webhook includes the media_id"
    consumer.expect_webhooks("chat_created", chat["id"])


def test_a_video_is_uploaded_registered_listed_and_sent(consumer: Consumer) -> None:
    """Upload form, storage upload, POST /videos (one path), GET /videos, a video message."""
    user = consumer.upsert_end_user("lee")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("ask for a video upload form")
    form = consumer.apps.upload_form(chat["id"], "video")
    consumer.step("upload the video to storage")
    stored = upload_file(form, MP4, filename="unboxing.mp4", observer=consumer.apps.observer)
    consumer.step("register the upload")
    [video] = registered_media(consumer.raw("POST", f"/chats/{chat['id']}/videos", {"s3_path": stored.s3_path}))
    assert isinstance(video["media_id"], int) and video["url"]
    consumer.step("list the chat's videos")
    listed = registered_media(consumer.raw("GET", f"/chats/{chat['id']}/videos"))
    assert [item["media_id"] for item in listed] == [video["media_id"]]
    consumer.step("send the video")
    consumer.apps.send_media(chat["id"], user["id"], "video", video["media_id"])
    [echo] = consumer.expect_webhooks("message_received", chat["id"])
    assert echo.body["message"]["type"] == "video"
    consumer.expect_webhooks("chat_created", chat["id"])


def test_media_that_was_not_registered_on_the_chat_is_refused(consumer: Consumer) -> None:
    """A photo message naming no registered media, a registration of a path nobody uploaded,
    and a video sent as a photo: refused each, in the envelope, nothing sent."""
    user = consumer.upsert_end_user("max")
    consumer.step("open a chat")
    chat = consumer.apps.create_chat(user["id"])
    consumer.step("send a photo nobody registered")
    unknown = consumer.raw(
        "POST",
        f"/chats/{chat['id']}/message",
        {"message": {"type": "photo", "content": {"media_id": 777}}, "from_user_id": user["id"]},
    )
    consumer.step("register a path nobody uploaded")
    unregistered = consumer.raw("POST", f"/chats/{chat['id']}/photos", {"s3_path": "never-uploaded.jpg"})
    consumer.step("ask for a video upload form")
    form = consumer.apps.upload_form(chat["id"], "video")
    consumer.step("upload the video to storage")
    stored = upload_file(form, MP4, filename="clip.mp4", observer=consumer.apps.observer)
    consumer.step("register the upload")
    [video] = registered_media(consumer.raw("POST", f"/chats/{chat['id']}/videos", {"s3_path": stored.s3_path}))
    consumer.step("send the video as a photo")
    wrong_kind = consumer.raw(
        "POST",
        f"/chats/{chat['id']}/message",
        {"message": {"type": "photo", "content": {"media_id": video["media_id"]}}, "from_user_id": user["id"]},
    )
    for answer in (unknown, unregistered, wrong_kind):
        assert_refused(answer)
    consumer.expect_webhooks("chat_created", chat["id"])
