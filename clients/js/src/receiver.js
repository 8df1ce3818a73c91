// A webhook receiver for tests: a node:http server on 127.0.0.1 (port 0 by default) that
// verifies every request's `X-Signature` against the known secrets, records verified events
// (de-duplicated by `X-Emulator-Delivery-Id`) and rejected requests, can fail on purpose
// (`failNext`), and resolves `waitForWebhook` promises as matching events arrive: waits are
// driven by the requests themselves, with a deadline, never by polling, and by default only
// a request the receiver accepted (answered 2xx) resolves them, never an attempt it failed.

import { createServer } from "node:http";
import { WebhookTimeoutError } from "./errors.js";
import { verifySignature } from "./signing.js";

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Starts a receiver. `secrets` are the accepted signing secrets (primary and secondary, in
 * any order); `maxAgeSeconds`, when set, also rejects signature timestamps that far from now.
 * @returns {Promise<WebhookReceiver>}
 */
export async function startWebhookReceiver({ secrets = [], host = "127.0.0.1", port = 0, maxAgeSeconds } = {}) {
  const receiver = new WebhookReceiver({ secrets, maxAgeSeconds });
  await new Promise((resolve, reject) => {
    receiver.server.once("error", reject);
    receiver.server.listen(port, host, () => {
      receiver.server.off("error", reject);
      resolve();
    });
  });
  const address = receiver.server.address();
  const hostPart = address.family === "IPv6" || address.family === 6 ? `[${address.address}]` : address.address;
  receiver.url = `http://${hostPart}:${address.port}/`;
  return receiver;
}

export class WebhookReceiver {
  constructor({ secrets, maxAgeSeconds }) {
    this.secrets = [...secrets];
    this.maxAgeSeconds = maxAgeSeconds;
    /** Accepted events (answered 2xx), the first of each delivery id, in arrival order. */
    this.events = [];
    /** Every verified arrival, failed attempts, duplicates and redeliveries included. */
    this.received = [];
    /** Requests that failed verification: `{reason, headers, rawBody, receivedAt}`. */
    this.rejected = [];
    this.url = "";
    this.waiters = new Set();
    this.scriptedFailures = [];
    this.closed = false;
    this.server = createServer((request, response) => this.handle(request, response));
  }

  /** Replaces the accepted secrets (e.g. after a rotation). */
  setSecrets(secrets) {
    this.secrets = [...secrets];
  }

  /**
   * Answers the next `count` verified requests with `status` (default 500) instead of 200,
   * so the emulator retries them. Waits ignore those attempts unless `accepted: false`/`null`.
   */
  failNext(count, status = 500) {
    if (!Number.isInteger(status) || status < 300 || status > 599) {
      throw new RangeError(`failNext: status ${status} is not a failure (300 to 599)`);
    }
    for (let i = 0; i < count; i += 1) this.scriptedFailures.push(status);
  }

  /** Forgets every recorded event and rejection. */
  clear() {
    this.events = [];
    this.received = [];
    this.rejected = [];
  }

  /**
   * Resolves with the first verified event matching every given filter, one already received
   * or the next to arrive; rejects with a WebhookTimeoutError after `timeoutMs`.
   */
  async waitForWebhook(filter = {}) {
    const [event] = await this.waitForWebhooks({ ...filter, count: 1 });
    return event;
  }

  /**
   * Like `waitForWebhook`, for the first `count` matching events (in arrival order).
   * `accepted`: `true` (default) only requests the receiver answered 2xx, `false` only the
   * attempts it failed on purpose, `null` both. `duplicates`: also match repeated arrivals
   * of a delivery id (retries, duplicates, redeliveries).
   */
  waitForWebhooks({ eventType, chatId, deliveryId, predicate, count = 1, duplicates = false, accepted = true, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    const matches = event =>
      (accepted === null || event.accepted === accepted) &&
      (eventType === undefined || event.eventType === eventType) &&
      (chatId === undefined || event.chatId === Number(chatId)) &&
      (deliveryId === undefined || event.deliveryId === deliveryId) &&
      (predicate === undefined || Boolean(predicate(event)));
    const describe = `count=${count}` + [["eventType", eventType], ["chatId", chatId], ["deliveryId", deliveryId]]
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => ` ${name}=${value}`)
      .join("") + (predicate ? " predicate" : "") + (accepted === true ? "" : ` accepted=${accepted}`);
    return new Promise((resolve, reject) => {
      const waiter = { matches, count, duplicates, found: [], seenIds: new Set(), resolve, reject, describe };
      for (const event of this.received) if (this.offer(waiter, event)) return;
      waiter.timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(this.timeoutError(waiter, timeoutMs));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Stops listening; pending waits are rejected. */
  async close() {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`webhook receiver closed while waiting for ${waiter.describe}`));
    }
    this.waiters.clear();
    this.server.closeAllConnections?.();
    await new Promise(resolve => this.server.close(() => resolve()));
  }

  /** Adds a matching event to a waiter; true (and resolved) once it has `count`. */
  offer(waiter, event) {
    if (!waiter.matches(event)) return false;
    if (!waiter.duplicates && event.deliveryId !== undefined) {
      if (waiter.seenIds.has(event.deliveryId)) return false;
      waiter.seenIds.add(event.deliveryId);
    }
    waiter.found.push(event);
    if (waiter.found.length < waiter.count) return false;
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
    waiter.resolve(waiter.found);
    return true;
  }

  timeoutError(waiter, timeoutMs) {
    const seen = this.events.map(event => `${event.eventType}#${event.chatId}`).join(", ") || "none";
    const failed = this.received.filter(event => !event.accepted).map(event => `${event.eventType}#${event.chatId} answered ${event.status}`);
    const rejected = this.rejected.map(entry => entry.reason);
    const message =
      `No webhook matching ${waiter.describe} within ${timeoutMs}ms ` +
      `(found ${waiter.found.length}; verified events: ${seen}` +
      (failed.length ? `; ${failed.length} failed on purpose (failNext): ${failed.join(", ")}` : "") +
      (rejected.length ? `; ${rejected.length} rejected: ${[...new Set(rejected)].join("; ")}` : "") + ")";
    return new WebhookTimeoutError(message, { received: [...this.events], rejected: [...this.rejected] });
  }

  handle(request, response) {
    const chunks = [];
    let size = 0;
    request.on("data", chunk => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on("end", () => {
      const rawBytes = Buffer.concat(chunks);
      const reply = (status, body) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      if (request.method !== "POST") return reply(405, { message: "webhooks are POSTed" });
      if (size > MAX_BODY_BYTES) return reply(413, { message: "body too large" });
      const outcome = this.verify(request.headers, rawBytes);
      const rawBody = rawBytes.toString("utf8");
      if (!outcome.ok) {
        this.rejected.push({ reason: outcome.reason, headers: request.headers, rawBody, receivedAt: new Date() });
        return reply(401, { message: outcome.reason });
      }
      let payload;
      try {
        payload = JSON.parse(rawBody);
      } catch {
        this.rejected.push({ reason: "body is not JSON", headers: request.headers, rawBody, receivedAt: new Date() });
        return reply(400, { message: "body is not JSON" });
      }
      const status = this.scriptedFailures.length ? this.scriptedFailures.shift() : 200;
      this.record(request.headers, rawBody, payload, outcome, status);
      reply(status, status < 300 ? { ok: true } : { message: "scripted failure" });
    });
  }

  verify(headers, rawBytes) {
    const timestamp = headers["x-signature-timestamp"];
    const outcome = verifySignature({ header: headers["x-signature"], timestamp, body: rawBytes, secrets: this.secrets });
    if (!outcome.ok || this.maxAgeSeconds === undefined) return outcome;
    const signedAt = /^\d+$/.test(timestamp) ? Number(timestamp) * 1000 : Date.parse(timestamp);
    if (Number.isNaN(signedAt)) return { ok: false, reason: `unreadable X-Signature-Timestamp ${timestamp}` };
    const ageSeconds = Math.abs(Date.now() - signedAt) / 1000;
    if (ageSeconds > this.maxAgeSeconds) {
      return { ok: false, reason: `X-Signature-Timestamp ${timestamp} is ${Math.round(ageSeconds)}s from now (max ${this.maxAgeSeconds}s)` };
    }
    return outcome;
  }

  record(headers, rawBody, payload, outcome, status) {
    const deliveryId = headers["x-emulator-delivery-id"];
    const event = {
      deliveryId,
      eventType: payload.event_type,
      chatId: payload.chat_id,
      timestamp: payload.timestamp,
      body: payload.body,
      payload,
      rawBody,
      headers,
      signatureTimestamp: headers["x-signature-timestamp"],
      verifiedWith: { secretIndex: outcome.secretIndex, part: outcome.part },
      receivedAt: new Date(),
      arrival: this.received.filter(earlier => earlier.deliveryId === deliveryId).length + 1,
      status,
      accepted: status >= 200 && status < 300,
    };
    this.received.push(event);
    const firstAccepted =
      event.accepted && (deliveryId === undefined || !this.events.some(earlier => earlier.deliveryId === deliveryId));
    if (firstAccepted) this.events.push(event);
    for (const waiter of [...this.waiters]) this.offer(waiter, event);
  }
}
