// The upload step of the media flow: `POST /chats/{id}/photos/upload` (or `/videos/upload`)
// answers `{url, fields}`; uploadFile posts every field, then the file as `file` (last), as
// multipart/form-data (global FormData and Blob, Node 18+) to that URL, exactly as to S3.
// A refusal (S3's XML `<Error>`) throws a StorageError with S3's code and message.

import { StorageError } from "./errors.js";

/**
 * Uploads `data` with a pre-signed form. Resolves with `{s3Path, etag, location}` (the
 * `s3Path` is the form's `key`, what registration takes).
 * @param {{url: string, fields: Record<string, string>}} form
 * @param {Uint8Array | ArrayBuffer | Blob | string} data
 * @param {{filename?: string}} [options]
 */
export async function uploadFile(form, data, { filename = "upload" } = {}) {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, String(value));
  const type = form.fields["Content-Type"] || "application/octet-stream";
  body.append("file", data instanceof Blob ? data : new Blob([data], { type }), filename);
  const response = await fetch(form.url, { method: "POST", body });
  const text = await response.text();
  if (!response.ok) {
    throw new StorageError({
      status: response.status,
      code: xmlElement(text, "Code"),
      message: xmlElement(text, "Message") || text || response.statusText,
      url: form.url,
      body: text,
    });
  }
  return { s3Path: form.fields.key, etag: response.headers.get("etag"), location: response.headers.get("location") };
}

/** The text of `<name>` in an S3 error document ("" when there is none). */
function xmlElement(xml, name) {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  if (!match) return "";
  return match[1]
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
