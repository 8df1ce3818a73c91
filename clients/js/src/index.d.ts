// ccai-emulator: hand-written declarations for the plain ESM JavaScript beside them,
// checked by `tsc --noEmit` (test/types.test.js) against test/typecheck.ts.

export { AdminClient, DEFAULT_TIMEOUT_MS } from "./admin.js";
export type { ChatConditions, DeliveryFilters, EscalationFilters, RequestFilters, TenantClock, TenantEventSelection, WebhookFaults } from "./admin.js";
export { AppsClient } from "./apps.js";
export type { EndUserFields } from "./apps.js";
export { Emulator, findEmulatorBinary, parseBoundAddress, startEmulator } from "./emulator.js";
export type { StartEmulatorOptions } from "./emulator.js";
export { EmulatorError, StorageError, WaitTimeoutError, WebhookTimeoutError } from "./errors.js";
export { WebhookReceiver, startWebhookReceiver } from "./receiver.js";
export type { RejectedWebhook, WebhookEvent, WebhookFilter, WebhookReceiverOptions } from "./receiver.js";
export { parseSignatureHeader, sign, signatureHeader, verifySignature } from "./signing.js";
export type { VerifyResult } from "./signing.js";
export { Tenant, assertAgentNeverSaw, newTenant } from "./tenant.js";
export type { AssertAgentNeverSawOptions, NewTenantOptions } from "./tenant.js";
export { uploadFile } from "./uploads.js";
export type { BlobLike, FileData, StoredUpload } from "./uploads.js";
export type * from "./types.js";
