import type { JSONValue, Value } from "convex/values";
import type { LoadedApp } from "./loader.js";
import type { IndexDef, Store } from "./store.js";
import { matchesJson, validateValue, type VJson } from "./validate.js";

// The loaded app's convex/schema.ts, as the engine uses it: the indexes of every table, and the document
// validators checked on every write. Invariants:
// - After `apply`, the store's indexes are exactly the schema's (plus by_creation_time), each built from the
//   documents when first read (store.ts Index), and every table the schema names exists.
// - Documents are validated only when the schema asks for it (`schemaValidation`), only in user tables, and
//   without their system fields; a write that does not match throws before anything is stored.

interface TableSchema {
  tableName: string;
  indexes: { indexDescriptor: string; fields: string[] }[];
  documentType: VJson;
}

export class Schema {
  private tables = new Map<string, TableSchema>();
  private validation = false;

  constructor(private readonly store: Store) {}

  /** Takes the schema of a (re)loaded app and rebuilds the store's indexes from it. */
  apply(app: LoadedApp) {
    this.tables = new Map();
    this.validation = false;
    const schema = app.schema;
    if (schema && typeof schema.export === "function") {
      const exported = JSON.parse(schema.export()) as { tables: TableSchema[]; schemaValidation: boolean };
      this.validation = exported.schemaValidation;
      for (const t of exported.tables) this.tables.set(t.tableName, t);
    }
    const defs = new Map<string, IndexDef[]>();
    for (const t of this.tables.values()) {
      defs.set(
        t.tableName,
        t.indexes.map((i) => ({ name: i.indexDescriptor, fields: i.fields })),
      );
      this.store.ensureTable(t.tableName);
    }
    this.store.setIndexDefs(defs);
  }

  private readonly resolveIdTable = (id: string) => this.store.tableOfId(id);

  /**
   * Throws when schema validation is on and the document does not match its table's validator. The document is
   * checked in its JSON form first (`matchesJson`, which never accepts what `validateValue` would refuse); only
   * one that check does not show valid is decoded (`value()`) and run through `validateValue`, which gives the
   * verdict and the message. So a write is not decoded into a copy only to be validated.
   */
  check(table: string, json: Record<string, JSONValue>, value: () => Record<string, Value>) {
    if (!this.validation || table.startsWith("_")) return;
    const def = this.tables.get(table);
    if (!def) return;
    const bodyJson: Record<string, JSONValue> = {};
    for (const k in json) if (k !== "_id" && k !== "_creationTime") bodyJson[k] = json[k];
    if (matchesJson(def.documentType, bodyJson, this.resolveIdTable)) return;
    const body: Record<string, Value> = {};
    const decoded = value();
    for (const k in decoded) if (k !== "_id" && k !== "_creationTime") body[k] = decoded[k];
    const err = validateValue(def.documentType, body, this.resolveIdTable);
    if (err) throw new Error(`Failed to insert or update a document in table "${table}" because it does not match the schema: ${err}`);
  }
}
