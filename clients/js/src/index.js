// ccai-emulator: a client for ccai-emulator's Apps API and control plane, a verifying
// webhook receiver, and helpers to start the emulator and write tests against it. No runtime
// dependencies; Node 18+ (global fetch), ESM.

export { AdminClient, DEFAULT_TIMEOUT_MS } from "./admin.js";
export { AppsClient } from "./apps.js";
export { Emulator, findEmulatorBinary, parseBoundAddress, startEmulator } from "./emulator.js";
export { EmulatorError, StorageError, WaitTimeoutError, WebhookTimeoutError } from "./errors.js";
export { WebhookReceiver, startWebhookReceiver } from "./receiver.js";
export { parseSignatureHeader, sign, signatureHeader, verifySignature } from "./signing.js";
export { Tenant, assertAgentNeverSaw, newTenant } from "./tenant.js";
export { uploadFile } from "./uploads.js";
