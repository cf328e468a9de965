import { describe, expect, it } from "vitest";
import { newId } from "../src/engine/ids.js";
import { makeDoc, Store, type DocJson } from "../src/engine/store.js";

// A document keeps its index keys once computed (store.ts `Doc.keysIn`), so a patch does not encode the old
// version's keys again. These check that the kept keys never outlive the index definitions they were made for.

function keysOf(store: Store, table: string, index: string): string[] {
  return [...store.tables.get(table)!.indexes.get(index)!.entries.ids()];
}

describe("Store", () => {
  it("moves a patched document in every index, and a rollback moves it back", () => {
    const store = new Store();
    store.setIndexDefs(new Map([["files", [{ name: "by_name", fields: ["name"] }]]]));
    const table = store.ensureTable("files");
    const a = newId(table.number);
    const b = newId(table.number);
    const doc = (id: string, name: string, t: number) => makeDoc("files", { _id: id, _creationTime: t, name } satisfies DocJson);
    store.put("files", a, doc(a, "m", 1));
    store.put("files", b, doc(b, "n", 2));
    expect(keysOf(store, "files", "by_name")).toEqual([a, b]);
    const old = store.put("files", a, doc(a, "z", 1));
    expect(keysOf(store, "files", "by_name")).toEqual([b, a]);
    store.put("files", a, old);
    expect(keysOf(store, "files", "by_name")).toEqual([a, b]);
    store.put("files", a, null);
    expect(keysOf(store, "files", "by_name")).toEqual([b]);
    expect(store.tables.get("files")!.indexes.get("by_name")!.entries.size).toBe(1);
  });

  it("finds a document under the keys of new index definitions after a schema change", () => {
    const store = new Store();
    store.setIndexDefs(new Map([["files", [{ name: "by_name", fields: ["name"] }]]]));
    const table = store.ensureTable("files");
    const a = newId(table.number);
    const b = newId(table.number);
    store.put("files", a, makeDoc("files", { _id: a, _creationTime: 1, name: "m", size: 9 }));
    store.put("files", b, makeDoc("files", { _id: b, _creationTime: 2, name: "n", size: 1 }));
    // Same index name, other field: the keys kept for by_name on name no longer apply.
    store.setIndexDefs(new Map([["files", [{ name: "by_name", fields: ["size"] }]]]));
    expect(keysOf(store, "files", "by_name")).toEqual([b, a]);
    store.put("files", a, makeDoc("files", { _id: a, _creationTime: 1, name: "m", size: 0 }));
    expect(keysOf(store, "files", "by_name")).toEqual([a, b]);
    expect(store.tables.get("files")!.indexes.get("by_name")!.entries.size).toBe(2);
  });
});
