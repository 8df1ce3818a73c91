// Test helpers built on the clients: a tenant of the test's own (a unique Basic-auth
// subdomain whose webhook points at a fresh verifying receiver), waits through the
// long-polls, the simulated agent's actions, and the assertion that the human agent's view
// never contained a value. Nothing here imports a test framework: failures are thrown
// `AssertionError`s (node:assert), which Jest, Vitest, Playwright and node:test all report.

import { AssertionError } from "node:assert";
import { randomBytes } from "node:crypto";
import { AdminClient } from "./admin.js";
import { AppsClient } from "./apps.js";
import { WaitTimeoutError, WebhookTimeoutError } from "./errors.js";
import { query } from "./http.js";
import { startWebhookReceiver } from "./receiver.js";

let tenantsMade = 0;

/**
 * Makes a tenant of its own on `emulator` (an Emulator from `startEmulator`, or
 * `{url, adminToken?}` of one started elsewhere).
 * @returns {Promise<Tenant>}
 */
export async function newTenant(emulator, { prefix = "test", token = "any-token", withSecondarySecret = true, maxAgeSeconds } = {}) {
  const baseUrl = typeof emulator === "string" ? emulator : emulator.url;
  const admin = new AdminClient({ baseUrl, adminToken: typeof emulator === "string" ? undefined : emulator.adminToken });
  tenantsMade += 1;
  const slug = String(prefix).toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "test";
  const subdomain = `${slug}-${process.pid}-${tenantsMade}-${randomBytes(3).toString("hex")}`;
  const primarySecret = `primary-${randomBytes(16).toString("hex")}`;
  const secondarySecret = withSecondarySecret ? `secondary-${randomBytes(16).toString("hex")}` : undefined;
  const receiver = await startWebhookReceiver({ secrets: [primarySecret, secondarySecret], maxAgeSeconds });
  try {
    await admin.setWebhook(subdomain, { url: receiver.url, primarySecret, secondarySecret });
  } catch (error) {
    await receiver.close();
    throw error;
  }
  return new Tenant({ subdomain, token, admin, apps: new AppsClient({ baseUrl, subdomain, token }), receiver, primarySecret, secondarySecret });
}

export class Tenant {
  constructor({ subdomain, token, admin, apps, receiver, primarySecret, secondarySecret }) {
    this.subdomain = subdomain;
    this.token = token;
    /** The control plane. */
    this.admin = admin;
    /** The Apps API as this tenant. */
    this.apps = apps;
    /** The verifying webhook receiver this tenant's webhook points at. */
    this.receiver = receiver;
    this.primarySecret = primarySecret;
    this.secondarySecret = secondarySecret;
  }

  /** Upserts an end user and starts a chat for it: `{endUser, chat}`. */
  async startChat({ identifier = `user-${randomBytes(3).toString("hex")}`, name, ...chatOptions } = {}) {
    const endUser = await this.apps.upsertEndUser({ identifier, name });
    const chat = await this.apps.createChat({ endUserId: endUser.id, ...chatOptions });
    return { endUser, chat };
  }

  /**
   * The next (or an already received) verified webhook the receiver accepted matching the
   * filter. On timeout the WebhookTimeoutError also says what the emulator's delivery journal
   * shows for that event (e.g. that the tenant's selection left it out and how to enable it).
   */
  waitForWebhook(filter) {
    return explainTimeout(this, this.receiver.waitForWebhook(filter), filter);
  }

  waitForWebhooks(filter) {
    return explainTimeout(this, this.receiver.waitForWebhooks(filter), filter);
  }


  /** Long-polls the chat record until `state` (routing state) and the other conditions hold. */
  waitForChat(chatId, conditions) {
    return this.admin.waitForChat(chatId, conditions);
  }

  waitForTranscript(chatId, view, conditions) {
    return this.admin.waitForTranscript(chatId, view, conditions);
  }

  /** This tenant's deliveries (the journal, filtered; `minCount` long-polls). */
  deliveries(filters = {}) {
    return filters.minCount === undefined
      ? this.admin.deliveries({ ...filters, tenant: this.subdomain })
      : this.admin.waitForDeliveries({ ...filters, tenant: this.subdomain });
  }

  agentSay(chatId, text) {
    return this.admin.agentSay(chatId, text);
  }

  agentTransfer(chatId, taskVirtualAgent) {
    return this.admin.agentTransfer(chatId, taskVirtualAgent);
  }

  agentEnd(chatId) {
    return this.admin.agentEnd(chatId);
  }

  /** See `assertAgentNeverSaw`. */
  assertAgentNeverSaw(chatId, value, options) {
    return assertAgentNeverSaw(this.admin, chatId, value, options);
  }

  /** The chat's latest escalation once one (in `status`, if given) exists; long-polls. */
  async waitForEscalation(chatId, { status, timeoutMs } = {}) {
    const found = await this.admin.waitForEscalations({ tenant: this.subdomain, chatId, status, timeoutMs });
    return found.escalations[found.escalations.length - 1];
  }

  /**
   * Moves this tenant's own clock forward (`"11m"`, or milliseconds): inactivity dismissal,
   * the upload form's expiry and the other rules that read time see it at once.
   */
  advanceClock(by) {
    return this.admin.advanceClock(this.subdomain, by);
  }

  clock() {
    return this.admin.clock(this.subdomain);
  }

  resetClock() {
    return this.admin.resetClock(this.subdomain);
  }

  /** The secondary secret becomes the primary (the receiver keeps accepting both). */
  rotateWebhook() {
    return this.admin.rotateWebhook(this.subdomain);
  }

  /** Closes the receiver and (unless `reset: false`) forgets the tenant's state. */
  async close({ reset = true } = {}) {
    await this.receiver.close();
    if (reset) await this.admin.reset({ tenant: this.subdomain }).catch(() => {});
  }
}

/**
 * Asserts that no message of the human agent's view (`transcript?view=agent`) of the chat
 * contains `value`. With `waitFor`, first long-polls that view until a message contains that
 * text (e.g. the VTA's hand-back note), so the check runs after the fact it is about. Unless
 * `checkFullRecord: false`, also asserts the value *is* in the full record, so the check
 * cannot pass merely because the value never reached the chat. Resolves with the agent's view.
 */
export async function assertAgentNeverSaw(admin, chatId, value, { waitFor, timeoutMs, checkFullRecord = true } = {}) {
  const needle = String(value);
  if (!needle) throw new TypeError("assertAgentNeverSaw needs a non-empty value");
  const agentView = waitFor
    ? await admin.waitForTranscript(chatId, "agent", { contains: waitFor, timeoutMs })
    : await admin.transcript(chatId, "agent");
  const leaks = agentView.messages.filter(message => JSON.stringify(message.body).includes(needle));
  if (leaks.length) {
    throw new AssertionError({
      message: `the human agent's view of chat ${chatId} contains ${JSON.stringify(needle)} in message(s) ${leaks.map(m => m.id).join(", ")}`,
      actual: leaks,
      expected: [],
      operator: "assertAgentNeverSaw",
    });
  }
  if (checkFullRecord) {
    const full = await admin.transcript(chatId, "all");
    if (!full.messages.some(message => JSON.stringify(message.body).includes(needle))) {
      throw new AssertionError({
        message: `${JSON.stringify(needle)} is not in chat ${chatId}'s full record either, so its absence from the agent's view proves nothing (pass checkFullRecord: false to skip this check)`,
        actual: full.messages.length,
        expected: "a message containing the value",
        operator: "assertAgentNeverSaw",
      });
    }
  }
  return agentView;
}

/** Adds the journal's account (the 408 of a one-time check on it) to a receiver timeout. */
async function explainTimeout(tenant, waiting, { eventType, chatId } = {}) {
  try {
    return await waiting;
  } catch (error) {
    if (!(error instanceof WebhookTimeoutError)) throw error;
    const filters = { tenant: tenant.subdomain, chat_id: chatId, event_type: eventType, status: "delivered", min_count: 1 };
    const journal = await tenant.admin.request("GET", `/webhooks/deliveries${query(filters)}`, undefined, { longPoll: true }).then(
      found => `the emulator's journal shows ${found.count} delivered`,
      answer => (answer instanceof WaitTimeoutError ? `the emulator's journal: ${answer.serverMessage.replace(/^[^:]*: /, "")}` : undefined),
    );
    if (journal) {
      error.message = `${error.message}; ${journal}`;
      error.journal = journal;
    }
    throw error;
  }
}
