import type { WebhookPayload } from "./types.js";

/** A verified webhook request as the receiver recorded it. */
export interface WebhookEvent {
  /** `X-Emulator-Delivery-Id`: the same on every retry and redelivery. */
  deliveryId: string | undefined;
  eventType: string;
  chatId: number;
  /** The payload's `timestamp`. */
  timestamp: string;
  /** The payload's `body` (e.g. `body.server_message`). */
  body: Record<string, any>;
  payload: WebhookPayload;
  rawBody: string;
  headers: Record<string, string | string[] | undefined>;
  /** `X-Signature-Timestamp`. */
  signatureTimestamp: string;
  /** Which of the receiver's secrets (index) matched which header part (`primary`/`secondary`). */
  verifiedWith: { secretIndex: number; part: string };
  receivedAt: Date;
  /** 1 for the first arrival of this delivery id, 2 for the next (a retry, duplicate or redelivery), ... */
  arrival: number;
  /** What the receiver answered (200, or the `failNext` status). */
  status: number;
  /** Answered 2xx: the attempt the emulator journals as delivered. */
  accepted: boolean;
}

/** A request that failed verification (answered 401) or was not JSON (400). */
export interface RejectedWebhook {
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  receivedAt: Date;
}

export interface WebhookFilter {
  eventType?: string;
  chatId?: number;
  deliveryId?: string;
  predicate?: (event: WebhookEvent) => unknown;
  /** Deadline, default 10 000 ms; then a WebhookTimeoutError lists what did arrive. */
  timeoutMs?: number;
  /** Also match repeated arrivals of a delivery id (retries, duplicates, redeliveries). */
  duplicates?: boolean;
  /**
   * `true` (default): only requests the receiver accepted (answered 2xx), so after
   * `failNext(2, 503)` a wait resolves on the retry that was accepted; `false`: only the
   * attempts it failed on purpose; `null`: both.
   */
  accepted?: boolean | null;
}

export interface WebhookReceiverOptions {
  /** Accepted signing secrets (primary and secondary); falsy entries are ignored. */
  secrets?: Array<string | null | undefined>;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Also reject signature timestamps further than this from now. Off by default. */
  maxAgeSeconds?: number;
}

/** Starts a receiver that verifies `X-Signature` and records events. */
export function startWebhookReceiver(options?: WebhookReceiverOptions): Promise<WebhookReceiver>;

export class WebhookReceiver {
  /** `http://127.0.0.1:<port>/`: the URL to configure as the webhook target. */
  readonly url: string;
  /** Accepted events (answered 2xx), the first of each delivery id, in arrival order. */
  readonly events: WebhookEvent[];
  /** Every verified arrival, failed attempts and repeats included. */
  readonly received: WebhookEvent[];
  readonly rejected: RejectedWebhook[];
  setSecrets(secrets: Array<string | null | undefined>): void;
  /** Answers the next `count` verified requests with `status` (default 500, 300 to 599) instead of 200. */
  failNext(count: number, status?: number): void;
  clear(): void;
  /** The first matching event, already received or the next to arrive. */
  waitForWebhook(filter?: WebhookFilter): Promise<WebhookEvent>;
  /** The first `count` matching events. */
  waitForWebhooks(filter?: WebhookFilter & { count?: number }): Promise<WebhookEvent[]>;
  /** Stops listening; pending waits are rejected. */
  close(): Promise<void>;
}
