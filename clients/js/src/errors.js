// Errors raised by the clients: one class for every non-2xx answer, carrying the status and
// the platform's `{"message": ...}` text, and a subclass for a long-poll whose wait ran out.

/** A non-2xx answer from the emulator (Apps API or control plane). */
export class EmulatorError extends Error {
  /**
   * @param {{status: number, message: string, method: string, url: string, body: unknown}} details
   */
  constructor({ status, message, method, url, body }) {
    super(`${method} ${url}: ${status} ${message}`);
    this.name = "EmulatorError";
    /** The HTTP status, e.g. 400. */
    this.status = status;
    /** The `message` of the `{"message": ...}` envelope (or the raw text if there was none). */
    this.serverMessage = message;
    this.method = method;
    this.url = url;
    /** The parsed JSON body (or the text) of the answer. */
    this.body = body;
  }
}

/**
 * A long-poll (`?wait=`) answered 408: the condition did not hold in time. The message says
 * what the emulator last saw (the chat's state and last messages in the view, the deliveries
 * that did arrive, an event the tenant's selection leaves out and how to enable it);
 * `lastSeen` is the body as it last saw it and `explanation` the same as data.
 */
export class WaitTimeoutError extends EmulatorError {
  constructor(details) {
    super(details);
    this.name = "WaitTimeoutError";
    const body = details.body && typeof details.body === "object" ? details.body : undefined;
    this.waitedMs = body?.waited_ms;
    this.lastSeen = details.body;
    /** Why the wait ran out, as data (the message says it in words): `last_seen` of the 408. */
    this.explanation = body?.last_seen;
  }
}

/** `waitForWebhook` found no matching verified event before its deadline. */
export class WebhookTimeoutError extends Error {
  /** @param {string} message @param {{received: unknown[], rejected: unknown[]}} seen */
  constructor(message, { received, rejected }) {
    super(message);
    this.name = "WebhookTimeoutError";
    this.received = received;
    this.rejected = rejected;
  }
}

/**
 * A refusal of the emulator's S3-style storage endpoint (an upload with a pre-signed form):
 * the HTTP status, S3's `code` (e.g. `EntityTooLarge`, `AccessDenied`) and its message.
 */
export class StorageError extends EmulatorError {
  /** @param {{status: number, code: string, message: string, url: string, body: string}} details */
  constructor({ status, code, message, url, body }) {
    super({ status, message, method: "POST", url, body });
    this.name = "StorageError";
    /** S3's error `Code`. */
    this.code = code;
  }
}
