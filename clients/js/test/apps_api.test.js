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
      // A text's webhook content is the plain string by default, whichever shape was sent.
      ["as an object", "as a string", { type: "photo", media_id: photo.media_id }],
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
    const tooEarly = await failure(tenant.admin.dismissChat(chat.id)); // the end user has not written
    assert.equal(tooEarly.status, 409);
    assert.match(tooEarly.serverMessage, /both the consumer and agent have to have sent at least one message/);
    await tenant.apps.sendText(chat.id, endUser.id, "is anyone there?");
    await tenant.admin.dismissChat(chat.id);
    await tenant.waitForWebhook({ eventType: "chat_dismissed", chatId: chat.id });
    const dismissed = await tenant.apps.chat(chat.id);
    assert.deepEqual([dismissed.status, dismissed.agent], ["dismissed", null]); // the agent is removed
    await tenant.apps.resumeChat(chat.id); // queued again; an agent joins with the history
    await tenant.waitForWebhook({ eventType: "chat_resumed", chatId: chat.id });
    await tenant.waitForChat(chat.id, { state: "assigned", status: "assigned" });
    // Dismissed again (forced: since the resume the end user has not written), the end user's
    // own message brings it back to an agent, as on the platform.
    const forced = await tenant.admin.dismissChat(chat.id, { force: true });
    assert.equal(forced.status, "dismissed");
    await tenant.apps.sendText(chat.id, endUser.id, "back again");
    await tenant.waitForChat(chat.id, { state: "assigned", status: "assigned", contains: "back again" });
  });

  it("reads wait times, sends custom data, and switches the tenant's content shape", async () => {
    const waits = await tenant.apps.waitTimes({ lang: "en", channelType: "chat" });
    assert.deepEqual(waits.map(menu => [menu.menu_id, menu.chat, menu.wait]), [[1, 45, 1], [2, 900, 15], [3, 120, 2]]);
    const queue = await tenant.admin.setWaitTime(tenant.subdomain, "general", { chat: 600 });
    assert.equal(queue.wait_time.chat, 600);
    const busy = await tenant.apps.waitTimes({ lang: "en", channelType: "chat", waitFrom: 9, waitTo: 16 });
    assert.deepEqual(busy.map(menu => menu.menu_id), [1, 2]);
    await tenant.admin.clearWaitTime(tenant.subdomain, "general");
    const noLang = await failure(tenant.apps.waitTimes({}));
    assert.equal(noLang.status, 400);
    assert.match(noLang.serverMessage, /lang is required/);

    const reserved = { reserved_repeat_customer: { label: "Repeat Customer", value: true, type: "boolean" } };
    const { endUser, chat } = await tenant.startChat({ customData: reserved });
    const added = await tenant.apps.sendCustomData(chat.id, { plan: { label: "Plan", value: "gold" } });
    assert.deepEqual(Object.keys(added.custom_data).sort(), ["plan", "reserved_repeat_customer"]);
    const agentView = await tenant.admin.transcript(chat.id, "agent");
    assert.deepEqual(agentView.user_profile_flags.map(flag => flag.flag), ["repeat_customer"]);
    const bad = await failure(tenant.apps.sendCustomData(chat.id, { reserved_bad_actor: { label: "Bad Actor", value: "yes" } }));
    assert.equal(bad.status, 400);
    assert.match(bad.serverMessage, /data\.reserved_bad_actor\.value/);

    assert.equal((await tenant.admin.setMessageContentShape(tenant.subdomain, "object")).shape, "object");
    await tenant.waitForChat(chat.id, { state: "assigned" });
    await tenant.apps.sendText(chat.id, endUser.id, "as an object please");
    const nested = await tenant.waitForWebhook({
      eventType: "message_received",
      chatId: chat.id,
      predicate: event => event.body.message.content?.content === "as an object please",
    });
    assert.deepEqual(nested.body.message.content, { type: "text", content: "as an object please" });
    await tenant.admin.clearMessageContentShape(tenant.subdomain);
    assert.equal((await tenant.admin.messageContentShape(tenant.subdomain)).shape, "string");
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
