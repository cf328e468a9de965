import { closeSync, constants, existsSync, fsyncSync, openSync, readFileSync, renameSync, ftruncateSync, type PathLike } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { crc32 } from "node:zlib";
import type { JSONValue } from "convex/values";
import type { DocJson } from "./store.js";

// On-disk format (documented in docs/local-backend.md, "Engine and persistence"):
//   wal.log        records: u32 LE payload length | u32 LE CRC32 of payload | payload (UTF-8 JSON CommitRecord)
//   snapshot.ndjson line 1: SnapshotHeader JSON; then one `[table, document]` JSON line per document;
//                  last line `{"end": <document count>}`. Written to a temp file, fsynced, renamed, dir fsynced.
// Recovery: load the snapshot, then apply every WAL record whose ts is newer than the snapshot's. A record
// with a short length, a bad checksum or unparsable JSON ends the log: it and everything after it is
// truncated (only the tail can be torn: batches are appended in order, and after a failed write nothing more
// is appended).
// Durability: in durable mode the log is opened with O_DSYNC where the platform has it, so one write of a batch
// returns only once the batch is on stable storage, as a write followed by fdatasync would (one thread-pool
// round trip per batch instead of two); elsewhere each batch's write is followed by an fdatasync.

export interface CommitRecord {
  /** Commit timestamp (Unix ns) as a decimal string. */
  ts: string;
  /** Every document written: [table, id, final document or null when deleted]. */
  w: [string, string, DocJson | null][];
  /** Table numbers first used by this commit. */
  t?: Record<string, number>;
  /** Idempotency key of the mutation and its result. */
  k?: string;
  r?: JSONValue;
}

export interface SnapshotHeader {
  format: 1;
  ts: string;
  tables: Record<string, number>;
  idempotency: [string, string, JSONValue][];
}

export interface Recovered {
  header: SnapshotHeader | null;
  docs: [string, DocJson][];
  records: CommitRecord[];
  truncatedBytes: number;
}

const HEADER_BYTES = 8;
/** Flags of the log file: append, and in durable mode O_DSYNC when the platform has it (not on Windows). */
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
const DSYNC: number | undefined = constants.O_DSYNC;
export const WAL_FILE = "wal.log";
export const SNAPSHOT_FILE = "snapshot.ndjson";

function fsyncDir(dir: PathLike) {
  let fd: number | null = null;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export function encodeRecord(record: CommitRecord): Buffer {
  // The JSON is encoded straight into the record after its header (no intermediate payload buffer to copy).
  const json = JSON.stringify(record);
  const length = Buffer.byteLength(json, "utf8");
  const out = Buffer.allocUnsafe(HEADER_BYTES + length);
  out.write(json, HEADER_BYTES, "utf8");
  out.writeUInt32LE(length, 0);
  out.writeUInt32LE(crc32(out.subarray(HEADER_BYTES)), 4);
  return out;
}

/** Parses a log; returns the valid records and the byte length they occupy. */
export function decodeLog(buf: Buffer): { records: CommitRecord[]; validBytes: number } {
  const records: CommitRecord[] = [];
  let off = 0;
  while (off + HEADER_BYTES <= buf.length) {
    const len = buf.readUInt32LE(off);
    const sum = buf.readUInt32LE(off + 4);
    if (off + HEADER_BYTES + len > buf.length) break;
    const payload = buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len);
    if (crc32(payload) !== sum) break;
    let record: CommitRecord;
    try {
      record = JSON.parse(payload.toString("utf8")) as CommitRecord;
    } catch {
      break;
    }
    if (typeof record?.ts !== "string" || !Array.isArray(record.w)) break;
    records.push(record);
    off += HEADER_BYTES + len;
  }
  return { records, validBytes: off };
}

function readSnapshot(file: string): { header: SnapshotHeader; docs: [string, DocJson][] } {
  const text = readFileSync(file, "utf8");
  const firstBreak = text.indexOf("\n");
  const header = JSON.parse(text.slice(0, firstBreak)) as SnapshotHeader;
  if (header.format !== 1) throw new Error(`${file}: unknown snapshot format ${String(header.format)}.`);
  const trimmed = text.trimEnd();
  const lastBreak = trimmed.lastIndexOf("\n");
  const end = JSON.parse(trimmed.slice(lastBreak + 1)) as { end?: number };
  const body = lastBreak > firstBreak ? trimmed.slice(firstBreak + 1, lastBreak) : "";
  // One parse of the whole body is much faster than one per line.
  const docs = (body ? JSON.parse("[" + body.replaceAll("\n", ",") + "]") : []) as [string, DocJson][];
  if (typeof end.end !== "number" || end.end !== docs.length) {
    throw new Error(`${file} is incomplete (its end marker does not match ${docs.length} documents). Restore it from a backup or delete the data directory.`);
  }
  return { header, docs };
}

export interface WalHooks {
  /**
   * Called before each batch is made durable (its O_DSYNC write, or its fdatasync) with the number of records in
   * it (tests inject a slow fsync here; the benchmark counts batches).
   */
  beforeSync?: (records: number) => Promise<void> | void;
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * The write-ahead log with group commit: `append` queues a record; one flush at a time writes every queued
 * record with a single durable write (see Durability above), then resolves their promises in append order. Records
 * appended while a flush is in flight form the next batch.
 */
export class Wal {
  private fh: FileHandle | null = null;
  /** Bytes written to the log file (not counting queued records). */
  size = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  /** Set by the first failed write or sync; every later append fails with it (the tail may be torn). */
  private failure: Error | null = null;

  /** True when every write of the log file is itself durable (O_DSYNC), so no separate fdatasync is needed. */
  private readonly syncOnWrite: boolean;

  private constructor(
    readonly dir: string,
    readonly durable: boolean,
    private readonly hooks: WalHooks,
  ) {
    this.syncOnWrite = durable && DSYNC !== undefined;
  }

  private openLog(file: string): Promise<FileHandle> {
    return open(file, this.syncOnWrite ? APPEND | DSYNC! : APPEND);
  }

  static async open(dir: string, durable: boolean, hooks: WalHooks = {}): Promise<{ wal: Wal; recovered: Recovered }> {
    const wal = new Wal(dir, durable, hooks);
    const snapFile = path.join(dir, SNAPSHOT_FILE);
    const snap = existsSync(snapFile) ? readSnapshot(snapFile) : null;
    const logFile = path.join(dir, WAL_FILE);
    let records: CommitRecord[] = [];
    let truncatedBytes = 0;
    if (existsSync(logFile)) {
      const buf = readFileSync(logFile);
      const decoded = decodeLog(buf);
      records = decoded.records;
      truncatedBytes = buf.length - decoded.validBytes;
      if (truncatedBytes > 0) {
        const fd = openSync(logFile, "r+");
        try {
          ftruncateSync(fd, decoded.validBytes);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      wal.size = decoded.validBytes;
    }
    if (snap) {
      const snapTs = BigInt(snap.header.ts);
      records = records.filter((r) => BigInt(r.ts) > snapTs);
    }
    wal.fh = await wal.openLog(logFile);
    if (!existsSync(logFile) || wal.size === 0) fsyncDir(dir);
    return { wal, recovered: { header: snap?.header ?? null, docs: snap?.docs ?? [], records, truncatedBytes } };
  }

  /** Queues a record; resolves once it is written (and, when durable, fdatasynced). */
  append(record: CommitRecord): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const buf = encodeRecord(record);
    this.batch.push(buf);
    this.batchBytes += buf.length;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flushLoop();
    return done;
  }

  /** Bytes written plus bytes queued. */
  get totalBytes(): number {
    return this.size + this.batchBytes;
  }

  /** Records queued for the next batch (not counting the one in flight). */
  get queuedRecords(): number {
    return this.batch.length;
  }

  /** Resolves once every record appended so far is written; rejects if any batch failed. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failure) throw this.failure;
  }

  private async flushLoop(): Promise<void> {
    // The first batch is written in the event loop's check phase (setImmediate), not on the next microtask: every
    // mutation whose message arrived in the same poll phase (several clients' frames, a pipelined burst) runs and
    // appends first, so their commits share one durable write instead of the first taking one alone. A mutation
    // runs in microtasks (its database calls answer synchronously), so the wait is only for work already there;
    // when nothing else is pending the check phase follows at once. Records appended while a batch is being
    // written form the next batch, written as soon as this one is durable.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.batch.length > 0 && !this.failure) {
        const bufs = this.batch;
        const bytes = this.batchBytes;
        const waiters = this.waiters;
        this.batch = [];
        this.batchBytes = 0;
        this.waiters = [];
        try {
          const data = bufs.length === 1 ? bufs[0] : Buffer.concat(bufs, bytes);
          if (this.durable) await this.hooks.beforeSync?.(bufs.length);
          let off = 0;
          while (off < data.length) off += (await this.fh!.write(data, off)).bytesWritten;
          if (this.durable && !this.syncOnWrite) await this.fh!.datasync();
          this.size += bytes;
        } catch (e) {
          this.failure = e instanceof Error ? e : new Error(String(e));
          for (const w of [...waiters, ...this.waiters]) w.reject(this.failure);
          this.batch = [];
          this.batchBytes = 0;
          this.waiters = [];
          return;
        }
        for (const w of waiters) w.resolve();
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Writes a snapshot of the whole database, then starts an empty log. */
  async compact(header: SnapshotHeader, docs: Iterable<[string, DocJson]>): Promise<void> {
    // The caller holds the mutation queue, so nothing is appended while the snapshot is written.
    await this.drain();
    const tmp = path.join(this.dir, SNAPSHOT_FILE + ".tmp");
    const out = await open(tmp, "w");
    try {
      await out.write(JSON.stringify(header) + "\n");
      let chunk: string[] = [];
      let count = 0;
      for (const entry of docs) {
        chunk.push(JSON.stringify(entry));
        count++;
        if (chunk.length >= 2000) {
          await out.write(chunk.join("\n") + "\n");
          chunk = [];
        }
      }
      if (chunk.length) await out.write(chunk.join("\n") + "\n");
      await out.write(JSON.stringify({ end: count }) + "\n");
      await out.sync();
    } finally {
      await out.close();
    }
    renameSync(tmp, path.join(this.dir, SNAPSHOT_FILE));
    fsyncDir(this.dir);
    // The snapshot now holds everything: a crash before the log is emptied only replays records it
    // already contains, which recovery skips by ts.
    await this.fh!.close();
    const logTmp = path.join(this.dir, WAL_FILE + ".tmp");
    const empty = await open(logTmp, "w");
    await empty.sync();
    await empty.close();
    renameSync(logTmp, path.join(this.dir, WAL_FILE));
    fsyncDir(this.dir);
    this.fh = await this.openLog(path.join(this.dir, WAL_FILE));
    this.size = 0;
  }

  async close() {
    await this.drain().catch(() => undefined);
    await this.fh?.close();
    this.fh = null;
  }
}
