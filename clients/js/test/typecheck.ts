// Compiled by `tsc --noEmit` (test/types.test.js), never run: it uses the public API the way a
// TypeScript test would, through the package's own name, so the hand-written declarations
// in src/*.d.ts are checked for consistency and against misuse (@ts-expect-error lines).

import {
  AdminClient,
  AppsClient,
  EmulatorError,
  StorageError,
  WaitTimeoutError,
  WebhookTimeoutError,
  assertAgentNeverSaw,
  newTenant,
  signatureHeader,
  startEmulator,
  startWebhookReceiver,
  uploadFile,
  verifySignature,
  type AttachmentStored,
  type ChatRecord,
  type Emulator,
  type Escalation,
  type Media,
  type MediaDownload,
  type Tenant,
  type TenantClock,
  type TenantEventSelection,
  type Transcript,
  type WebhookEvent,
} from "ccai-emulator";

/** Marks values as used (no `console` here: the check runs without DOM or Node types). */
function use(..._values: unknown[]): void {}

export async function readmeExample(): Promise<void> {
  const emulator: Emulator = await startEmulator({ agentJoinDelay: "0", env: { CCAI_EMU_WEBHOOK_TIMEOUT: "2s" } });
  const tenant: Tenant = await emulator.newTenant({ prefix: "otp" });
  const { endUser, chat } = await tenant.startChat({ identifier: "customer-42" });
  const record: ChatRecord = await tenant.waitForChat(chat.id, { state: "assigned", timeoutMs: 5_000 });
  const state: string = record.routing_state;
  await tenant.apps.sendText(chat.id, endUser.id, "I need to verify my account");
  const question: WebhookEvent = await tenant.waitForWebhook({
    eventType: "message_received",
    chatId: chat.id,
    predicate: event => event.body.server_message,
  });
  const part: string = question.verifiedWith.part;
  await tenant.apps.sendText(chat.id, endUser.id, "481516", { contentShape: "string" });
  const view: Transcript = await tenant.assertAgentNeverSaw(chat.id, "481516", { waitFor: "finished successfully" });
  const texts: Array<string | undefined> = view.messages.map(message => message.body.text);
  await assertAgentNeverSaw(emulator.admin, chat.id, "481516", { checkFullRecord: false });
  // @ts-expect-error: the content shape is "object" or "string"
  await tenant.apps.sendText(chat.id, endUser.id, "x", { contentShape: "json" });
  // @ts-expect-error: a transcript view is agent, end_user or all
  await emulator.admin.transcript(chat.id, "supervisor");
  const escalation = await tenant.waitForEscalation(chat.id, { status: "deflecting", timeoutMs: 1_000 });
  // @ts-expect-error: an escalation status is escalating, escalated, canceled, deflecting or deflected
  await tenant.waitForEscalation(chat.id, { status: "waiting" });
  use(state, part, texts, escalation.tenant, escalation.deflection_options);
  await tenant.close();
  await emulator.stop();
}

export async function clientsOnTheirOwn(): Promise<void> {
  const admin = new AdminClient({ baseUrl: "http://127.0.0.1:8080", adminToken: "t" });
  const apps = new AppsClient({ baseUrl: "http://127.0.0.1:8080", subdomain: "acme" });
  const user = await apps.upsertEndUser({ identifier: "c", name: "Ann" });
  const chat = await apps.createChat({
    endUserId: user.id,
    context: { plan: "gold" },
    transcript: [{ sender: "end_user", timestamp: "2021-03-15 12:00:00Z", content: [{ type: "text", text: "hi" }] }],
  });
  await apps.authenticateEndUser(chat.id, { identifier: "verified-c" });
  const form = await apps.uploadForm(chat.id, "photo");
  const stored = await uploadFile(form, new Uint8Array([0xff, 0xd8, 0xff]), { filename: "a.jpg" });
  const photos: Media[] = await apps.registerPhotos(chat.id, [stored.s3Path]);
  const video: Media = await apps.uploadMedia(chat.id, "video", new Uint8Array([0, 0, 0, 24]));
  await apps.sendMedia(chat.id, user.id, "photo", photos[0]?.media_id ?? video.media_id);
  // @ts-expect-error: media is a photo or a video
  await apps.uploadForm(chat.id, "audio");
  const attached: AttachmentStored = await admin.attachFile(chat.id, "hello", { filename: "note.txt" });
  const download: MediaDownload = await apps.downloadMedia(chat.id, attached.media_id);
  const bytes: Uint8Array = download.data;
  const escalation: Escalation = await apps.escalate(chat.id, { queueId: "billing" });
  await apps.chooseDeflection(chat.id, escalation.id, "human_agent");
  // @ts-expect-error: email ends the chat, so it goes through endChat
  await apps.chooseDeflection(chat.id, escalation.id, "email");
  await admin.setQueueAvailability("acme", "billing", "available");
  // @ts-expect-error: availability is available, over_capacity or after_hours
  await admin.setQueueAvailability("acme", "billing", "open");
  const deflecting = await admin.waitForEscalations({ tenant: "acme", chatId: chat.id, status: "deflecting" });
  const queueIds: string[] = (await admin.queues("acme")).queues.map(queue => queue.id);
  await apps.endChat(chat.id, { escalationId: escalation.id, deflectionChannel: "email" });
  use(bytes, deflecting.escalations[0]?.tenant, queueIds);
  await admin.agentSay(chat.id, "hello");
  await admin.agentTransfer(chat.id, "one_time_code");
  const deliveries = await admin.waitForDeliveries({ chatId: chat.id, eventType: "message_received", minCount: 2 });
  const firstId: string | undefined = deliveries.deliveries[0]?.id;
  if (firstId) await admin.redeliver(firstId);
  await admin.setWebhook("acme", { url: "http://127.0.0.1:9/", primarySecret: "p", secondarySecret: "s" });
  await admin.rotateWebhook("acme");
  await apps.endChat(chat.id);
  try {
    await apps.resumeChat(chat.id);
  } catch (error) {
    if (error instanceof WaitTimeoutError) use(error.lastSeen, error.waitedMs, error.explanation?.status);
    else if (error instanceof StorageError) use(error.code, error.body.length);
    else if (error instanceof EmulatorError) use(error.status, error.serverMessage);
  }
  const tenant = await newTenant("http://127.0.0.1:8080");
  const clock: TenantClock = await tenant.advanceClock("11m");
  use(clock.offset_ms, clock.real_time, clock.pending_timers, (await tenant.clock()).now);
  await tenant.advanceClock(60_000);
  await tenant.resetClock();
  const selection: TenantEventSelection = await tenant.admin.setTenantWebhookEvents(tenant.subdomain, ["chat_created"]);
  use(selection.selection, (await tenant.admin.tenantWebhookEvents(tenant.subdomain)).events);
  await tenant.admin.clearTenantWebhookEvents(tenant.subdomain);
  await tenant.admin.advanceClock(tenant.subdomain, "90s");
  use((await tenant.admin.clock(tenant.subdomain)).tenant);
  await tenant.admin.resetClock(tenant.subdomain);
  await tenant.close({ reset: false });
}

export async function receiverOnItsOwn(): Promise<void> {
  const receiver = await startWebhookReceiver({ secrets: ["a", null], maxAgeSeconds: 300 });
  const header: string = signatureHeader({ primarySecret: "a", timestamp: "1700000000", body: "{}" });
  const result = verifySignature({ header, timestamp: "1700000000", body: "{}", secrets: ["a"] });
  if (result.ok) use(result.secretIndex);
  else use(result.reason);
  receiver.failNext(1);
  receiver.failNext(2, 503);
  const accepted: WebhookEvent = await receiver.waitForWebhook({ accepted: true });
  use(accepted.status, accepted.accepted);
  await receiver.waitForWebhooks({ accepted: null, duplicates: true, count: 2 });
  try {
    const events: WebhookEvent[] = await receiver.waitForWebhooks({ eventType: "chat_created", count: 2, timeoutMs: 100 });
    use(events.length);
  } catch (error) {
    if (error instanceof WebhookTimeoutError) use(error.received.length, error.rejected.length);
  }
  await receiver.close();
}

export async function newSurface(apps: AppsClient, admin: AdminClient, tenant: string): Promise<void> {
  const waits = await apps.waitTimes({ lang: "en", channelType: "chat", waitFrom: 1 });
  const minutes: number = waits[0].wait;
  const seconds: number | undefined = waits[0].chat;
  const chat = await apps.createChat({
    endUserId: 1,
    customData: { reserved_verified_customer: { label: "Verified Customer", value: true, type: "boolean" } },
    transcript: [{ sender: "virtual_agent", timestamp: "2021-03-15 12:00:00Z", content: [{ type: "text", text: "hi" }] }],
  });
  const sent = await apps.sendCustomData(chat.id, { plan: { label: "Plan", value: "gold" } });
  const view: Transcript = await admin.transcript(chat.id, "agent");
  const flags: string[] = (view.user_profile_flags ?? []).map(flag => flag.flag);
  const dismissed: ChatRecord = await admin.dismissChat(chat.id, { force: true });
  const shape = await admin.setMessageContentShape(tenant, "object");
  const queue = await admin.setWaitTime(tenant, "general", { chat: 600 });
  // @ts-expect-error: the shape is "string" or "object"
  await admin.setMessageContentShape(tenant, "text");
  // @ts-expect-error: lang is required
  await apps.waitTimes({ channelType: "chat" });
  use(minutes, seconds, sent.custom_data, flags, dismissed.status, shape.source, queue.wait_time);
}
