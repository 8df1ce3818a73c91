// End-to-end test of the web console as a person uses it: open a chat, act as the human
// agent and as the end user through the page, switch chats by editing `#chat=` in the URL,
// see attached files (a thumbnail, a link) and a chat's
// escalations, and check the emulator's own record agrees. Every wait is bounded.
// Usage: node e2e.js <emulator URL> <emulator URL, --auth strict --tenant console-strict:strict-token> [screenshot]
"use strict";
const assert = require("node:assert/strict");
const http = require("node:http");
const { chromium } = require("playwright-core");

const [base, strictBase] = process.argv.slice(2, 4);
assert.ok(base && strictBase, "usage: node e2e.js <emulator URL> <strict-auth emulator URL> [screenshot]");
const screenshot = process.argv[4] || "console-e2e.png";
const chromiumOptions = {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
};

// A tenant of the Apps API, as a consumer's backend uses it.
function tenant(name, token = "token", at = base) {
  const auth = "Basic " + Buffer.from(`${name}:${token}`).toString("base64");
  return async (method, path, body) => {
    const response = await fetch(`${at}/apps/api/v1${path}`, {
      method,
      headers: { Authorization: auth, "Content-Type": "application/json" },
      body: body && JSON.stringify(body),
    });
    assert.ok(response.ok, `${name}: ${method} ${path}: ${response.status}`);
    return response.json();
  };
}

async function admin(method, path, body, at = base) {
  const response = await fetch(`${at}/__admin${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body && JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  return response.json();
}

async function openChat(api, identifier, firstWords, at = base) {
  const user = await api("POST", "/end_users", { identifier });
  const chat = await api("POST", "/chats", { end_user_id: user.id });
  await admin("GET", `/chats/${chat.id}?routing_state=assigned&wait=10s`, undefined, at);
  await api("POST", `/chats/${chat.id}/message`, { from_user_id: user.id, message: { type: "text", content: firstWords } });
  return { chat: chat.id, user: user.id };
}

// A webhook receiver for the second tenant, so its deliveries are real and answered 204.
async function startReceiver() {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => { response.writeHead(204); response.end(); });
  });
  await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));
  return server;
}

const texts = record => record.messages.map(message => message.body.text);

// The controls of the chat's action rows, and whether each is disabled now.
const CONTROLS = ['[data-field="say"]', '[data-field="vta"]', '[data-action="transfer"]', '[data-action="dismiss"]',
  '[data-action="end"]', '[data-field="user-say"]', '[data-action="say"]', '[data-action="user-say"]'];
async function disabledControls(page) {
  return page.evaluate(selectors => selectors.filter(selector => document.querySelector(selector).disabled), CONTROLS);
}

// Issue 25: a chat the page dismisses and then ends. While dismissed, the agent's actions
// that need an agent and Dismiss are disabled, End is not; once finished, the header names
// the agent the chat had (never "no agent yet") and every action is disabled.
async function dismissAndEndInThePage(page) {
  const chat = await openChat(tenant("console-e2e-b"), "ending-user", "hello before the end");
  await page.evaluate(id => { location.hash = `#chat=${id}`; }, chat.chat);
  await page.waitForSelector(`html[data-loaded="${chat.chat}"]`);
  assert.match(await page.locator('[data-field="people"]').innerText(), /agent Alex Rivera/);
  assert.deepEqual(await disabledControls(page), ['[data-action="say"]', '[data-action="user-say"]'],
    "with an agent in the chat, only the blank sends are disabled");

  await page.click('[data-action="dismiss"]');
  await page.locator('[data-field="people"]', { hasText: "dismissed: no agent until the end user writes again" }).waitFor();
  assert.deepEqual(await disabledControls(page),
    ['[data-field="say"]', '[data-field="vta"]', '[data-action="transfer"]', '[data-action="dismiss"]', '[data-action="say"]', '[data-action="user-say"]'],
    "a dismissed chat has no agent to act and cannot be dismissed again; it can be ended");
  assert.equal(await page.locator('[data-action="dismiss"]').getAttribute("title"), "the chat is already dismissed");

  await page.click('[data-action="end"]');
  await page.locator('[data-field="state"]', { hasText: "finished" }).waitFor();
  const header = await page.locator('[data-field="people"]').innerText();
  assert.match(header, /^status finished · ended \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · agent was Alex Rivera$/);
  assert.deepEqual(await disabledControls(page), CONTROLS, "a finished chat takes no action");
  assert.equal(await page.locator('[data-action="end"]').getAttribute("title"), "the chat has ended");
  await page.evaluate(() => {
    const input = document.querySelector('[data-field="say"]');
    input.value = "too late";
    input.dispatchEvent(new Event("input"));
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
  });
  assert.ok(await page.locator('[data-action="say"]').isDisabled(), "text in the field does not enable Send on a finished chat");
  const record = await admin("GET", `/chats/${chat.chat}`);
  assert.equal(record.status, "finished");
  assert.ok(!texts(record).includes("too late"));
}

// Issue 25: a screenshot of `#chat=N` taken as docs/control-plane.md says (open the URL, wait
// for `html[data-loaded="N"]`, capture) shows the chat whole: at that moment, with no other
// wait, the header, the messages, the disabled actions and every delivery the journal held
// before the page opened are on the page.
async function screenshotOfAFinishedChat(browser, errors) {
  const api = tenant("console-e2e-b");
  const chat = await openChat(api, "finished-user", "please end this chat");
  await api("PATCH", `/chats/${chat.chat}`, { status: "finished" });
  const journal = await admin("GET", `/webhooks/deliveries?chat_id=${chat.chat}&status=delivered&min_count=2&wait=10s`);
  const before = (await admin("GET", `/webhooks/deliveries?chat_id=${chat.chat}`)).deliveries.length;
  assert.ok(journal.deliveries.length >= 2 && before >= journal.deliveries.length);

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(10_000);
  page.on("pageerror", error => errors.push(error.message));
  await page.goto(`${base}/__admin/console#chat=${chat.chat}`);
  await page.waitForSelector(`html[data-loaded="${chat.chat}"]`);
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-finished.png"), fullPage: true });
  const shown = await page.evaluate(() => ({
    title: document.querySelector('[data-field="title"]').textContent,
    people: document.querySelector('[data-field="people"]').textContent,
    messages: document.querySelector('[data-view="all"]').textContent,
    deliveries: document.querySelectorAll('[data-field="deliveries"] tr').length,
  }));
  assert.match(shown.title, new RegExp(`^Chat #${chat.chat} `));
  assert.match(shown.people, /^status finished · ended .* UTC · agent was Alex Rivera$/);
  assert.ok(shown.messages.includes("please end this chat"), "the messages are on the page when it says it has loaded");
  assert.ok(shown.deliveries >= before, `${shown.deliveries} delivery rows shown, the journal had ${before}`);
  assert.deepEqual(await disabledControls(page), CONTROLS, "a finished chat opened by its URL takes no action");

  // Picking no chat: the page says so once the list is there.
  await page.evaluate(() => { location.hash = ""; });
  await page.waitForSelector('html[data-loaded="none"]');
  await page.close();
}

// With `--auth strict` the console cannot guess a tenant's API token: its first try is a 401
// (shown as a question, not held by the browser for a login prompt), then it uses the token
// the person enters.
async function strictAuthAsksForTheTenantToken() {
  const api = tenant("console-strict", "strict-token", strictBase);
  const strict = await openChat(api, "strict-user", "hello under strict auth", strictBase);
  const browser = await chromium.launch(chromiumOptions);
  const failed = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on("pageerror", error => failed.push(error.message));
    page.on("response", response => { if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`); });
    await page.goto(`${strictBase}/__admin/console#chat=${strict.chat}`);
    await page.locator('[data-view="all"]').getByText("hello under strict auth").waitFor();
    await page.fill('[data-field="user-say"]', "with the right token");
    await page.click('[data-action="user-say"]');
    await page.locator("#error", { hasText: "tenant console-strict needs its API token" }).waitFor();
    await page.fill('[data-field="api-token"]', "strict-token");
    await page.click('[data-action="user-say"]');
    await page.locator('[data-view="agent"]').getByText("with the right token").waitFor();
    assert.equal(await page.locator("#error").innerText(), "", "the error is cleared once it went through");
  } finally {
    await browser.close();
  }
  assert.deepEqual(failed, [`401 /apps/api/v1/chats/${strict.chat}/message`], "one 401, before the token was given");
  const record = await admin("GET", `/chats/${strict.chat}`, undefined, strictBase);
  assert.equal(record.messages.filter(message => message.body.text === "with the right token").length, 1);
}

(async () => {
  const first = await openChat(tenant("console-e2e"), "console-e2e-user", "hello from the e2e test");
  const receiver = await startReceiver();
  await admin("PUT", "/tenants/console-e2e-b/webhook",
    { url: `http://127.0.0.1:${receiver.address().port}/webhooks`, primary_secret: "e2e-secret" });
  const second = await openChat(tenant("console-e2e-b"), "second-user", "hello from the second chat");

  // The browser asks for no icon by itself here, so check both addresses answer.
  for (const path of ["/favicon.ico", "/__admin/console/favicon.svg"]) {
    const icon = await fetch(base + path);
    assert.equal(icon.status, 200, `${path} answers 200`);
    assert.equal(icon.headers.get("content-type"), "image/svg+xml");
  }

  const browser = await chromium.launch(chromiumOptions);
  const errors = [];
  const sent = []; // every POST the page makes, in order: "path body"
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    page.setDefaultTimeout(10_000);
    page.on("pageerror", error => errors.push(error.message));
    page.on("console", message => { if (message.type() === "error") errors.push(message.text()); });
    page.on("response", response => { if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`); });
    page.on("request", request => {
      if (request.method() === "POST") sent.push(`${new URL(request.url()).pathname} ${request.postData()}`);
    });
    await page.goto(`${base}/`);
    // The root redirects to the console; the chat is listed under its tenant.
    await page.click(`nav button[data-chat="${first.chat}"]`);
    await page.getByText("hello from the e2e test").first().waitFor();
    await page.locator("#status", { hasText: "live" }).waitFor();
    assert.equal(new URL(page.url()).hash, `#chat=${first.chat}`);
    const iconStatus = await page.evaluate(() => fetch(document.querySelector('link[rel="icon"]').href).then(r => r.status));
    assert.equal(iconStatus, 200, "the icon the page links answers 200");

    // Blank input is never sent: Send stays disabled and Enter does nothing. The real message
    // typed next is the first POST after that point, so an empty send would show up before it.
    const mark = sent.length;
    await page.fill('[data-field="say"]', "   ");
    assert.ok(await page.locator('[data-action="say"]').isDisabled(), "Send is disabled for blank input");
    await page.press('[data-field="say"]', "Enter");
    await page.fill('[data-field="user-say"]', "");
    await page.press('[data-field="user-say"]', "Enter");
    assert.ok(await page.locator('[data-action="user-say"]').isDisabled(), "Send as end user is disabled for empty input");

    // Act as the human agent through the page.
    await page.fill('[data-field="say"]', "typed in the console");
    await page.click('[data-action="say"]');
    await page.locator('[data-view="agent"]').getByText("typed in the console").waitFor();
    assert.deepEqual(sent.slice(mark), [`/__admin/chats/${first.chat}/agent/messages {"text":"typed in the console"}`],
      "the blank inputs never reached the server");
    await page.selectOption('[data-field="vta"]', "one_time_code");
    await page.click('[data-action="transfer"]');
    await page.locator('[data-field="state"]', { hasText: "task_virtual_agent" }).waitFor();

    // An end-user answer arrives through the API; the page shows it live, never to the agent.
    await tenant("console-e2e")("POST", `/chats/${first.chat}/message`, { from_user_id: first.user, message: { type: "text", content: "246810" } });
    await page.locator('[data-view="end_user"]').getByText("has been verified").waitFor();
    // The two columns render from separate events: wait for the agent's too.
    await page.locator('[data-view="agent"]').getByText("finished: success").waitFor();
    const agentColumn = await page.locator('[data-view="agent"]').innerText();
    assert.ok(!agentColumn.includes("246810"), "the agent column never shows the code");
    assert.ok(agentColumn.includes("finished: success"), "the agent column shows the outcome");

    // A person edits `#chat=` in the URL: the view and every action follow.
    await page.evaluate(id => { location.hash = `#chat=${id}`; }, second.chat);
    await page.locator('[data-field="title"]', { hasText: `Chat #${second.chat} ` }).waitFor();
    await page.locator('[data-view="all"]').getByText("hello from the second chat").waitFor();
    assert.ok(!(await page.locator('[data-view="all"]').innerText()).includes("hello from the e2e test"),
      "the first chat's messages are gone from the view");
    assert.equal(await page.locator("nav button.active").getAttribute("data-chat"), String(second.chat));
    await page.fill('[data-field="say"]', "meant for the second chat");
    await page.click('[data-action="say"]');
    await page.locator('[data-view="agent"]').getByText("meant for the second chat").waitFor();

    // Speak as the second chat's end user: the page calls the Apps API as that tenant.
    await page.fill('[data-field="user-say"]', "typed as the end user");
    await page.click('[data-action="user-say"]');
    await page.locator('[data-view="end_user"]').getByText("typed as the end user").waitFor();
    await page.locator('[data-view="agent"]').getByText("typed as the end user").waitFor();

    // Its webhook delivery shows its time, event and a preview; a click shows the whole payload.
    const row = page.locator('[data-field="deliveries"] tr', { hasText: "end_user: typed as the end user" });
    await row.locator("td", { hasText: "delivered" }).waitFor();
    assert.match(await row.locator("td.time").innerText(), /^\d\d:\d\d:\d\d\.\d{3}$/);
    assert.equal(await row.locator("td").nth(1).innerText(), "message_received");
    await row.locator("summary").click();
    const payload = JSON.parse(await row.locator("pre").innerText());
    assert.equal(payload.chat_id, second.chat);
    assert.equal(payload.body.sender.id, second.user);
    await page.screenshot({ path: screenshot, fullPage: true });

    // Back in the browser's history: the first chat again.
    await page.goBack();
    await page.locator('[data-field="title"]', { hasText: `Chat #${first.chat} ` }).waitFor();

    // Files the agent attaches: a thumbnail for an image, a link for a document.
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
    const attached = await fetch(`${base}/__admin/chats/${first.chat}/agent/attachments?filename=dot.png`,
      { method: "POST", headers: { "Content-Type": "image/png" }, body: png });
    assert.ok(attached.ok, `attach: ${attached.status}`);
    await tenant("console-e2e")("POST", `/chats/${first.chat}/message`, { from_user_id: first.user, message: { type: "text", content: "Can I have the manual?" } });
    await page.locator('[data-view="end_user"] a', { hasText: "attachment: user_guide.pdf" }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-view="end_user"] img.thumb')]
      .some(img => img.complete && img.naturalWidth > 0));
    await page.screenshot({ path: screenshot.replace(/\.png$/, "-media.png"), fullPage: true });

    // Issue 9: a chat routed by its context to the over-capacity billing queue, with a
    // pre-chat transcript: the page shows the deflected escalation and the pre-chat entry.
    const routed = await tenant("console-e2e")("POST", "/chats", { end_user_id: first.user, context: { value: { department: "billing" } },
      transcript: [{ sender: "end_user", timestamp: "2021-03-15 12:00:00Z", content: [{ type: "text", text: "asked before the chat" }] }] });
    await page.click(`nav button[data-chat="${routed.id}"]`);
    await page.locator('[data-field="escalations"]', { hasText: "over_capacity" }).waitFor();
    await page.locator('[data-field="escalations"]', { hasText: "deflecting" }).waitFor();
    await page.locator('[data-view="agent"] .pre_chat', { hasText: "asked before the chat" }).waitFor();
    await page.selectOption('select[data-queue="billing"]', "available");
    await page.locator('[data-field="queues"] select[data-queue="billing"]').waitFor();
    const queues = await admin("GET", "/tenants/console-e2e/queues");
    assert.equal(queues.queues.find(queue => queue.id === "billing").availability, "available", "the page set the availability");

    await dismissAndEndInThePage(page);
    await screenshotOfAFinishedChat(browser, errors);
  } finally {
    await browser.close();
    receiver.close();
  }
  assert.deepEqual(errors, [], "no script errors, console errors or failed requests on the page");

  const firstRecord = await admin("GET", `/chats/${first.chat}`);
  assert.ok(texts(firstRecord).includes("typed in the console"), "the emulator stored the console's message");
  assert.ok(!texts(firstRecord).includes("meant for the second chat"), "nothing typed for the second chat went to the first");
  assert.ok(!texts(firstRecord).some(text => typeof text === "string" && text.trim() === ""), "no blank message was stored");
  assert.equal(firstRecord.routing_state, "assigned", "the VTA handed back");

  const secondRecord = await admin("GET", `/chats/${second.chat}`);
  assert.ok(texts(secondRecord).includes("meant for the second chat"), "the agent's message went to the chat in the URL");
  const spoken = secondRecord.messages.find(message => message.body.text === "typed as the end user");
  assert.deepEqual(spoken.sender, { id: second.user, type: "end_user" }, "spoken as the chat's own end user");
  const journal = await admin("GET", `/requests?tenant=console-e2e-b&method=POST&path=/apps/api/v1/chats/${second.chat}/message`);
  assert.equal(journal.count, 2, "the test's message and the console's, both through the Apps API");

  await strictAuthAsksForTheTenantToken();
  console.log(`console e2e passed: chats ${first.chat} and ${second.chat}, and one under strict auth; screenshot ${screenshot}`);
})().catch(error => {
  console.error("console e2e FAILED:", error.message);
  process.exit(1);
});
