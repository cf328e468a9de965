import type { Id } from "../../../convex/_generated/dataModel";
import { uploadSha256 } from "../../../convex/lib/uploadHash";

/**
 * Uploads `file` to storage the one way the server accepts (convex/model/uploads.ts): its SHA-256 is declared when
 * the upload URL is asked for (`askUrl`: files.generateUploadUrl or transfers.archiveUploadUrl), so only this user
 * can then use the blob. Returns the storage id.
 */
export async function uploadToStorage(askUrl: (sha256: string) => Promise<string>, file: File, contentType: string): Promise<Id<"_storage">> {
  const url = await askUrl(await uploadSha256(file));
  const response = await fetch(url, { method: "POST", headers: { "Content-Type": file.type || contentType }, body: file });
  if (!response.ok) throw new Error(`Uploading "${file.name}" failed (HTTP ${response.status}). Try again.`);
  const { storageId } = (await response.json()) as { storageId: Id<"_storage"> };
  return storageId;
}

/** Uploads a ZIP archive; returns its storage id for transfers.importZip / importProject. */
export function uploadArchive(askUrl: (sha256: string) => Promise<string>, file: File): Promise<Id<"_storage">> {
  return uploadToStorage(askUrl, file, "application/zip");
}
