// The media flow against the real binary: a pre-signed form, the multipart upload to the
// emulator's storage (fetch + FormData), registration by s3_path, listing, a photo/video
// message naming the media_id, the agent's attachment and its download, and the refusals
// (an unregistered media_id, a used form, an empty file).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EmulatorError, StorageError, uploadFile } from "../src/index.js";
import { readmeBlock, runReadmeCode, startTestEmulator } from "./support.js";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 2048 }, (_, i) => i % 256), 0xff, 0xd9]);
const MP4 = new Uint8Array([0, 0, 0, 0x18, ...new TextEncoder().encode("ftypmp42"), ...Array.from({ length: 800 }, (_, i) => i % 200)]);

/** Resolves with the error a promise rejects with (fails if it resolves). */
async function failure(promise) {
  const outcome = await promise.then(value => ({ value }), error => ({ error }));
  assert.ok(outcome.error, `expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

describe("media: photos, videos and the agent's attachments", () => {
  let emulator;
  let tenant;
  before(async () => {
    emulator = await startTestEmulator({ agentJoinDelay: "0" });
    tenant = await emulator.newTenant({ prefix: "media" });
  });
  after(async () => {
    await tenant?.close();
    await emulator?.stop();
  });

  async function assignedChat() {
    const { endUser, chat } = await tenant.startChat();
    await tenant.waitForChat(chat.id, { state: "assigned" });
    return { endUser, chat };
  }

  it("uploads, registers, lists, sends and downloads a photo", async () => {
    const { endUser, chat } = await assignedChat();
    const form = await tenant.apps.uploadForm(chat.id, "photo");
    assert.deepEqual(Object.keys(form).sort(), ["fields", "url"]);
    assert.equal(form.fields["Content-Type"], "image/jpeg");
    assert.equal(form.fields["x-amz-meta-chat-id"], String(chat.id));
    const stored = await uploadFile(form, JPEG, { filename: "receipt.jpg" });
    assert.equal(stored.s3Path, form.fields.key);
    assert.ok(stored.etag);
    const [photo, ...rest] = await tenant.apps.registerPhotos(chat.id, [stored.s3Path]);
    assert.deepEqual(rest, []);
    assert.deepEqual([photo.s3_path, photo.content_type, photo.size], [stored.s3Path, "image/jpeg", JPEG.length]);
    assert.deepEqual(await tenant.apps.photos(chat.id), [photo]);
    assert.deepEqual(await tenant.apps.videos(chat.id), []);
    assert.equal((await tenant.apps.registerPhotos(chat.id, [stored.s3Path]))[0].media_id, photo.media_id);

    await tenant.apps.sendMedia(chat.id, endUser.id, "photo", photo.media_id);
    const received = await tenant.waitForWebhook({
      eventType: "message_received",
      chatId: chat.id,
      predicate: event => event.body.message.type === "photo",
    });
    assert.deepEqual(received.body.message.content, { type: "photo", media_id: photo.media_id });
    const download = await tenant.apps.downloadMedia(chat.id, photo.media_id);
    assert.equal(download.contentType, "image/jpeg");
    assert.deepEqual(download.data, JPEG);
  });

  it("refuses a photo message whose media_id was never registered with the platform's 400", async () => {
    const { endUser, chat } = await assignedChat();
    const unregistered = await failure(tenant.apps.sendMedia(chat.id, endUser.id, "photo", 777));
    assert.ok(unregistered instanceof EmulatorError);
    assert.equal(unregistered.status, 400);
    assert.equal(
      unregistered.serverMessage,
      `media_id 777 is not a photo registered on chat ${chat.id} (register it with POST /chats/${chat.id}/photos first)`,
    );
    assert.deepEqual(unregistered.body, { message: unregistered.serverMessage });
    const video = await tenant.apps.uploadMedia(chat.id, "video", MP4);
    const asPhoto = await failure(tenant.apps.sendMedia(chat.id, endUser.id, "photo", video.media_id));
    assert.equal(asPhoto.status, 400);
    assert.match(asPhoto.serverMessage, new RegExp(`^media_id ${video.media_id} is not a photo`));
  });

  it("registers a video as one object and sends it", async () => {
    const { endUser, chat } = await assignedChat();
    const video = await tenant.apps.uploadMedia(chat.id, "video", MP4, { filename: "clip.mp4" });
    assert.deepEqual([video.content_type, video.size], ["video/mp4", MP4.length]);
    assert.deepEqual(await tenant.apps.videos(chat.id), [video]);
    const sent = await tenant.apps.sendMedia(chat.id, endUser.id, "video", video.media_id);
    assert.equal(sent.chat_id, chat.id);
    const unknownPath = await failure(tenant.apps.registerVideo(chat.id, "chats/0/videos/nothing.mp4"));
    assert.equal(unknownPath.status, 400);
    assert.ok(unknownPath.serverMessage);
  });

  it("storage refuses a used form, an empty and a too large file in S3's terms", async () => {
    const { chat } = await assignedChat();
    const form = await tenant.apps.uploadForm(chat.id, "photo");
    await uploadFile(form, JPEG);
    const used = await failure(uploadFile(form, JPEG));
    assert.ok(used instanceof StorageError);
    assert.deepEqual([used.status, used.code], [403, "AccessDenied"]);
    assert.match(used.serverMessage, /already used/);
    const empty = await failure(uploadFile(await tenant.apps.uploadForm(chat.id, "photo"), new Uint8Array(0)));
    assert.deepEqual([empty.status, empty.code], [400, "EntityTooSmall"]);
    const tooLarge = new Uint8Array(2 * 1024 * 1024 + 1).fill(0xff);
    const large = await failure(uploadFile(await tenant.apps.uploadForm(chat.id, "photo"), tooLarge));
    assert.deepEqual([large.status, large.code], [400, "EntityTooLarge"]);
  });

  it("delivers the agent's attachment to the end user, who downloads it", async () => {
    const { chat } = await assignedChat();
    const pdf = new TextEncoder().encode(`%PDF-1.4\n${"invoice ".repeat(100)}\n%%EOF\n`);
    const attached = await tenant.admin.attachFile(chat.id, pdf, { filename: "invoice.pdf" });
    assert.deepEqual(
      [attached.chat_id, attached.filename, attached.content_type, attached.size],
      [chat.id, "invoice.pdf", "application/pdf", pdf.length],
    );
    const received = await tenant.waitForWebhook({
      eventType: "message_received",
      chatId: chat.id,
      predicate: event => event.body.message.type === "attachment",
    });
    assert.equal(received.body.sender.type, "agent");
    assert.equal(received.body.message.content.media_id, attached.media_id);
    const download = await tenant.apps.downloadMedia(chat.id, attached.media_id);
    assert.equal(download.contentType, "application/pdf");
    assert.deepEqual(download.data, pdf);
    assert.match(download.contentDisposition ?? "", /invoice\.pdf/);
    const nameless = await failure(tenant.admin.attachFile(chat.id, pdf, { filename: "" }));
    assert.equal(nameless.status, 400);
  });

  it("runs the README's clock example as written: an upload form expires on the tenant's clock", async () => {
    const { chat } = await assignedChat();
    const jpegBytes = JPEG;
    const code = `${await readmeBlock("A clock per tenant")}\nreturn { clock, late };`;
    const { clock, late } = await runReadmeCode(code, { tenant, chat, uploadFile, jpegBytes });
    assert.ok(clock.offset_ms >= 360_000, JSON.stringify(clock));
    assert.ok(late instanceof StorageError, String(late));
    assert.equal(late.code, "AccessDenied");
    assert.match(late.serverMessage, /Policy expired/);
    assert.equal((await tenant.clock()).real_time, true);
  });

  it("runs the README's media example as written", async () => {
    const { endUser, chat } = await assignedChat();
    const jpegBytes = JPEG;
    const pdfBytes = new TextEncoder().encode("%PDF-1.4 readme %%EOF");
    const code = `${await readmeBlock("Media: photos, videos, attachments")}\nreturn { photo, data, contentType };`;
    const { photo, data, contentType } = await runReadmeCode(code, { tenant, chat, endUser, uploadFile, jpegBytes, pdfBytes });
    assert.deepEqual((await tenant.apps.photos(chat.id)).map(media => media.media_id), [photo.media_id]);
    assert.deepEqual([data, contentType], [pdfBytes, "application/pdf"]);
  });
});
