#!/usr/bin/env node
// `npx ccai-emulator [flags]`: runs the emulator binary that came with this package (the
// platform package npm chose through optionalDependencies), or the one findEmulatorBinary
// finds otherwise, with the same flags, standard streams and exit code.

import { spawn } from "node:child_process";
import { findEmulatorBinary } from "../src/emulator.js";

let binary;
try {
  binary = findEmulatorBinary();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });
// A signal sent to this launcher alone (a process manager's SIGTERM) reaches the emulator,
// which then drains its webhooks and exits; Ctrl-C reaches both through the process group.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("error", error => {
  console.error(`ccai-emulator: cannot run ${binary}: ${error.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  process.exitCode = code ?? 128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal] ?? 1);
});
