import type {
  ChatObject,
  CustomData,
  DeflectionChannel,
  EndUser,
  Escalation,
  Media,
  MediaDownload,
  MediaKind,
  OutgoingMessage,
  PreChatMessage,
  SentMessage,
  UploadForm,
  WaitTime,
} from "./types.js";
import type { FileData } from "./uploads.js";

export interface EndUserFields {
  identifier: string;
  name?: string;
  email?: string;
  phone?: string;
}

/** The emulated Apps API (`/apps/api/v1`) as a consumer's backend calls it, with Basic auth. */
export class AppsClient {
  /** `baseUrl` is the emulator's root, e.g. `http://127.0.0.1:8080`. */
  constructor(options: { baseUrl: string; subdomain: string; token?: string });
  readonly baseUrl: string;
  /** `<baseUrl>/apps/api/v1`: give it to the backend under test. */
  readonly apiUrl: string;
  readonly subdomain: string;
  /** Any Apps API call; `path` is relative to `/apps/api/v1`. Throws EmulatorError on non-2xx. */
  request<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** Upserts by `identifier` (the same identifier always returns the same id). */
  upsertEndUser(fields: EndUserFields): Promise<EndUser>;
  /** 404 `End user not found` when there is none. */
  findEndUser(by: { id?: number; identifier?: string }): Promise<EndUser>;
  /** Starts a chat (`queued` until the simulated agent joins). `context` is sent as `{value: context}`. */
  createChat(options: {
    endUserId: number;
    menuId?: number;
    lang?: string;
    context?: Record<string, unknown>;
    transcript?: PreChatMessage[];
    /** Custom data and reserved data properties (`reserved_verified_customer`, ... take booleans). */
    customData?: CustomData;
  }): Promise<ChatObject>;
  /** `POST /chats/{id}/custom_data` (`{"signed": false, data}`): a key sent again replaces its entry. */
  sendCustomData(chatId: number, data: CustomData): Promise<{ chat_id: number; custom_data: CustomData }>;
  /** `GET /wait_times`; `lang` is required (400 without it). */
  waitTimes(options: {
    lang: string;
    menuId?: number;
    menuType?: "ivr_menu" | "mobile_menu" | "web_menu" | "all";
    channelType?: "voice_call" | "chat";
    /** `wait[from]`: minutes, exclusive, a positive integer. */
    waitFrom?: number;
    /** `wait[to]`: minutes, exclusive, a positive integer. */
    waitTo?: number;
  }): Promise<WaitTime[]>;
  chat(chatId: number): Promise<ChatObject>;
  sendMessage(chatId: number, fromUserId: number, message: OutgoingMessage): Promise<SentMessage>;
  /** `contentShape: "object"` (default) sends `content: {text}`; `"string"` sends `content: "..."`. */
  sendText(chatId: number, fromUserId: number, text: string, options?: { contentShape?: "object" | "string" }): Promise<SentMessage>;
  /** Sends a `photo` or `video` by the `media_id` it was registered as (400 otherwise). */
  sendMedia(chatId: number, fromUserId: number, type: MediaKind, mediaId: number): Promise<SentMessage>;
  /** PATCH /chats/{id} with raw fields. */
  updateChat(chatId: number, fields: Record<string, unknown>): Promise<ChatObject>;
  /**
   * Ends the chat as the end user (400 `Chat is already ended` if it is). With `escalationId`
   * and `deflectionChannel` (`email`, `external_link`) it answers a deflected escalation.
   */
  endChat(
    chatId: number,
    options?: { finishedByUserId?: number; escalationId?: number; deflectionChannel?: DeflectionChannel },
  ): Promise<ChatObject>;
  /** Resumes a dismissed chat (400 `This chat is not in dismissed state` otherwise). */
  resumeChat(chatId: number): Promise<ChatObject>;
  /** Mid-session authentication: 202 `{"message": "accepted"}`. */
  authenticateEndUser(chatId: number, fields: EndUserFields): Promise<{ message: string }>;
  /** `POST /chats/{id}/photos/upload` or `/videos/upload`: a pre-signed upload form. */
  uploadForm(chatId: number, kind: MediaKind): Promise<UploadForm>;
  /** Registers uploads by `s3_path` (the form's `key`): one media per path, in order. */
  registerPhotos(chatId: number, s3Paths: string[]): Promise<Media[]>;
  /** Registers one uploaded video by `s3_path`. */
  registerVideo(chatId: number, s3Path: string): Promise<Media>;
  photos(chatId: number): Promise<Media[]>;
  videos(chatId: number): Promise<Media[]>;
  /** Upload form, multipart upload (StorageError on a refusal) and registration in one call. */
  uploadMedia(chatId: number, kind: MediaKind, data: FileData, options?: { filename?: string }): Promise<Media>;
  /** `GET /chats/{id}/media/{media_id}` with Basic auth (any media of the chat, e.g. an attachment). */
  downloadMedia(chatId: number, mediaId: number): Promise<MediaDownload>;
  /** `POST /chats/{id}/escalations`; 400 unless the virtual agent holds the chat. */
  escalate(chatId: number, options?: { queueId?: string }): Promise<Escalation>;
  /** `PATCH /chats/{id}/escalations/{id}`: keep waiting or continue with the virtual agent. */
  chooseDeflection(chatId: number, escalationId: number, deflectionChannel: "human_agent" | "virtual_agent"): Promise<Escalation>;
}
