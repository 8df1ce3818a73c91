// The README cannot drift from the code: its complete example is test/readme_example.test.js
// verbatim (which runs with the other tests), and its API reference names every export and
// every method of the clients, the receiver and Tenant.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import * as runtime from "../src/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README.md", () => {
  it("shows test/readme_example.test.js verbatim", () => {
    const example = readFileSync(new URL("readme_example.test.js", import.meta.url), "utf8");
    assert.ok(readme.includes("```js\n" + example + "```"), "the README's example differs from test/readme_example.test.js");
  });

  it("documents every export", () => {
    const missing = Object.keys(runtime).filter(name => !readme.includes(name));
    assert.deepEqual(missing, []);
  });

  it("documents every method of the clients, the receiver and Tenant", () => {
    for (const className of ["AdminClient", "AppsClient", "Tenant"]) {
      const methods = Object.getOwnPropertyNames(runtime[className].prototype).filter(name => name !== "constructor");
      assert.deepEqual(methods.filter(name => !readme.includes(`${name}(`)), [], `${className} methods missing from the README`);
    }
    const receiverApi = ["setSecrets", "failNext", "clear", "close", "waitForWebhook", "waitForWebhooks"];
    assert.deepEqual(receiverApi.filter(name => !readme.includes(`${name}(`)), []);
  });
});
