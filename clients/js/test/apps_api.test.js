// The Apps API client against the real binary: end users, chats, both message content
// shapes, media, PATCH end, dismiss and resume, mid-session authentication, and errors that
// carry the status and the platform's {"message"} text.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EmulatorError } from "../src/index.js";
import { startTestEmulator, texts } from "./support.js";

/** Resolves with the error a promise rejects with (fails if it resolves). */
async function failure(promise) {
  const outcome = await promise.then(value => ({ value }), error => ({ error }));
  assert.ok(outcome.error, `expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

describe("AppsClient", () => {
  let emulator;
  let tenant;
  before(async () => {
    emulator = await startTestEmulator({ agentJoinDelay: "0" });
    tenant = await emulator.newTenant({ prefix: "apps" });
  });
  after(async () => {
    await tenant?.close();
    await emulator?.stop();
  });

  it("upserts an end user by identifier and finds it by id or identifier", async () => {
    const first = await tenant.apps.upsertEndUser({ identifier: "ann-1", name: "Ann", email: "ann@example.com" });
    const again = await tenant.apps.upsertEndUser({ identifier: "ann-1" });
    assert.equal(again.id, first.id);
    assert.equal((await tenant.apps.findEndUser({ id: first.id })).identifier, "ann-1");
    assert.equal((await tenant.apps.findEndUser({ identifier: "ann-1" })).email, "ann@example.com");
    const missing = await failure(tenant.apps.findEndUser({ identifier: "nobody" }));
    assert.ok(missing instanceof EmulatorError);
    assert.equal(missing.status, 404);
    assert.equal(missing.serverMessage, "End user not found");
    assert.deepEqual(missing.body, { message: "End user not found" });
  });

  it("sends text in both content shapes and media, as the webhooks show", async () => {
    const { endUser, chat } = await tenant.startChat({ lang: "en", context: { plan: "gold" } });
    await tenant.waitForChat(chat.id, { state: "assigned" });
    await tenant.apps.sendText(chat.id, endUser.id, "as an object");
    await tenant.apps.sendText(chat.id, endUser.id, "as a string", { contentShape: "string" });
    const photo = await tenant.apps.uploadMedia(chat.id, "photo", new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]));
    await tenant.apps.sendMedia(chat.id, endUser.id, "photo", photo.media_id);
    const view = await tenant.waitForTranscript(chat.id, "all", { contains: "as a string" });
    assert.ok(texts(view).includes("as an object") && texts(view).includes("as a string"));
    const fromUser = await tenant.waitForWebhooks({
      eventType: "message_received",
      chatId: chat.id,
      predicate: event => event.body.sender.type === "end_user",
      count: 3,
    });
    assert.deepEqual(
      fromUser.map(event => event.body.message.content),
      [{ type: "text", content: "as an object" }, { type: "text", content: "as a string" }, { type: "photo", media_id: photo.media_id }],
    );
  });

  it("rejects bad input with the platform's 4xx and message", async () => {
    const { endUser, chat } = await tenant.startChat();
    const noUser = await failure(tenant.apps.createChat({}));
    assert.deepEqual([noUser.status, noUser.serverMessage], [400, "end_user_id is required"]);
    const unknownChat = await failure(tenant.apps.chat(999_999));
    assert.equal(unknownChat.status, 404);
    const stranger = await failure(tenant.apps.sendText(chat.id, endUser.id + 100_000, "hi"));
    assert.equal(stranger.status, 400);
    const noAuth = await failure(emulator.apps("someone", "").chat(chat.id));
    assert.equal(noAuth.status, 401);
    assert.match(noAuth.serverMessage, /Basic auth/);
  });

  it("ends a chat with PATCH, and a second end is 400 Chat is already ended", async () => {
    const { endUser, chat } = await tenant.startChat();
    await tenant.waitForChat(chat.id, { state: "assigned" });
    const ended = await tenant.apps.endChat(chat.id, { finishedByUserId: endUser.id });
    assert.equal(ended.status, "finished");
    await tenant.waitForChat(chat.id, { state: "finished", status: "finished" });
    const again = await failure(tenant.apps.updateChat(chat.id, { status: "finished" }));
    assert.deepEqual([again.status, again.serverMessage], [400, "Chat is already ended"]);
    const late = await failure(tenant.apps.sendText(chat.id, endUser.id, "too late"));
    assert.equal(late.status, 400);
  });

  it("resumes a dismissed chat (or the end user brings it back), and refuses to resume one that is not", async () => {
    const { endUser, chat } = await tenant.startChat();
    await tenant.waitForChat(chat.id, { state: "assigned" });
    const notDismissed = await failure(tenant.apps.resumeChat(chat.id));
    assert.deepEqual([notDismissed.status, notDismissed.serverMessage], [400, "This chat is not in dismissed state"]);
    await tenant.admin.dismissChat(chat.id);
    await tenant.waitForWebhook({ eventType: "chat_dismissed", chatId: chat.id });
    const dismissed = await tenant.apps.chat(chat.id);
    assert.deepEqual([dismissed.status, dismissed.agent], ["dismissed", null]); // the agent is removed
    await tenant.apps.resumeChat(chat.id); // queued again; an agent joins with the history
    await tenant.waitForWebhook({ eventType: "chat_resumed", chatId: chat.id });
    await tenant.waitForChat(chat.id, { state: "assigned", status: "assigned" });
    // Dismissed again, the end user's own message brings it back to an agent, as on the platform.
    await tenant.admin.dismissChat(chat.id);
    await tenant.apps.sendText(chat.id, endUser.id, "back again");
    await tenant.waitForChat(chat.id, { state: "assigned", status: "assigned", contains: "back again" });
  });

  it("re-points the chat at a verified end user mid-session, with a note to the agent", async () => {
    const { chat } = await tenant.startChat({ identifier: "guest-1" });
    await tenant.waitForChat(chat.id, { state: "assigned" });
    assert.deepEqual(await tenant.apps.authenticateEndUser(chat.id, { identifier: "verified-1", name: "Ann" }), { message: "accepted" });
    const object = await tenant.apps.chat(chat.id);
    assert.equal(object.end_user.identifier, "verified-1");
    const agentView = await tenant.waitForTranscript(chat.id, "agent", { contains: "authenticated as verified-1" });
    assert.ok(agentView.messages.length >= 2);
    await tenant.apps.sendText(chat.id, object.end_user.id, "now as the verified user");
  });
});
