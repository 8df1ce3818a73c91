import type { FileData } from "./uploads.js";
import type {
  AttachmentStored,
  ChatRecord,
  ChatStatus,
  Delivery,
  DeliveryList,
  DeliveryStatus,
  EscalationList,
  EscalationStatus,
  Health,
  MessageContentShape,
  Queue,
  QueueAvailability,
  QueueList,
  RequestList,
  RoutingState,
  Transcript,
  TranscriptView,
  TenantMessageContentShape,
  WaitFigures,
  WebhookTargetAnswer,
} from "./types.js";

/** Default deadline of the `waitFor*` methods: 10 000 ms. */
export const DEFAULT_TIMEOUT_MS: number;

export interface ChatConditions {
  /** The routing state to wait for: `queued`, `assigned`, `task_virtual_agent`, `finished`. */
  state?: RoutingState;
  /** The Apps API status to wait for. */
  status?: ChatStatus;
  minMessages?: number;
  /** A message containing this text. */
  contains?: string;
  /** Deadline (default 10 s); longer than 60 s chains several long-polls. */
  timeoutMs?: number;
}

export interface DeliveryFilters {
  tenant?: string;
  chatId?: number;
  eventType?: string;
  status?: DeliveryStatus;
}

export interface RequestFilters {
  tenant?: string;
  method?: string;
  path?: string;
  pathPrefix?: string;
  status?: number;
  /** Only entries with an id greater than this. */
  after?: number;
}

export interface EscalationFilters {
  tenant?: string;
  chatId?: number;
  status?: EscalationStatus;
}

export interface WebhookFaults {
  delay_ms?: number;
  delay_jitter_ms?: number;
  duplicate_probability?: number;
  bad_signature?: boolean;
  stale_timestamp_seconds?: number;
  primary_only?: boolean;
  [key: string]: unknown;
}

/** A tenant's clock: its time now and how far ahead of real time it is. */
export interface TenantClock {
  tenant: string;
  /** RFC 3339, UTC, to the millisecond. */
  now: string;
  offset_ms: number;
  real_time: boolean;
  /** Timers not yet due (agent joins, delayed rules, inactivity checks). */
  pending_timers: number;
}

/** The event types a tenant's webhook receives. */
export interface TenantEventSelection {
  tenant: string;
  /** `tenant` (its own) or `default` (`--webhook-events`). */
  source: string;
  selection: "documented" | "all" | "custom";
  events: string[];
}

/**
 * The control plane (`/__admin`). Every `waitFor*` method long-polls (`?wait=`) and throws
 * WaitTimeoutError (status 408, `lastSeen`) when its condition did not hold in time.
 */
export class AdminClient {
  constructor(options: { baseUrl: string; adminToken?: string });
  readonly baseUrl: string;
  readonly adminUrl: string;
  /** Any control-plane call; `path` is relative to `/__admin`. */
  request<T = any>(method: string, path: string, body?: unknown, options?: { longPoll?: boolean }): Promise<T>;
  health(): Promise<Health>;
  reset(options?: { tenant?: string }): Promise<{ reset: string }>;
  tenants(): Promise<any>;
  setWebhook(tenant: string, target: { url: string; primarySecret: string; secondarySecret?: string | null }): Promise<WebhookTargetAnswer>;
  /** The tenant's target; its secrets read "[redacted]" unless `revealSecrets` asks for them. */
  webhook(tenant: string, options?: { revealSecrets?: boolean }): Promise<WebhookTargetAnswer>;
  removeWebhook(tenant: string): Promise<unknown>;
  /** The secondary secret becomes the primary. */
  rotateWebhook(tenant: string): Promise<WebhookTargetAnswer>;
  setWebhookFaults(tenant: string, faults: WebhookFaults): Promise<{ tenant: string; faults: WebhookFaults }>;
  webhookFaults(tenant: string): Promise<{ tenant: string; faults: WebhookFaults }>;
  clearWebhookFaults(tenant: string): Promise<unknown>;
  tenantWebhookEvents(tenant: string): Promise<TenantEventSelection>;
  /** `"documented"` (the default), `"all"` or a list of event names; the rest are journaled as suppressed. */
  setTenantWebhookEvents(tenant: string, events: "documented" | "all" | string[]): Promise<TenantEventSelection>;
  clearTenantWebhookEvents(tenant: string): Promise<unknown>;
  /** The tenant's own clock. */
  clock(tenant: string): Promise<TenantClock>;
  /**
   * Moves the tenant's clock forward (`"11m"`, `"90s"`, `"2h"`, or milliseconds); the timers
   * that fall due fire, in order, before it answers. Other tenants' clocks do not move.
   */
  advanceClock(tenant: string, by: string | number): Promise<TenantClock>;
  /** The tenant's clock reads real time again. */
  resetClock(tenant: string): Promise<unknown>;
  chat(chatId: number): Promise<ChatRecord>;
  waitForChat(chatId: number, conditions?: ChatConditions): Promise<ChatRecord>;
  transcript(chatId: number, view?: TranscriptView): Promise<Transcript>;
  waitForTranscript(
    chatId: number,
    view: TranscriptView,
    conditions?: { minMessages?: number; contains?: string; timeoutMs?: number },
  ): Promise<Transcript>;
  agentSay(chatId: number, text: string): Promise<unknown>;
  agentTransfer(chatId: number, taskVirtualAgent: string): Promise<unknown>;
  agentEnd(chatId: number): Promise<unknown>;
  /** 409 until both the end user and an agent have written, unless `force`. */
  dismissChat(chatId: number, options?: { force?: boolean }): Promise<ChatRecord>;
  /** How the tenant's text `message_received` carries `body.message.content`. */
  setMessageContentShape(tenant: string, shape: MessageContentShape): Promise<TenantMessageContentShape>;
  messageContentShape(tenant: string): Promise<TenantMessageContentShape>;
  clearMessageContentShape(tenant: string): Promise<unknown>;
  /** What `GET /wait_times` answers for one queue of the tenant (the figures given). */
  setWaitTime(tenant: string, queueId: string, figures: Partial<WaitFigures>): Promise<Queue>;
  clearWaitTime(tenant: string, queueId: string): Promise<unknown>;
  /** The human agent attaches a file; without `contentType` the file name's extension gives the type. */
  attachFile(chatId: number, data: FileData, options: { filename: string; contentType?: string }): Promise<AttachmentStored>;
  queues(tenant: string): Promise<QueueList>;
  /** `null` restores the fixture's availability; an available queue takes its waiting chats. */
  setQueueAvailability(tenant: string, queueId: string, availability: QueueAvailability | null): Promise<Queue>;
  escalations(filters?: EscalationFilters): Promise<EscalationList>;
  waitForEscalations(filters?: EscalationFilters & { minCount?: number; timeoutMs?: number }): Promise<EscalationList>;
  deliveries(filters?: DeliveryFilters): Promise<DeliveryList>;
  waitForDeliveries(filters?: DeliveryFilters & { minCount?: number; timeoutMs?: number }): Promise<DeliveryList>;
  delivery(deliveryId: string): Promise<Delivery>;
  /** Sends again: same delivery id, fresh signature. */
  redeliver(deliveryId: string): Promise<unknown>;
  webhookStats(filters?: DeliveryFilters): Promise<Record<string, unknown>>;
  webhookEvents(): Promise<{
    events: Array<{ event_type: string; documented: boolean; source: string | null; sent_by_default: boolean; description: string }>;
  }>;
  requests(filters?: RequestFilters): Promise<RequestList>;
  waitForRequests(filters?: RequestFilters & { minCount?: number; timeoutMs?: number }): Promise<RequestList>;
  clearRequests(options?: { tenant?: string }): Promise<unknown>;
  taskVirtualAgents(): Promise<any>;
  taskVirtualAgent(key: string): Promise<any>;
  putTaskVirtualAgent(key: string, definition: unknown): Promise<any>;
  contactCenter(): Promise<any>;
  putContactCenter(definition: unknown): Promise<any>;
  fixtures(): Promise<any>;
  exportSnapshot(tenant: string): Promise<any>;
  importSnapshot(tenant: string, snapshot: unknown): Promise<any>;
  openapi(): Promise<any>;
}
