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
export type ChatStatus = "queued" | "assigned" | "va_assigned" | "finished" | "dismissed" | "va_dismissed";
/** The control plane's routing state of a chat. */
export type RoutingState =
  | "queued"
  | "assigned"
  | "task_virtual_agent"
  | "virtual_agent"
  | "finished"
  | "dismissed"
  | "va_dismissed";

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
  /** The pre-chat transcript (agent and full views only), before the live messages. */
  pre_chat?: Array<{ pre_chat: true; sender: PreChatSender; at: string; content: PreChatContent[] }>;
  /** The custom data the view may see (none in the end user's; no `invisible_to_agent` entry in the agent's). */
  custom_data?: CustomData;
  /** The user profile flags the reserved data properties raise (agent and full views). */
  user_profile_flags?: UserProfileFlag[];
  [key: string]: unknown;
}

/** One custom data entry; the reserved data properties take a boolean `value`. */
export interface CustomDataField {
  label: string;
  value: string | number | boolean;
  type?: "string" | "number" | "date" | "url" | "boolean";
  invisible_to_agent?: boolean;
}

/** Custom data by key (`reserved_verified_customer`, `reserved_bad_actor`, `reserved_repeat_customer`, or your own). */
export type CustomData = Record<string, CustomDataField>;

/** A flag a reserved data property raises in the human agent's view. */
export interface UserProfileFlag {
  flag: "verified_customer" | "unverified_customer" | "bad_actor" | "repeat_customer";
  label: string;
  property: string;
}

/** One menu of `GET /wait_times`. */
export interface WaitTime {
  menu_id: number;
  menu_type: "ivr_menu" | "mobile_menu" | "web_menu";
  materialized_path: string;
  /** Minutes, rounded up. */
  wait: number;
  /** Seconds (absent when another channel was asked, or the menu takes no chats). */
  chat?: number;
  /** Seconds (absent when another channel was asked, or the menu takes no calls). */
  voice_call?: number;
  logged_in_agents: number;
  available_agents: number;
  breakthrough_agents: number;
}

/** A queue's wait-time figures (waits in seconds; null: the menu does not serve that channel). */
export interface WaitFigures {
  chat: number | null;
  voice_call: number | null;
  logged_in_agents: number;
  available_agents: number;
  breakthrough_agents: number;
}

export type MessageContentShape = "string" | "object";

/** `GET|PUT /__admin/tenants/{t}/message_content_shape`. */
export interface TenantMessageContentShape {
  tenant: string;
  source: "tenant" | "default";
  shape: MessageContentShape;
}

export type DeliveryStatus = "pending" | "retrying" | "delivered" | "failed" | "skipped" | "suppressed";

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

export type MediaKind = "photo" | "video";

/** `POST /chats/{id}/photos/upload`, `/videos/upload`: where to post and every form field. */
export interface UploadForm {
  url: string;
  /** `key` (the s3_path), `Content-Type`, `policy`, `x-amz-*`: post them all, unchanged. */
  fields: Record<string, string>;
}

/** A registered photo or video (registration and listing). */
export interface Media {
  media_id: number;
  /** A signed link that downloads the bytes (no Basic auth needed). */
  url: string;
  s3_path: string;
  content_type: string;
  size: number;
  created_at: string;
  [key: string]: unknown;
}

/** A file fetched with `GET /chats/{id}/media/{media_id}`. */
export interface MediaDownload {
  data: Uint8Array;
  contentType: string | null;
  /** e.g. `inline; filename="invoice.pdf"`. */
  contentDisposition: string | null;
}

/** `POST /__admin/chats/{id}/agent/attachments`: the stored file and its message. */
export interface AttachmentStored {
  media_id: number;
  message_id: number;
  chat_id: number;
  filename: string;
  content_type: string;
  size: number;
  url: string;
  [key: string]: unknown;
}

export type DeflectionChannel = "email" | "human_agent" | "external_link" | "virtual_agent";
export type EscalationStatus = "escalating" | "escalated" | "canceled" | "deflecting" | "deflected";
export type QueueAvailability = "available" | "over_capacity" | "after_hours";

/** An escalation (`POST /chats/{id}/escalations`, the `escalation_deflected` webhook). */
export interface Escalation {
  id: number;
  chat_id: number;
  status: EscalationStatus;
  reason: "by_end_user_ask" | "by_end_user_message" | "by_virtual_agent";
  queue: { id: string; name: string };
  deflection_reason: "over_capacity" | "after_hours" | null;
  deflection_options: DeflectionChannel[];
  deflection_channel: DeflectionChannel | null;
  external_link_url: string | null;
  created_at: string;
  updated_at: string;
  [key: string]: unknown;
}

/** `GET /__admin/escalations`. */
export interface EscalationList {
  count: number;
  escalations: Array<Escalation & { tenant: string }>;
  [key: string]: unknown;
}

/** A queue as one tenant sees it (`GET|PUT /__admin/tenants/{t}/queues...`). */
export interface Queue {
  id: string;
  name: string;
  availability: QueueAvailability;
  default_availability?: QueueAvailability;
  deflection_options?: DeflectionChannel[];
  external_link_url?: string | null;
  /** Chats that chose to keep waiting for this queue. */
  waiting_chats?: number[];
  /** The menu `GET /wait_times` lists it as (null: none), its figures for the tenant and the fixture's. */
  menu_id?: number | null;
  wait_time?: WaitFigures | null;
  default_wait_time?: WaitFigures | null;
  [key: string]: unknown;
}

export interface QueueList {
  tenant: string;
  queues: Queue[];
  [key: string]: unknown;
}

/** One part of a pre-chat transcript entry. */
export type PreChatContent =
  | { type: "text"; text: string }
  | { type: "media"; media: { type: "image" | "video"; url: string } };

/** Who wrote a pre-chat entry: `virtual_agent` is a bot that handed over. */
export type PreChatSender = "end_user" | "agent" | "virtual_agent";

/** One entry of the pre-chat `transcript` of `POST /chats`. */
export interface PreChatMessage {
  sender: PreChatSender;
  /** `YYYY-MM-DD HH:MM:SSZ` or RFC 3339 (UTC). */
  timestamp: string;
  content: PreChatContent[];
}
