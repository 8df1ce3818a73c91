// Wire shapes of the emulator's JSON, as it sends them (snake_case). Objects keep an index
// signature so fields added by newer emulators stay reachable.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An end user (`POST /end_users`, `GET /end_users`). */
export interface EndUser {
  id: number;
  identifier: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  created_at: string;
  [key: string]: unknown;
}

export interface Agent {
  id: number;
  name: string;
  first_name?: string;
  avatar_url?: string | null;
  status?: string;
  [key: string]: unknown;
}

/** The Apps API status of a chat. */
export type ChatStatus = "queued" | "assigned" | "finished" | "dismissed" | "va_dismissed";
/** The control plane's routing state of a chat. */
export type RoutingState = "queued" | "assigned" | "task_virtual_agent" | "finished" | "dismissed" | "va_dismissed";

/** The chat object of the Apps API (`POST /chats`, `GET /chats/{id}`). */
export interface ChatObject {
  id: number;
  status: ChatStatus;
  status_text: string;
  features: string[];
  created_at: string;
  ends_at: string | null;
  timeout_at: string | null;
  agent: Agent | null;
  virtual_agent: Agent | null;
  all_agents: Agent[];
  all_virtual_agents: Agent[];
  lang: string;
  menus: unknown[];
  end_user: { id: number; identifier: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** The answer to `POST /chats/{id}/message`. */
export interface SentMessage {
  id: number;
  chat_id: number;
  created_at: string;
  visibility: string;
  [key: string]: unknown;
}

/** A message body the end user sends: `content` as an object or (for text) a plain string. */
export interface OutgoingMessage {
  type: "text" | "photo" | "video" | string;
  content: string | { text?: string; media_id?: number; [key: string]: unknown };
}

/** A stored message, as the control plane shows it. */
export interface StoredMessage {
  id: number;
  at: string;
  /** `everyone`, `task_virtual_agent`, `agent`, ... */
  visibility: string;
  sender: { id: number; type: string; name?: string; key?: string; [key: string]: unknown };
  body: { type: string; text?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** `GET /__admin/chats/{id}`: the full record. */
export interface ChatRecord {
  id: number;
  tenant: string;
  status: ChatStatus;
  routing_state: RoutingState;
  agent: Agent | null;
  task_virtual_agent: unknown;
  end_user: EndUser;
  messages: StoredMessage[];
  created_at: string;
  ended_at: string | null;
  dismissed_at: string | null;
  [key: string]: unknown;
}

export type TranscriptView = "agent" | "end_user" | "all";

/** `GET /__admin/chats/{id}/transcript?view=`. */
export interface Transcript {
  chat_id: number;
  view: TranscriptView;
  messages: StoredMessage[];
  [key: string]: unknown;
}

export type DeliveryStatus = "pending" | "retrying" | "delivered" | "failed" | "skipped";

/** The webhook request body: `{event_type, timestamp, chat_id, body}`. */
export interface WebhookPayload {
  event_type: string;
  timestamp: string;
  chat_id: number;
  body: Record<string, any>;
  [key: string]: unknown;
}

export interface DeliveryAttempt {
  at: string;
  url: string;
  signature_timestamp: string;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
  response_body?: string | null;
  [key: string]: unknown;
}

/** One entry of the delivery journal. */
export interface Delivery {
  id: string;
  tenant: string;
  chat_id: number;
  event_type: string;
  status: DeliveryStatus;
  created_at: string;
  payload: WebhookPayload;
  attempts: DeliveryAttempt[];
  [key: string]: unknown;
}

/** `GET /__admin/webhooks/deliveries`. */
export interface DeliveryList {
  count: number;
  counters: Record<string, number>;
  deliveries: Delivery[];
  [key: string]: unknown;
}

/** `GET|PUT /__admin/tenants/{sub}/webhook`. */
export interface WebhookTargetAnswer {
  tenant: string;
  source: "tenant" | "default" | string;
  webhook: { url: string; primary_secret: string; secondary_secret?: string } | null;
  [key: string]: unknown;
}

/** One entry of the request journal. */
export interface JournalRequest {
  id: number;
  at: string;
  tenant: string | null;
  method: string;
  path: string;
  query: string;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  [key: string]: unknown;
}

/** `GET /__admin/requests`. */
export interface RequestList {
  count: number;
  requests: JournalRequest[];
  stored: number;
  cap: number;
  evicted: number;
  [key: string]: unknown;
}

export interface Health {
  status: "ok" | string;
  version: string;
  [key: string]: unknown;
}
