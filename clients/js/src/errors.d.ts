import type { WebhookEvent, RejectedWebhook } from "./receiver.js";

/** A non-2xx answer from the emulator (Apps API or control plane). */
export class EmulatorError extends Error {
  /** The HTTP status, e.g. 400. */
  readonly status: number;
  /** The `message` of the `{"message": ...}` envelope (or the raw text if there was none). */
  readonly serverMessage: string;
  readonly method: string;
  readonly url: string;
  /** The parsed JSON body (or the text) of the answer. */
  readonly body: unknown;
  constructor(details: { status: number; message: string; method: string; url: string; body: unknown });
}

/** A long-poll (`?wait=`) answered 408: the condition did not hold in time. */
export class WaitTimeoutError extends EmulatorError {
  /** How long the emulator waited (its `waited_ms`). */
  readonly waitedMs: number | undefined;
  /** The body as the emulator last saw it (e.g. the chat record, the deliveries so far). */
  readonly lastSeen: unknown;
  /**
   * Why the wait ran out, as data (the message says it in words): for a chat `status`,
   * `routing_state`, `view`, `messages`, `last_messages`, `hidden_in_view`; for deliveries
   * `matched`, `awaited`, `recent`, `left_out_by_selection`.
   */
  readonly explanation: Record<string, any> | undefined;
}

/** `waitForWebhook` found no matching verified event before its deadline. */
export class WebhookTimeoutError extends Error {
  /** Every verified event received so far. */
  readonly received: WebhookEvent[];
  /** Every request that failed verification. */
  readonly rejected: RejectedWebhook[];
  /** With `Tenant.waitForWebhook`: what the emulator's delivery journal shows for the event. */
  readonly journal?: string;
  constructor(message: string, seen: { received: WebhookEvent[]; rejected: RejectedWebhook[] });
}

/** A refusal of the storage endpoint (upload with a pre-signed form): status, S3 `code`, message. */
export class StorageError extends EmulatorError {
  /** S3's error `Code`, e.g. `EntityTooLarge`, `EntityTooSmall`, `AccessDenied`. */
  readonly code: string;
  /** The S3 XML document. */
  readonly body: string;
  constructor(details: { status: number; code: string; message: string; url: string; body: string });
}
