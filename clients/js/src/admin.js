// The control plane (`/__admin`): tenants' webhooks, reset, chat records and transcripts,
// the simulated human agent, the delivery and request journals, and the long-polls
// (`?wait=`) that let tests wait for something to happen without sleeping.

import { longPoll, query, requestJson, requestRaw, trimBase } from "./http.js";

/** Default deadline of the `waitFor*` methods. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export class AdminClient {
  /** @param {{baseUrl: string, adminToken?: string}} options the emulator's root URL */
  constructor({ baseUrl, adminToken }) {
    this.baseUrl = trimBase(baseUrl);
    this.adminUrl = `${this.baseUrl}/__admin`;
    this.headers = adminToken ? { authorization: `Bearer ${adminToken}` } : {};
  }

  /** Any control-plane call: `path` is relative to `/__admin`. */
  request(method, path, body, { longPoll: isLongPoll = false } = {}) {
    return requestJson(method, this.adminUrl + path, { body, headers: this.headers, longPoll: isLongPoll });
  }

  health() {
    return this.request("GET", "/health");
  }

  /** Forgets all state, or one tenant's (its request journal entries too). */
  reset({ tenant } = {}) {
    return this.request("POST", `/reset${query({ tenant })}`);
  }

  tenants() {
    return this.request("GET", "/tenants");
  }

  /** Sets the tenant's webhook target and secrets. */
  setWebhook(tenant, { url, primarySecret, secondarySecret }) {
    const body = { url, primary_secret: primarySecret };
    if (secondarySecret !== undefined && secondarySecret !== null) body.secondary_secret = secondarySecret;
    return this.request("PUT", `/tenants/${encodeURIComponent(tenant)}/webhook`, body);
  }

  webhook(tenant, { revealSecrets = false } = {}) {
    const query = revealSecrets ? "?reveal_secrets=true" : "";
    return this.request("GET", `/tenants/${encodeURIComponent(tenant)}/webhook${query}`);
  }

  removeWebhook(tenant) {
    return this.request("DELETE", `/tenants/${encodeURIComponent(tenant)}/webhook`);
  }

  /** The secondary secret becomes the primary. */
  rotateWebhook(tenant) {
    return this.request("POST", `/tenants/${encodeURIComponent(tenant)}/webhook/rotate`);
  }

  /** Injects faults (`delay_ms`, `bad_signature`, `duplicate_probability`, ...). */
  setWebhookFaults(tenant, faults) {
    return this.request("PUT", `/tenants/${encodeURIComponent(tenant)}/webhook/faults`, faults);
  }

  webhookFaults(tenant) {
    return this.request("GET", `/tenants/${encodeURIComponent(tenant)}/webhook/faults`);
  }

  clearWebhookFaults(tenant) {
    return this.request("DELETE", `/tenants/${encodeURIComponent(tenant)}/webhook/faults`);
  }

  /** The full record of a chat: routing state, participants, every message with its visibility. */
  /** The tenant's event selection: `{tenant, source, selection, events}`. */
  tenantWebhookEvents(tenant) {
    return this.request("GET", `/tenants/${encodeURIComponent(tenant)}/webhook/events`);
  }

  /** `"documented"` (the default), `"all"` or a list of event names; the rest are journaled as suppressed. */
  setTenantWebhookEvents(tenant, events) {
    return this.request("PUT", `/tenants/${encodeURIComponent(tenant)}/webhook/events`, { events });
  }

  /** Back to the process default (`--webhook-events`). */
  clearTenantWebhookEvents(tenant) {
    return this.request("DELETE", `/tenants/${encodeURIComponent(tenant)}/webhook/events`);
  }

  /** The tenant's clock: `{tenant, now, offset_ms, real_time, pending_timers}`. */
  clock(tenant) {
    return this.request("GET", `/tenants/${encodeURIComponent(tenant)}/clock`);
  }

  /**
   * Moves the tenant's clock forward by `by` (`"11m"`, `"90s"`, `"2h"`, or milliseconds as a
   * number); every timer that falls due fires, in order, before it answers. Other tenants'
   * clocks do not move.
   */
  advanceClock(tenant, by) {
    return this.request("POST", `/tenants/${encodeURIComponent(tenant)}/clock`, { advance: durationText(by) });
  }

  /** The tenant's clock reads real time again. */
  resetClock(tenant) {
    return this.request("DELETE", `/tenants/${encodeURIComponent(tenant)}/clock`);
  }

  chat(chatId) {
    return this.request("GET", `/chats/${chatId}`);
  }

  /**
   * Long-polls the chat record until every given condition holds. `state` is the routing
   * state (`queued`, `assigned`, `task_virtual_agent`, `finished`), `status` the Apps API one.
   */
  waitForChat(chatId, { state, status, minMessages, contains, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    const conditions = { routing_state: state, status, min_messages: minMessages, contains };
    return longPoll(
      waitMs => this.request("GET", `/chats/${chatId}${query({ ...conditions, wait: `${waitMs}ms` })}`, undefined, { longPoll: true }),
      timeoutMs,
    );
  }

  /** The chat as one party sees it: `view` is `agent`, `end_user` or `all`. */
  transcript(chatId, view = "all") {
    return this.request("GET", `/chats/${chatId}/transcript${query({ view })}`);
  }

  /** Long-polls a transcript until it has `minMessages` and/or a message containing `contains`. */
  waitForTranscript(chatId, view, { minMessages, contains, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    const conditions = { view, min_messages: minMessages, contains };
    return longPoll(
      waitMs => this.request("GET", `/chats/${chatId}/transcript${query({ ...conditions, wait: `${waitMs}ms` })}`, undefined, { longPoll: true }),
      timeoutMs,
    );
  }

  /** The human agent says `text`. */
  agentSay(chatId, text) {
    return this.request("POST", `/chats/${chatId}/agent/messages`, { text });
  }

  /** The human agent transfers to a task virtual agent (e.g. `one_time_code`). */
  agentTransfer(chatId, taskVirtualAgent) {
    return this.request("POST", `/chats/${chatId}/agent/transfer`, { task_virtual_agent: taskVirtualAgent });
  }

  /** The human agent ends the chat. */
  agentEnd(chatId) {
    return this.request("POST", `/chats/${chatId}/agent/end`);
  }

  /**
   * Dismisses the chat (the agent's button): 409 until both the end user and an agent have
   * written (and, after a reactivation, the end user again), unless `force`.
   */
  dismissChat(chatId, { force = false } = {}) {
    return this.request("POST", `/chats/${chatId}/dismiss${query({ force: force ? "true" : undefined })}`);
  }

  /** How the tenant's text `message_received` carries `body.message.content`: `string` or `object`. */
  setMessageContentShape(tenant, shape) {
    return this.request("PUT", `/tenants/${encodeURIComponent(tenant)}/message_content_shape`, { shape });
  }

  messageContentShape(tenant) {
    return this.request("GET", `/tenants/${encodeURIComponent(tenant)}/message_content_shape`);
  }

  /** Back to `--message-content-shape`. */
  clearMessageContentShape(tenant) {
    return this.request("DELETE", `/tenants/${encodeURIComponent(tenant)}/message_content_shape`);
  }

  /**
   * The human agent attaches a file (`data` as the body, `filename` in the query). Without a
   * `contentType` the type comes from the file name's extension. The end user's side gets
   * `message_received` with the `media_id` and downloads it with `apps.downloadMedia`.
   */
  async attachFile(chatId, data, { filename, contentType = "application/octet-stream" }) {
    const response = await requestRaw("POST", `${this.adminUrl}/chats/${chatId}/agent/attachments${query({ filename })}`, {
      body: data,
      headers: { ...this.headers, "content-type": contentType },
    });
    return response.json();
  }

  /** Each queue's availability for the tenant, and its waiting chats. */
  queues(tenant) {
    return this.request("GET", `/tenants/${encodeURIComponent(tenant)}/queues`);
  }

  /** Sets a queue's availability for one tenant (`null`: the fixture's); an available queue takes its waiting chats. */
  setQueueAvailability(tenant, queueId, availability) {
    return this.request("PUT", `/tenants/${encodeURIComponent(tenant)}/queues/${encodeURIComponent(queueId)}`, { availability });
  }

  /**
   * Changes what `GET /wait_times` answers for one queue of the tenant: `chat`, `voice_call`
   * (seconds), `logged_in_agents`, `available_agents`, `breakthrough_agents` (those given).
   */
  setWaitTime(tenant, queueId, figures) {
    return this.request("PUT", `/tenants/${encodeURIComponent(tenant)}/queues/${encodeURIComponent(queueId)}/wait_time`, figures);
  }

  /** The fixture's wait-time figures again. */
  clearWaitTime(tenant, queueId) {
    return this.request("DELETE", `/tenants/${encodeURIComponent(tenant)}/queues/${encodeURIComponent(queueId)}/wait_time`);
  }

  /** Every escalation, filtered by `tenant`, `chatId`, `status`. */
  escalations(filters = {}) {
    return this.request("GET", `/escalations${query(escalationFilters(filters))}`);
  }

  /** Long-polls the escalations until `minCount` (default 1) match. */
  waitForEscalations({ minCount = 1, timeoutMs = DEFAULT_TIMEOUT_MS, ...filters } = {}) {
    const params = { ...escalationFilters(filters), min_count: minCount };
    return longPoll(
      waitMs => this.request("GET", `/escalations${query({ ...params, wait: `${waitMs}ms` })}`, undefined, { longPoll: true }),
      timeoutMs,
    );
  }

  /** The delivery journal, filtered by `tenant`, `chatId`, `eventType`, `status`. */
  deliveries(filters = {}) {
    return this.request("GET", `/webhooks/deliveries${query(deliveryFilters(filters))}`);
  }

  /** Long-polls the delivery journal until `minCount` (default 1) deliveries match. */
  waitForDeliveries({ minCount = 1, timeoutMs = DEFAULT_TIMEOUT_MS, ...filters } = {}) {
    const params = { ...deliveryFilters(filters), min_count: minCount };
    return longPoll(
      waitMs => this.request("GET", `/webhooks/deliveries${query({ ...params, wait: `${waitMs}ms` })}`, undefined, { longPoll: true }),
      timeoutMs,
    );
  }

  delivery(deliveryId) {
    return this.request("GET", `/webhooks/deliveries/${encodeURIComponent(deliveryId)}`);
  }

  /** Sends a delivery again (same delivery id, fresh signature). */
  redeliver(deliveryId) {
    return this.request("POST", `/webhooks/deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
  }

  webhookStats(filters = {}) {
    return this.request("GET", `/webhooks/stats${query(deliveryFilters(filters))}`);
  }

  /** The webhook event catalog. */
  webhookEvents() {
    return this.request("GET", "/webhooks/events");
  }

  /** The request journal of the Apps API (`tenant`, `method`, `path`, `pathPrefix`, `status`, `after`). */
  requests(filters = {}) {
    return this.request("GET", `/requests${query(requestFilters(filters))}`);
  }

  /** Long-polls the request journal until `minCount` (default 1) requests match. */
  waitForRequests({ minCount = 1, timeoutMs = DEFAULT_TIMEOUT_MS, ...filters } = {}) {
    const params = { ...requestFilters(filters), min_count: minCount };
    return longPoll(
      waitMs => this.request("GET", `/requests${query({ ...params, wait: `${waitMs}ms` })}`, undefined, { longPoll: true }),
      timeoutMs,
    );
  }

  clearRequests({ tenant } = {}) {
    return this.request("DELETE", `/requests${query({ tenant })}`);
  }

  taskVirtualAgents() {
    return this.request("GET", "/task_virtual_agents");
  }

  taskVirtualAgent(key) {
    return this.request("GET", `/task_virtual_agents/${encodeURIComponent(key)}`);
  }

  putTaskVirtualAgent(key, definition) {
    return this.request("PUT", `/task_virtual_agents/${encodeURIComponent(key)}`, definition);
  }

  contactCenter() {
    return this.request("GET", "/contact_center");
  }

  putContactCenter(definition) {
    return this.request("PUT", "/contact_center", definition);
  }

  fixtures() {
    return this.request("GET", "/fixtures");
  }

  exportSnapshot(tenant) {
    return this.request("GET", `/tenants/${encodeURIComponent(tenant)}/snapshot`);
  }

  importSnapshot(tenant, snapshot) {
    return this.request("PUT", `/tenants/${encodeURIComponent(tenant)}/snapshot`, snapshot);
  }

  /** The OpenAPI 3 document of the Apps API and the control plane. */
  openapi() {
    return this.request("GET", "/openapi.json");
  }
}

/** `"11m"` as given; a number of milliseconds as `"<n>ms"`. */
function durationText(by) {
  if (typeof by === "string") return by;
  if (typeof by !== "number" || !Number.isFinite(by) || by < 0) {
    throw new RangeError(`advanceClock: ${by} is not a duration ("11m", or milliseconds of 0 or more)`);
  }
  return `${Math.round(by)}ms`;
}

function deliveryFilters({ tenant, chatId, eventType, status }) {
  return { tenant, chat_id: chatId, event_type: eventType, status };
}

function escalationFilters({ tenant, chatId, status }) {
  return { tenant, chat_id: chatId, status };
}

function requestFilters({ tenant, method, path, pathPrefix, status, after }) {
  return { tenant, method, path, path_prefix: pathPrefix, status, after };
}
