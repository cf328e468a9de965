import { createHash, randomBytes } from "node:crypto";
import { renameSync } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { Documents } from "./documents.js";
import { newId } from "./ids.js";
import { encodeValue } from "./keys.js";
import type { Mutations } from "./mutations.js";
import { realNow } from "./runtime.js";
import { BY_ID, makeDoc, SYSTEM_TABLES, type Doc, type DocJson, type Store } from "./store.js";
import { writeDoc, type Tx } from "./transaction.js";

// File storage (`ctx.storage`, upload URLs): blobs are files `<dataDir>/storage/<storageId>`, their metadata the
// `_storage` document `{sha256 (base64), size, contentType?}`. Invariants:
// - A blob's file is complete (written to a temp file, fsynced when durable, renamed) before its document is
//   written, so a committed `_storage` document always has its bytes.
// - A blob stored inside a mutation is removed again if the mutation rolls back; a deleted blob's file is
//   removed only after the deleting commit is durable (an after-commit step).
// - Upload tokens are one-time and expire after UPLOAD_TOKEN_MS; they live in memory only.

const UPLOAD_TOKEN_MS = 60 * 60 * 1000;
const STORAGE = "_storage";

export class Storage {
  private readonly uploadTokens = new Map<string, number>();

  constructor(
    private readonly dir: string,
    private readonly durable: boolean,
    private readonly siteUrl: string,
    private readonly store: Store,
    private readonly documents: Documents,
    private readonly mutations: Mutations,
  ) {}

  generateUploadUrl(): string {
    const now = realNow();
    for (const [t, exp] of this.uploadTokens) if (exp < now) this.uploadTokens.delete(t);
    const token = randomBytes(24).toString("base64url");
    this.uploadTokens.set(token, now + UPLOAD_TOKEN_MS);
    return `${this.siteUrl}/api/storage/upload?token=${token}`;
  }

  uploadTokenValid(token: string): boolean {
    const exp = this.uploadTokens.get(token);
    return exp !== undefined && exp >= realNow();
  }

  consumeUploadToken(token: string): boolean {
    const exp = this.uploadTokens.get(token);
    if (exp === undefined) return false;
    this.uploadTokens.delete(token);
    return exp >= realNow();
  }

  urlOf(doc: Doc): string {
    return `${this.siteUrl}/api/storage/${doc.id}`;
  }

  /** The `_storage` document of `storageId` (null if deleted); a transaction records the read. */
  doc(tx: Tx | null, storageId: string): Doc | null {
    if (typeof storageId !== "string") throw new Error("A storage id must be a string.");
    if (this.store.tableOfId(storageId) !== STORAGE) {
      throw new Error(`Invalid storage id "${storageId}": pass an id returned by ctx.storage.store() or an upload.`);
    }
    if (tx) {
      const key = encodeValue(storageId);
      tx.reads.add(STORAGE, BY_ID, { lo: key, hi: key + "\0" });
    }
    return this.store.tables.get(STORAGE)!.docs.get(storageId) ?? null;
  }

  /** The bytes of a stored blob, base64-encoded as the runtime's storageGet expects. */
  async readBase64(doc: Doc): Promise<{ blob: string; contentType: string | null }> {
    const bytes = await readFile(path.join(this.dir, doc.id));
    return { blob: bytes.toString("base64"), contentType: (doc.json.contentType as string | undefined) ?? null };
  }

  /** Deletes a blob in a transaction; its file goes once the commit is durable. */
  deleteInTx(tx: Tx, storageId: string) {
    if (this.store.tableOfId(storageId) !== STORAGE) throw new Error(`Invalid storage id "${storageId}".`);
    const doc = this.store.tables.get(STORAGE)!.docs.get(storageId);
    if (!doc) throw new Error(`Storage object ${storageId} does not exist.`);
    writeDoc(this.store, tx, STORAGE, storageId, null);
    tx.afterCommit.push(() => rm(path.join(this.dir, storageId), { force: true }));
  }

  /** Deletes a blob in a transaction of its own (from an action). */
  async delete(storageId: string): Promise<void> {
    await this.mutations.transact((tx) => this.deleteInTx(tx, storageId));
  }

  private async writeBlobFile(bytes: Uint8Array): Promise<{ id: string; sha256: string }> {
    const id = newId(SYSTEM_TABLES._storage);
    const file = path.join(this.dir, id);
    const tmp = file + ".tmp";
    const fh = await open(tmp, "w");
    try {
      await fh.write(bytes);
      if (this.durable) await fh.sync();
    } finally {
      await fh.close();
    }
    renameSync(tmp, file);
    return { id, sha256: createHash("sha256").update(bytes).digest("base64") };
  }

  private insertDoc(tx: Tx, id: string, sha256: string, size: number, contentType: string | null) {
    const json: DocJson = { _id: id, _creationTime: this.documents.nextCreationTime(), sha256, size };
    if (contentType) json.contentType = contentType;
    writeDoc(this.store, tx, STORAGE, id, makeDoc(STORAGE, json));
  }

  /** Stores a blob in a transaction of its own (uploads, actions); resolves with its id once durable. */
  async storeBlob(bytes: Uint8Array, contentType: string | null): Promise<string> {
    const { id, sha256 } = await this.writeBlobFile(bytes);
    try {
      await this.mutations.transact((tx) => this.insertDoc(tx, id, sha256, bytes.byteLength, contentType));
    } catch (e) {
      await rm(path.join(this.dir, id), { force: true });
      throw e;
    }
    return id;
  }

  /** Stores a blob inside a mutation's transaction; its file is removed if the mutation rolls back. */
  async storeBlobInTx(tx: Tx, bytes: Uint8Array, contentType: string | null): Promise<string> {
    const { id, sha256 } = await this.writeBlobFile(bytes);
    tx.onRollback.push(() => rm(path.join(this.dir, id), { force: true }));
    this.insertDoc(tx, id, sha256, bytes.byteLength, contentType);
    return id;
  }

  async getBlob(storageId: string): Promise<{ bytes: Uint8Array; contentType: string | null; sha256: string } | null> {
    if (this.store.tableOfId(storageId) !== STORAGE) return null;
    const doc = this.store.tables.get(STORAGE)!.docs.get(storageId);
    if (!doc) return null;
    const bytes = await readFile(path.join(this.dir, storageId));
    return { bytes: new Uint8Array(bytes), contentType: (doc.json.contentType as string | undefined) ?? null, sha256: doc.json.sha256 as string };
  }
}
