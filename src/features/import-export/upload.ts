import type { Id } from "../../../convex/_generated/dataModel";

/** Uploads a ZIP archive to the storage upload URL `url`; returns its storage id for transfers.importZip / importProject. */
export async function uploadArchive(url: string, file: File): Promise<Id<"_storage">> {
  const response = await fetch(url, { method: "POST", headers: { "Content-Type": file.type || "application/zip" }, body: file });
  if (!response.ok) throw new Error(`The upload failed (HTTP ${response.status}). Try again.`);
  const { storageId } = (await response.json()) as { storageId: Id<"_storage"> };
  return storageId;
}
