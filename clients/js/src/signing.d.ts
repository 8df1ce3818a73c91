/** base64(HMAC-SHA256(secret, timestamp + body)), as the platform signs webhooks. */
export function sign(secret: string, timestamp: string, body: string | Uint8Array): string;

/** The `X-Signature` value: `primary=<sig>` plus ` secondary=<sig>` with a second secret. */
export function signatureHeader(input: {
  primarySecret: string;
  secondarySecret?: string | null;
  timestamp: string;
  body: string | Uint8Array;
}): string;

/** `primary=<sig> secondary=<sig>` as `{primary, secondary}`; null if absent or malformed. */
export function parseSignatureHeader(header: string | undefined | null): Record<string, string> | null;

export type VerifyResult =
  | { ok: true; secretIndex: number; part: string }
  | { ok: false; reason: string };

/**
 * Checks an `X-Signature` header against the known secrets, in constant time. Passes when
 * any signature in the header matches any secret (so it survives a rotation).
 */
export function verifySignature(input: {
  header: string | undefined | null;
  timestamp: string | undefined | null;
  body: string | Uint8Array;
  secrets: Array<string | null | undefined>;
}): VerifyResult;
