import type { ChatObject, EndUser, OutgoingMessage, SentMessage } from "./types.js";

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
    transcript?: unknown;
  }): Promise<ChatObject>;
  chat(chatId: number): Promise<ChatObject>;
  sendMessage(chatId: number, fromUserId: number, message: OutgoingMessage): Promise<SentMessage>;
  /** `contentShape: "object"` (default) sends `content: {text}`; `"string"` sends `content: "..."`. */
  sendText(chatId: number, fromUserId: number, text: string, options?: { contentShape?: "object" | "string" }): Promise<SentMessage>;
  sendMedia(chatId: number, fromUserId: number, type: "photo" | "video", mediaId: number): Promise<SentMessage>;
  /** PATCH /chats/{id} with raw fields. */
  updateChat(chatId: number, fields: Record<string, unknown>): Promise<ChatObject>;
  /** Ends the chat as the end user (400 `Chat is already ended` if it is). */
  endChat(chatId: number, options?: { finishedByUserId?: number }): Promise<ChatObject>;
  /** Resumes a dismissed chat (400 `This chat is not in dismissed state` otherwise). */
  resumeChat(chatId: number): Promise<ChatObject>;
  /** Mid-session authentication: 202 `{"message": "accepted"}`. */
  authenticateEndUser(chatId: number, fields: EndUserFields): Promise<{ message: string }>;
}
