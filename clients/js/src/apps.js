// The emulated Apps API (`/apps/api/v1`) as a consumer's backend calls it, with HTTP Basic
// auth: username = the tenant's subdomain, password = its token.

import { basicAuth, query, requestJson, trimBase } from "./http.js";

export class AppsClient {
  /**
   * @param {{baseUrl: string, subdomain: string, token?: string}} options `baseUrl` is the
   *   emulator's root, e.g. `http://127.0.0.1:8080` (the client adds `/apps/api/v1`).
   */
  constructor({ baseUrl, subdomain, token = "any-token" }) {
    if (!subdomain) throw new TypeError("AppsClient needs a subdomain (the Basic-auth username)");
    this.baseUrl = trimBase(baseUrl);
    this.apiUrl = `${this.baseUrl}/apps/api/v1`;
    this.subdomain = subdomain;
    this.authorization = basicAuth(subdomain, token);
  }

  /** Any Apps API call: `path` is relative to `/apps/api/v1`, e.g. `/chats/3`. */
  request(method, path, body) {
    return requestJson(method, this.apiUrl + path, { body, headers: { authorization: this.authorization } });
  }

  /** Upserts an end user by `identifier` (the same identifier always returns the same id). */
  upsertEndUser({ identifier, name, email, phone }) {
    return this.request("POST", "/end_users", definedOnly({ identifier, name, email, phone }));
  }

  /** Finds an end user by `id` or `identifier` (404 `End user not found`). */
  findEndUser({ id, identifier }) {
    return this.request("GET", `/end_users${query({ id, identifier })}`);
  }

  /** Starts a chat (it is `queued` until the simulated agent joins). */
  createChat({ endUserId, menuId, lang, context, transcript }) {
    const body = definedOnly({ end_user_id: endUserId, menu_id: menuId, lang, transcript });
    if (context !== undefined) body.context = { value: context };
    return this.request("POST", "/chats", body);
  }

  /** The chat object (`status`, `agent`, `virtual_agent`, ...). */
  chat(chatId) {
    return this.request("GET", `/chats/${chatId}`);
  }

  /** Sends a raw message body: `{type, content}` as the platform takes it. */
  sendMessage(chatId, fromUserId, message) {
    return this.request("POST", `/chats/${chatId}/message`, { from_user_id: fromUserId, message });
  }

  /**
   * The end user says `text`. `contentShape: "object"` (default) sends
   * `content: {"text": ...}`; `"string"` sends the plain-string form `content: "..."`.
   */
  sendText(chatId, fromUserId, text, { contentShape = "object" } = {}) {
    const content = contentShape === "string" ? text : { text };
    return this.sendMessage(chatId, fromUserId, { type: "text", content });
  }

  /** Sends a `photo` or `video` by `media_id`. */
  sendMedia(chatId, fromUserId, type, mediaId) {
    return this.sendMessage(chatId, fromUserId, { type, content: { media_id: mediaId } });
  }

  /** PATCH the chat with raw fields (e.g. `{status: "finished"}`). */
  updateChat(chatId, fields) {
    return this.request("PATCH", `/chats/${chatId}`, fields);
  }

  /** Ends the chat as the end user (400 `Chat is already ended` if it is). */
  endChat(chatId, { finishedByUserId } = {}) {
    return this.updateChat(chatId, definedOnly({ status: "finished", finished_by_user_id: finishedByUserId }));
  }

  /** Resumes a `dismissed` / `va_dismissed` chat where it was. */
  resumeChat(chatId) {
    return this.request("PATCH", `/chats/${chatId}/resume`);
  }

  /** Mid-session authentication: re-points the chat at the (upserted) verified end user. */
  authenticateEndUser(chatId, { identifier, name, email, phone }) {
    return this.request("POST", `/chats/${chatId}/end_user`, definedOnly({ identifier, name, email, phone }));
  }
}

function definedOnly(fields) {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
