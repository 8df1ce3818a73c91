// Shared by the tests that need the real binary: start it from $CCAI_EMULATOR_BIN (or PATH).
// A missing binary fails the tests (it is never a skip), so CI cannot pass without running them.

import { pathToFileURL } from "node:url";
import { startEmulator } from "../src/index.js";

/** A file of the emulator's repository: the clone these tests sit in, or $CCAI_EMULATOR_REPO
 * (set by .ci/run when it runs them from the packed package in a scratch project). */
export function repositoryFile(relative) {
  const root = process.env.CCAI_EMULATOR_REPO
    ? pathToFileURL(`${process.env.CCAI_EMULATOR_REPO.replace(/\/$/, "")}/`)
    : new URL("../../../", import.meta.url);
  return new URL(relative, root);
}

/** Starts the emulator for one test file; the caller stops it in `after`. The tests follow
 * emulator-defined events too (agent_joined, chat_ended, ...), which are opt-in. */
export function startTestEmulator(options = {}) {
  const env = { CCAI_EMU_WEBHOOK_RETRY_SCHEDULE: "50ms,100ms,200ms", CCAI_EMU_WEBHOOK_EVENTS: "all" };
  return startEmulator({ env, ...options });
}

/** The texts of a transcript's messages. */
export function texts(transcript) {
  return transcript.messages.map(message => message.body.text);
}

/** The first ```js block under a `### <heading>` of the README, to run it as written. */
export async function readmeBlock(heading) {
  const { readFileSync } = await import("node:fs");
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.split(`\n### ${heading}\n`)[1];
  const match = section && /```js\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error(`no js block under "### ${heading}" in README.md`);
  return match[1];
}

/** Runs README code as the body of an async function whose parameters are `scope`'s keys. */
export function runReadmeCode(code, scope) {
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  return new AsyncFunction(...Object.keys(scope), code)(...Object.values(scope));
}
