// Starts the real ccai-emulator binary for a test run: found via `bin`, env
// `CCAI_EMULATOR_BIN`, the platform package installed with this one, PATH, or a clone's
// target/release or target/debug (see findEmulatorBinary); bound to 127.0.0.1 port 0 (the emulator picks a free port and
// logs it); ready once `/__admin/health` answers; stopped with SIGTERM (SIGKILL if it lingers).
// It runs in an empty temporary directory so a `./fixtures` folder of the caller's project is
// never picked up by accident: pass `fixtures` to load a folder on purpose.

import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { accessSync, constants, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AdminClient } from "./admin.js";
import { AppsClient } from "./apps.js";
import { newTenant } from "./tenant.js";

const EXECUTABLE = process.platform === "win32" ? "ccai-emulator.exe" : "ccai-emulator";
const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The `npx ccai-emulator` launcher: never taken for the binary itself (it would start itself). */
const LAUNCHER = join(PACKAGE_DIR, "bin", "ccai-emulator.js");
const LOG_KEEP_CHARS = 64 * 1024;
const running = new Set();
let exitHookInstalled = false;

/**
 * Finds the binary, first match wins: `bin`; `$CCAI_EMULATOR_BIN`; the platform package
 * npm installed with this one (`@ccai-emulator/<platform>-<arch>`, an optional dependency);
 * `ccai-emulator` on PATH; inside a clone of the emulator's repository (found above the
 * current directory or above this package), its `target/release` then `target/debug` build.
 */
export function findEmulatorBinary(bin = process.env.CCAI_EMULATOR_BIN) {
  return locateEmulatorBinary({ bin });
}

/** findEmulatorBinary with every place it looks as a parameter (the tests move them). */
export function locateEmulatorBinary({
  bin,
  platformPackage = `@ccai-emulator/${process.platform}-${process.arch}`,
  path = process.env.PATH || "",
  searchFrom = [process.cwd(), PACKAGE_DIR],
} = {}) {
  if (bin) {
    const explicit = isAbsolute(bin) ? bin : resolve(bin);
    if (!isExecutable(explicit)) throw new Error(`ccai-emulator binary ${explicit} does not exist or is not executable`);
    return explicit;
  }
  const bundled = platformBinary(platformPackage);
  if (bundled) return bundled;
  for (const folder of path.split(delimiter).filter(Boolean)) {
    const candidate = join(folder, EXECUTABLE);
    if (isExecutable(candidate) && !sameFile(candidate, LAUNCHER)) return candidate;
  }
  const clone = findClone(searchFrom);
  for (const profile of ["release", "debug"]) {
    const built = clone && join(clone, "target", profile, EXECUTABLE);
    if (built && isExecutable(built)) return built;
  }
  throw new Error(
    `ccai-emulator not found: set CCAI_EMULATOR_BIN to the binary, install ${platformPackage} ` +
      "(npm installs it with ccai-emulator unless optional dependencies are omitted), put it on PATH, " +
      (clone
        ? `or build it in ${clone} (cargo build --release)`
        : "or run from a clone of the emulator's repository after `cargo build --release`"),
  );
}

/** The binary of the platform package, or null when npm did not install it (or no such package). */
function platformBinary(name) {
  let manifest;
  try {
    manifest = createRequire(join(PACKAGE_DIR, "package.json")).resolve(`${name}/package.json`);
  } catch {
    return null;
  }
  const candidate = join(dirname(manifest), EXECUTABLE);
  return isExecutable(candidate) ? candidate : null;
}

/** The first folder at or above one of `starts` whose Cargo.toml is the emulator's package. */
function findClone(starts) {
  for (const start of starts) {
    for (let folder = resolve(start); ; folder = dirname(folder)) {
      try {
        if (/^name\s*=\s*"ccai-emulator"/m.test(readFileSync(join(folder, "Cargo.toml"), "utf8"))) return folder;
      } catch {
        // no Cargo.toml here: look further up
      }
      if (dirname(folder) === folder) break;
    }
  }
  return null;
}

function sameFile(a, b) {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * Spawns the emulator on a free port and resolves once it is healthy.
 * @returns {Promise<Emulator>}
 */
export async function startEmulator({
  bin,
  args = [],
  env = {},
  fixtures,
  agentJoinDelay,
  adminToken,
  shutdownGrace = "0s",
  startTimeoutMs = 20_000,
} = {}) {
  const binary = findEmulatorBinary(bin);
  const workDir = mkdtempSync(join(tmpdir(), "ccai-emulator-"));
  const flags = ["--bind", "127.0.0.1:0", "--log-format", "json", "--shutdown-grace", shutdownGrace];
  if (fixtures !== undefined) flags.push("--fixtures", resolve(fixtures));
  if (agentJoinDelay !== undefined) flags.push("--agent-join-delay", String(agentJoinDelay));
  if (adminToken !== undefined) flags.push("--admin-token", adminToken);
  const child = spawn(binary, [...flags, ...args], {
    cwd: workDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const emulator = new Emulator(child, { binary, workDir, adminToken });
  try {
    const address = await emulator.boundAddress(startTimeoutMs);
    emulator.setAddress(address);
    await emulator.checkHealth(startTimeoutMs);
    emulator.unref();
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  return emulator;
}

export class Emulator {
  constructor(child, { binary, workDir, adminToken }) {
    this.child = child;
    this.pid = child.pid;
    this.binary = binary;
    this.workDir = workDir;
    this.adminToken = adminToken;
    this.output = "";
    this.tenants = [];
    this.outputEvents = new EventEmitter();
    this.exit = new Promise(resolveExit => {
      // `close` (not `exit`) comes after the output streams end: an error message is complete.
      child.once("close", (code, signal) => resolveExit({ code, signal }));
      child.once("error", error => resolveExit({ code: null, signal: null, error }));
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding("utf8");
      stream.on("data", chunk => {
        this.output = (this.output + chunk).slice(-LOG_KEEP_CHARS);
        this.outputEvents.emit("output");
      });
    }
    running.add(child);
    installExitHook();
  }

  /** The emulator's log output so far (the last 64 KiB). */
  logs() {
    return this.output;
  }

  /** Resolves with `host:port` as soon as the emulator logs the address it bound. */
  boundAddress(timeoutMs) {
    return new Promise((resolveAddress, reject) => {
      let settled = false;
      const finish = (error, address) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.outputEvents.off("output", check);
        if (error) reject(error);
        else resolveAddress(address);
      };
      const check = () => {
        const address = parseBoundAddress(this.output);
        if (address) finish(null, address);
      };
      const timer = setTimeout(
        () => finish(new Error(`ccai-emulator did not report its address within ${timeoutMs}ms; output:\n${this.output}`)),
        timeoutMs,
      );
      this.exit.then(({ code, signal, error }) => {
        const why = error ? error.message : `exited (code ${code}, signal ${signal})`;
        finish(new Error(`ccai-emulator (${this.binary}) ${why} before it was ready; output:\n${this.output}`));
      });
      this.outputEvents.on("output", check);
      check();
    });
  }

  setAddress(address) {
    this.url = `http://${address}`;
    this.apiUrl = `${this.url}/apps/api/v1`;
    this.adminUrl = `${this.url}/__admin`;
    this.consoleUrl = `${this.adminUrl}/console`;
    /** The control-plane client for this emulator. */
    this.admin = new AdminClient({ baseUrl: this.url, adminToken: this.adminToken });
  }

  /**
   * The address is logged once the socket listens, so connections queue even before the
   * server accepts them: one health request (answered when served) is the readiness check.
   */
  async checkHealth(timeoutMs) {
    const health = await Promise.race([
      this.admin.health(),
      new Promise((_, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
        timer.unref();
      }),
      this.exit.then(({ code, signal }) => Promise.reject(new Error(`the process exited (code ${code}, signal ${signal})`))),
    ]).catch(error => {
      throw new Error(`ccai-emulator at ${this.url} failed its health check: ${error.message}; output:\n${this.output}`);
    });
    if (!health || health.status !== "ok") {
      throw new Error(`ccai-emulator at ${this.url} is not healthy: ${JSON.stringify(health)}`);
    }
    return health;
  }

  /** A forgotten emulator does not keep Node running (the exit hook then kills it). */
  unref() {
    this.child.unref();
    this.child.stdout.unref?.();
    this.child.stderr.unref?.();
  }

  /** An Apps API client for `subdomain` (a tenant, created on first use in `open` auth mode). */
  apps(subdomain, token = "any-token") {
    return new AppsClient({ baseUrl: this.url, subdomain, token });
  }

  /** A tenant of its own with its webhook pointed at a fresh verifying receiver (closed by `stop`). */
  async newTenant(options = {}) {
    const tenant = await newTenant(this, options);
    this.tenants.push(tenant);
    return tenant;
  }

  /**
   * Closes the receivers of the tenants made by `newTenant`, then SIGTERM (SIGKILL after
   * `timeoutMs`); resolves with the exit `{code, signal}`.
   */
  async stop({ timeoutMs = 10_000 } = {}) {
    await Promise.all(this.tenants.map(tenant => tenant.receiver.close()));
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.ref(); // keep Node alive until the exit is seen
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
      await this.exit;
      clearTimeout(timer);
    }
    running.delete(this.child);
    rmSync(this.workDir, { recursive: true, force: true });
    return this.exit;
  }
}

/**
 * `host:port` from the start-up log: the JSON `address` field, else the host of an
 * `http://host:port/apps/api/v1` or `/__admin` URL, else any loopback `host:port` (never a
 * webhook URL when the API's own URL is there).
 */
export function parseBoundAddress(output) {
  const json = output.match(/"address":"([^"]+:[1-9]\d*)"/);
  if (json) return json[1];
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const loopback = "(127\\.0\\.0\\.1|localhost|\\[::1\\]):([1-9]\\d{0,4})";
  const ownUrl = plain.match(new RegExp(`http://${loopback}/(?:apps/api/v1|__admin)`));
  const any = ownUrl || plain.match(new RegExp(`\\b${loopback}\\b`));
  return any ? `${any[1]}:${any[2]}` : null;
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A test runner that exits without stopping an emulator does not leave it running. */
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}
