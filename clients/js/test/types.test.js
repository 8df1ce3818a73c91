// The hand-written declarations (src/*.d.ts) against the JavaScript they describe:
// `tsc --noEmit` compiles test/typecheck.ts (a typed consumer of the package, by its name),
// and every export and class method declared exists at run time (and, for the clients and
// Tenant, every method at run time is declared), so the two cannot drift apart silently.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import * as runtime from "../src/index.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const sourceDir = new URL("../src/", import.meta.url);
const declarations = readdirSync(sourceDir)
  .filter(name => name.endsWith(".d.ts"))
  .map(name => readFileSync(new URL(name, sourceDir), "utf8"))
  .join("\n");

/** Method names declared in `export class <name> { ... }`. */
function declaredMethods(className) {
  const start = declarations.indexOf(`export class ${className} `);
  assert.ok(start >= 0, `no declaration of class ${className}`);
  const body = declarations.slice(start, declarations.indexOf("\n}", start));
  return [...body.matchAll(/^ {2}(\w+)(?:<[^>]*>)?\(/gm)].map(match => match[1]).filter(name => name !== "constructor");
}

describe("type declarations", () => {
  it("compile with tsc --noEmit against a typed consumer (test/typecheck.ts)", () => {
    const tsc = fileURLToPath(new URL("../dev/node_modules/typescript/bin/tsc", import.meta.url)); // npm ci --prefix dev
    const result = spawnSync(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.json"], { cwd: packageDir, encoding: "utf8" });
    assert.equal(result.status, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
  });

  it("declare exactly the runtime exports of src/index.js", () => {
    const index = readFileSync(new URL("index.d.ts", sourceDir), "utf8");
    const declared = [...index.matchAll(/^export \{([^}]*)\} from/gm)].flatMap(match => match[1].split(",").map(name => name.trim()).filter(Boolean));
    assert.deepEqual([...declared].sort(), Object.keys(runtime).sort());
  });

  it("declare only methods that exist", () => {
    for (const className of ["AdminClient", "AppsClient", "Tenant", "WebhookReceiver", "Emulator"]) {
      for (const method of declaredMethods(className)) {
        assert.equal(typeof runtime[className].prototype[method], "function", `${className}.${method} is declared but missing`);
      }
    }
  });

  it("declare every method of the clients and Tenant", () => {
    for (const className of ["AdminClient", "AppsClient", "Tenant"]) {
      const actual = Object.getOwnPropertyNames(runtime[className].prototype).filter(name => name !== "constructor");
      assert.deepEqual(actual.filter(name => !declaredMethods(className).includes(name)), [], `${className} methods without a declaration`);
    }
  });
});
