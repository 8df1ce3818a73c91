// The one place that talks HTTP: JSON in and out over the global `fetch` (Node 18+), every
// non-2xx turned into an EmulatorError with the envelope's message, 408 from a long-poll into
// a WaitTimeoutError. Internal to the package.

import { EmulatorError, WaitTimeoutError } from "./errors.js";

/** Longest `wait=` the emulator accepts on one long-poll. */
export const MAX_WAIT_MS = 60_000;

/**
 * Sends one request and returns the parsed JSON (or text) body.
 * @param {string} method
 * @param {string} url
 * @param {{body?: unknown, headers?: Record<string, string>, longPoll?: boolean}} [options]
 */
export async function requestJson(method, url, { body, headers = {}, longPoll = false } = {}) {
  const init = { method, headers: { accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  const parsed = parseBody(response, text);
  if (response.ok) return parsed;
  throw errorFor(response, text, parsed, { method, url, longPoll });
}

/**
 * Sends one request with a body as it is (bytes, a Blob, FormData) and resolves with the
 * Response once it is 2xx; anything else throws an EmulatorError.
 * @param {string} method
 * @param {string} url
 * @param {{body?: BodyInit, headers?: Record<string, string>}} [options]
 */
export async function requestRaw(method, url, { body, headers = {} } = {}) {
  const response = await fetch(url, { method, headers, body });
  if (response.ok) return response;
  const text = await response.text();
  throw errorFor(response, text, parseBody(response, text), { method, url, longPoll: false });
}

function parseBody(response, text) {
  if ((response.headers.get("content-type") || "").includes("json") && text !== "") {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function errorFor(response, text, parsed, { method, url, longPoll }) {
  const message =
    parsed && typeof parsed === "object" && typeof parsed.message === "string"
      ? parsed.message
      : String(text || response.statusText);
  const details = { status: response.status, message, method, url, body: parsed };
  return longPoll && response.status === 408 ? new WaitTimeoutError(details) : new EmulatorError(details);
}

/** Builds `?a=1&b=2` from the defined entries (empty string when there are none). */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/**
 * Runs a long-poll until its condition holds or `timeoutMs` has passed. One request waits at
 * most 60 s (the emulator's cap), so longer timeouts chain several long-polls; none sleeps.
 * @param {(waitMs: number) => Promise<unknown>} poll sends one request with `wait=<waitMs>ms`
 */
export async function longPoll(poll, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = Math.max(0, deadline - Date.now());
    try {
      return await poll(Math.min(remaining, MAX_WAIT_MS));
    } catch (error) {
      if (!(error instanceof WaitTimeoutError) || deadline - Date.now() <= 0) throw error;
    }
  }
}

/** `"Basic " + base64(user:password)`. */
export function basicAuth(username, password) {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/** `http://127.0.0.1:8080/` -> `http://127.0.0.1:8080` */
export function trimBase(url) {
  return String(url).replace(/\/+$/, "");
}
