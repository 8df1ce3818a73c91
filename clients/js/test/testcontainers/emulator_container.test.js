// ccai-emulator/testcontainers against a real image through a Docker API: .ci/run builds the
// image locally (no registry), serves podman's Docker-compatible socket, installs
// `testcontainers` next to the packed package and sets CCAI_EMULATOR_IMAGE and DOCKER_HOST.
// Not among test/*.test.js: it needs that engine, that image and that peer dependency.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startWebhookReceiver } from "ccai-emulator";
import { CcaiEmulatorContainer } from "ccai-emulator/testcontainers";
import { repositoryFile } from "../support.js";

describe("CcaiEmulatorContainer", () => {
  it("loads fixtures and seeds, and sends a tenant's signed webhooks to a receiver on the host", async () => {
    const container = await new CcaiEmulatorContainer()
      .withFixtures(repositoryFile("fixtures").pathname)
      .withSeed("copy", repositoryFile("fixtures/seeds/demo.json").pathname)
      .start();
    let receiver;
    try {
      assert.equal((await container.admin.health()).status, "ok");
      assert.equal(container.apiUrl, `${container.url}/apps/api/v1`);
      assert.equal((await container.admin.fixtures()).source, "/fixtures");
      assert.equal((await container.apps("demo").findEndUser({ identifier: "demo-customer" })).id, 1001);
      const copied = await container.admin.exportSnapshot("copy");
      assert.deepEqual(copied.end_users.map(user => user.identifier), ["demo-customer"]);

      receiver = await startWebhookReceiver({ secrets: ["container-secret"], host: await container.hostAddress() });
      const url = await container.pointWebhooksAt(receiver, "acme", "container-secret");
      assert.equal((await container.admin.webhook("acme")).webhook.url, url);
      const apps = container.apps("acme");
      const endUser = await apps.upsertEndUser({ identifier: "customer-42" });
      const chat = await apps.createChat({ endUserId: endUser.id });
      await container.admin.waitForChat(chat.id, { state: "assigned" });
      await apps.sendText(chat.id, endUser.id, "I need to verify my account");
      const question = await receiver.waitForWebhook({ chatId: chat.id, predicate: event => event.body.server_message, timeoutMs: 15_000 });
      // The receiver records only requests whose X-Signature it verified with its secret.
      assert.match(String(question.headers["x-signature"]), /^primary=/);
      assert.equal(question.body.sender.type, "task_virtual_agent");
    } finally {
      await receiver?.close();
      await container.stop();
    }
  });

  it("refuses a loopback receiver, and requires and sends an admin token", async () => {
    const container = await new CcaiEmulatorContainer().withAdminToken("container-admin").start();
    try {
      await assert.rejects(container.pointWebhooksAt("http://127.0.0.1:9000/", "acme", "secret"), /container's own loopback/);
      assert.equal((await fetch(`${container.adminUrl}/tenants`)).status, 401);
      assert.ok(Array.isArray((await container.admin.tenants()).tenants));
    } finally {
      await container.stop();
    }
  });
});
