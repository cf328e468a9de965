import { getConvexSize, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { ID_LENGTH, idTableNumber } from "./ids.js";
import { IndexKeys } from "./indexKeys.js";
import { encodeNumber, encodeValue, getField } from "./keys.js";
import { plainJsonStats } from "./size.js";

// The in-memory database: every table's documents plus, per index, its keys in order (indexKeys.ts). Writes are
// applied in place; transactions keep undo records (see transaction.ts), so the store itself knows nothing
// about isolation. Every change is reported through `onChange` with the old and new index keys.

export type DocJson = Record<string, JSONValue>;

/**
 * A stored document. `json` (Convex-encoded) is the source of truth; the decoded value, size and index
 * key suffix are computed on first use, so loading a large snapshot decodes nothing it does not index, and reading
 * or writing a plain document decodes nothing at all (its size is taken from its JSON).
 */
export class Doc {
  readonly id: string;
  private decoded: Record<string, Value> | undefined;
  private sizeBytes: number | undefined;
  private keySuffix: string | undefined;
  /** This version's key in each index of `keysFor` (its table's index list when they were computed), by slot; holes not computed yet. */
  private indexKeys: (string | undefined)[] | undefined;
  private keysFor: Index[] | undefined;

  constructor(
    readonly table: string,
    readonly json: DocJson,
    value?: Record<string, Value>,
    size?: number,
  ) {
    this.id = json._id as string;
    this.decoded = value;
    this.sizeBytes = size;
  }

  get value(): Record<string, Value> {
    return (this.decoded ??= jsonToConvex(this.json) as Record<string, Value>);
  }

  /** Convex's size of the document: from its JSON form when plain (size.ts), so reading a document does not decode it. */
  get size(): number {
    if (this.sizeBytes === undefined) {
      const plain = this.decoded === undefined ? plainJsonStats(this.json) : null;
      this.sizeBytes = plain !== null ? plain.size : getConvexSize(this.value);
    }
    return this.sizeBytes;
  }

  /** The `_creationTime, _id` tail every index key ends with. */
  get suffix(): string {
    return (this.keySuffix ??= encodeNumber(this.json._creationTime as number) + encodeValue(this.id));
  }

  /**
   * The document's key in index `slot` of `indexes` (a table's `indexList`). Computed when first asked for (a
   * write asks only for the indexes that are built, a commit's check only for the indexes a read set names) and
   * kept, so a patch, delete or rollback does not encode the old version's keys again; a rebuilt index list (a
   * schema change) makes a new array, which tells a stale cache apart.
   */
  keyIn(indexes: Index[], slot: number): string {
    if (this.keysFor !== indexes) {
      this.indexKeys = new Array<string | undefined>(indexes.length);
      this.keysFor = indexes;
    }
    return (this.indexKeys![slot] ??= indexes[slot].keyOf(this));
  }

  field(fieldPath: string): Value | undefined {
    if (this.decoded) return getField(this.decoded, fieldPath);
    if (!fieldPath.includes(".")) {
      const v = fieldPath.startsWith("$") ? undefined : this.json[fieldPath];
      return v !== null && typeof v === "object" ? jsonToConvex(v) : v;
    }
    let cur: JSONValue | undefined = this.json;
    for (const part of fieldPath.split(".")) {
      if (cur === null || cur === undefined || typeof cur !== "object" || Array.isArray(cur)) return undefined;
      if (part.startsWith("$")) return undefined;
      cur = (cur as Record<string, JSONValue>)[part];
    }
    return cur !== null && typeof cur === "object" ? jsonToConvex(cur) : cur;
  }
}

export interface IndexDef {
  name: string;
  fields: string[];
}

/**
 * One write: the keys it touched in an index are those of its old and its new version (`keysIn`). They are
 * computed when asked for, so a write to a table with many indexes costs the keys of the indexes that are built,
 * plus those of the indexes a read set checked against it names (transaction.ts entryHits, readIndex.ts).
 */
export interface WriteEntry {
  table: string;
  /** The distinct keys of the old and the new version in `index` (BY_ID or an index of the table); none for another name. */
  keysIn(index: string): string[];
}

/** A write as `Store.put` reports it: the table and the two versions (immutable Docs); keys from their caches. */
class DocWrite implements WriteEntry {
  constructor(
    private readonly t: Table,
    private readonly id: string,
    private readonly old: Doc | null,
    private readonly doc: Doc | null,
  ) {}

  get table(): string {
    return this.t.name;
  }

  keysIn(index: string): string[] {
    if (index === BY_ID) return [encodeValue(this.id)];
    const list = this.t.indexList;
    const slot = list.findIndex((i) => i.def.name === index);
    if (slot === -1) return [];
    const oldKey = this.old?.keyIn(list, slot);
    const newKey = this.doc?.keyIn(list, slot);
    if (oldKey === undefined) return newKey === undefined ? [] : [newKey];
    return newKey === undefined || newKey === oldKey ? [oldKey] : [oldKey, newKey];
  }
}

export const BY_CREATION_TIME = "by_creation_time";
export const BY_ID = "by_id";
export const SYSTEM_TABLES: Record<string, number> = { _storage: 1, _scheduled_functions: 2 };
const FIRST_USER_TABLE = 10001;

/**
 * One index of a table. Its entries are built from the table's documents the first time something reads them
 * (`entries`), not when the table is loaded or the schema applied: a start, or a reload of convex/, builds only the
 * indexes its queries use, when they use them. Until then a write leaves the index alone, since building it later
 * reads the documents as they are then; once built, every write keeps it in step (`Store.put`). So the entries are
 * always exactly what maintaining them on every write would have made.
 */
export class Index {
  private built: IndexKeys | null = null;
  constructor(
    readonly def: IndexDef,
    private readonly table: Table,
  ) {}

  /** The index's (key, id) pairs in key order. */
  get entries(): IndexKeys {
    return (this.built ??= buildEntries(this, this.table));
  }

  /** Whether the entries exist yet (a write keeps only built indexes in step). */
  get isBuilt(): boolean {
    return this.built !== null;
  }

  keyOf(doc: Doc): string {
    const fields = this.def.fields;
    if (fields.length === 1 && fields[0] === "_creationTime") return doc.suffix;
    let key = "";
    for (const f of fields) key += encodeValue(doc.field(f));
    return key + doc.suffix;
  }

  insert(key: string, id: string) {
    this.built?.insert(key, id);
  }

  remove(key: string) {
    this.built?.remove(key);
  }
}

export class Table {
  docs = new Map<string, Doc>();
  indexes = new Map<string, Index>();
  /** The same indexes as a list (a document's cached keys follow its order); replaced whenever they are rebuilt. */
  indexList: Index[] = [];
  constructor(
    readonly name: string,
    readonly number: number,
  ) {}
}

/**
 * Whether an index key's tail spells the document's id: every key ends with the document's suffix, whose last
 * part is `encodeValue(id)`, and for an id made by newId (ID_LENGTH characters, none escaped) that is
 * `"\x06" + id + "\x00"`, so the id is the key's last ID_LENGTH characters but one.
 */
function idIsKeyTail(id: string): boolean {
  if (id.length !== ID_LENGTH) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 2 || c >= 0xd800) return false;
  }
  return true;
}

/** Every entry of `index`, from the table's documents as they are now. */
function buildEntries(index: Index, table: Table): IndexKeys {
  const docs = [...table.docs.values()];
  const n = docs.length;
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) keys[i] = index.keyOf(docs[i]);
  // Documents are loaded roughly in creation order, which by_creation_time (and often other indexes) already
  // follows: a linear check then saves the sort.
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (keys[i - 1] > keys[i]) {
      sorted = false;
      break;
    }
  }
  if (sorted) return IndexKeys.fromSorted(keys, docs.map((d) => d.id));
  if (!docs.every((d) => idIsKeyTail(d.id))) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
    return IndexKeys.fromSorted(
      order.map((i) => keys[i]),
      order.map((i) => docs[i].id),
    );
  }
  // Sorting the keys alone with the default comparison (UTF-16 code unit order, like `<`) is several times
  // faster than sorting positions with a comparator; each id is then read back from its key's tail.
  keys.sort();
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    ids[i] = k.slice(k.length - 1 - ID_LENGTH, k.length - 1);
  }
  return IndexKeys.fromSorted(keys, ids);
}

/** `size`, when given, is what `getConvexSize(jsonToConvex(json))` would return (documents.ts measures writes). */
export function makeDoc(table: string, json: DocJson, value?: Record<string, Value>, size?: number): Doc {
  return new Doc(table, json, value, size);
}

export class Store {
  tables = new Map<string, Table>();
  tableNames = new Map<number, string>();
  private indexDefs = new Map<string, IndexDef[]>();
  onChange: ((entry: WriteEntry) => void) | null = null;

  constructor() {
    for (const [name, num] of Object.entries(SYSTEM_TABLES)) this.addTable(name, num);
  }

  private addTable(name: string, number: number): Table {
    const table = new Table(name, number);
    this.tables.set(name, table);
    this.tableNames.set(number, name);
    this.buildIndexes(table);
    return table;
  }

  /** Returns the table, creating it (with a fresh table number) if needed. */
  ensureTable(name: string, number?: number): Table {
    const existing = this.tables.get(name);
    if (existing) return existing;
    let num = number;
    if (num === undefined) {
      num = FIRST_USER_TABLE;
      for (const n of this.tableNames.keys()) if (n >= num) num = n + 1;
      if (num > 0xffff) throw new Error("Too many tables.");
    }
    if (this.tableNames.has(num)) throw new Error(`Table number ${num} is already used by "${this.tableNames.get(num)}".`);
    return this.addTable(name, num);
  }

  tableOfId(id: string): string | null {
    const num = idTableNumber(id);
    return num === null ? null : (this.tableNames.get(num) ?? null);
  }

  get(id: string): Doc | undefined {
    const table = this.tableOfId(id);
    return table === null ? undefined : this.tables.get(table)?.docs.get(id);
  }

  /** Replaces the schema's index definitions; every index is built again from the documents on first use. */
  setIndexDefs(defs: Map<string, IndexDef[]>) {
    this.indexDefs = defs;
    for (const table of this.tables.values()) this.buildIndexes(table);
  }

  /** Gives the table the indexes of its definitions; each builds its entries on first use (Index). */
  private buildIndexes(table: Table) {
    const defs: IndexDef[] = [{ name: BY_CREATION_TIME, fields: ["_creationTime"] }, ...(this.indexDefs.get(table.name) ?? [])];
    table.indexes = new Map();
    table.indexList = [];
    for (const def of defs) {
      const index = new Index(def, table);
      table.indexes.set(def.name, index);
      table.indexList.push(index);
    }
  }

  /** Bulk load used at startup, before any index is read: documents are added without touching indexes. */
  loadDoc(doc: Doc) {
    this.tables.get(doc.table)!.docs.set(doc.id, doc);
  }

  /**
   * Writes (or deletes, with null) a document in place; returns the previous version. Only built indexes are
   * kept in step (an index not built yet reads the documents as they are when it is built, see Index).
   */
  put(tableName: string, id: string, doc: Doc | null): Doc | null {
    const table = this.ensureTable(tableName);
    const old = table.docs.get(id) ?? null;
    const list = table.indexList;
    for (let i = 0; i < list.length; i++) {
      const index = list[i];
      if (!index.isBuilt) continue;
      const oldKey = old ? old.keyIn(list, i) : null;
      const newKey = doc ? doc.keyIn(list, i) : null;
      if (oldKey === newKey) continue;
      if (oldKey !== null) index.remove(oldKey);
      if (newKey !== null) index.insert(newKey, id);
    }
    if (doc) table.docs.set(id, doc);
    else table.docs.delete(id);
    this.onChange?.(new DocWrite(table, id, old, doc));
    return old;
  }
}
