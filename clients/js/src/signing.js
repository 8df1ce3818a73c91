// Webhook signatures exactly as the platform makes them:
// `sig = base64(HMAC-SHA256(key = secret, data = timestamp + raw_body))`, sent as
// `X-Signature: primary=<sig> [secondary=<sig>]` with `X-Signature-Timestamp: <timestamp>`.
// Verification compares in constant time and accepts a match of any known secret against any
// signature in the header, so it keeps working across a secret rotation.

import { createHmac, timingSafeEqual } from "node:crypto";

/** base64(HMAC-SHA256(secret, timestamp + body)). `body` is the raw body (string or bytes). */
export function sign(secret, timestamp, body) {
  return createHmac("sha256", secret).update(String(timestamp)).update(body).digest("base64");
}

/** The `X-Signature` header value for one or two secrets. */
export function signatureHeader({ primarySecret, secondarySecret, timestamp, body }) {
  let header = `primary=${sign(primarySecret, timestamp, body)}`;
  if (secondarySecret) header += ` secondary=${sign(secondarySecret, timestamp, body)}`;
  return header;
}

/**
 * Parses `primary=<sig> secondary=<sig>` into `{primary, secondary}` (missing parts are
 * undefined). Returns null when the header is absent or has no `name=value` part.
 */
export function parseSignatureHeader(header) {
  if (typeof header !== "string") return null;
  const parts = {};
  for (const token of header.trim().split(/[\s,]+/)) {
    const equals = token.indexOf("=");
    if (equals <= 0 || equals === token.length - 1) continue; // needs `name=value`
    parts[token.slice(0, equals)] = token.slice(equals + 1);
  }
  return Object.keys(parts).length ? parts : null;
}

/**
 * Checks an `X-Signature` header against the known secrets.
 * @param {{header: string | undefined | null, timestamp: string | undefined | null,
 *   body: string | Uint8Array, secrets: Array<string | null | undefined>}} input
 * @returns {{ok: true, secretIndex: number, part: string} | {ok: false, reason: string}}
 *   on success, which secret (index into `secrets`) matched which header part.
 */
export function verifySignature({ header, timestamp, body, secrets }) {
  const known = secrets.map((secret, index) => ({ secret, index })).filter(({ secret }) => secret);
  if (!known.length) return { ok: false, reason: "no secret to verify with" };
  if (timestamp === undefined || timestamp === null || timestamp === "") {
    return { ok: false, reason: "missing X-Signature-Timestamp" };
  }
  const parts = parseSignatureHeader(header);
  if (!parts) return { ok: false, reason: "missing or malformed X-Signature" };
  for (const { secret, index } of known) {
    const expected = Buffer.from(sign(secret, timestamp, body));
    for (const [part, signature] of Object.entries(parts)) {
      const given = Buffer.from(signature);
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        return { ok: true, secretIndex: index, part };
      }
    }
  }
  return { ok: false, reason: "no signature matches a known secret" };
}
