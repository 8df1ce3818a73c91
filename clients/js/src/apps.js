// The emulated Apps API (`/apps/api/v1`) as a consumer's backend calls it, with HTTP Basic
// auth: username = the tenant's subdomain, password = its token.

import { basicAuth, query, requestJson, requestRaw, trimBase } from "./http.js";
import { uploadFile } from "./uploads.js";

const UPLOAD_FILENAMES = { photo: "photo.jpg", video: "video.mp4" };

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

  /**
   * Starts a chat (it is `queued` until the simulated agent joins). `customData` is
   * `{"<key>": {label, value, type?}}`; the reserved data properties take booleans.
   */
  createChat({ endUserId, menuId, lang, context, transcript, customData }) {
    const body = definedOnly({ end_user_id: endUserId, menu_id: menuId, lang, transcript, custom_data: customData });
    if (context !== undefined) body.context = { value: context };
    return this.request("POST", "/chats", body);
  }

  /**
   * Custom data and reserved data properties after the chat began
   * (`POST /chats/{id}/custom_data` with `{"signed": false, "data": ...}`).
   */
  sendCustomData(chatId, data) {
    return this.request("POST", `/chats/${chatId}/custom_data`, { signed: false, data });
  }

  /**
   * `GET /wait_times`: each menu with `wait` (minutes) and `chat` / `voice_call` (seconds).
   * `waitFrom` / `waitTo` are `wait[from]` / `wait[to]` (minutes, exclusive).
   */
  waitTimes({ lang, menuId, menuType, channelType, waitFrom, waitTo }) {
    const params = { lang, menu_id: menuId, menu_type: menuType, channel_type: channelType, "wait[from]": waitFrom, "wait[to]": waitTo };
    return this.request("GET", `/wait_times${query(params)}`);
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

  /**
   * Ends the chat as the end user (400 `Chat is already ended` if it is). With `escalationId`
   * and `deflectionChannel` (`email`, `external_link`) it answers a deflected escalation.
   */
  endChat(chatId, { finishedByUserId, escalationId, deflectionChannel } = {}) {
    const fields = {
      status: "finished",
      finished_by_user_id: finishedByUserId,
      escalation_id: escalationId,
      deflection_channel: deflectionChannel,
    };
    return this.updateChat(chatId, definedOnly(fields));
  }

  /** Resumes a `dismissed` / `va_dismissed` chat where it was. */
  resumeChat(chatId) {
    return this.request("PATCH", `/chats/${chatId}/resume`);
  }

  /** Mid-session authentication: re-points the chat at the (upserted) verified end user. */
  authenticateEndUser(chatId, { identifier, name, email, phone }) {
    return this.request("POST", `/chats/${chatId}/end_user`, definedOnly({ identifier, name, email, phone }));
  }

  /** `POST /chats/{id}/photos/upload` (or `/videos/upload`): a pre-signed `{url, fields}`. */
  uploadForm(chatId, kind) {
    return this.request("POST", `/chats/${chatId}/${mediaKind(kind)}s/upload`);
  }

  /** `POST /chats/{id}/photos` by `s3_paths`: one `{media_id, url, ...}` per path, in order. */
  registerPhotos(chatId, s3Paths) {
    return this.request("POST", `/chats/${chatId}/photos`, { s3_paths: [...s3Paths] });
  }

  /** `POST /chats/{id}/videos` with one `s3_path`: its `{media_id, url, ...}`. */
  registerVideo(chatId, s3Path) {
    return this.request("POST", `/chats/${chatId}/videos`, { s3_path: s3Path });
  }

  /** The registered photos, oldest first. */
  photos(chatId) {
    return this.request("GET", `/chats/${chatId}/photos`);
  }

  /** The registered videos, oldest first. */
  videos(chatId) {
    return this.request("GET", `/chats/${chatId}/videos`);
  }

  /**
   * The whole flow for one file: upload form, multipart upload to storage, registration.
   * Resolves with the registered media (`media_id` is what a photo/video message names).
   */
  async uploadMedia(chatId, kind, data, { filename } = {}) {
    const form = await this.uploadForm(chatId, kind);
    const stored = await uploadFile(form, data, { filename: filename ?? UPLOAD_FILENAMES[kind] });
    if (kind === "photo") return (await this.registerPhotos(chatId, [stored.s3Path]))[0];
    return this.registerVideo(chatId, stored.s3Path);
  }

  /** `GET /chats/{id}/media/{media_id}`: `{data, contentType, contentDisposition}`. */
  async downloadMedia(chatId, mediaId) {
    const response = await requestRaw("GET", `${this.apiUrl}/chats/${chatId}/media/${mediaId}`, {
      headers: { authorization: this.authorization },
    });
    return {
      data: new Uint8Array(await response.arrayBuffer()),
      contentType: response.headers.get("content-type"),
      contentDisposition: response.headers.get("content-disposition"),
    };
  }

  /** `POST /chats/{id}/escalations`: the virtual agent escalates (to `queueId` or its default). */
  escalate(chatId, { queueId } = {}) {
    return this.request("POST", `/chats/${chatId}/escalations`, definedOnly({ queue_id: queueId }));
  }

  /** `PATCH /chats/{id}/escalations/{id}`: keep waiting (`human_agent`) or stay with the virtual agent. */
  chooseDeflection(chatId, escalationId, deflectionChannel) {
    return this.request("PATCH", `/chats/${chatId}/escalations/${escalationId}`, { deflection_channel: deflectionChannel });
  }
}

function mediaKind(kind) {
  if (kind !== "photo" && kind !== "video") throw new TypeError(`media kind must be "photo" or "video", not ${JSON.stringify(kind)}`);
  return kind;
}

function definedOnly(fields) {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
