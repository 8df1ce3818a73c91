// The whole one-time-code flow against the real binary, as a consumer's test would write it:
// a tenant of its own, every webhook verified on the local receiver, the waits driven by
// long-polls and arriving webhooks, and the assertion that the human agent never saw the code.

import assert from "node:assert/strict";
import { AssertionError } from "node:assert";
import { after, before, describe, it } from "node:test";
import { EmulatorError } from "../src/index.js";
import { startTestEmulator, texts } from "./support.js";

describe("one-time-code VTA flow", () => {
  let emulator;
  let tenant;
  before(async () => {
    emulator = await startTestEmulator(); // the fixtures' agent join delay (250 ms) is kept
    tenant = await emulator.newTenant({ prefix: "otp-flow" });
  });
  after(async () => {
    await tenant?.close();
    await emulator?.stop();
  });

  it("verifies the code through the VTA, signs every webhook and hides the code from the agent", async () => {
    const { endUser, chat } = await tenant.startChat({ identifier: "customer-42", name: "Ann" });
    assert.equal(chat.status, "queued");
    const created = await tenant.waitForWebhook({ eventType: "chat_created", chatId: chat.id });
    assert.equal(created.verifiedWith.part, "primary");
    assert.equal(created.body.end_user.identifier, "customer-42");

    const assigned = await tenant.waitForChat(chat.id, { state: "assigned" });
    assert.equal(assigned.agent.name, "Alex Rivera");
    await tenant.waitForWebhook({ eventType: "agent_joined", chatId: chat.id });

    await tenant.apps.sendText(chat.id, endUser.id, "I need to verify my account");
    await tenant.waitForChat(chat.id, { state: "task_virtual_agent" });
    const question = await tenant.waitForWebhook({
      eventType: "message_received",
      chatId: chat.id,
      predicate: event => event.body.server_message?.content?.content?.includes("6-digit"),
    });
    assert.equal(question.body.sender.type, "task_virtual_agent");
    assert.equal(question.body.message.type, "server_message");
    assert.equal((await tenant.apps.chat(chat.id)).virtual_agent.name, "Verification Assistant");

    // A wrong code in the plain-string content shape is re-asked.
    await tenant.apps.sendText(chat.id, endUser.id, "12345", { contentShape: "string" });
    await tenant.waitForWebhook({
      eventType: "message_received",
      chatId: chat.id,
      predicate: event => event.body.server_message?.content?.content?.includes("doesn't look right"),
    });
    await tenant.apps.sendText(chat.id, endUser.id, "481516");
    const left = await tenant.waitForWebhook({ eventType: "virtual_agent_left", chatId: chat.id });
    assert.equal(left.body.outcome, "success");
    assert.ok(!left.rawBody.includes("481516"), "the hand-back event names captures, never values");

    const agentView = await tenant.assertAgentNeverSaw(chat.id, "481516", { waitFor: "finished successfully" });
    assert.ok(texts(agentView).some(text => text?.includes("Verification Assistant finished: success")));
    await tenant.assertAgentNeverSaw(chat.id, "12345");
    const endUserView = await tenant.waitForTranscript(chat.id, "end_user", { contains: "has been verified" });
    assert.ok(texts(endUserView).includes("481516"), "the end user sees what they typed");

    // The end user ends the chat; ending it again is the platform's 400.
    await tenant.apps.endChat(chat.id);
    const ended = await tenant.waitForWebhook({ eventType: "chat_ended", chatId: chat.id });
    assert.equal(ended.body.ended_by, "end_user");

    // chat_ended is the chat's last event: once all its deliveries are delivered, the
    // receiver has verified each of them exactly once, and rejected nothing.
    const journal = await tenant.deliveries({ chatId: chat.id });
    assert.ok(journal.count >= 10, `only ${journal.count} deliveries`);
    const delivered = await tenant.deliveries({ chatId: chat.id, status: "delivered", minCount: journal.count });
    const received = tenant.receiver.events.filter(event => event.chatId === chat.id).map(event => event.deliveryId);
    assert.deepEqual(new Set(delivered.deliveries.map(delivery => delivery.id)), new Set(received));
    assert.equal(received.length, journal.count);
    assert.deepEqual(tenant.receiver.rejected, []);
    const again = await tenant.apps.endChat(chat.id).catch(error => error);
    assert.ok(again instanceof EmulatorError, String(again));
    assert.equal(again.status, 400);
    assert.equal(again.serverMessage, "Chat is already ended");
  });

  it("assertAgentNeverSaw fails when the agent did see the value, or when the value never reached the chat", async () => {
    const { chat } = await tenant.startChat();
    await tenant.waitForChat(chat.id, { state: "assigned" });
    await tenant.agentSay(chat.id, "your code is 135790");
    await assert.rejects(tenant.assertAgentNeverSaw(chat.id, "135790"), error => {
      assert.ok(error instanceof AssertionError);
      assert.match(error.message, /the human agent's view of chat \d+ contains "135790"/);
      return true;
    });
    await assert.rejects(tenant.assertAgentNeverSaw(chat.id, "999999"), /not in chat \d+'s full record either/);
    await tenant.assertAgentNeverSaw(chat.id, "999999", { checkFullRecord: false });
  });
});
