import { test } from "node:test";
import { startEmulator } from "ccai-emulator";

test("the human agent never sees the one-time code", async () => {
  const emulator = await startEmulator(); // the binary npm installed, on 127.0.0.1, a free port
  const tenant = await emulator.newTenant(); // own subdomain; webhook -> a verifying receiver
  const { endUser, chat } = await tenant.startChat({ identifier: "customer-42" });
  await tenant.waitForChat(chat.id, { state: "assigned" }); // long-poll: the agent joined
  await tenant.apps.sendText(chat.id, endUser.id, "I need to verify my account");
  await tenant.waitForWebhook({ chatId: chat.id, predicate: event => event.body.server_message });
  await tenant.apps.sendText(chat.id, endUser.id, "481516");
  await tenant.assertAgentNeverSaw(chat.id, "481516", { waitFor: "finished successfully" });
  await emulator.stop(); // also closes the tenant's receiver
});
