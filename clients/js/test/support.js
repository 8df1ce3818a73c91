// Shared by the tests that need the real binary: start it from $CCAI_EMULATOR_BIN (or PATH).
// A missing binary fails the tests (it is never a skip), so CI cannot pass without running them.

import { startEmulator } from "../src/index.js";

/** Starts the emulator for one test file; the caller stops it in `after`. */
export function startTestEmulator(options = {}) {
  return startEmulator({ env: { CCAI_EMU_WEBHOOK_RETRY_SCHEDULE: "50ms,100ms,200ms" }, ...options });
}

/** The texts of a transcript's messages. */
export function texts(transcript) {
  return transcript.messages.map(message => message.body.text);
}
