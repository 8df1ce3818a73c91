// Queues, escalations and deflections against the real binary (the built-in fixtures' queues:
// general available, billing over capacity, orders after hours): a chat opened with a context
// is routed by the queue-selection virtual agent; a deflected escalation is answered by
// keeping waiting, by email (ending the chat) or by going on with the virtual agent; a chat
// can open with a pre-chat transcript that only the agent's side sees.

import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { readmeBlock, runReadmeCode, startTestEmulator } from "./support.js";

/** Resolves with the error a promise rejects with (fails if it resolves). */
async function failure(promise) {
  const outcome = await promise.then(value => ({ value }), error => ({ error }));
  assert.ok(outcome.error, `expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

describe("queues, escalations and deflections", () => {
  let emulator;
  let tenant;
  before(async () => {
    emulator = await startTestEmulator({ agentJoinDelay: "0" });
  });
  // A tenant per test: queue availability is per tenant, and one test opens billing.
  beforeEach(async () => {
    tenant = await emulator.newTenant({ prefix: "escalations" });
  });
  afterEach(async () => {
    await tenant?.close();
  });
  after(async () => {
    await emulator?.stop();
  });

  const openChat = department => tenant.startChat({ context: { department } });

  it("keeps a deflected chat waiting until its queue has room", async () => {
    const { endUser, chat } = await openChat("billing");
    const deflected = await tenant.waitForWebhook({ eventType: "escalation_deflected", chatId: chat.id });
    const escalation = deflected.body.escalation;
    assert.deepEqual([escalation.queue.id, escalation.deflection_reason], ["billing", "over_capacity"]);
    const listed = await tenant.waitForEscalation(chat.id, { status: "deflecting" });
    assert.deepEqual(
      [listed.id, listed.tenant, listed.deflection_options],
      [escalation.id, tenant.subdomain, ["email", "human_agent", "virtual_agent"]],
    );

    const waiting = await tenant.apps.chooseDeflection(chat.id, escalation.id, "human_agent");
    assert.deepEqual([waiting.status, waiting.deflection_channel], ["escalating", "human_agent"]);
    assert.equal((await tenant.apps.chat(chat.id)).status, "queued");
    const billing = (await tenant.admin.queues(tenant.subdomain)).queues.find(queue => queue.id === "billing");
    assert.equal(billing.availability, "over_capacity");
    assert.ok(billing.waiting_chats.includes(chat.id));

    const opened = await tenant.admin.setQueueAvailability(tenant.subdomain, "billing", "available");
    assert.equal(opened.availability, "available");
    const record = await tenant.waitForChat(chat.id, { state: "assigned" });
    assert.ok(record.agent);
    assert.equal((await tenant.waitForEscalation(chat.id, { status: "escalated" })).id, escalation.id);
    await tenant.apps.sendText(chat.id, endUser.id, "thanks for waiting");
  });

  it("refuses keep-waiting after hours, and ends the chat for an email", async () => {
    const { endUser, chat } = await openChat("orders");
    const escalation = await tenant.waitForEscalation(chat.id, { status: "deflecting" });
    assert.equal(escalation.deflection_reason, "after_hours");
    const keepWaiting = await failure(
      tenant.apps.updateChat(chat.id, { escalation_id: escalation.id, deflection_channel: "human_agent" }),
    );
    assert.equal(keepWaiting.status, 400);
    assert.equal(
      keepWaiting.serverMessage,
      `deflection_channel human_agent (keep waiting) is only allowed when the reason is over_capacity; escalation ${escalation.id} was deflected because of after_hours`,
    );
    const ended = await tenant.apps.endChat(chat.id, {
      finishedByUserId: endUser.id,
      escalationId: escalation.id,
      deflectionChannel: "email",
    });
    assert.equal(ended.status, "finished");
    const answered = await tenant.waitForEscalation(chat.id, { status: "deflected" });
    assert.deepEqual([answered.id, answered.deflection_channel], [escalation.id, "email"]);
    assert.equal((await failure(tenant.apps.chooseDeflection(chat.id, escalation.id, "virtual_agent"))).status, 400);
  });

  it("continues with the virtual agent, then escalates to an open queue", async () => {
    const { chat } = await openChat("billing");
    const escalation = await tenant.waitForEscalation(chat.id, { status: "deflecting" });
    const pending = await failure(tenant.apps.escalate(chat.id, { queueId: "general" }));
    assert.deepEqual(
      [pending.status, pending.serverMessage],
      [400, `Escalation ${escalation.id} is still waiting for a deflection choice`],
    );
    const stays = await tenant.apps.chooseDeflection(chat.id, escalation.id, "virtual_agent");
    assert.deepEqual([stays.status, stays.deflection_channel], ["deflected", "virtual_agent"]);
    const unknown = await failure(tenant.apps.escalate(chat.id, { queueId: "nope" }));
    assert.equal(unknown.status, 400);
    assert.match(unknown.serverMessage, /^queue_id "nope" is not a known queue/);
    const again = await tenant.apps.escalate(chat.id, { queueId: "general" });
    assert.equal(again.queue.id, "general");
    assert.notEqual(again.id, escalation.id);
    await tenant.waitForChat(chat.id, { state: "assigned" });
    assert.equal((await tenant.waitForEscalation(chat.id, { status: "escalated" })).id, again.id);
  });

  it("shows a pre-chat transcript to the agent's side only, and refuses a malformed one", async () => {
    const transcript = [
      { sender: "end_user", timestamp: "2021-03-15 12:00:00Z", content: [{ type: "text", text: "Where is my refund?" }] },
    ];
    const { endUser, chat } = await tenant.startChat({ transcript });
    const agentView = await tenant.admin.transcript(chat.id, "agent");
    assert.deepEqual(agentView.pre_chat.map(entry => entry.content), [transcript[0].content]);
    assert.equal(agentView.pre_chat[0].pre_chat, true);
    assert.ok(!(await tenant.admin.transcript(chat.id, "end_user")).pre_chat?.length);
    const bad = [{ sender: "end_user", timestamp: "2021-03-15 12:00:00Z", content: [{ type: "media", media: {} }] }];
    const refused = await failure(tenant.apps.createChat({ endUserId: endUser.id, transcript: bad }));
    assert.equal(refused.status, 400);
    assert.match(refused.serverMessage, /^Invalid transcript\[0\]\.content\[0\]/);
  });

  it("runs the README's escalation example as written", async () => {
    const code = `${await readmeBlock("Queues, escalations and deflections")}\nreturn chat;`;
    const chat = await runReadmeCode(code, { tenant });
    const escalation = await tenant.waitForEscalation(chat.id, { status: "escalated" });
    assert.equal(escalation.queue.id, "billing");
  });
});
