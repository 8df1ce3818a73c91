import type { AdminClient } from "./admin.js";
import type { AppsClient } from "./apps.js";
import type { NewTenantOptions, Tenant } from "./tenant.js";

export interface StartEmulatorOptions {
  /** The binary; default: see `findEmulatorBinary`. */
  bin?: string;
  /** More command-line flags, e.g. `["--rate-limit", "10"]`. */
  args?: string[];
  /** More environment variables (e.g. `CCAI_EMU_WEBHOOK_RETRY_SCHEDULE`). */
  env?: Record<string, string>;
  /** A fixture folder; default: the fixtures built into the binary. */
  fixtures?: string;
  /** Overrides the fixtures' agent join delay, e.g. `"0"`. */
  agentJoinDelay?: string | number;
  /** Require this bearer token on `/__admin` (the clients send it). */
  adminToken?: string;
  /** `--shutdown-grace`; default `"0s"` (stop at once). */
  shutdownGrace?: string;
  /** How long start-up may take (default 20 000 ms). */
  startTimeoutMs?: number;
}

/** Spawns the emulator on 127.0.0.1 and a free port; resolves once `/__admin/health` is ok. */
export function startEmulator(options?: StartEmulatorOptions): Promise<Emulator>;

/**
 * The binary `startEmulator` would use, first match wins: `bin`; `$CCAI_EMULATOR_BIN`; the
 * platform package npm installed with this one (`@ccai-emulator/<platform>-<arch>`);
 * `ccai-emulator` on PATH; in a clone of the emulator's repository, `target/release` then
 * `target/debug`. Throws a clear error if there is none.
 */
export function findEmulatorBinary(bin?: string): string;

/** `host:port` from the emulator's start-up output, or null. */
export function parseBoundAddress(output: string): string | null;

export class Emulator {
  readonly pid: number | undefined;
  readonly binary: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `<url>/apps/api/v1`: give it to the backend under test. */
  readonly apiUrl: string;
  /** `<url>/__admin` */
  readonly adminUrl: string;
  /** `<url>/__admin/console` */
  readonly consoleUrl: string;
  readonly adminToken: string | undefined;
  /** The control plane of this emulator. */
  readonly admin: AdminClient;
  /** An Apps API client for that tenant (created on first use in `open` auth mode). */
  apps(subdomain: string, token?: string): AppsClient;
  /** A tenant of its own with its webhook pointed at a fresh verifying receiver (closed by `stop`). */
  newTenant(options?: NewTenantOptions): Promise<Tenant>;
  /** The emulator's output so far (the last 64 KiB). */
  logs(): string;
  /** Closes the receivers of its `newTenant` tenants, then SIGTERM (SIGKILL after `timeoutMs`, default 10 000). */
  stop(options?: { timeoutMs?: number }): Promise<{ code: number | null; signal: string | null; error?: Error }>;
}
