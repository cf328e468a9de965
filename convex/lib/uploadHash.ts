// The hash an upload is declared by before its URL is asked for (files.generateUploadUrl, transfers.archiveUploadUrl;
// model/uploads.ts): SHA-256 in standard base64, the form the backend stores in `_storage.sha256`. Shared by the
// SPA, the tests and the benches so all declare it the same way.
import { sha256 } from "@noble/hashes/sha2.js";

/**
 * The SHA-256 of `data`, base64 (44 characters), as `_storage.sha256` will hold it once `data` is uploaded.
 * Computed with @noble/hashes rather than `crypto.subtle`: browsers offer `crypto.subtle` only in secure contexts
 * (https or localhost), and Polaris opened over plain http on a LAN address must still upload.
 */
export async function uploadSha256(data: Blob | Uint8Array): Promise<string> {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(await data.arrayBuffer());
  const digest = sha256(bytes);
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}
