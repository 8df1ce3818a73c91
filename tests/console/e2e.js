// End-to-end test of the web console as a person uses it: open a chat, act as the human
// agent through the page, see attached files (a thumbnail, a link), and check the emulator's
// own record agrees. Every wait is bounded.
// Usage: node e2e.js <emulator base URL> [screenshot path]
"use strict";
const assert = require("node:assert/strict");
const { chromium } = require("playwright-core");

const base = process.argv[2];
const screenshot = process.argv[3] || "console-e2e.png";
const api = `${base}/apps/api/v1`;
const auth = "Basic " + Buffer.from("console-e2e:token").toString("base64");

async function apps(method, path, body) {
  const response = await fetch(api + path, {
    method,
    headers: { Authorization: auth, "Content-Type": "application/json" },
    body: body && JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  return response.json();
}

async function admin(path) {
  const response = await fetch(`${base}/__admin${path}`);
  assert.ok(response.ok, `GET ${path}: ${response.status}`);
  return response.json();
}

(async () => {
  const user = await apps("POST", "/end_users", { identifier: "console-e2e-user" });
  const chat = await apps("POST", "/chats", { end_user_id: user.id });
  await admin(`/chats/${chat.id}?routing_state=assigned&wait=10s`);
  await apps("POST", `/chats/${chat.id}/message`, { from_user_id: user.id, message: { type: "text", content: "hello from the e2e test" } });

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
  });
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(10_000);
    page.on("pageerror", error => errors.push(error.message));
    await page.goto(`${base}/`);
    // The root redirects to the console; the chat is listed under its tenant.
    await page.click(`nav button[data-chat="${chat.id}"]`);
    await page.getByText("hello from the e2e test").first().waitFor();
    await page.locator("#status", { hasText: "live" }).waitFor();

    // Act as the human agent through the page.
    await page.fill('[data-field="say"]', "typed in the console");
    await page.click('[data-action="say"]');
    await page.locator('[data-view="agent"]').getByText("typed in the console").waitFor();
    await page.selectOption('[data-field="vta"]', "one_time_code");
    await page.click('[data-action="transfer"]');
    await page.locator('[data-field="state"]', { hasText: "task_virtual_agent" }).waitFor();

    // An end-user answer arrives through the API; the page shows it live, never to the agent.
    await apps("POST", `/chats/${chat.id}/message`, { from_user_id: user.id, message: { type: "text", content: "246810" } });
    await page.locator('[data-view="end_user"]').getByText("has been verified").waitFor();
    const agentColumn = await page.locator('[data-view="agent"]').innerText();
    assert.ok(!agentColumn.includes("246810"), "the agent column never shows the code");
    assert.ok(agentColumn.includes("finished: success"), "the agent column shows the outcome");
    await page.locator('[data-field="deliveries"] tr').first().waitFor();

    // Files the agent attaches: a thumbnail for an image, a link for a document.
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
    const attached = await fetch(`${base}/__admin/chats/${chat.id}/agent/attachments?filename=dot.png`,
      { method: "POST", headers: { "Content-Type": "image/png" }, body: png });
    assert.ok(attached.ok, `attach: ${attached.status}`);
    await apps("POST", `/chats/${chat.id}/message`, { from_user_id: user.id, message: { type: "text", content: "Can I have the manual?" } });
    await page.locator('[data-view="end_user"] a', { hasText: "attachment: user_guide.pdf" }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-view="end_user"] img.thumb')]
      .some(img => img.complete && img.naturalWidth > 0));
    await page.screenshot({ path: screenshot, fullPage: true });

    // Issue 9: a chat routed by its context to the over-capacity billing queue, with a
    // pre-chat transcript: the page shows the deflected escalation and the pre-chat entry.
    const routed = await apps("POST", "/chats", { end_user_id: user.id, context: { value: { department: "billing" } },
      transcript: [{ sender: "end_user", timestamp: "2021-03-15 12:00:00Z", content: [{ type: "text", text: "asked before the chat" }] }] });
    await page.click(`nav button[data-chat="${routed.id}"]`);
    await page.locator('[data-field="escalations"]', { hasText: "over_capacity" }).waitFor();
    await page.locator('[data-field="escalations"]', { hasText: "deflecting" }).waitFor();
    await page.locator('[data-view="agent"] .pre_chat', { hasText: "asked before the chat" }).waitFor();
    await page.selectOption('select[data-queue="billing"]', "available");
    await page.locator('[data-field="queues"] select[data-queue="billing"]').waitFor();
    const queues = await admin("/tenants/console-e2e/queues");
    assert.equal(queues.queues.find(queue => queue.id === "billing").availability, "available", "the page set the availability");
  } finally {
    await browser.close();
  }
  assert.deepEqual(errors, [], "no script errors on the page");

  const record = await admin(`/chats/${chat.id}`);
  const texts = record.messages.map(message => message.body.text);
  assert.ok(texts.includes("typed in the console"), "the emulator stored the console's message");
  assert.equal(record.routing_state, "assigned", "the VTA handed back");
  console.log(`console e2e passed: chat ${chat.id}, ${record.messages.length} messages; screenshot ${screenshot}`);
})().catch(error => {
  console.error("console e2e FAILED:", error.message);
  process.exit(1);
});
