import { AsyncLocalStorage } from "node:async_hooks";
import { compareValues, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";

// Index lookups for convex-test's in-memory database, so the function tests can run a project past Convex's
// per-function limits (tests/functions/cases/scale.ts) on convex-test too.
//
// Why: convex-test 0.0.60 answers every query, whatever its index, by walking the keys of the whole database (all
// tables), testing each document against the index range and sorting what matched (DatabaseFake `_iterateDocs`,
// `_resolveQuerySource`). A query costs the size of the database, not of its answer: at 40,000 files (~85,000
// documents) one listing bucket read walks all of them, and the scale case's tree check after each purge batch
// reads ~40 buckets, for ~40 batches.
//
// What it changes, and what it keeps: only which documents convex-test's own `_resolveQuerySource` is handed to
// look at. For an index range whose leading fields are fixed with `eq`, it is handed the committed documents with
// those field values (kept here per index and prefix length, updated as each outermost transaction commits) and
// every document the running transaction has written in that table; for any other query, the table's documents.
// That is always a superset of what convex-test would match, and convex-test itself still tests each against the
// whole range, sorts, paginates and counts the reads against the transaction limits, so answers, order, cursors and
// limit errors are convex-test's own. (Only a search query's order, which is convex-test's walk order, rests on this
// file walking a table in the order convex-test would: first committed, in insertion order, then pending.)
// `verify: true` runs every query both ways and throws on any difference (convexTestIndexes.test.ts).
//
// How: convex-test exports no handle on its database. Its functions enter their context with
// AsyncLocalStorage.run(convexGlobal, …) on every call, so one call made while `run` is wrapped reveals the
// context object and in it the database; the wrapped methods are set on that one instance. The shape is checked
// and a change of convex-test that breaks it fails loudly here, never silently falls back.

type Doc = Record<string, Value> & { _id: string };
type Writes = Record<string, Doc | null>;

interface RangeExpression {
  type: "Eq" | "Gt" | "Gte" | "Lt" | "Lte";
  fieldPath: string;
  value: JSONValue;
}

interface SerializedQuery {
  operators: object[];
  source:
    | { type: "IndexRange"; indexName: string; range: RangeExpression[]; order?: "asc" | "desc" }
    | { type: "FullTableScan"; tableName: string }
    | { type: "Search"; indexName: string };
}

interface ResolvedSource {
  sortedDocs: Doc[];
}

interface PageResult {
  page: Doc[];
  isDone: boolean;
  continueCursor: string;
  splitCursor: string | null;
  pageStatus: string | null;
}

/** The parts of convex-test's DatabaseFake (dist/index.js) this file relies on. */
interface DatabaseFake {
  _documents: Record<string, Doc>;
  _writes: Writes[];
  _schema: { tables: Map<string, { indexes: { indexDescriptor: string; fields: string[] }[] }> } | null;
  _iterateDocs(tableName: string, callback: (doc: Doc) => void): void;
  _resolveQuerySource(query: SerializedQuery): ResolvedSource;
  _evaluateQuery(query: SerializedQuery): Doc[];
  paginate(request: { query: SerializedQuery; cursor: string | null; endCursor?: string | null; pageSize: number }): PageResult;
  commit(commitTs?: bigint | null): void;
  get(tableName: string, id: string): Doc | null;
}

/** The table of an id of convex-test's (`<counter digits><table name>`), as its tableNameFromId reads it. */
function tableOf(id: string): string {
  let i = 0;
  while (i < id.length && id.charCodeAt(i) >= 48 && id.charCodeAt(i) <= 57) i += 1;
  return id.slice(i);
}

/** Whether `id` is an id of `table`, without slicing. */
function inTable(id: string, table: string): boolean {
  const digits = id.length - table.length;
  if (digits <= 0 || !id.endsWith(table)) return false;
  const c = id.charCodeAt(digits - 1);
  return c >= 48 && c <= 57 && tableOf(id) === table;
}

/**
 * A key for an index field's value: values convex-test's compareValues finds equal always get the same key, and
 * values with different keys are never equal. Keys starting with "~" may be coarser than equality (every NaN shares
 * one, every array, object and bytes value another): a lookup then hands over more documents, which convex-test's
 * own range test drops, and a page is not cut short (see groupCandidates).
 */
function keyOf(value: Value | undefined): string {
  switch (typeof value) {
    case "undefined":
      return "u";
    case "string":
      return `s${value}`;
    case "number":
      // compareValues orders -0 before 0; String(-0) is "0".
      return Number.isNaN(value) ? "~NaN" : Object.is(value, -0) ? "f-0" : `f${value}`;
    case "bigint":
      return `i${value}`;
    case "boolean":
      return value ? "t" : "F";
    default:
      return value === null ? "n" : "~o";
  }
}

/** As convex-test's isSimpleObject: a plain object, from this realm or another (the edge runtime's vm). */
function isPlainObject(value: unknown): value is Record<string, Value> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype || (prototype as { constructor?: { name?: string } }).constructor?.name === "Object";
}

/** A document's value at a field path, as convex-test's evaluateFieldPath reads it (committed documents). */
function fieldValue(doc: Doc, fieldPath: string): Value | undefined {
  let value: Value | undefined = doc;
  for (const part of fieldPath.split(".")) value = isPlainObject(value) ? value[part] : undefined;
  return value;
}

/** A query bound as convex-test's evaluateQueryValue reads it. */
function boundValue(json: JSONValue): Value | undefined {
  if (isPlainObject(json) && "$undefined" in json) return undefined;
  return jsonToConvex(json);
}

const prefixKey = (keys: string[]) => keys.map((k) => `${k.length}:${k}`).join("");

/** Compares two tuples of values as convex-test's sort and cursors do (compareValues, field by field). */
function compareTuples(a: (Value | undefined)[], b: (Value | undefined)[]): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

/** The committed documents with one set of leading field values, and (built when asked) their index order. */
class Group {
  readonly ids = new Set<string>();
  private order: { id: string; key: (Value | undefined)[] }[] | null = null;

  changed() {
    this.order = null;
  }

  /** Ids in the index's order (its fields, then _creationTime and _id, as convex-test sorts), with their keys. */
  sorted(db: DatabaseFake, fields: string[]) {
    if (this.order === null) {
      this.order = [...this.ids].map((id) => ({ id, key: fields.map((f) => fieldValue(db._documents[id], f)) }));
      this.order.sort((a, b) => compareTuples(a.key, b.key));
    }
    return this.order;
  }
}

/** One index: for each prefix length n (1…fields), the committed documents grouped by their first n field values. */
class PrefixIndex {
  readonly byPrefix: Map<string, Group>[];
  /** The fields convex-test sorts this index's results by (and its cursors name). */
  readonly sortFields: string[];

  constructor(readonly fields: string[]) {
    this.byPrefix = fields.map(() => new Map<string, Group>());
    this.sortFields = [...fields, "_creationTime", "_id"];
  }

  private keys(doc: Doc): string[] {
    const keys: string[] = [];
    const parts: string[] = [];
    for (const field of this.fields) {
      parts.push(keyOf(fieldValue(doc, field)));
      keys.push(prefixKey(parts));
    }
    return keys;
  }

  /** Moves a committed document between groups as it is inserted, changed or deleted. */
  update(id: string, before: Doc | undefined, after: Doc | undefined) {
    const from = before === undefined ? [] : this.keys(before);
    const to = after === undefined ? [] : this.keys(after);
    for (let n = 0; n < this.fields.length; n++) {
      // The sort keys are the index fields, _creationTime and _id: unchanged fields keep the group's order.
      if (from[n] !== undefined && from[n] === to[n]) continue;
      if (from[n] !== undefined) {
        const group = this.byPrefix[n].get(from[n])!;
        group.ids.delete(id);
        group.changed();
        if (group.ids.size === 0) this.byPrefix[n].delete(from[n]);
      }
      if (to[n] !== undefined) {
        let group = this.byPrefix[n].get(to[n]);
        if (group === undefined) this.byPrefix[n].set(to[n], (group = new Group()));
        group.ids.add(id);
        group.changed();
      }
    }
  }

  /**
   * The group of committed documents whose leading fields equal the range's leading `eq` bounds (null when it fixes
   * none), and whether it holds exactly the range's documents (the range is those bounds, each key exact).
   */
  lookup(range: RangeExpression[]): { group: Group; exact: boolean } | null {
    const parts: string[] = [];
    for (const expression of range) {
      if (expression.type !== "Eq" || parts.length === this.fields.length || expression.fieldPath !== this.fields[parts.length]) break;
      parts.push(keyOf(boundValue(expression.value)));
    }
    if (parts.length === 0) return null;
    return { group: this.byPrefix[parts.length - 1].get(prefixKey(parts)) ?? new Group(), exact: parts.length === range.length && !parts.some((k) => k.startsWith("~")) };
  }
}

class TableIndexes {
  /** Committed ids in insertion order (convex-test's `_documents` key order for this table). */
  readonly ids = new Set<string>();
  readonly indexes = new Map<string, PrefixIndex>();

  update(id: string, before: Doc | undefined, after: Doc | undefined) {
    for (const index of this.indexes.values()) index.update(id, before, after);
    if (after === undefined) this.ids.delete(id);
    else if (before === undefined) this.ids.add(id);
  }
}

interface PageRequest {
  cursor: string | null;
  endCursor?: string | null;
  pageSize: number;
}

/** A cursor of convex-test's paginate (`_encodeCursor`): the sort fields' values. */
function parseCursor(cursor: string): (Value | undefined)[] {
  return (JSON.parse(cursor) as (string | null)[]).map((k) => (k === null ? undefined : jsonToConvex(JSON.parse(k) as JSONValue)));
}

function indexedDatabase(db: DatabaseFake, verify: boolean) {
  const tables = new Map<string, TableIndexes>();
  const tableIndexes = (table: string) => {
    let t = tables.get(table);
    if (t === undefined) {
      t = new TableIndexes();
      for (const { indexDescriptor, fields } of db._schema?.tables.get(table)?.indexes ?? []) {
        t.indexes.set(indexDescriptor, new PrefixIndex(fields));
      }
      tables.set(table, t);
    }
    return t;
  };
  for (const [id, doc] of Object.entries(db._documents)) tableIndexes(tableOf(id)).update(id, undefined, doc);

  /** Ids the running transaction has written in `table` and `committed` lacks. */
  const pendingIds = (table: string, committed: ReadonlySet<string> | null) => {
    const ids = new Set<string>();
    for (const writes of db._writes) for (const id in writes) if (committed?.has(id) !== true && inTable(id, table)) ids.add(id);
    return ids;
  };

  // What the next `_iterateDocs` call walks instead of the whole table (committed ids; the transaction's own
  // writes in the table are always walked too); set only around one resolve.
  let candidates: Iterable<string> | null = null;
  // The page a `paginate` call asks for, while it resolves its query.
  let page: PageRequest | null = null;
  let useIndexes = true;

  const originalResolve = db._resolveQuerySource.bind(db);
  const originalCommit = db.commit.bind(db);
  const originalPaginate = db.paginate.bind(db);
  const originalEvaluate = db._evaluateQuery.bind(db);

  db._iterateDocs = (tableName, callback) => {
    const committed = candidates ?? tableIndexes(tableName).ids;
    candidates = null;
    const walk = (id: string) => {
      const doc = db.get(tableName, id);
      if (doc !== null) callback(doc);
    };
    const walked = new Set<string>();
    for (const id of committed) {
      walked.add(id);
      walk(id);
    }
    for (const id of pendingIds(tableName, walked)) walk(id);
  };

  /**
   * The committed ids of the group that can be in the answer, in index order: for a page after a cursor, those
   * after it; for a page of a query without `.filter`, only as many as the page can use (its size, one more to
   * tell whether it is the last, and one for each document the transaction has written, which may replace one).
   */
  const groupCandidates = (query: SerializedQuery, table: string, index: PrefixIndex, { group, exact }: { group: Group; exact: boolean }): string[] => {
    const sorted = group.sorted(db, index.sortFields);
    let from = 0;
    let to = sorted.length;
    if (page !== null && query.source.type === "IndexRange" && (query.source.order ?? "asc") === "asc") {
      if (page.cursor !== null && page.cursor !== "_end_cursor") {
        const after = parseCursor(page.cursor);
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (compareTuples(sorted[mid].key, after) > 0) hi = mid;
          else lo = mid + 1;
        }
        from = lo;
      }
      const filtered = query.operators.some((operator) => "filter" in operator);
      const bounded = page.endCursor !== undefined && page.endCursor !== null;
      if (exact && !filtered && !bounded && Number.isInteger(page.pageSize) && page.pageSize > 0) {
        to = Math.min(to, from + page.pageSize + 1 + pendingIds(table, null).size);
      }
    }
    return sorted.slice(from, to).map((entry) => entry.id);
  };

  db._resolveQuerySource = (query) => {
    const { source } = query;
    if (useIndexes && source.type === "IndexRange") {
      const [table, indexName] = source.indexName.split(".");
      if (indexName === "by_id" && source.range[0]?.type === "Eq") {
        candidates = [boundValue(source.range[0].value) as string].filter((id) => tableIndexes(table).ids.has(id));
      } else {
        const index = tableIndexes(table).indexes.get(indexName);
        const group = index?.lookup(source.range) ?? null;
        candidates = group === null ? null : groupCandidates(query, table, index!, group);
      }
    }
    try {
      return originalResolve(query);
    } finally {
      candidates = null;
    }
  };

  db.paginate = (request) => {
    page = request;
    try {
      return originalPaginate(request);
    } finally {
      page = null;
    }
  };

  if (verify) {
    // Every answer also by convex-test's own full scan; any difference throws.
    const slowly = <T>(run: () => T): T => {
      useIndexes = false;
      try {
        return run();
      } finally {
        useIndexes = true;
      }
    };
    const same = (what: string, fast: unknown, slow: unknown, query: SerializedQuery) => {
      if (JSON.stringify(fast) !== JSON.stringify(slow)) {
        throw new Error(`indexed convex-test ${what} differs from the full scan: ${JSON.stringify(query)}`);
      }
    };
    const ids = (docs: Doc[]) => docs.map((doc) => doc._id);
    const fastPaginate = db.paginate.bind(db);
    db.paginate = (request) => {
      const fast = fastPaginate(request);
      const slow = slowly(() => fastPaginate(request));
      same("page", { ...fast, page: ids(fast.page) }, { ...slow, page: ids(slow.page) }, request.query);
      return fast;
    };
    db._evaluateQuery = (query) => {
      const fast = originalEvaluate(query);
      same("query", ids(fast), ids(slowly(() => originalEvaluate(query))), query);
      return fast;
    };
  }

  db.commit = (commitTs) => {
    // Only the outermost commit writes `_documents`; a nested one merges into its parent's pending writes.
    const writes = db._writes.length === 1 ? db._writes[0] : null;
    const before = writes === null ? [] : Object.keys(writes).map((id) => [id, db._documents[id]] as const);
    originalCommit(commitTs);
    for (const [id, doc] of before) tableIndexes(tableOf(id)).update(id, doc, db._documents[id]);
  };
}

interface ConvexGlobal {
  components: Record<string, { db: DatabaseFake }>;
}

function isConvexGlobal(store: unknown): store is ConvexGlobal {
  return isPlainObject(store) && "components" in store && "transactionManager" in store && "scheduler" in store;
}

/**
 * Gives a fresh convex-test instance index lookups (see the top of this file); returns it. With `verify`, every
 * query is also answered by the full scan and a difference throws.
 */
export function withIndexedQueries<S extends SchemaDefinition<GenericSchema, boolean>>(
  t: TestConvex<S>,
  { verify = false }: { verify?: boolean } = {},
): TestConvex<S> {
  let found: ConvexGlobal | undefined;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- restored below; called with its own `this`
  const run = AsyncLocalStorage.prototype.run;
  AsyncLocalStorage.prototype.run = function <R>(this: AsyncLocalStorage<unknown>, store: unknown, callback: (...args: unknown[]) => R, ...args: unknown[]): R {
    if (found === undefined && isConvexGlobal(store)) found = store;
    return run.call(this, store, callback, ...args) as R;
  };
  try {
    // Any function of the instance enters its context synchronously; this one starts no transaction.
    void t.finishInProgressScheduledFunctions();
  } finally {
    AsyncLocalStorage.prototype.run = run;
  }
  const db = found?.components[""]?.db;
  const shapeOk =
    db !== undefined &&
    typeof db._iterateDocs === "function" &&
    typeof db._resolveQuerySource === "function" &&
    typeof db._evaluateQuery === "function" &&
    typeof db.paginate === "function" &&
    typeof db.commit === "function" &&
    typeof db.get === "function" &&
    isPlainObject(db._documents) &&
    Array.isArray(db._writes) &&
    db._writes.length === 0;
  if (!shapeOk) {
    throw new Error("convex-test's database is not what tests/functions/convexTestIndexes.ts expects (was 0.0.60): update it");
  }
  indexedDatabase(db, verify);
  return t;
}
