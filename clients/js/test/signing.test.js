// The signature code against the project's shared known-answer file
// (tests/signing_vectors.json, also read by the Rust signing tests): every vector signs and
// verifies, and any change to the body, timestamp or secret fails verification.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseSignatureHeader, sign, signatureHeader, verifySignature } from "../src/index.js";
import { repositoryFile } from "./support.js";

const vectorsFile = repositoryFile("tests/signing_vectors.json");
const vectors = JSON.parse(readFileSync(vectorsFile, "utf8"));

describe("signing vectors (tests/signing_vectors.json)", () => {
  it("the file has signature and header vectors", () => {
    assert.ok(vectors.signatures.length > 0, "no signature vectors");
    assert.ok(vectors.headers.length > 0, "no header vectors");
  });

  for (const [index, vector] of vectors.signatures.entries()) {
    it(`signature vector ${index} (secret ${JSON.stringify(vector.secret)}) signs and verifies`, () => {
      assert.equal(sign(vector.secret, vector.timestamp, vector.body), vector.signature);
      assert.equal(sign(vector.secret, vector.timestamp, Buffer.from(vector.body)), vector.signature, "bytes sign like the string");
      const header = `primary=${vector.signature}`;
      assert.deepEqual(verifySignature({ header, timestamp: vector.timestamp, body: vector.body, secrets: [vector.secret] }), {
        ok: true,
        secretIndex: 0,
        part: "primary",
      });
    });

    it(`signature vector ${index} fails with a tampered body, timestamp or secret`, () => {
      const header = `primary=${vector.signature}`;
      const tamperedBody = vector.body.replace(/.$/, character => (character === "}" ? " }" : "}"));
      const cases = [
        { body: tamperedBody, timestamp: vector.timestamp, secrets: [vector.secret] },
        { body: vector.body + " ", timestamp: vector.timestamp, secrets: [vector.secret] },
        { body: vector.body, timestamp: `${vector.timestamp}0`, secrets: [vector.secret] },
        { body: vector.body, timestamp: vector.timestamp, secrets: [`${vector.secret}x`] },
      ];
      for (const input of cases) {
        const result = verifySignature({ header, ...input });
        assert.equal(result.ok, false, `verified although changed: ${JSON.stringify(input).slice(0, 80)}`);
        assert.equal(result.reason, "no signature matches a known secret");
      }
    });
  }

  for (const [index, vector] of vectors.headers.entries()) {
    it(`header vector ${index} builds the X-Signature header and verifies with each secret`, () => {
      const built = signatureHeader({
        primarySecret: vector.primary_secret,
        secondarySecret: vector.secondary_secret,
        timestamp: vector.timestamp,
        body: vector.body,
      });
      assert.equal(built, vector.x_signature);
      const parts = parseSignatureHeader(vector.x_signature);
      assert.equal(Object.keys(parts).length, vector.secondary_secret ? 2 : 1);
      const secrets = [vector.primary_secret, vector.secondary_secret].filter(Boolean);
      for (const [secretIndex, secret] of secrets.entries()) {
        const result = verifySignature({ header: vector.x_signature, timestamp: vector.timestamp, body: vector.body, secrets: [secret] });
        assert.deepEqual(result, { ok: true, secretIndex: 0, part: secretIndex === 0 ? "primary" : "secondary" });
      }
      const tampered = verifySignature({
        header: vector.x_signature,
        timestamp: vector.timestamp,
        body: vector.body.replace("{", "{ "),
        secrets,
      });
      assert.equal(tampered.ok, false, "a tampered body must fail");
    });
  }
});

describe("verifySignature rejects what is not a valid signature", () => {
  const [vector] = vectors.signatures;
  const input = { header: `primary=${vector.signature}`, timestamp: vector.timestamp, body: vector.body, secrets: [vector.secret] };

  it("a missing or malformed header", () => {
    for (const header of [undefined, null, "", "garbage", vector.signature]) {
      const result = verifySignature({ ...input, header });
      assert.deepEqual(result, { ok: false, reason: "missing or malformed X-Signature" }, String(header));
    }
  });

  it("a missing timestamp", () => {
    assert.deepEqual(verifySignature({ ...input, timestamp: undefined }), { ok: false, reason: "missing X-Signature-Timestamp" });
  });

  it("no secret to check with", () => {
    assert.deepEqual(verifySignature({ ...input, secrets: [null, ""] }), { ok: false, reason: "no secret to verify with" });
  });

  it("a signature of the wrong length is compared safely and fails", () => {
    const result = verifySignature({ ...input, header: `primary=${vector.signature.slice(0, 10)}` });
    assert.equal(result.ok, false);
  });

  it("a match of the second secret against the secondary part passes (rotation)", () => {
    const header = signatureHeader({ primarySecret: "old", secondarySecret: "new", timestamp: "1", body: "{}" });
    assert.deepEqual(verifySignature({ header, timestamp: "1", body: "{}", secrets: ["unrelated", "new"] }), {
      ok: true,
      secretIndex: 1,
      part: "secondary",
    });
  });
});
