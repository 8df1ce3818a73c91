// The control-plane client against the real binary: webhook configuration, rotation,
// redelivery and faults as the receiver sees them; long-polls that answer when their
// condition holds and time out as WaitTimeoutError; the request journal; reset.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EmulatorError, WaitTimeoutError, WebhookTimeoutError } from "../src/index.js";
import { startTestEmulator } from "./support.js";

describe("AdminClient", () => {
  let emulator;
  let tenant;
  before(async () => {
    emulator = await startTestEmulator({ agentJoinDelay: "0" });
    tenant = await emulator.newTenant({ prefix: "admin" });
  });
  after(async () => {
    await tenant?.close();
    await emulator?.stop();
  });

  it("reads the tenant's webhook target as newTenant set it", async () => {
    const redacted = await tenant.admin.webhook(tenant.subdomain);
    assert.equal(redacted.webhook.primary_secret, "[redacted]");
    const answer = await tenant.admin.webhook(tenant.subdomain, { revealSecrets: true });
    assert.equal(answer.source, "tenant");
    assert.equal(answer.webhook.url, tenant.receiver.url);
    assert.equal(answer.webhook.primary_secret, tenant.primarySecret);
    assert.equal(answer.webhook.secondary_secret, tenant.secondarySecret);
  });

  it("after a rotation, webhooks are signed with the former secondary secret only", async () => {
    const rotating = await emulator.newTenant({ prefix: "rotate" });
    try {
      await rotating.rotateWebhook();
      const rotated = await rotating.admin.webhook(rotating.subdomain, { revealSecrets: true });
      assert.equal(rotated.webhook.primary_secret, rotating.secondarySecret);
      const { chat } = await rotating.startChat();
      const created = await rotating.waitForWebhook({ eventType: "chat_created", chatId: chat.id });
      assert.deepEqual(created.verifiedWith, { secretIndex: 1, part: "primary" });
      assert.doesNotMatch(created.headers["x-signature"], /secondary=/);
    } finally {
      await rotating.close();
    }
  });

  it("redelivers a delivery with the same id and a fresh signature", async () => {
    const { chat } = await tenant.startChat();
    const first = await tenant.waitForWebhook({ eventType: "chat_created", chatId: chat.id });
    await tenant.admin.redeliver(first.deliveryId);
    const [, second] = await tenant.waitForWebhooks({ deliveryId: first.deliveryId, duplicates: true, count: 2 });
    assert.equal(second.arrival, 2);
    assert.equal(second.rawBody, first.rawBody);
    assert.equal(tenant.receiver.events.filter(event => event.deliveryId === first.deliveryId).length, 1, "events de-duplicates");
    const delivery = await tenant.admin.delivery(first.deliveryId);
    assert.equal(delivery.payload.chat_id, chat.id);
  });

  it("a bad_signature fault is refused by the receiver and retried, then clean deliveries pass", async () => {
    const faulty = await emulator.newTenant({ prefix: "faults" });
    try {
      await faulty.admin.setWebhookFaults(faulty.subdomain, { bad_signature: true });
      assert.equal((await faulty.admin.webhookFaults(faulty.subdomain)).faults.bad_signature, true);
      const { chat } = await faulty.startChat();
      const failed = await faulty.deliveries({ chatId: chat.id, eventType: "chat_created", status: "failed", minCount: 1 });
      assert.ok(failed.deliveries[0].attempts.every(attempt => attempt.status_code === 401));
      assert.ok(faulty.receiver.rejected.length >= 1);
      assert.ok(faulty.receiver.rejected.every(entry => entry.reason === "no signature matches a known secret"));
      assert.equal(faulty.receiver.events.length, 0);
      await faulty.admin.clearWebhookFaults(faulty.subdomain);
      await faulty.admin.redeliver(failed.deliveries[0].id);
      await faulty.waitForWebhook({ eventType: "chat_created", chatId: chat.id });
    } finally {
      await faulty.close();
    }
  });

  it("long-polls answer when the condition holds and time out as WaitTimeoutError (408)", async () => {
    const { chat } = await tenant.startChat();
    const record = await tenant.waitForChat(chat.id, { state: "assigned", minMessages: 1, contains: "How can I help" });
    assert.equal(record.routing_state, "assigned");
    const timedOut = await tenant.waitForChat(chat.id, { state: "finished", timeoutMs: 200 }).catch(error => error);
    assert.ok(timedOut instanceof WaitTimeoutError, String(timedOut));
    assert.equal(timedOut.status, 408);
    assert.match(timedOut.serverMessage, /^Timed out after \d+ms waiting for routing_state=finished/);
    assert.equal(timedOut.lastSeen.routing_state, "assigned");
    assert.ok(timedOut.waitedMs >= 200);
    const noSuchCount = await tenant.admin.waitForDeliveries({ chatId: chat.id, minCount: 1000, timeoutMs: 100 }).catch(e => e);
    assert.ok(noSuchCount instanceof WaitTimeoutError);
    assert.ok(noSuchCount.lastSeen.count >= 1);
  });

  it("a wait that runs out says in its message what it last saw", async () => {
    const { endUser, chat } = await tenant.startChat();
    await tenant.waitForChat(chat.id, { state: "assigned" });
    await tenant.apps.sendText(chat.id, endUser.id, "hello there");
    const timedOut = await tenant.waitForTranscript(chat.id, "end_user", { contains: "refund", timeoutMs: 200 }).catch(e => e);
    assert.ok(timedOut instanceof WaitTimeoutError, String(timedOut));
    assert.match(timedOut.message, /the chat was status=assigned, routing_state=assigned; the end_user view held \d+ messages/);
    assert.match(timedOut.message, /end_user: "hello there"/);
    assert.equal(timedOut.explanation.view, "end_user");
  });

  it("waiting for an event the tenant's selection leaves out says it was suppressed and how to enable it", async () => {
    const documented = await emulator.newTenant({ prefix: "selection" });
    try {
      const selection = await documented.admin.setTenantWebhookEvents(documented.subdomain, "documented");
      assert.ok(!selection.events.includes("chat_ended"), String(selection.events));
      assert.equal((await documented.admin.tenantWebhookEvents(documented.subdomain)).source, "tenant");
      const { chat } = await documented.startChat();
      await documented.apps.endChat(chat.id); // no page mentions an event for it: journaled, not sent
      await documented.deliveries({ chatId: chat.id, eventType: "chat_ended", status: "suppressed", minCount: 1 });
      const timedOut = await documented.deliveries({ chatId: chat.id, eventType: "chat_ended", status: "delivered", minCount: 1, timeoutMs: 200 }).catch(e => e);
      assert.ok(timedOut instanceof WaitTimeoutError, String(timedOut));
      assert.match(timedOut.message, /chat_ended is left out by the tenant \S+'s event selection \(documented: chat_created, message_received, agent_joined/);
      assert.match(timedOut.message, /1 chat_ended event was journaled as suppressed/);
      assert.ok(timedOut.message.includes(`enable it with PUT /__admin/tenants/${documented.subdomain}/webhook/events`), timedOut.message);
      assert.equal(timedOut.explanation.left_out_by_selection[0].event_type, "chat_ended");
      const neverSent = await documented.waitForWebhook({ eventType: "chat_ended", chatId: chat.id, timeoutMs: 100 }).catch(e => e);
      assert.ok(neverSent instanceof WebhookTimeoutError, String(neverSent));
      assert.match(neverSent.message, /the emulator's journal: 0 matched; .*chat_ended is left out by the tenant .* journaled as suppressed; enable it with PUT/);
      await documented.admin.clearTenantWebhookEvents(documented.subdomain);
      assert.equal((await documented.admin.tenantWebhookEvents(documented.subdomain)).source, "default");
    } finally {
      await documented.close();
    }
  });

  it("after failNext(2, 503) a wait resolves on the delivery the receiver accepted", async () => {
    const failing = await emulator.newTenant({ prefix: "fail-next" });
    try {
      failing.receiver.failNext(2, 503);
      const { chat } = await failing.startChat();
      const created = await failing.waitForWebhook({ eventType: "chat_created", chatId: chat.id });
      assert.equal(created.status, 200);
      assert.equal(created.arrival, 3);
      const failed = await failing.waitForWebhooks({ chatId: chat.id, accepted: false, duplicates: true, count: 2 });
      assert.deepEqual(failed.map(attempt => [attempt.status, attempt.deliveryId]), [[503, created.deliveryId], [503, created.deliveryId]]);
      // The receiver answered before the emulator journals that answer: wait for the journal.
      await failing.deliveries({ chatId: chat.id, eventType: "chat_created", status: "delivered", minCount: 1 });
      const journal = await failing.admin.delivery(created.deliveryId);
      assert.deepEqual(journal.attempts.map(attempt => attempt.status_code), [503, 503, 200]);
    } finally {
      await failing.close();
    }
  });

  it("moves a tenant's clock alone, and back to real time", async () => {
    const other = await tenant.admin.clock(`${tenant.subdomain}-other`);
    const moved = await tenant.advanceClock("90m");
    assert.equal(moved.offset_ms, 90 * 60 * 1000);
    assert.equal(moved.real_time, false);
    assert.equal((await tenant.advanceClock(30 * 60 * 1000)).offset_ms, 120 * 60 * 1000);
    assert.equal((await tenant.admin.clock(`${tenant.subdomain}-other`)).offset_ms, other.offset_ms);
    const refused = await tenant.advanceClock("soon").catch(e => e);
    assert.ok(refused instanceof EmulatorError && refused.status === 400, String(refused));
    assert.throws(() => tenant.advanceClock(-1), RangeError);
    await tenant.resetClock();
    assert.equal((await tenant.clock()).real_time, true);
  });

  it("a malformed condition is a 400 EmulatorError, not a timeout", async () => {
    const { chat } = await tenant.startChat();
    const error = await tenant.waitForChat(chat.id, { state: "bogus" }).catch(e => e);
    assert.ok(error instanceof EmulatorError && !(error instanceof WaitTimeoutError), String(error));
    assert.equal(error.status, 400);
    assert.match(error.serverMessage, /routing_state "bogus" is not one of/);
  });

  it("drives the agent: say, transfer, end", async () => {
    const { endUser, chat } = await tenant.startChat();
    await tenant.waitForChat(chat.id, { state: "assigned" });
    await tenant.agentSay(chat.id, "Let me check that");
    await tenant.waitForWebhook({ eventType: "message_received", chatId: chat.id, predicate: e => e.body.message.content === "Let me check that" });
    await tenant.agentTransfer(chat.id, "one_time_code");
    await tenant.waitForChat(chat.id, { state: "task_virtual_agent" });
    await tenant.waitForWebhook({ eventType: "virtual_agent_joined", chatId: chat.id });
    await tenant.apps.sendText(chat.id, endUser.id, "246810");
    await tenant.assertAgentNeverSaw(chat.id, "246810", { waitFor: "finished successfully" });
    await tenant.agentEnd(chat.id);
    const ended = await tenant.waitForWebhook({ eventType: "chat_ended", chatId: chat.id });
    assert.equal(ended.body.ended_by, "agent");
    const unknownVta = await tenant.agentTransfer(chat.id, "no_such_vta").catch(e => e);
    assert.ok(unknownVta instanceof EmulatorError && unknownVta.status >= 400 && unknownVta.status < 500);
  });

  it("shows the requests the backend sent, and reset forgets the tenant", async () => {
    const own = await emulator.newTenant({ prefix: "journal" });
    try {
      const { endUser, chat } = await own.startChat();
      await own.apps.sendText(chat.id, endUser.id, "journaled");
      const sent = await own.admin.waitForRequests({ tenant: own.subdomain, path: `/apps/api/v1/chats/${chat.id}/message`, minCount: 1 });
      assert.equal(sent.count, 1);
      assert.equal(sent.requests[0].body.message.content.text, "journaled");
      assert.equal(sent.requests[0].headers.authorization, "Basic [redacted]");
      await own.admin.reset({ tenant: own.subdomain });
      assert.equal((await own.admin.requests({ tenant: own.subdomain })).count, 0);
      const gone = await own.admin.chat(chat.id).catch(e => e);
      assert.equal(gone.status, 404);
    } finally {
      await own.close();
    }
  });

  it("serves health, the event catalog and the OpenAPI document", async () => {
    assert.equal((await emulator.admin.health()).status, "ok");
    const catalog = await emulator.admin.webhookEvents();
    assert.ok(catalog.events.some(event => event.event_type === "message_received" && event.documented));
    const openapi = await emulator.admin.openapi();
    assert.ok(openapi.paths["/__admin/chats/{chat_id}/transcript"]);
  });
});
