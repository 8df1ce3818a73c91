// startEmulator and the binary lookup: a clear error when there is no binary or it cannot
// start, the bound port parsed from the start-up log, a healthy emulator that stops with
// SIGTERM and exit code 0, an admin token honoured by the clients, and long-poll chaining.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { AdminClient, WaitTimeoutError, findEmulatorBinary, parseBoundAddress, startEmulator } from "../src/index.js";
import { locateEmulatorBinary } from "../src/emulator.js";
import { longPoll, MAX_WAIT_MS } from "../src/http.js";
import { repositoryFile, startTestEmulator } from "./support.js";

describe("findEmulatorBinary", () => {
  it("names a missing binary", () => {
    assert.throws(() => findEmulatorBinary("/nonexistent/ccai-emulator"), /\/nonexistent\/ccai-emulator does not exist or is not executable/);
  });

  it("explains where it looked when there is no binary anywhere", () => {
    const nowhere = mkdtempSync(join(tmpdir(), "ccai-no-clone-"));
    try {
      assert.throws(
        () => locateEmulatorBinary({ platformPackage: "@ccai-emulator/no-such-platform", path: "/nonexistent", searchFrom: [nowhere] }),
        /ccai-emulator not found: set CCAI_EMULATOR_BIN to the binary, install @ccai-emulator\/no-such-platform .*put it on PATH, or run from a clone/,
      );
    } finally {
      rmSync(nowhere, { recursive: true, force: true });
    }
  });

  it("finds a clone's target/release, then target/debug, from inside the clone, with no variable", () => {
    const clone = fakeClone();
    try {
      const inside = join(clone, "clients", "js");
      mkdirSync(inside, { recursive: true });
      const options = { platformPackage: "@ccai-emulator/no-such-platform", path: "", searchFrom: [inside] };
      assert.equal(locateEmulatorBinary(options), join(clone, "target", "release", "ccai-emulator"));
      rmSync(join(clone, "target", "release"), { recursive: true });
      assert.equal(locateEmulatorBinary(options), join(clone, "target", "debug", "ccai-emulator"));
      // A folder whose Cargo.toml is another package's is not a clone.
      writeFileSync(join(clone, "Cargo.toml"), '[package]\nname = "something-else"\n');
      assert.throws(() => locateEmulatorBinary(options), /ccai-emulator not found/);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it("lets the explicit binary win over PATH and a clone's build", () => {
    const clone = fakeClone();
    try {
      const explicit = executable(join(clone, "elsewhere"));
      const onPath = executable(join(clone, "on-path", "ccai-emulator"));
      const options = { platformPackage: "@ccai-emulator/no-such-platform", path: dirname(onPath), searchFrom: [clone] };
      assert.equal(locateEmulatorBinary({ bin: explicit }), explicit, "over the platform package too");
      assert.equal(locateEmulatorBinary({ ...options, bin: explicit }), explicit);
      assert.equal(locateEmulatorBinary(options), onPath, "PATH comes before the clone");
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it("never takes the npx launcher on PATH (node_modules/.bin) for the binary", () => {
    const clone = fakeClone();
    try {
      const bin = join(clone, "node_modules", ".bin");
      mkdirSync(bin, { recursive: true });
      symlinkSync(fileURLToPath(new URL("../bin/ccai-emulator.js", import.meta.url)), join(bin, "ccai-emulator"));
      const options = { platformPackage: "@ccai-emulator/no-such-platform", path: bin, searchFrom: [clone] };
      assert.equal(locateEmulatorBinary(options), join(clone, "target", "release", "ccai-emulator"));
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  // .ci/run installs the packed packages into a scratch project and sets this: there the
  // binary must come from the platform package, be this version, and need no variable.
  it("uses the platform package's binary when npm installed one", { skip: !process.env.CCAI_EMULATOR_EXPECT_PLATFORM_PACKAGE }, () => {
    const binary = findEmulatorBinary(undefined);
    const expected = `@ccai-emulator/${process.platform}-${process.arch}`;
    assert.ok(binary.includes(join("node_modules", ...expected.split("/"))), `${binary} is not in ${expected}`);
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    assert.equal(spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout.trim(), `ccai-emulator ${version}`);
  });
});

/** A folder that looks like a clone: Cargo.toml naming the package, release and debug builds. */
function fakeClone() {
  const clone = mkdtempSync(join(tmpdir(), "ccai-clone-"));
  writeFileSync(join(clone, "Cargo.toml"), '[package]\nname = "ccai-emulator"\nversion = "0.0.0"\n');
  executable(join(clone, "target", "release", "ccai-emulator"));
  executable(join(clone, "target", "debug", "ccai-emulator"));
  return clone;
}

function executable(path) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  return path;
}

describe("parseBoundAddress", () => {
  it("reads the JSON log's address, a plain log line, and ignores port 0", () => {
    assert.equal(parseBoundAddress('{"message":"ccai-emulator listening","address":"127.0.0.1:41247"}\n'), "127.0.0.1:41247");
    assert.equal(parseBoundAddress("\x1b[32m INFO\x1b[0m listening address\x1b[2m=\x1b[0m127.0.0.1:43717"), "127.0.0.1:43717");
    assert.equal(parseBoundAddress("API http://127.0.0.1:9001/apps/api/v1"), "127.0.0.1:9001");
    assert.equal(parseBoundAddress("webhook http://127.0.0.1:9000/ api http://127.0.0.1:9001/apps/api/v1"), "127.0.0.1:9001");
    assert.equal(parseBoundAddress("binding 127.0.0.1:0"), null);
    assert.equal(parseBoundAddress(""), null);
  });
});

describe("startEmulator", () => {
  it("starts the binary on a free port, serves health and the console, and stops with exit code 0", async () => {
    const emulator = await startTestEmulator();
    let stopped = false;
    try {
      assert.match(emulator.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      assert.equal(emulator.apiUrl, `${emulator.url}/apps/api/v1`);
      assert.equal((await emulator.admin.health()).status, "ok");
      const console = await fetch(emulator.consoleUrl);
      assert.equal(console.status, 200);
      assert.match(await console.text(), /<html/i);
      assert.equal((await emulator.admin.fixtures()).source, "embedded", "a ./fixtures folder of the caller is never picked up");
      assert.match(emulator.logs(), /listening/);
      const exit = await emulator.stop();
      stopped = true;
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null });
      assert.equal(spawnSync("kill", ["-0", String(emulator.pid)]).status, 1, "the process is gone");
      await emulator.stop(); // a second stop is harmless
    } finally {
      if (!stopped) await emulator.stop();
    }
  });

  it("rejects with the emulator's own words when it cannot start", async () => {
    await assert.rejects(startTestEmulator({ args: ["--no-such-flag"] }), error => {
      assert.match(error.message, /exited \(code 2, signal null\) before it was ready; output:/);
      assert.match(error.message, /--no-such-flag/);
      return true;
    });
  });

  it("passes an admin token to the emulator and to its clients", async () => {
    const emulator = await startTestEmulator({ adminToken: "s3cret-admin" });
    try {
      assert.equal((await fetch(`${emulator.adminUrl}/tenants`)).status, 401);
      assert.ok(Array.isArray((await emulator.admin.tenants()).tenants));
      const tenant = await emulator.newTenant();
      await tenant.close();
      const withoutToken = await new AdminClient({ baseUrl: emulator.url }).tenants().catch(e => e);
      assert.equal(withoutToken.status, 401);
    } finally {
      await emulator.stop();
    }
  });

  it("loads a fixture folder when asked", async () => {
    const folder = repositoryFile("fixtures").pathname;
    const emulator = await startEmulator({ fixtures: folder });
    try {
      const fixtures = await emulator.admin.fixtures();
      assert.notEqual(fixtures.source, "embedded");
      assert.match(JSON.stringify(fixtures.source), /fixtures/);
    } finally {
      await emulator.stop();
    }
  });
});

describe("longPoll", () => {
  const timeout = () => new WaitTimeoutError({ status: 408, message: "Timed out", method: "GET", url: "/x", body: { waited_ms: 1 } });

  it("chains long-polls of at most 60 s until the condition holds", async () => {
    const waits = [];
    const answer = await longPoll(async waitMs => {
      waits.push(waitMs);
      if (waits.length < 3) throw timeout();
      return "met";
    }, 150_000);
    assert.equal(answer, "met");
    assert.equal(waits.length, 3);
    assert.ok(waits.every(wait => wait <= MAX_WAIT_MS) && waits[0] === MAX_WAIT_MS);
  });

  it("gives up with the last 408 once the deadline has passed", async () => {
    let polls = 0;
    await assert.rejects(
      longPoll(async () => {
        polls += 1;
        await new Promise(resolve => setImmediate(resolve));
        throw timeout();
      }, 0),
      WaitTimeoutError,
    );
    assert.equal(polls, 1);
  });
});
