// ccai-emulator/testcontainers: hand-written declarations for testcontainers.js beside them.
// Needs the optional peer dependency `testcontainers` (npm install --save-dev testcontainers).

import { AbstractStartedContainer, GenericContainer, type StartedTestContainer } from "testcontainers";
import type { AdminClient } from "./admin.js";
import type { AppsClient } from "./apps.js";
import type { WebhookReceiver } from "./receiver.js";

/** The container port the emulator listens on. */
export const PORT: 8080;

/** `$CCAI_EMULATOR_IMAGE`, else the image the release workflow publishes for this version. */
export function defaultImage(): string;

export class CcaiEmulatorContainer extends GenericContainer {
  constructor(image?: string);
  /** Requires this bearer token on /__admin; the admin client and the start-up probe send it. */
  withAdminToken(token: string): this;
  /** Mounts a fixture folder read-only as the emulator's fixtures (its seeds/ load at start-up). */
  withFixtures(folder: string): this;
  /** Loads a snapshot (an object, or a JSON file's path) into `tenant` once the container is up. */
  withSeed(tenant: string, snapshot: object | string): this;
  start(): Promise<StartedCcaiEmulatorContainer>;
}

export class StartedCcaiEmulatorContainer extends AbstractStartedContainer {
  constructor(startedTestContainer: StartedTestContainer, adminToken?: string);
  /** The emulator's root on the host, e.g. `http://localhost:32771`. */
  readonly url: string;
  /** The Apps API (Basic auth: tenant subdomain, any token in `open` mode). */
  readonly apiUrl: string;
  /** The control plane; the web console is at `${adminUrl}/console`. */
  readonly adminUrl: string;
  readonly admin: AdminClient;
  apps(subdomain: string, token?: string): AppsClient;
  /** An address of the host the container reaches (its network's gateway). */
  hostAddress(): Promise<string>;
  /** Points `tenant`'s webhooks at a receiver on the host; resolves with the URL. */
  pointWebhooksAt(receiver: WebhookReceiver | string, tenant: string, primarySecret: string, secondarySecret?: string): Promise<string>;
}
