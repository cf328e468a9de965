import type { Idempotency } from "./idempotency.js";
import { makeDoc, SYSTEM_TABLES, type Store } from "./store.js";
import type { Recovered } from "./wal.js";

// Rebuilding the in-memory database from what the write-ahead log recovered (wal.ts): the snapshot's
// documents, then every log record newer than it, in log order. Invariants:
// - Table numbers come from the snapshot and the records that first used them, never re-assigned, so ids
//   stored anywhere keep naming their table.
// - The resulting ts is the newest commit's; the idempotency results are those the snapshot and records carry.
// - Indexes are not touched while loading: nothing has read them yet, and each is built from the documents when
//   first read (store.ts Index), after Schema.apply has set them.

export interface RecoveredState {
  /** Timestamp of the newest recovered commit (0 for an empty data dir). */
  ts: bigint;
  /** Tables whose number is on disk (a commit that first uses another table records its number). */
  persistedTables: Set<string>;
}

export function loadRecovered(store: Store, recovered: Recovered, idempotency: Idempotency): RecoveredState {
  let ts = 0n;
  const persistedTables = new Set<string>();
  if (recovered.header) {
    for (const [name, num] of Object.entries(recovered.header.tables)) {
      store.ensureTable(name, num);
      persistedTables.add(name);
    }
    ts = BigInt(recovered.header.ts);
    for (const [k, t, r] of recovered.header.idempotency) idempotency.remember(k, BigInt(t), r);
  }
  for (const [table, json] of recovered.docs) store.loadDoc(makeDoc(table, json));
  for (const record of recovered.records) {
    for (const [name, num] of Object.entries(record.t ?? {})) {
      store.ensureTable(name, num);
      persistedTables.add(name);
    }
    for (const [table, id, json] of record.w) {
      const t = store.ensureTable(table);
      if (json) t.docs.set(id, makeDoc(table, json));
      else t.docs.delete(id);
    }
    const recordTs = BigInt(record.ts);
    if (recordTs > ts) ts = recordTs;
    if (record.k !== undefined) idempotency.remember(record.k, recordTs, record.r ?? null);
  }
  for (const name of Object.keys(SYSTEM_TABLES)) persistedTables.add(name);
  return { ts, persistedTables };
}

/** The newest `_creationTime` in the store, so new documents are created after every stored one. */
export function latestCreationTime(store: Store): number {
  let latest = 0;
  for (const t of store.tables.values()) {
    for (const d of t.docs.values()) {
      const ct = d.json._creationTime as number;
      if (ct > latest) latest = ct;
    }
  }
  return latest;
}
