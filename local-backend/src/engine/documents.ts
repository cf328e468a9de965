import type { JSONValue, Value } from "convex/values";
import { decodeMaybeUndefined } from "./filter.js";
import { newId } from "./ids.js";
import { encodeValue } from "./keys.js";
import { realNow } from "./runtime.js";
import { plainJsonStats, shapeError } from "./size.js";
import type { Schema } from "./schema.js";
import { BY_ID, makeDoc, type Doc, type DocJson, type Store } from "./store.js";
import { countRead, LIMITS, writeDoc, type Tx } from "./transaction.js";

// The document operations of `ctx.db`: get, insert, patch, replace, delete. Invariants:
// - Every check (id and table, system fields, size, nesting depth, schema) happens before the write, so an
//   operation that throws has changed nothing.
// - System tables (`_storage`, `_scheduled_functions`) are read-only to functions; only the engine writes them.
// - Each operation records what it read in the transaction's read set: a point range on the document's id, so
//   a query that read a document is invalidated when it changes, appears or disappears.
// - `_creationTime` is strictly increasing across inserts (milliseconds, bumped by a microsecond on a tie).

export interface GetArgs {
  id: JSONValue;
  isSystem?: boolean;
  table?: string;
}

export interface WriteArgs {
  id: unknown;
  value: JSONValue;
  table?: string;
}

export function nestingDepth(v: Value | undefined): number {
  if (Array.isArray(v)) {
    let max = 0;
    for (const x of v) max = Math.max(max, nestingDepth(x));
    return max + 1;
  }
  if (typeof v === "object" && v !== null && !(v instanceof ArrayBuffer) && v.constructor === Object) {
    let max = 0;
    for (const x of Object.values(v as Record<string, Value>)) max = Math.max(max, nestingDepth(x));
    return max + 1;
  }
  return 0;
}

export class Documents {
  /** The latest `_creationTime` handed out (or loaded). */
  lastCreationTime = 0;

  constructor(
    private readonly store: Store,
    private readonly schema: Schema,
  ) {}

  nextCreationTime(): number {
    const now = realNow();
    this.lastCreationTime = now > this.lastCreationTime ? now : this.lastCreationTime + 0.001;
    return this.lastCreationTime;
  }

  get(tx: Tx, args: GetArgs): JSONValue {
    const id = args.id;
    if (typeof id !== "string") throw new Error(`Invalid argument \`id\` for \`db.get\`: expected a string, got ${JSON.stringify(id)}.`);
    const table = this.store.tableOfId(id);
    if (table === null) throw new Error(`Invalid argument \`id\` for \`db.get\`: "${id}" is not a valid document id.`);
    if (args.table !== undefined && args.table !== null && args.table !== table) {
      throw new Error(`Invalid argument \`id\` for \`db.get\`: the id "${id}" belongs to table "${table}", not "${args.table}".`);
    }
    const isSystem = table.startsWith("_");
    if (args.isSystem !== undefined && isSystem !== args.isSystem) {
      throw new Error(
        isSystem
          ? `System tables can only be accessed from db.system.get() (id "${id}" is in "${table}").`
          : `User tables can only be accessed from db.get(), not db.system.get().`,
      );
    }
    const key = encodeValue(id);
    tx.reads.add(table, BY_ID, { lo: key, hi: key + "\0" });
    const doc = this.store.tables.get(table)?.docs.get(id);
    if (!doc) return null;
    countRead(tx, doc);
    return doc.json;
  }

  /**
   * The document a write stores, checked (array lengths, field counts, nesting depth: shapeError; size; schema)
   * before anything is written; throws otherwise. A plain JSON document (plainJsonStats) is measured and validated in its JSON form, not decoded.
   */
  private checkedDoc(table: string, json: DocJson): Doc {
    const plain = plainJsonStats(json);
    const doc = plain ? makeDoc(table, json, undefined, plain.size) : makeDoc(table, json);
    const shape = shapeError(json);
    if (shape) throw new Error(`${shape} for a document in table "${table}".`);
    this.checkValue(table, doc);
    return doc;
  }

  private checkValue(table: string, doc: Doc) {
    const size = doc.size;
    if (size > LIMITS.documentBytes) {
      throw new Error(
        `Value is too large (${(size / (1 << 20)).toFixed(2)} MiB > maximum size 1 MiB) for a document in table "${table}". Store large content in file storage.`,
      );
    }
    this.schema.check(table, doc.json, () => doc.value);
  }

  /** Inserts a document; `allowSystem` lets the engine itself write system tables. Returns the new id. */
  insert(tx: Tx, tableName: string, valueJson: JSONValue, allowSystem = false): string {
    if (typeof tableName !== "string" || tableName.length === 0) throw new Error("insert() needs a table name.");
    if (tableName.startsWith("_") && !allowSystem) throw new Error("System tables (prefixed with `_`) are read-only.");
    if (!this.store.tables.has(tableName) && !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(tableName)) {
      throw new Error(`Invalid table name "${tableName}": use letters, digits and underscores, starting with a letter.`);
    }
    if (valueJson === null || typeof valueJson !== "object" || Array.isArray(valueJson)) {
      throw new Error(`insert() into "${tableName}" needs an object, got ${JSON.stringify(valueJson)}.`);
    }
    for (const k of Object.keys(valueJson)) {
      if (k.startsWith("_")) throw new Error(`Field "${k}" in a document for "${tableName}" starts with "_", which is reserved for system fields.`);
    }
    const table = this.store.ensureTable(tableName);
    const id = newId(table.number);
    const json: DocJson = { _id: id, _creationTime: this.nextCreationTime(), ...valueJson };
    const doc = this.checkedDoc(tableName, json);
    writeDoc(this.store, tx, tableName, id, doc);
    return id;
  }

  /** The existing user document `id` names, for a write to it; records the read and counts it against the limits. */
  private forWrite(tx: Tx, id: unknown, table: string | undefined, opName: string): Doc {
    if (typeof id !== "string") throw new Error(`Invalid argument \`id\` for \`db.${opName}\`: expected a string.`);
    const tableName = this.store.tableOfId(id);
    if (tableName === null) throw new Error(`Invalid argument \`id\` for \`db.${opName}\`: "${id}" is not a valid document id.`);
    if (table !== undefined && table !== null && table !== tableName) {
      throw new Error(`Invalid argument \`id\` for \`db.${opName}\`: the id "${id}" belongs to table "${tableName}", not "${table}".`);
    }
    if (tableName.startsWith("_")) throw new Error("System tables (prefixed with `_`) are read-only.");
    const doc = this.store.tables.get(tableName)?.docs.get(id);
    if (!doc) throw new Error(`${opName}() on nonexistent document ID ${id}`);
    const key = encodeValue(id);
    tx.reads.add(tableName, BY_ID, { lo: key, hi: key + "\0" });
    countRead(tx, doc);
    return doc;
  }

  /** `patch` merges fields (a field set to undefined is removed); `replace` keeps only the system fields. */
  patch(tx: Tx, args: WriteArgs, mode: "patch" | "replace") {
    const old = this.forWrite(tx, args.id, args.table, mode);
    const value = args.value;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error(`${mode}() needs an object, got ${JSON.stringify(value)}.`);
    }
    const json: DocJson = mode === "patch" ? { ...old.json } : { _id: old.id, _creationTime: old.json._creationTime };
    for (const [k, v] of Object.entries(value)) {
      if (k === "_id" || k === "_creationTime") {
        if (JSON.stringify(v) !== JSON.stringify(old.json[k])) {
          throw new Error(`${mode}() can't change the system field "${k}" of ${old.id}.`);
        }
        continue;
      }
      if (k.startsWith("_")) throw new Error(`Field "${k}" starts with "_", which is reserved for system fields.`);
      const decoded = decodeMaybeUndefined(v);
      if (decoded === undefined) delete json[k];
      else json[k] = v;
    }
    const doc = this.checkedDoc(old.table, json);
    writeDoc(this.store, tx, old.table, old.id, doc);
  }

  remove(tx: Tx, id: unknown, table: string | undefined) {
    const doc = this.forWrite(tx, id, table, "delete");
    writeDoc(this.store, tx, doc.table, doc.id, null);
  }
}
