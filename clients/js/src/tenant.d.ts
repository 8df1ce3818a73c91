import type { AdminClient, ChatConditions, DeliveryFilters, TenantClock } from "./admin.js";
import type { AppsClient } from "./apps.js";
import type { Emulator } from "./emulator.js";
import type { WebhookEvent, WebhookFilter, WebhookReceiver } from "./receiver.js";
import type {
  ChatObject,
  ChatRecord,
  DeliveryList,
  EndUser,
  Escalation,
  EscalationStatus,
  PreChatMessage,
  CustomData,
  Transcript,
  TranscriptView,
  WebhookTargetAnswer,
} from "./types.js";

export interface NewTenantOptions {
  /** Start of the subdomain (default `test`); a unique suffix is added. */
  prefix?: string;
  /** The Basic-auth password (any non-empty value in `open` auth mode). */
  token?: string;
  /** Also set a secondary secret (default true). */
  withSecondarySecret?: boolean;
  /** Passed to the receiver: reject signature timestamps that far from now. */
  maxAgeSeconds?: number;
}

/** A tenant of its own: unique subdomain, webhook pointed at a fresh verifying receiver. */
export function newTenant(emulator: Emulator | { url: string; adminToken?: string } | string, options?: NewTenantOptions): Promise<Tenant>;

export interface AssertAgentNeverSawOptions {
  /** First long-poll the agent's view until a message contains this text (e.g. "finished successfully"). */
  waitFor?: string;
  timeoutMs?: number;
  /** Also require the value in the full record, so the check cannot pass vacuously (default true). */
  checkFullRecord?: boolean;
}

/**
 * Throws an AssertionError if a message of the human agent's view of the chat contains
 * `value` (or, by default, if the full record does not). Resolves with the agent's view.
 */
export function assertAgentNeverSaw(admin: AdminClient, chatId: number, value: string, options?: AssertAgentNeverSawOptions): Promise<Transcript>;

export class Tenant {
  readonly subdomain: string;
  readonly token: string;
  readonly admin: AdminClient;
  /** The Apps API as this tenant. */
  readonly apps: AppsClient;
  readonly receiver: WebhookReceiver;
  readonly primarySecret: string;
  readonly secondarySecret: string | undefined;
  /** Upserts an end user (random identifier unless given) and starts a chat for it. */
  startChat(options?: {
    identifier?: string;
    name?: string;
    menuId?: number;
    lang?: string;
    context?: Record<string, unknown>;
    transcript?: PreChatMessage[];
    customData?: CustomData;
  }): Promise<{ endUser: EndUser; chat: ChatObject }>;
  /** The chat's latest escalation once one (in `status`, if given) exists; long-polls. */
  waitForEscalation(chatId: number, options?: { status?: EscalationStatus; timeoutMs?: number }): Promise<Escalation & { tenant: string }>;
  /**
   * The receiver's wait; on timeout the WebhookTimeoutError's message (and `journal`) also
   * says what the emulator's delivery journal shows for the event (e.g. that the tenant's
   * selection left it out, and how to enable it).
   */
  waitForWebhook(filter?: WebhookFilter): Promise<WebhookEvent>;
  waitForWebhooks(filter?: WebhookFilter & { count?: number }): Promise<WebhookEvent[]>;
  /** Long-polls the chat record until `state` and the other conditions hold. */
  waitForChat(chatId: number, conditions?: ChatConditions): Promise<ChatRecord>;
  waitForTranscript(chatId: number, view: TranscriptView, conditions?: { minMessages?: number; contains?: string; timeoutMs?: number }): Promise<Transcript>;
  /** This tenant's deliveries; with `minCount` it long-polls until that many match. */
  deliveries(filters?: Omit<DeliveryFilters, "tenant"> & { minCount?: number; timeoutMs?: number }): Promise<DeliveryList>;
  agentSay(chatId: number, text: string): Promise<unknown>;
  agentTransfer(chatId: number, taskVirtualAgent: string): Promise<unknown>;
  agentEnd(chatId: number): Promise<unknown>;
  assertAgentNeverSaw(chatId: number, value: string, options?: AssertAgentNeverSawOptions): Promise<Transcript>;
  /** Moves this tenant's own clock forward (`"11m"`, or milliseconds); due timers fire first. */
  advanceClock(by: string | number): Promise<TenantClock>;
  clock(): Promise<TenantClock>;
  /** This tenant's clock reads real time again. */
  resetClock(): Promise<unknown>;
  /** The secondary secret becomes the primary (the receiver keeps accepting both). */
  rotateWebhook(): Promise<WebhookTargetAnswer>;
  /** Closes the receiver and, unless `reset: false`, forgets the tenant's state. */
  close(options?: { reset?: boolean }): Promise<void>;
}
