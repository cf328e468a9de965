/// <reference types="node" />
import { loadavg } from "node:os";
import schema from "../../convex/schema.js";
import type * as StoreModule from "../../local-backend/src/engine/store.js";
import type * as SchemaModule from "../../local-backend/src/engine/schema.js";
import type * as DocumentsModule from "../../local-backend/src/engine/documents.js";
import type * as TransactionModule from "../../local-backend/src/engine/transaction.js";

// Micro-benchmark of the engine's write path (ctx.db.insert / patch of createFile's documents: the file row, its
// listing entry, the bucket's count, the project's updatedAt) in one process, for two checkouts of
// local-backend/src side by side, alternating: `npx tsx bench/backend/writePath.ts <old src dir> <new src dir>`.
// Prints the median µs per createFile's writes of each. Not part of `npm run bench`: a tool for comparing a change.

// Both checkouts are typed as this one's (the parts used here have the same shape in both).
interface Mod {
  Store: typeof StoreModule.Store;
  Schema: typeof SchemaModule.Schema;
  Documents: typeof DocumentsModule.Documents;
  newTx: typeof TransactionModule.newTx;
}

async function load(src: string): Promise<Mod> {
  const store = (await import(`${src}/engine/store.ts`)) as typeof StoreModule;
  const sc = (await import(`${src}/engine/schema.ts`)) as typeof SchemaModule;
  const docs = (await import(`${src}/engine/documents.ts`)) as typeof DocumentsModule;
  const tx = (await import(`${src}/engine/transaction.ts`)) as typeof TransactionModule;
  return { Store: store.Store, Schema: sc.Schema, Documents: docs.Documents, newTx: tx.newTx };
}

const CONTENT = "export const answer = 42;\n".repeat(4);

function round(m: Mod, n: number): number {
  const store = new m.Store();
  const sc = new m.Schema(store);
  sc.apply({ schema } as unknown as Parameters<InstanceType<typeof SchemaModule.Schema>["apply"]>[0]);
  const documents = new m.Documents(store, sc);
  const setup = m.newTx("mutation", 0);
  const projectId = documents.insert(setup, "projects", { name: "P", ownerId: "u", updatedAt: 1 });
  const bucketId = documents.insert(setup, "fileBuckets", { projectId, bucket: 0, count: 0 });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const tx = m.newTx("mutation", 0);
    const name = `file-${i}.ts`;
    const fileId = documents.insert(tx, "files", { projectId, name, nameKey: name, type: "file", content: CONTENT, updatedAt: i, revision: 0, size: CONTENT.length });
    documents.insert(tx, "fileEntries", { projectId, bucket: 0, fileId, name, type: "file" });
    documents.patch(tx, { id: bucketId, value: { count: i + 1 } }, "patch");
    documents.patch(tx, { id: projectId, value: { updatedAt: i } }, "patch");
  }
  return ((performance.now() - t0) * 1000) / n;
}

const [oldSrc, newSrc] = process.argv.slice(2);
const versions = { old: await load(oldSrc), new: await load(newSrc) };
const samples: Record<string, number[]> = { old: [], new: [] };
for (let r = 0; r < 12; r++) for (const [k, m] of Object.entries(versions)) samples[k].push(round(m, 5000));
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const k of Object.keys(samples)) console.log(`${k}: ${med(samples[k].slice(2)).toFixed(1)} µs per createFile's 4 writes (median of 10 rounds of 5,000; load ${loadavg()[0].toFixed(1)})`);
