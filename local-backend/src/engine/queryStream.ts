import type { JSONValue } from "convex/values";
import { decodeMaybeUndefined, evaluate } from "./filter.js";
import type { Pos } from "./indexKeys.js";
import { encodeValue, MAX_SUFFIX } from "./keys.js";
import { BY_CREATION_TIME, type Doc, type Index, type Store, type Table } from "./store.js";
import { countRead, type Range, type Tx } from "./transaction.js";

// Running a serialized Convex query (`ctx.db.query(...)`: a full table scan or an index range, then filters and
// limits) as a stream over one index's sorted keys. Invariants:
// - A stream remembers its position by key, not by array position, so writes made while it is open (by the
//   same mutation) cannot make it skip or repeat a document.
// - The transaction's read set grows with the stream: it covers exactly the keys scanned so far (from the start
//   of the range to the last key returned), and the whole range once the stream ends, so a take(n) depends
//   only on the rows before its last one.
// - Every document scanned, filtered out or not, counts against the transaction's read limits.

export type SerializedQuery = {
  source:
    | { type: "FullTableScan"; tableName: string; order: "asc" | "desc" | null }
    | { type: "IndexRange"; indexName: string; range: IndexRangeExpr[]; order: "asc" | "desc" | null }
    | { type: "Search"; indexName: string };
  operators: ({ filter: JSONValue } | { limit: number })[];
};

type IndexRangeExpr = { type: string; fieldPath: string; value: JSONValue };

/** A scan over one index range; positions are tracked by key so writes during iteration are safe. */
export class QueryStream {
  lastKey: string | null = null;
  done = false;
  private readonly pos: Pos = { c: 0, i: 0 };
  private counts: number[];
  readonly range: Range;

  constructor(
    private readonly tx: Tx,
    readonly table: Table,
    readonly index: Index,
    public lo: string,
    public hi: string,
    readonly order: "asc" | "desc",
    private readonly operators: SerializedQuery["operators"],
  ) {
    this.counts = operators.map(() => 0);
    this.range = order === "asc" ? { lo, hi: lo } : { lo: hi, hi };
    tx.reads.add(table.name, index.def.name, this.range);
  }

  private finish() {
    this.done = true;
    this.range.lo = this.lo;
    this.range.hi = this.hi;
  }

  next(): Doc | null {
    for (;;) {
      if (this.done) return null;
      const entries = this.index.entries;
      const pos = this.pos;
      let key: string | undefined;
      if (this.order === "asc") {
        if (this.lastKey === null) entries.seek(pos, this.lo);
        else if (entries.keyAt(pos) === this.lastKey) entries.step(pos, 1);
        else entries.seek(pos, this.lastKey, true);
        key = entries.keyAt(pos);
        if (key === undefined || key >= this.hi) {
          this.finish();
          return null;
        }
      } else {
        if (this.lastKey === null) entries.seek(pos, this.hi);
        else if (entries.keyAt(pos) !== this.lastKey) entries.seek(pos, this.lastKey);
        entries.step(pos, -1);
        key = entries.keyAt(pos);
        if (key === undefined || key < this.lo) {
          this.finish();
          return null;
        }
      }
      this.lastKey = key;
      if (this.order === "asc") this.range.hi = key + "\0";
      else this.range.lo = key;
      const doc = this.table.docs.get(entries.idAt(pos))!;
      countRead(this.tx, doc);
      let pass = true;
      for (let i = 0; i < this.operators.length && pass; i++) {
        const op = this.operators[i];
        if ("filter" in op) {
          pass = evaluate(op.filter, doc.value) === true;
        } else if (this.counts[i] >= op.limit) {
          this.finish();
          return null;
        } else {
          this.counts[i]++;
        }
      }
      if (!pass) continue;
      this.operators.forEach((op, i) => {
        if ("limit" in op && this.counts[i] >= op.limit) this.done = true;
      });
      return doc;
    }
  }
}

/**
 * Opens a stream for `query`, starting after `cursorKey` and ending at `endKey` (inclusive) when given, in the
 * query's order.
 */
export function openStream(store: Store, tx: Tx, query: SerializedQuery, cursorKey: string | null, endKey: string | null): QueryStream {
  const source = query.source;
  if (source.type === "Search") throw new Error("Search indexes (withSearchIndex) are not supported by the local backend.");
  const order = source.order ?? "asc";
  let table: Table;
  let index: Index;
  let lo = "";
  let hi = MAX_SUFFIX;
  if (source.type === "FullTableScan") {
    table = store.ensureTable(source.tableName);
    index = table.indexes.get(BY_CREATION_TIME)!;
  } else {
    const dot = source.indexName.indexOf(".");
    const tableName = source.indexName.slice(0, dot);
    const indexName = source.indexName.slice(dot + 1);
    table = store.ensureTable(tableName);
    const found = table.indexes.get(indexName);
    if (!found) {
      const known = [...table.indexes.keys()].join(", ");
      throw new Error(`Index ${tableName}.${indexName} not found. Indexes of "${tableName}": ${known}. Define it in convex/schema.ts.`);
    }
    index = found;
    [lo, hi] = indexRange(source.indexName, index, source.range);
  }
  if (cursorKey !== null) {
    if (order === "asc") lo = cursorKey + "\0" > lo ? cursorKey + "\0" : lo;
    else hi = cursorKey < hi ? cursorKey : hi;
  }
  if (endKey !== null) {
    if (order === "asc") hi = endKey + "\0" < hi ? endKey + "\0" : hi;
    else lo = endKey > lo ? endKey : lo;
  }
  if (hi < lo) hi = lo;
  return new QueryStream(tx, table, index, lo, hi, order, query.operators);
}

/** The key range [lo, hi) of an index range expression (eq on a prefix of the fields, then bounds on the next). */
function indexRange(name: string, index: Index, exprs: IndexRangeExpr[]): [string, string] {
  // As in Convex, every index ends with `_creationTime` (its keys end with the document's suffix, store.ts), so a
  // range may also compare it after the declared fields: model/search.ts resumes a project's files that way.
  const fields = [...index.def.fields, "_creationTime"];
  let prefix = "";
  let i = 0;
  let j = 0;
  const order = `(${fields.join(", ")})`;
  for (; j < exprs.length && exprs[j].type === "Eq"; j++, i++) {
    if (fields[i] !== exprs[j].fieldPath) {
      throw new Error(
        `Index range for ${name} must compare the index fields in order ${order}: found eq("${exprs[j].fieldPath}") where "${fields[i] ?? "(end)"}" was expected.`,
      );
    }
    prefix += encodeValue(decodeMaybeUndefined(exprs[j].value));
  }
  let lo = prefix;
  let hi = prefix + MAX_SUFFIX;
  let sawLower = false;
  let sawUpper = false;
  for (; j < exprs.length; j++) {
    const e = exprs[j];
    if (e.type === "Eq") throw new Error(`Index range for ${name}: eq() must come before gt/gte/lt/lte.`);
    if (fields[i] !== e.fieldPath) {
      throw new Error(`Index range for ${name} must compare the index fields in order ${order}: "${e.fieldPath}" is not the next field ("${fields[i] ?? "(end)"}").`);
    }
    const k = prefix + encodeValue(decodeMaybeUndefined(e.value));
    if (e.type === "Gt" || e.type === "Gte") {
      if (sawLower) throw new Error(`Index range for ${name} has two lower bounds.`);
      sawLower = true;
      lo = e.type === "Gte" ? k : k + MAX_SUFFIX;
    } else {
      if (sawUpper) throw new Error(`Index range for ${name} has two upper bounds.`);
      sawUpper = true;
      hi = e.type === "Lt" ? k : k + MAX_SUFFIX;
    }
  }
  return [lo, hi];
}

/** Starts a `ctx.db.query` stream in the transaction; its id is what the runtime's next/cleanup calls name. */
export function startQuery(store: Store, tx: Tx, query: SerializedQuery): { queryId: number } {
  const stream = openStream(store, tx, query, null, null);
  const queryId = tx.nextStreamId++;
  tx.streams.set(queryId, stream);
  return { queryId };
}
