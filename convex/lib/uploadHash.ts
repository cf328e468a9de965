// The hash an upload is declared by before its URL is asked for (files.generateUploadUrl, transfers.archiveUploadUrl;
// model/uploads.ts): SHA-256 in standard base64, the form the backend stores in `_storage.sha256`. Shared by the
// SPA, the tests and the benches so all declare it the same way.

/** The SHA-256 of `data`, base64 (44 characters), as `_storage.sha256` will hold it once `data` is uploaded. */
export async function uploadSha256(data: Blob | Uint8Array): Promise<string> {
  const buffer = data instanceof Uint8Array ? data : new Uint8Array(await data.arrayBuffer());
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer as Uint8Array<ArrayBuffer>));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}
