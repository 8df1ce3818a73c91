// ccai-emulator/testcontainers: the emulator's container image as a Testcontainers container.
// `testcontainers` is an optional peer dependency: install it next to this package
// (`npm install --save-dev testcontainers`); nothing else of this package needs it.
//
// start() resolves once the health check's probe (GET /__admin/health answering
// {"status":"ok"}, what the image's HEALTHCHECK runs) answers through the mapped port. It
// waits on that request rather than on the engine's health status because Docker runs the
// HEALTHCHECK only every 5 s, and podman without systemd never runs it by itself.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { AbstractStartedContainer, GenericContainer, Wait, getContainerRuntimeClient } from "testcontainers";
import { AdminClient } from "./admin.js";
import { AppsClient } from "./apps.js";

export const PORT = 8080;
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** `$CCAI_EMULATOR_IMAGE`, else the image the release workflow publishes for this version. */
export function defaultImage() {
  return process.env.CCAI_EMULATOR_IMAGE || `ghcr.io/ccai-emulator/ccai-emulator:${version}`;
}

export class CcaiEmulatorContainer extends GenericContainer {
  /**
   * Tests want the simulated agent at once and a quick stop, so the agent joins with no delay
   * and SIGTERM drains webhooks for at most a second (`withEnvironment` overrides either).
   */
  constructor(image = defaultImage()) {
    super(image);
    this.seeds = [];
    this.adminToken = undefined;
    this.withExposedPorts(PORT)
      .withEnvironment({ CCAI_EMU_AGENT_JOIN_DELAY: "0", CCAI_EMU_SHUTDOWN_GRACE: "1s" })
      .withStartupTimeout(60_000);
    this.useHealthProbe();
  }

  /** Requires this bearer token on /__admin; the admin client and the start-up probe send it. */
  withAdminToken(token) {
    this.adminToken = token;
    this.withEnvironment({ CCAI_EMU_ADMIN_TOKEN: token });
    this.useHealthProbe();
    return this;
  }

  /**
   * Mounts a fixture folder (read-only) as the emulator's fixtures: its agent script, VTAs,
   * data tables, and the seeds in its `seeds/<tenant>.json`, loaded at start-up.
   */
  withFixtures(folder) {
    const source = resolve(folder);
    try {
      readFileSync(resolve(source, "contact_center.json"));
    } catch {
      throw new Error(`${source} is not a fixture folder (no contact_center.json)`);
    }
    this.withBindMounts([{ source, target: "/fixtures", mode: "ro" }]);
    this.withEnvironment({ CCAI_EMU_FIXTURES: "/fixtures" });
    return this;
  }

  /**
   * Loads a snapshot (an object, or the path of a JSON file: the format of `seeds/*.json` and
   * `GET /__admin/tenants/{tenant}/snapshot`) into `tenant` once the container is up.
   */
  withSeed(tenant, snapshot) {
    const document = typeof snapshot === "string" ? JSON.parse(readFileSync(snapshot, "utf8")) : snapshot;
    this.seeds.push({ tenant, snapshot: document });
    return this;
  }

  /** @returns {Promise<StartedCcaiEmulatorContainer>} */
  async start() {
    const started = new StartedCcaiEmulatorContainer(await super.start(), this.adminToken);
    try {
      for (const { tenant, snapshot } of this.seeds) await started.admin.importSnapshot(tenant, snapshot);
    } catch (error) {
      await started.stop();
      throw error;
    }
    return started;
  }

  useHealthProbe() {
    const headers = this.adminToken ? { Authorization: `Bearer ${this.adminToken}` } : {};
    this.withWaitStrategy(
      Wait.forHttp("/__admin/health", PORT)
        .withHeaders(headers)
        .forResponsePredicate(body => {
          try {
            return JSON.parse(body).status === "ok";
          } catch {
            return false;
          }
        }),
    );
  }
}

export class StartedCcaiEmulatorContainer extends AbstractStartedContainer {
  constructor(startedTestContainer, adminToken) {
    super(startedTestContainer);
    /** The emulator's root on the host, e.g. `http://localhost:32771`. */
    this.url = `http://${this.getHost()}:${this.getMappedPort(PORT)}`;
    /** The Apps API: what your backend calls (Basic auth: tenant subdomain, any token). */
    this.apiUrl = `${this.url}/apps/api/v1`;
    /** The control plane; the web console is at `${adminUrl}/console`. */
    this.adminUrl = `${this.url}/__admin`;
    this.admin = new AdminClient({ baseUrl: this.url, adminToken });
  }

  /** The Apps API as `subdomain` (a tenant, created on first use in the default `open` auth mode). */
  apps(subdomain, token = "any-token") {
    return new AppsClient({ baseUrl: this.url, subdomain, token });
  }

  /**
   * An address of the host that the container reaches: the gateway of its network (on Linux,
   * a host interface). Start a receiver there: `startWebhookReceiver({ host })`. Docker Desktop
   * (macOS, Windows) routes no gateway to the host: use `host.docker.internal` there, with a
   * receiver on `0.0.0.0`.
   */
  async hostAddress() {
    const client = await getContainerRuntimeClient();
    const info = await client.container.inspect(client.container.getById(this.getId()));
    const settings = info.NetworkSettings || {};
    const gateway = [...Object.values(settings.Networks || {}).map(network => network.Gateway), settings.Gateway].find(Boolean);
    if (!gateway) throw new Error(`the container's networks name no gateway: ${JSON.stringify(settings)}`);
    return gateway;
  }

  /**
   * Points `tenant`'s webhooks at a receiver on the host: a WebhookReceiver (started on
   * `hostAddress()`) or any URL of the host as the container sees it. Resolves with the URL.
   */
  async pointWebhooksAt(receiver, tenant, primarySecret, secondarySecret) {
    const url = typeof receiver === "string" ? receiver : receiver.url;
    const host = new URL(url).hostname;
    if (["127.0.0.1", "localhost", "[::1]"].includes(host)) {
      throw new Error(`${url} is the container's own loopback, not the host's: start the receiver on hostAddress() (${await this.hostAddress()})`);
    }
    await this.admin.setWebhook(tenant, { url, primarySecret, secondarySecret });
    return url;
  }
}
