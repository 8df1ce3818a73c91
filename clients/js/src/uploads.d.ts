import type { UploadForm } from "./types.js";

/** A Blob (or File): anything with a size, a type and its bytes. */
export interface BlobLike {
  readonly size: number;
  readonly type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** What a file upload takes. */
export type FileData = Uint8Array | ArrayBuffer | BlobLike | string;

/** A stored upload: `s3Path` is the form's `key` (what registration takes). */
export interface StoredUpload {
  s3Path: string;
  etag: string | null;
  location: string | null;
}

/**
 * Posts every field of a pre-signed form, then `data` as `file`, as multipart/form-data.
 * Throws StorageError (status, S3 `code`, message) when storage refuses.
 */
export function uploadFile(form: UploadForm, data: FileData, options?: { filename?: string }): Promise<StoredUpload>;
