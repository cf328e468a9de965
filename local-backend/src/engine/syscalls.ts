import { createHash } from "node:crypto";
import { convexToJson, type JSONValue } from "convex/values";
import type { Committer } from "./commit.js";
import type { Documents, GetArgs, WriteArgs } from "./documents.js";
import { FunctionError, type Functions, type Kind, type Outcome } from "./functions.js";
import { MAX_SUFFIX } from "./keys.js";
import type { Mutations } from "./mutations.js";
import { queryPage, type PageArgs } from "./pagination.js";
import type { Queries } from "./queries.js";
import { startQuery, type SerializedQuery } from "./queryStream.js";
import { requestIdOf, type Frame, type SyscallArgs, type SyscallHandler } from "./runtime.js";
import type { ScheduleArgs, Scheduler } from "./scheduler.js";
import type { Storage } from "./storage.js";
import { BY_CREATION_TIME, type Store } from "./store.js";
import { LIMITS, rollback, type Tx } from "./transaction.js";

// The `Convex.syscall / asyncSyscall / jsSyscall` operations of Convex's function runtime, routed to the part of
// the engine that does each. Invariants:
// - The database is reachable only from a query or mutation frame (its transaction); writes only from a
//   mutation; the action-only operations only from an action. Each refusal says what to use instead.
// - A nested ctx.runMutation that fails rolls back exactly its own writes (to its savepoint) and throws in the
//   caller, which may catch it and go on.
// - An action's ctx.runQuery/runMutation/runAction and scheduler calls run as their own transactions, as when
//   a client calls them, with internal functions allowed.
// - An unknown operation fails with its name.

/** The parts of the engine the syscalls reach; all are set before any function runs. */
export interface EngineParts {
  readonly store: Store;
  readonly committer: Committer;
  readonly documents: Documents;
  readonly functions: Functions;
  readonly queries: Queries;
  readonly mutations: Mutations;
  readonly scheduler: Scheduler;
  readonly storage: Storage;
}

interface CallArgs {
  name?: string;
  args: JSONValue;
}

interface RunUdfArgs extends CallArgs {
  udfType: string;
  reference?: string;
}

interface StorageArgs {
  storageId: string;
}

/**
 * What getTransactionMetrics reports beyond the transaction's own counters: calls to db.get / db.query (and
 * paginate, count), scheduled functions and the bytes of their arguments (as JSON). Counted per transaction.
 */
interface TxCounts {
  databaseQueries: number;
  functionsScheduled: number;
  scheduledArgsBytes: number;
}
const txCounts = new WeakMap<Tx, TxCounts>();
function countsOf(tx: Tx): TxCounts {
  let c = txCounts.get(tx);
  if (!c) txCounts.set(tx, (c = { databaseQueries: 0, functionsScheduled: 0, scheduledArgsBytes: 0 }));
  return c;
}
// Convex's documented per-transaction limits for what the engine does not count in the transaction itself.
const MAX_DATABASE_QUERIES = 4096;
const MAX_FUNCTIONS_SCHEDULED = 1000;
const MAX_SCHEDULED_ARGS_BYTES = 16 << 20;

function txOf(frame: Frame): Tx {
  if (!frame.tx) throw new Error("The database is only available in queries and mutations. In an action use ctx.runQuery / ctx.runMutation.");
  return frame.tx;
}

function writableTx(frame: Frame): Tx {
  const tx = txOf(frame);
  if (frame.kind !== "mutation") throw new Error("Queries can't write: this operation is only available in mutations.");
  return tx;
}

function actionOnly(frame: Frame, op: string) {
  if (frame.kind !== "action") throw new Error(`${op} is only available in actions.`);
}

export class Syscalls implements SyscallHandler {
  constructor(private readonly parts: EngineParts) {}

  syscall(frame: Frame, op: string, args: SyscallArgs): unknown {
    const { store } = this.parts;
    switch (op) {
      case "1.0/queryStream": {
        const tx = txOf(frame);
        countsOf(tx).databaseQueries++;
        return startQuery(store, tx, args.query as SerializedQuery);
      }
      case "1.0/queryCleanup": {
        txOf(frame).streams.delete(args.queryId as number);
        return true;
      }
      case "1.0/db/normalizeId": {
        const table = args.table as string;
        const id = args.idString as string;
        return { id: store.tableOfId(id) === table ? id : null };
      }
      case "1.0/getSnapshotTs":
        return convexToJson(this.parts.committer.ts);
      default:
        throw new Error(`Unknown operation ${op} (not supported by the local backend).`);
    }
  }

  /**
   * The database operations answer synchronously (a value, not a promise): the runtime hands a value back to
   * Convex's `performAsyncSyscall`, which awaits it, without an async function and its promises around every
   * ctx.db call (each promise also runs AsyncLocalStorage's hook). The rest return a promise. A refusal throws
   * synchronously, which performAsyncSyscall catches as it catches a rejection.
   */
  asyncSyscall(frame: Frame, op: string, args: SyscallArgs): unknown {
    const { store, documents, scheduler, storage, mutations } = this.parts;
    switch (op) {
      case "1.0/get": {
        const tx = txOf(frame);
        countsOf(tx).databaseQueries++;
        return documents.get(tx, args as unknown as GetArgs);
      }
      case "1.0/insert":
        return { _id: documents.insert(writableTx(frame), args.table as string, args.value as JSONValue) };
      case "1.0/shallowMerge":
        documents.patch(writableTx(frame), args as unknown as WriteArgs, "patch");
        return null;
      case "1.0/replace":
        documents.patch(writableTx(frame), args as unknown as WriteArgs, "replace");
        return null;
      case "1.0/remove":
        documents.remove(writableTx(frame), args.id, args.table as string | undefined);
        return null;
      case "1.0/queryStreamNext": {
        const tx = txOf(frame);
        const stream = tx.streams.get(args.queryId as number);
        if (!stream) throw new Error("This query is closed and can't emit any more values.");
        const doc = stream.next();
        return doc ? { value: doc.json, done: false } : { value: null, done: true };
      }
      case "1.0/queryPage": {
        const tx = txOf(frame);
        countsOf(tx).databaseQueries++;
        return queryPage(store, tx, args as unknown as PageArgs);
      }
      case "1.0/count": {
        const tx = txOf(frame);
        countsOf(tx).databaseQueries++;
        const table = store.ensureTable(args.table as string);
        tx.reads.add(table.name, BY_CREATION_TIME, { lo: "", hi: MAX_SUFFIX });
        return table.docs.size;
      }
      case "1.0/getUserIdentity":
        return frame.identity ?? null;
      case "1.0/runUdf":
        return this.runUdf(frame, args as unknown as RunUdfArgs);
      case "1.0/schedule": {
        const tx = writableTx(frame);
        const id = scheduler.schedule(tx, args as unknown as ScheduleArgs);
        const counts = countsOf(tx);
        counts.functionsScheduled++;
        counts.scheduledArgsBytes += Buffer.byteLength(JSON.stringify((args as unknown as ScheduleArgs).args ?? {}));
        return id;
      }
      case "1.0/cancel_job":
        scheduler.cancel(writableTx(frame), args.id as string);
        return null;
      case "1.0/actions/query":
      case "1.0/actions/mutation":
      case "1.0/actions/action":
        return this.actionCall(frame, op, args as unknown as CallArgs);
      case "1.0/actions/schedule":
        actionOnly(frame, op);
        return mutations.transact((tx) => scheduler.schedule(tx, args as unknown as ScheduleArgs));
      case "1.0/actions/cancel_job":
        actionOnly(frame, op);
        return mutations.transact((tx) => scheduler.cancel(tx, args.id as string)).then(() => null);
      case "1.0/storageGenerateUploadUrl":
        return storage.generateUploadUrl();
      case "1.0/storageGetUrl": {
        const doc = storage.doc(frame.tx, (args as unknown as StorageArgs).storageId);
        return doc ? storage.urlOf(doc) : null;
      }
      case "1.0/storageGetMetadata": {
        const doc = storage.doc(frame.tx, (args as unknown as StorageArgs).storageId);
        if (!doc) return null;
        return { storageId: doc.id, sha256: doc.json.sha256, size: doc.json.size, contentType: doc.json.contentType ?? null };
      }
      case "1.0/storageDelete": {
        const { storageId } = args as unknown as StorageArgs;
        if (frame.kind === "action") return storage.delete(storageId).then(() => null);
        storage.deleteInTx(writableTx(frame), storageId);
        return null;
      }
      case "1.0/storageStore": {
        const bytes = Buffer.from(args.blob as string, "base64");
        const contentType = (args.contentType as string | undefined) || null;
        if (frame.kind === "action") return storage.storeBlob(bytes, contentType);
        return storage.storeBlobInTx(writableTx(frame), bytes, contentType);
      }
      case "1.0/storageGet": {
        const doc = storage.doc(frame.tx, (args as unknown as StorageArgs).storageId);
        return doc ? storage.readBase64(doc) : null;
      }
      case "1.0/getFunctionMetadata":
        return { name: frame.path, componentPath: "" };
      case "1.0/getDeploymentMetadata":
        return { name: "local", region: null, class: "local" };
      case "1.0/getRequestMetadata":
        return { ip: null, userAgent: null, requestId: requestIdOf(frame), scheduledFunctionId: null, authToken: null };
      case "1.0/getTransactionMetrics": {
        if (frame.kind === "action") throw new Error("Unknown async operation 1.0/getTransactionMetrics");
        const tx = txOf(frame);
        const c = countsOf(tx);
        return convexToJson({
          bytesRead: { used: tx.bytesRead, remaining: LIMITS.bytesRead - tx.bytesRead },
          bytesWritten: { used: tx.bytesWritten, remaining: LIMITS.bytesWritten - tx.bytesWritten },
          databaseQueries: { used: c.databaseQueries, remaining: MAX_DATABASE_QUERIES - c.databaseQueries },
          documentsRead: { used: tx.scanned, remaining: LIMITS.documentsScanned - tx.scanned },
          documentsWritten: { used: tx.writes, remaining: LIMITS.documentsWritten - tx.writes },
          functionsScheduled: { used: c.functionsScheduled, remaining: MAX_FUNCTIONS_SCHEDULED - c.functionsScheduled },
          scheduledFunctionArgsBytes: { used: c.scheduledArgsBytes, remaining: MAX_SCHEDULED_ARGS_BYTES - c.scheduledArgsBytes },
        });
      }
      default:
        throw new Error(`Unknown async operation ${op} (not supported by the local backend).`);
    }
  }

  jsSyscall(_frame: Frame, op: string, args: SyscallArgs): unknown {
    const { storage } = this.parts;
    switch (op) {
      case "storage/storeBlob":
        return (async () => {
          const blob = args.blob as Blob;
          const bytes = new Uint8Array(await blob.arrayBuffer());
          const expected = (args.options as { sha256?: string } | undefined)?.sha256;
          if (expected !== undefined) {
            const actual = createHash("sha256").update(bytes).digest("base64");
            if (actual !== expected && createHash("sha256").update(bytes).digest("hex") !== expected) {
              throw new Error(`Hash mismatch: the blob's sha256 is ${actual}, expected ${expected}.`);
            }
          }
          return storage.storeBlob(bytes, blob.type || null);
        })();
      case "storage/getBlob":
        return (async () => {
          const got = await storage.getBlob(args.storageId as string);
          return got ? new Blob([got.bytes as Uint8Array<ArrayBuffer>], { type: got.contentType ?? "" }) : null;
        })();
      default:
        throw new Error(`Unknown JS syscall ${op} (not supported by the local backend).`);
    }
  }

  /** ctx.runQuery / ctx.runMutation inside a query or mutation: same transaction, savepoint for a mutation. */
  private async runUdf(frame: Frame, args: RunUdfArgs): Promise<JSONValue> {
    const { functions, store } = this.parts;
    const udfPath = args.name;
    if (typeof udfPath !== "string") throw new Error("Function handles and component references are not supported by the local backend.");
    const tx = txOf(frame);
    const kind: Kind = args.udfType === "mutation" ? "mutation" : "query";
    if (kind === "mutation" && frame.kind !== "mutation") throw new Error("ctx.runMutation is only available in mutations and actions.");
    const fn = functions.resolve(udfPath, kind, true);
    const child: Frame = { ...functions.newFrame(kind, udfPath, frame.identity, tx, JSON.stringify(args.args)), logLines: frame.logLines, nowMs: frame.nowMs };
    const savepoint = tx.undo.length;
    const out = await functions.invoke(fn, kind, child, args.args);
    if (child.readClock) frame.readClock = true;
    if (!out.ok) {
      if (kind === "mutation") await rollback(store, tx, savepoint);
      throw new FunctionError(out.message ?? out.error, out.errorData);
    }
    return out.value;
  }

  /** ctx.runQuery / runMutation / runAction in an action: each its own transaction, as from a client. */
  private async actionCall(frame: Frame, op: string, args: CallArgs): Promise<JSONValue> {
    const { functions, queries, mutations } = this.parts;
    actionOnly(frame, op);
    const udfPath = args.name;
    if (typeof udfPath !== "string") throw new Error("Function handles and component references are not supported by the local backend.");
    let out: Outcome;
    if (op === "1.0/actions/query") out = await queries.run(udfPath, args.args, frame.identity, true);
    else if (op === "1.0/actions/mutation") out = await mutations.runInternal(udfPath, args.args, frame.identity);
    else out = await functions.runAction(udfPath, args.args, frame.identity, true);
    for (const line of out.logLines) frame.logLines.push(line);
    if (!out.ok) throw new FunctionError(out.message ?? out.error, out.errorData);
    return out.value;
  }
}
