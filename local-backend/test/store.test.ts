import { describe, expect, it } from "vitest";
import { newId } from "../src/engine/ids.js";
import { seededRandom } from "../src/engine/runtime.js";
import { encodeValue } from "../src/engine/keys.js";
import { makeDoc, Store, type DocJson, type WriteEntry } from "../src/engine/store.js";
import { ReadSetImpl, entryHits } from "../src/engine/transaction.js";

// A document keeps its index keys once computed (store.ts `Doc.keyIn`), so a patch does not encode the old
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

  it("computes no key of an index not built, yet a write's keys there reach a read set that names the index", () => {
    const store = new Store();
    store.setIndexDefs(new Map([["files", [{ name: "by_name", fields: ["name"] }]]]));
    const table = store.ensureTable("files");
    const entries: WriteEntry[] = [];
    store.onChange = (entry) => entries.push(entry);
    const a = newId(table.number);
    const first = makeDoc("files", { _id: a, _creationTime: 1, name: "m" } satisfies DocJson);
    store.put("files", a, first);
    const byName = table.indexes.get("by_name")!;
    expect(byName.isBuilt).toBe(false);
    // Nothing asked for a key yet: a write to an index not built costs none.
    expect((first as unknown as { indexKeys?: unknown[] }).indexKeys ?? []).toEqual([]);
    store.put("files", a, makeDoc("files", { _id: a, _creationTime: 1, name: "z" } satisfies DocJson));
    // A query reading by_name ["m", "n") (say, one that built the index meanwhile) is hit by the rename away from "m".
    const reads = new ReadSetImpl();
    reads.add("files", "by_name", { lo: encodeValue("m"), hi: encodeValue("n") });
    expect(entryHits(reads, entries[1])).toBe(true);
    expect(entries[1].keysIn("by_name")).toHaveLength(2);
    expect(entries[1].keysIn("by_id")).toEqual([encodeValue(a)]);
    expect(entries[1].keysIn("no_such_index")).toEqual([]);
    const elsewhere = new ReadSetImpl();
    elsewhere.add("files", "by_name", { lo: encodeValue("p"), hi: encodeValue("q") });
    expect(entryHits(elsewhere, entries[1])).toBe(false);
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

/** Every (key, id) pair of an index, in its order. */
function entriesOf(store: Store, table: string, index: string): [string, string][] {
  const entries = store.tables.get(table)!.indexes.get(index)!.entries;
  const out: [string, string][] = [];
  const pos = { c: 0, i: 0 };
  for (entries.seek(pos, ""); entries.keyAt(pos) !== undefined; entries.step(pos, 1)) out.push([entries.keyAt(pos)!, entries.idAt(pos)]);
  return out;
}

const DEFS = new Map([
  [
    "files",
    [
      { name: "by_name", fields: ["name"] },
      { name: "by_size_name", fields: ["size", "name"] },
    ],
  ],
]);

describe("Store indexes built on first read", () => {
  it("builds none at load and only the one read, and a table loaded in any order reads back in key order", () => {
    const store = new Store();
    const table = store.ensureTable("files");
    const names = ["delta", "alpha", "charlie", "bravo"];
    // Loaded out of creation order too: neither index's keys follow the load order.
    names.forEach((name, k) => {
      const id = newId(table.number);
      store.loadDoc(makeDoc("files", { _id: id, _creationTime: 10 - k, name, size: k % 2 }));
    });
    store.setIndexDefs(DEFS);
    const indexes = [...store.tables.get("files")!.indexes.values()];
    expect(indexes.map((i) => i.isBuilt)).toEqual([false, false, false]);
    expect(entriesOf(store, "files", "by_name").map(([key]) => key.slice(1, key.indexOf("\0")))).toEqual(["alpha", "bravo", "charlie", "delta"]);
    expect(indexes.map((i) => [i.def.name, i.isBuilt])).toEqual([
      ["by_creation_time", false],
      ["by_name", true],
      ["by_size_name", false],
    ]);
  });

  it("holds exactly the entries that keeping it on every write gives, whenever it is first read", () => {
    const rand = seededRandom(11);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    // Store 0 reads its indexes before any write (so every write maintains them); store 1 first reads them half
    // way through; store 2 only at the end.
    const stores = [new Store(), new Store(), new Store()];
    for (const s of stores) s.setIndexDefs(DEFS);
    const tableNumber = stores[0].ensureTable("files").number;
    for (const s of stores.slice(1)) s.ensureTable("files");
    const readAll = (s: Store) => ["by_creation_time", "by_name", "by_size_name"].map((name) => entriesOf(s, "files", name));
    readAll(stores[0]);
    const docs = stores[0].tables.get("files")!.docs;
    const WRITES = 2000;
    for (let w = 0; w < WRITES; w++) {
      if (w === WRITES / 2) readAll(stores[1]);
      const r = rand();
      const live = [...docs.keys()];
      let id: string;
      let json: DocJson | null;
      if (live.length === 0 || r < 0.5) {
        id = newId(tableNumber);
        json = { _id: id, _creationTime: w, name: pick(["a", "b", "c", "d"]), size: Math.floor(rand() * 5) };
      } else {
        id = pick(live);
        const creationTime = docs.get(id)!.json._creationTime;
        json = r < 0.8 ? { _id: id, _creationTime: creationTime, name: pick(["a", "b", "e"]), size: Math.floor(rand() * 5) } : null;
      }
      for (const s of stores) {
        const old = s.put("files", id, json && makeDoc("files", json));
        // A rollback puts back the version a write replaced: one write in ten.
        if (w % 10 === 9) s.put("files", id, old);
      }
    }
    const expected = readAll(stores[0]);
    expect(docs.size).toBeGreaterThan(300);
    expect(expected[1]).toHaveLength(docs.size);
    expect(readAll(stores[1])).toEqual(expected);
    expect(readAll(stores[2])).toEqual(expected);
  });

  it("orders documents whose ids newId did not make (the key's tail is not the id)", () => {
    const store = new Store();
    store.ensureTable("files");
    const ids = ["zz", "b-long-id-not-from-newId", "a\u{1F600}", "m"];
    ids.forEach((id, k) => store.loadDoc(makeDoc("files", { _id: id, _creationTime: k, name: String.fromCharCode(100 - k), size: 0 })));
    store.setIndexDefs(DEFS);
    expect(entriesOf(store, "files", "by_name").map(([, id]) => id)).toEqual(["m", "a\u{1F600}", "b-long-id-not-from-newId", "zz"]);
  });
});
