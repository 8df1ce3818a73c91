// The webhook receiver on its own: it verifies X-Signature (either secret), refuses tampered
// or unsigned requests with 401 and records why, de-duplicates by delivery id, and resolves
// waits from the arriving requests (already-received events too), with a clear timeout error.

import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { WebhookTimeoutError, signatureHeader, startWebhookReceiver } from "../src/index.js";

const PRIMARY = "primary-secret";
const SECONDARY = "secondary-secret";

/** POSTs an event to the receiver, signed with `secrets` (null: unsigned). */
async function post(receiver, payload, { secrets = [PRIMARY], deliveryId = "d-1", timestamp, tamper = false } = {}) {
  const body = JSON.stringify(payload);
  const signedAt = timestamp ?? new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const headers = { "content-type": "application/json", "x-emulator-delivery-id": deliveryId, "x-signature-timestamp": signedAt };
  if (secrets) headers["x-signature"] = signatureHeader({ primarySecret: secrets[0], secondarySecret: secrets[1], timestamp: signedAt, body });
  const response = await fetch(receiver.url, { method: "POST", headers, body: tamper ? body.replace("}", ' }') : body });
  return { status: response.status, body: await response.json() };
}

const event = (eventType, chatId, extra = {}) => ({ event_type: eventType, timestamp: "2026-01-01T00:00:00Z", chat_id: chatId, body: { ...extra } });

describe("WebhookReceiver", () => {
  let receiver;
  before(async () => {
    receiver = await startWebhookReceiver({ secrets: [PRIMARY, SECONDARY] });
  });
  after(() => receiver.close());
  beforeEach(() => receiver.clear());

  it("listens on 127.0.0.1 and a free port", () => {
    assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*\/$/);
  });

  it("accepts a request signed with either secret and records which one matched", async () => {
    assert.equal((await post(receiver, event("chat_created", 1), { secrets: [PRIMARY] })).status, 200);
    assert.equal((await post(receiver, event("chat_created", 2), { secrets: [SECONDARY], deliveryId: "d-2" })).status, 200);
    assert.deepEqual(receiver.events.map(e => [e.chatId, e.verifiedWith.secretIndex]), [[1, 0], [2, 1]]);
  });

  it("refuses a tampered body, an unsigned request and an unknown secret with 401", async () => {
    const answers = [
      await post(receiver, event("chat_created", 3), { tamper: true }),
      await post(receiver, event("chat_created", 3), { secrets: null }),
      await post(receiver, event("chat_created", 3), { secrets: ["someone-else"] }),
    ];
    assert.deepEqual(answers.map(answer => answer.status), [401, 401, 401]);
    assert.deepEqual(receiver.events, []);
    assert.deepEqual(receiver.rejected.map(entry => entry.reason), [
      "no signature matches a known secret",
      "missing or malformed X-Signature",
      "no signature matches a known secret",
    ]);
  });

  it("records a repeated delivery id once in events and every time in received", async () => {
    await post(receiver, event("message_received", 4), { deliveryId: "same" });
    await post(receiver, event("message_received", 4), { deliveryId: "same" });
    assert.equal(receiver.events.length, 1);
    assert.deepEqual(receiver.received.map(e => e.arrival), [1, 2]);
    const repeats = await receiver.waitForWebhooks({ deliveryId: "same", duplicates: true, count: 2, timeoutMs: 1000 });
    assert.equal(repeats.length, 2);
  });

  it("resolves a wait with an event that arrived before the wait", async () => {
    await post(receiver, event("chat_created", 5));
    const found = await receiver.waitForWebhook({ eventType: "chat_created", chatId: 5, timeoutMs: 1000 });
    assert.equal(found.payload.chat_id, 5);
  });

  it("resolves a wait when the matching event arrives, ignoring others", async () => {
    const waiting = receiver.waitForWebhook({ eventType: "message_received", chatId: 6, predicate: e => e.body.n === 2, timeoutMs: 5000 });
    await post(receiver, event("message_received", 6, { n: 1 }), { deliveryId: "a" });
    await post(receiver, event("chat_created", 6, { n: 2 }), { deliveryId: "b" });
    await post(receiver, event("message_received", 7, { n: 2 }), { deliveryId: "c" });
    await post(receiver, event("message_received", 6, { n: 2 }), { deliveryId: "d" });
    assert.equal((await waiting).deliveryId, "d");
  });

  it("times out with what did arrive and why requests were rejected", async () => {
    await post(receiver, event("chat_created", 8));
    await post(receiver, event("chat_created", 8), { secrets: ["wrong"], deliveryId: "x" });
    const error = await receiver.waitForWebhook({ eventType: "chat_ended", chatId: 8, timeoutMs: 50 }).catch(e => e);
    assert.ok(error instanceof WebhookTimeoutError, String(error));
    assert.match(error.message, /No webhook matching count=1 eventType=chat_ended chatId=8 within 50ms/);
    assert.match(error.message, /verified events: chat_created#8/);
    assert.match(error.message, /1 rejected: no signature matches a known secret/);
    assert.equal(error.received.length, 1);
  });

  it("answers scripted failures, then 200 again", async () => {
    receiver.failNext(1, 503);
    assert.equal((await post(receiver, event("chat_created", 9), { deliveryId: "f" })).status, 503);
    assert.equal((await post(receiver, event("chat_created", 9), { deliveryId: "f" })).status, 200);
  });

  it("after failNext, waits resolve on the accepted request, not on the failed attempts", async () => {
    receiver.failNext(2, 503);
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await post(receiver, event("chat_created", 30), { deliveryId: "r" })).status);
    assert.deepEqual(statuses, [503, 503, 200]);
    const accepted = await receiver.waitForWebhook({ chatId: 30, timeoutMs: 1000 });
    assert.deepEqual([accepted.status, accepted.accepted, accepted.arrival], [200, true, 3]);
    const failed = await receiver.waitForWebhooks({ chatId: 30, accepted: false, duplicates: true, count: 2, timeoutMs: 1000 });
    assert.deepEqual(failed.map(attempt => attempt.status), [503, 503]);
    assert.equal((await receiver.waitForWebhooks({ chatId: 30, accepted: null, duplicates: true, count: 3, timeoutMs: 1000 })).length, 3);
    assert.deepEqual(receiver.events.map(e => e.status), [200]);
    assert.throws(() => receiver.failNext(1, 200), RangeError);
  });

  it("a wait is not resolved by an attempt the receiver failed, and its timeout says so", async () => {
    receiver.failNext(1, 503);
    assert.equal((await post(receiver, event("chat_created", 31), { deliveryId: "s" })).status, 503);
    const error = await receiver.waitForWebhook({ chatId: 31, timeoutMs: 50 }).catch(e => e);
    assert.ok(error instanceof WebhookTimeoutError, String(error));
    assert.match(error.message, /1 failed on purpose \(failNext\): chat_created#31 answered 503/);
  });

  it("refuses non-POST requests and non-JSON bodies", async () => {
    assert.equal((await fetch(receiver.url)).status, 405);
    const timestamp = "1700000000";
    const body = "not json";
    const response = await fetch(receiver.url, {
      method: "POST",
      headers: { "x-signature-timestamp": timestamp, "x-signature": signatureHeader({ primarySecret: PRIMARY, timestamp, body }) },
      body,
    });
    assert.equal(response.status, 400);
    assert.equal(receiver.rejected.at(-1).reason, "body is not JSON");
  });
});

describe("WebhookReceiver with maxAgeSeconds", () => {
  it("refuses a correctly signed but stale timestamp", async () => {
    const receiver = await startWebhookReceiver({ secrets: [PRIMARY], maxAgeSeconds: 60 });
    try {
      const stale = new Date(Date.now() - 3600_000).toISOString();
      assert.equal((await post(receiver, event("chat_created", 1), { timestamp: stale })).status, 401);
      assert.match(receiver.rejected[0].reason, /is 3600s from now \(max 60s\)/);
      assert.equal((await post(receiver, event("chat_created", 1))).status, 200);
      assert.equal((await post(receiver, event("chat_created", 1), { timestamp: String(Math.floor(Date.now() / 1000)), deliveryId: "e" })).status, 200);
    } finally {
      await receiver.close();
    }
  });

  it("rejects pending waits when closed", async () => {
    const receiver = await startWebhookReceiver({ secrets: [PRIMARY] });
    const waiting = receiver.waitForWebhook({ eventType: "never", timeoutMs: 60_000 });
    await receiver.close();
    await assert.rejects(waiting, /webhook receiver closed while waiting for count=1 eventType=never/);
  });
});
