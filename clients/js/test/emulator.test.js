// startEmulator and the binary lookup: a clear error when there is no binary or it cannot
// start, the bound port parsed from the start-up log, a healthy emulator that stops with
// SIGTERM and exit code 0, an admin token honoured by the clients, and long-poll chaining.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { AdminClient, WaitTimeoutError, findEmulatorBinary, parseBoundAddress, startEmulator } from "../src/index.js";
import { longPoll, MAX_WAIT_MS } from "../src/http.js";
import { startTestEmulator } from "./support.js";

describe("findEmulatorBinary", () => {
  it("names a missing binary", () => {
    assert.throws(() => findEmulatorBinary("/nonexistent/ccai-emulator"), /\/nonexistent\/ccai-emulator does not exist or is not executable/);
  });

  it("explains where it looked when there is neither CCAI_EMULATOR_BIN nor a binary on PATH", () => {
    const saved = { bin: process.env.CCAI_EMULATOR_BIN, path: process.env.PATH };
    try {
      delete process.env.CCAI_EMULATOR_BIN;
      process.env.PATH = "/nonexistent";
      assert.throws(() => findEmulatorBinary(), /ccai-emulator not found: set CCAI_EMULATOR_BIN to the binary, or put it on PATH/);
    } finally {
      if (saved.bin !== undefined) process.env.CCAI_EMULATOR_BIN = saved.bin;
      process.env.PATH = saved.path;
    }
  });
});

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
    const folder = new URL("../../../fixtures", import.meta.url).pathname;
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
