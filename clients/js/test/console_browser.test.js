// A Playwright-style flow: playwright-core drives Debian's Chromium on the emulator's web
// console while the test uses this package's client and `waitForWebhook` to check what the
// page caused: the console's agent "Send" becomes a signed message_received webhook, its
// "Transfer to VTA" hands the chat to the VTA, and "End chat" ends it. Skipped (with a
// message) only when Chromium is not installed.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import { startTestEmulator } from "./support.js";

const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const skip = existsSync(chromiumPath) ? false : `Chromium not found at ${chromiumPath} (apt-get install chromium, or set CHROMIUM)`;

describe("the web console, driven in Chromium, checked through the client", { skip }, () => {
  let emulator;
  let tenant;
  let browser;
  before(async () => {
    // From the dev tools (npm ci --prefix dev), not a dependency of the package.
    const devTools = createRequire(new URL("../dev/package.json", import.meta.url));
    const { chromium } = devTools("playwright-core");
    emulator = await startTestEmulator({ agentJoinDelay: "0" });
    tenant = await emulator.newTenant({ prefix: "console" });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
    });
  });
  after(async () => {
    await browser?.close();
    await tenant?.close();
    await emulator?.stop();
  });

  it("the agent's Send, Transfer and End in the page become signed webhooks", async () => {
    const { endUser, chat } = await tenant.startChat({ identifier: "browser-user" });
    await tenant.waitForChat(chat.id, { state: "assigned" });
    await tenant.apps.sendText(chat.id, endUser.id, "hello from the end user");

    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    const pageErrors = [];
    page.on("pageerror", error => pageErrors.push(error.message));
    await page.goto(emulator.consoleUrl);
    await page.click(`nav button[data-chat="${chat.id}"]`);
    await page.locator('[data-view="all"]').getByText("hello from the end user").waitFor();

    await page.fill('[data-field="say"]', "typed in the console");
    await page.click('[data-action="say"]');
    const said = await tenant.waitForWebhook({
      eventType: "message_received",
      chatId: chat.id,
      predicate: event => event.body.message.content === "typed in the console",
    });
    assert.equal(said.body.sender.type, "agent");
    assert.match(said.headers["x-signature"], /^primary=\S+ secondary=\S+$/);
    assert.equal(said.verifiedWith.part, "primary");

    await page.selectOption('[data-field="vta"]', "one_time_code");
    await page.click('[data-action="transfer"]');
    await tenant.waitForWebhook({ eventType: "virtual_agent_joined", chatId: chat.id });
    await page.locator('[data-field="state"]', { hasText: "task_virtual_agent" }).waitFor();
    await tenant.apps.sendText(chat.id, endUser.id, "975310");
    await page.locator('[data-view="end_user"]').getByText("has been verified").waitFor();
    const agentColumn = await page.locator('[data-view="agent"]').innerText();
    assert.ok(!agentColumn.includes("975310"), "the page's agent column never shows the code");
    await tenant.assertAgentNeverSaw(chat.id, "975310", { waitFor: "finished successfully" });

    await page.click('[data-action="end"]');
    const ended = await tenant.waitForWebhook({ eventType: "chat_ended", chatId: chat.id });
    assert.equal(ended.body.ended_by, "agent");
    assert.equal((await tenant.apps.chat(chat.id)).status, "finished");
    assert.deepEqual(pageErrors, [], "no script errors on the page");
    assert.deepEqual(tenant.receiver.rejected, [], "every webhook verified");
  });
});
