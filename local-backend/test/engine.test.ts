import { createHash } from "node:crypto";
import type { JSONValue } from "convex/values";
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EngineImpl } from "../src/engine/engine.js";
import type { Commit, Engine } from "../src/engine/types.js";
import { err, FIXTURE_CONVEX, ok, open, removeDir, SITE_URL, tempDir, waitFor } from "./engineHarness.js";

type Page = { page: { n: number; body: string }[]; isDone: boolean; continueCursor: string; splitCursor?: string | null; pageStatus?: string | null };

let dir: string;
let engine: Engine;

beforeEach(async () => {
  dir = tempDir();
  engine = await open(dir);
});

afterEach(async () => {
  await engine.close();
  removeDir(dir);
});

async function send(author: string, n: number, extra: { body?: string; tag?: string } = {}): Promise<string> {
  return ok<string>(await engine.runMutation("messages:send", { author, body: extra.body ?? `${author}${n}`, n, ...(extra.tag ? { tag: extra.tag } : {}) }, null));
}

async function query<T>(name: string, args: Record<string, unknown> = {}): Promise<T> {
  return ok<T>(await engine.runQuery(name, args as never, null));
}

/** Runs a mutation and returns the commit it produced. */
async function committed(run: () => Promise<unknown>): Promise<Commit> {
  let commit: Commit | null = null;
  const off = engine.onCommit((c) => (commit = c));
  await run();
  off();
  if (!commit) throw new Error("no commit");
  return commit;
}

describe("queries", () => {
  it("scans index ranges in index order, both directions", async () => {
    for (const n of [3, 1, 5, 2, 4]) await send("ann", n);
    await send("bob", 2);
    expect(await query("messages:byAuthor", { author: "ann" })).toEqual([1, 2, 3, 4, 5]);
    expect(await query("messages:byAuthor", { author: "ann", order: "desc" })).toEqual([5, 4, 3, 2, 1]);
    expect(await query("messages:byAuthor", { author: "ann", min: 2, max: 4 })).toEqual([2, 3]);
    expect(await query("messages:byAuthor", { author: "ann", min: 3 })).toEqual([4, 5]);
    expect(await query("messages:byAuthor", { author: "ann", max: 2, order: "desc" })).toEqual([2, 1]);
    expect(await query("messages:byAuthor", { author: "nobody" })).toEqual([]);
    expect(await query("messages:firstOf", { author: "ann" })).toBe("ann3");
  });

  it("treats a missing field as undefined in index equality", async () => {
    await send("a", 1, { body: "plain" });
    await send("a", 2, { body: "tagged", tag: "t" });
    expect(await query("messages:untagged")).toEqual(["plain"]);
  });

  it("orders a full table scan by creation time", async () => {
    for (const body of ["one", "two", "three"]) await send("x", 0, { body });
    expect(await query("messages:all")).toEqual(["one", "two", "three"]);
    expect(await query("messages:all", { order: "desc" })).toEqual(["three", "two", "one"]);
  });

  it("evaluates filter expressions", async () => {
    await send("ann", 2, { body: "ann-2" });
    await send("ann", 3, { body: "ann-3" });
    await send("bob", 3, { body: "bob-3-x", tag: "x" });
    await send("bob", 4, { body: "bob-4-x", tag: "x" });
    await send("bob", 5, { body: "bob-5" });
    expect(await query("messages:filtered")).toEqual(["ann-3", "bob-3-x"]);
  });

  it("paginates with cursors that stay put when rows are inserted", async () => {
    for (let n = 0; n < 10; n++) await send("p", n * 10);
    const opts = (cursor: string | null, extra: Record<string, unknown> = {}) => ({ author: "p", paginationOpts: { numItems: 3, cursor, ...extra } });
    const p1 = await query<Page>("messages:page", opts(null));
    expect(p1.page.map((r) => r.n)).toEqual([0, 10, 20]);
    expect(p1.isDone).toBe(false);
    const p2 = await query<Page>("messages:page", opts(p1.continueCursor));
    expect(p2.page.map((r) => r.n)).toEqual([30, 40, 50]);

    await send("p", 5);
    await send("p", 35);
    // The second page starts right after the first page's last row, whatever was inserted before it.
    const p2again = await query<Page>("messages:page", opts(p1.continueCursor));
    expect(p2again.page.map((r) => r.n)).toEqual([30, 35, 40]);
    // With endCursor a page keeps its boundaries and grows instead.
    const p1again = await query<Page>("messages:page", opts(null, { endCursor: p1.continueCursor }));
    expect(p1again.page.map((r) => r.n)).toEqual([0, 5, 10, 20]);
    expect(p1again.continueCursor).toBe(p1.continueCursor);

    let cursor: string | null = null;
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const p: Page = await query<Page>("messages:page", opts(cursor));
      seen.push(...p.page.map((r) => r.n));
      cursor = p.continueCursor;
      if (p.isDone) break;
    }
    expect(seen).toEqual([0, 5, 10, 20, 30, 35, 40, 50, 60, 70, 80, 90]);
    const after = await query<Page>("messages:page", opts(cursor));
    expect(after).toMatchObject({ page: [], isDone: true });

    const limited = await query<Page>("messages:page", opts(null, { numItems: 10, maximumRowsRead: 2 }));
    expect(limited.page.map((r) => r.n)).toEqual([0, 5]);
    expect(limited.isDone).toBe(false);

    const bad = await engine.runQuery("messages:page", opts("garbage!"), null);
    expect(err(bad)).toMatch(/Invalid pagination cursor/);
  });
});

describe("validation", () => {
  it("checks arguments and return values like Convex", async () => {
    const e = err(await engine.runMutation("messages:send", { author: "a", body: "b", n: "5" }, null));
    expect(e).toContain("ArgumentValidationError: Value does not match validator.");
    expect(e).toContain("Path: .n");
    expect(e).toContain('Value: "5"');
    expect(e).toContain("Validator: v.float64()");
    expect(err(await engine.runMutation("messages:send", { author: "a", body: "b", n: 1, extra: true }, null))).toMatch(
      /ArgumentValidationError: Object contains extra field `extra`/,
    );
    expect(err(await engine.runMutation("messages:send", { author: "a", n: 1 }, null))).toMatch(/missing the required field `body`/);
    expect(err(await engine.runQuery("messages:badReturn", {}, null))).toMatch(/^ReturnsValidationError: Value does not match validator/);
  });

  it("validates documents against the schema", async () => {
    const e = err(await engine.runMutation("messages:badSchema", {}, null));
    expect(e).toContain('Failed to insert or update a document in table "messages" because it does not match the schema');
    expect(e).toContain("Path: .body");
  });

  it("ids encode their table", async () => {
    const messageId = await send("a", 1);
    const noteId = ok<string>(await engine.runMutation("messages:noteFor", { messageId }, null));
    expect(ok(await engine.runQuery("messages:get", { id: messageId }, null))).toMatchObject({ _id: messageId, author: "a" });
    expect(err(await engine.runQuery("messages:get", { id: noteId }, null))).toMatch(/ArgumentValidationError[\s\S]*Validator: v.id\("messages"\)[\s\S]*belongs to table "notes"/);
    expect(err(await engine.runMutation("messages:noteFor", { messageId: noteId }, null))).toMatch(/does not match the schema/);
    expect(err(await engine.runQuery("messages:get", { id: "not-an-id" }, null))).toMatch(/not a valid document id/);
    expect(await query("messages:normalize", { table: "messages", id: messageId })).toBe(messageId);
    expect(await query("messages:normalize", { table: "notes", id: messageId })).toBeNull();
  });

  it("does not let clients call internal functions or the wrong kind", async () => {
    expect(err(await engine.runQuery("messages:secret", {}, null))).toBe(
      "Could not find public function for 'messages:secret'. Did you forget to run `npx convex dev` or `npx convex deploy`?",
    );
    expect(err(await engine.runQuery("nope:missing", {}, null))).toMatch(/Could not find public function for 'nope:missing'/);
    expect(err(await engine.runMutation("messages:all", {}, null))).toMatch(/as Mutation, but it is defined as Query/);
  });
});

describe("transactions", () => {
  it("a mutation that throws changes nothing and reports ConvexError data", async () => {
    const before = engine.currentTs();
    const r = await engine.runMutation("messages:insertThenThrow", { body: "gone" }, null);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBe('Uncaught ConvexError: {"code":"NOPE","message":"refused"}');
    expect(r.errorData).toEqual({ code: "NOPE", message: "refused" });
    expect(err(await engine.runMutation("messages:insertThenFail", {}, null))).toBe("Uncaught Error: boom");
    expect(await query("messages:byAuthor", { author: "rollback" })).toEqual([]);
    expect(engine.currentTs()).toBe(before);
  });

  it("fixes Date.now and seeds Math.random inside functions", async () => {
    const { t1, t2, r1 } = ok<{ t1: number; t2: number; r1: number }>(await engine.runMutation("messages:clock", {}, null));
    expect(t2).toBe(t1);
    expect(r1).toBeGreaterThanOrEqual(0);
    expect(r1).toBeLessThan(1);
  });

  it("seeds Math.random from path, arguments, snapshot and clock: the same four give the same numbers", async () => {
    // A fixed clock, so the check does not depend on two calls landing in the same millisecond.
    (engine as EngineImpl).functions.now = () => 1_700_000_000_000;
    const a = await query<number[]>("messages:randoms", { seed: 1 });
    const b = await query<number[]>("messages:randoms", { seed: 1 });
    const c = await query<number[]>("messages:randoms", { seed: 2 });
    expect(a[2]).toBe(1_700_000_000_000);
    expect(a[0]).not.toBe(a[1]);
    expect(b).toEqual(a);
    expect(c[0]).not.toBe(a[0]);
    (engine as EngineImpl).functions.now = () => 1_700_000_000_001;
    expect((await query<number[]>("messages:randoms", { seed: 1 }))[0]).not.toBe(a[0]);
  });

  it("rejects fetch in mutations", async () => {
    expect(err(await engine.runMutation("messages:tryFetch", {}, null))).toContain(
      "Can't use fetch() in queries and mutations. Please consider using an action.",
    );
  });

  it("enforces document size and nesting limits", async () => {
    expect(err(await engine.runMutation("messages:big", { size: 1_100_000 }, null))).toMatch(/Value is too large/);
    expect(await query("messages:byAuthor", { author: "big" })).toEqual([]);
    ok(await engine.runMutation("messages:big", { size: 1000 }, null));
    expect(err(await engine.runMutation("messages:deep", { depth: 70 }, null))).toMatch(/too deeply nested/);
    ok(await engine.runMutation("messages:deep", { depth: 20 }, null));
  });

  it("limits documents written per transaction", async () => {
    expect(err(await engine.runMutation("messages:sendMany", { count: 16_001 }, null))).toMatch(/Too many writes in a single function execution \(limit: 16000\)/);
    expect(await query("messages:byAuthor", { author: "bulk" })).toEqual([]);
  }, 60_000);

  it("applies a mutation once per idempotency key, across restarts", async () => {
    const args = { author: "idem", body: "b", n: 1 };
    const first = ok(await engine.runMutation("messages:send", args, null, { idempotencyKey: "s1:7" }));
    const again = ok(await engine.runMutation("messages:send", args, null, { idempotencyKey: "s1:7" }));
    expect(again).toBe(first);
    await engine.close();
    engine = await open(dir);
    expect(ok(await engine.runMutation("messages:send", args, null, { idempotencyKey: "s1:7" }))).toBe(first);
    expect(await query("messages:byAuthor", { author: "idem" })).toEqual([1]);
  });
});

describe("per-function limits (Convex's, with Convex's messages)", () => {
  const MiB = 1 << 20;
  const readAdvice = "Consider using smaller limits in your queries, paginating your queries, or using indexed queries with a selective index range expressions.";

  it("reads at most 32,000 documents", async () => {
    ok(await engine.runMutation("messages:sendMany", { count: 16_000 }, null));
    ok(await engine.runMutation("messages:sendMany", { count: 16_000 }, null));
    await send("last", 1);
    expect(await query("limits:scanMessages", { take: 32_000 })).toBe(32_000);
    expect(err(await engine.runQuery("limits:scanMessages", { take: 32_001 }, null))).toContain(
      `Too many documents read in a single function execution (limit: 32000). ${readAdvice}`,
    );
  }, 120_000);

  it("reads at most 16 MiB", async () => {
    // 16 notes of 1,000,000 characters read 16,000,000+ bytes (under 16 MiB = 16,777,216); a 17th goes over.
    for (const count of [9, 8]) ok(await engine.runMutation("limits:addNotes", { count, bytes: 1_000_000 }, null));
    expect(await query("limits:readNotes", { take: 16 })).toBe(16);
    expect(err(await engine.runQuery("limits:readNotes", { take: 17 }, null))).toContain(
      `Too many bytes read in a single function execution (limit: 16777216 bytes). ${readAdvice}`,
    );
  }, 60_000);

  it("counts the document a patch, replace or delete reads", async () => {
    ok(await engine.runMutation("limits:addNotes", { count: 16, bytes: 1_000_000 }, null));
    for (const op of ["patch", "replace", "delete"] as const) {
      // 16 notes read, then the first read again to write it: 17 reads of ~1 MB, over 16 MiB.
      expect(err(await engine.runMutation("limits:readThenWrite", { take: 16, op }, null))).toContain("Too many bytes read in a single function execution");
    }
    expect(await query("limits:readNotes", { take: 16 })).toBe(16);
    // 15 read and one re-read by the write: 16, under the limit. Each op writes the first note (now small).
    for (const op of ["patch", "replace", "delete"] as const) expect(ok(await engine.runMutation("limits:readThenWrite", { take: 15, op }, null))).toBe(15);
    expect(await query("limits:readNotes", { take: 16 })).toBe(15);
  }, 60_000);

  it("returns at most 8,192 elements per array, 1,024 fields per object and 16 MiB", async () => {
    expect(await query<number[]>("limits:arrayOf", { n: 8192 })).toHaveLength(8192);
    expect(err(await engine.runQuery("limits:arrayOf", { n: 8193 }, null))).toBe(
      "Function limits.js:arrayOf return value invalid: Array length is too long (8193 > maximum length 8192)",
    );
    expect(Object.keys(await query<object>("limits:objectOf", { n: 1024 }))).toHaveLength(1024);
    expect(err(await engine.runQuery("limits:objectOf", { n: 1025 }, null))).toBe(
      "Function limits.js:objectOf return value invalid: Object has too many fields (1025 > maximum number 1024)",
    );
    // Each string counts its bytes + 2: 16 × (1 MiB − 8) + 2 (the array) is just under 16 MiB; one more is over.
    expect(await query<string[]>("limits:stringsOf", { count: 16, bytes: MiB - 8 })).toHaveLength(16);
    expect(err(await engine.runQuery("limits:stringsOf", { count: 17, bytes: MiB - 8 }, null))).toBe(
      "Function limits.js:stringsOf return value invalid: Value is too large (17.00 MiB > maximum size 16 MiB)",
    );
  }, 60_000);

  it("stores at most 8,192 elements per array and 1,024 fields per object, writing nothing otherwise", async () => {
    ok(await engine.runMutation("limits:noteShaped", { list: 8192 }, null));
    expect(err(await engine.runMutation("limits:noteShaped", { list: 8193 }, null))).toContain(
      'Array length is too long (8193 > maximum length 8192) for a document in table "notes".',
    );
    ok(await engine.runMutation("limits:noteShaped", { fields: 1024 }, null));
    expect(err(await engine.runMutation("limits:noteShaped", { fields: 1025 }, null))).toContain(
      'Object has too many fields (1025 > maximum number 1024) for a document in table "notes".',
    );
    expect(await query("limits:readNotes", { take: 10 })).toBe(2);
  });

  it("takes arguments of at most 8,192 elements per array and 1,024 fields per object", async () => {
    const payload = (n: number) => ({ list: new Array(n).fill(1) });
    expect(err(await engine.runMutation("limits:notePayload", { payload: payload(8193) }, null))).toBe(
      "ArgumentValidationError: Array length is too long (8193 > maximum length 8192)",
    );
    const fields = Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [`f${i}`, i]));
    expect(err(await engine.runMutation("limits:notePayload", { payload: { fields } }, null))).toBe(
      "ArgumentValidationError: Object has too many fields (1025 > maximum number 1024)",
    );
    let deep: JSONValue = 1;
    for (let i = 0; i < 64; i++) deep = { a: deep };
    // The arguments object is level 1: a payload of 64 nested objects puts the innermost at level 65.
    expect(err(await engine.runMutation("limits:notePayload", { payload: deep }, null))).toBe(
      "ArgumentValidationError: Value is too deeply nested (depth 65 > maximum 64)",
    );
    expect(await query("limits:readNotes", { take: 10 })).toBe(0);
    ok(await engine.runMutation("limits:notePayload", { payload: payload(8192) }, null));
    expect(await query("limits:readNotes", { take: 10 })).toBe(1);
  });
});

describe("reactivity", () => {
  it("invalidates only queries whose read ranges contain a written key", async () => {
    for (const n of [1, 2, 3, 4]) await send("ann", n);
    const q = await engine.runQuery("messages:byAuthor", { author: "ann", min: 2, max: 4 }, null);
    expect(ok(q)).toEqual([2, 3]);
    const reads = q.reads!;

    expect(engine.invalidates(reads, (await committed(() => send("ann", 10))).writes)).toBe(false);
    expect(engine.invalidates(reads, (await committed(() => send("bob", 3))).writes)).toBe(false);
    expect(engine.invalidates(reads, (await committed(() => send("ann", 3.5))).writes)).toBe(true);

    const ids = (await query<{ page: { _id: string; n: number }[] }>("messages:page", { author: "ann", paginationOpts: { numItems: 10, cursor: null } })).page;
    const two = ids.find((d) => d.n === 2)!;
    const one = ids.find((d) => d.n === 1)!;
    const rename = (id: string) => committed(() => engine.runMutation("messages:rename", { id, body: "changed" }, null));
    expect(engine.invalidates(reads, (await rename(two._id)).writes)).toBe(true);
    expect(engine.invalidates(reads, (await rename(one._id)).writes)).toBe(false);

    const got = await engine.runQuery("messages:get", { id: one._id }, null);
    expect(engine.invalidates(got.reads!, (await rename(two._id)).writes)).toBe(false);
    expect(engine.invalidates(got.reads!, (await rename(one._id)).writes)).toBe(true);

    // first() reads only up to the first row: a later row does not affect it.
    const first = await engine.runQuery("messages:firstOf", { author: "ann" }, null);
    expect(engine.invalidates(first.reads!, (await committed(() => send("ann", 99))).writes)).toBe(false);
    expect(engine.invalidates(first.reads!, (await committed(() => engine.runMutation("messages:remove", { id: one._id }, null))).writes)).toBe(true);
  });

  it("a failed mutation publishes no commit", async () => {
    let commits = 0;
    const off = engine.onCommit(() => commits++);
    await engine.runMutation("messages:insertThenThrow", { body: "x" }, null);
    await send("a", 1);
    off();
    expect(commits).toBe(1);
  });
});

describe("scheduler", () => {
  it("runs scheduled mutations, honours cancel, drops jobs of failed mutations", async () => {
    const jobId = ok<string>(await engine.runMutation("scheduler:scheduleJob", { label: "soon", delayMs: 30 }, null));
    // Pending is checked on a job far off, which no load on the machine can make due before the check.
    const parked = ok<string>(await engine.runMutation("scheduler:scheduleJob", { label: "parked", delayMs: 600_000 }, null));
    expect(await query("scheduler:jobState", { id: parked })).toBe("pending");
    ok(await engine.runMutation("scheduler:cancelJob", { id: parked }, null));
    expect(await query("scheduler:jobState", { id: parked })).toBe("canceled");
    const later = ok<string>(await engine.runMutation("scheduler:scheduleJob", { label: "cancelled", delayMs: 1000 }, null));
    ok(await engine.runMutation("scheduler:cancelJob", { id: later }, null));
    err(await engine.runMutation("scheduler:scheduleThenThrow", { label: "never" }, null));
    await waitFor(() => query<string[]>("scheduler:labels"), (l) => l.includes("soon"));
    expect(await query("scheduler:jobState", { id: jobId })).toBe("success");
    expect(await query("scheduler:jobState", { id: later })).toBe("canceled");
    // Instead of sleeping past the cancelled job's time: a sentinel due after it has run, so the cancelled job
    // would have run before it if cancel had not held.
    ok(await engine.runMutation("scheduler:scheduleJob", { label: "sentinel", delayMs: 1100 }, null));
    await waitFor(() => query<string[]>("scheduler:labels"), (l) => l.includes("sentinel"));
    expect(await query("scheduler:labels")).toEqual(["soon", "sentinel"]);
  });

  it("keeps jobs across a restart and runs overdue ones at start", async () => {
    // A fake clock, stopped: the job never comes due while the first engine runs, and is overdue when the second
    // opens, with no waiting on the real clock.
    let clock = Date.now();
    await engine.close();
    engine = await open(dir, { now: () => clock });
    const jobId = ok<string>(await engine.runMutation("scheduler:scheduleJob", { label: "persisted", delayMs: 200 }, null));
    await (engine as EngineImpl).idle();
    expect(await query("scheduler:jobState", { id: jobId })).toBe("pending");
    await engine.close();
    clock += 300;
    engine = await open(dir, { now: () => clock });
    // Idle: no job runs or is due, so the overdue one has run.
    await (engine as EngineImpl).idle();
    expect(await query("scheduler:labels")).toEqual(["persisted"]);
    expect(await query("scheduler:jobState", { id: jobId })).toBe("success");
  });
});

describe("transaction metrics", () => {
  it("reports the real counts of the current transaction", async () => {
    type Metric = { used: number; remaining: number };
    const { before, after } = ok<{ before: Record<string, Metric>; after: Record<string, Metric> }>(
      await engine.runMutation("scheduler:metrics", {}, null),
    );
    for (const m of Object.values(before)) expect(m.used).toBe(0);
    expect(after.databaseQueries).toEqual({ used: 3, remaining: 4096 - 3 });
    expect(after.functionsScheduled).toEqual({ used: 2, remaining: 1000 - 2 });
    const argsBytes = JSON.stringify({ label: "metrics-1" }).length + JSON.stringify({ label: "metrics-22" }).length;
    expect(after.scheduledFunctionArgsBytes).toEqual({ used: argsBytes, remaining: (16 << 20) - argsBytes });
    expect(after.documentsWritten.used).toBe(2);
    expect(after.bytesWritten.used).toBeGreaterThan(0);
  });
});

describe("storage and actions", () => {
  it("stores, serves, describes and deletes blobs", async () => {
    const id = ok<string>(await engine.runAction("storage:storeText", { text: "hello blob" }, null));
    expect(await query("storage:info", { id })).toEqual({ url: `${SITE_URL}/api/storage/${id}`, size: 10, contentType: "text/plain" });
    expect(ok(await engine.runAction("storage:readText", { id }, null))).toBe("hello blob");
    const blob = await engine.getBlob(id);
    expect(Buffer.from(blob!.bytes).toString()).toBe("hello blob");
    expect(blob!.sha256).toBe(createHash("sha256").update("hello blob").digest("base64"));

    const uploaded = await engine.storeBlob(new TextEncoder().encode("up"), "application/octet-stream");
    expect(await query("storage:info", { id: uploaded })).toMatchObject({ size: 2, contentType: "application/octet-stream" });

    const url = ok<string>(await engine.runMutation("storage:uploadUrl", {}, null));
    expect(url.startsWith(`${SITE_URL}/api/storage/upload?token=`)).toBe(true);
    const token = new URL(url).searchParams.get("token")!;
    expect(engine.consumeUploadToken(token)).toBe(true);
    expect(engine.consumeUploadToken(token)).toBe(false);
    expect(engine.consumeUploadToken("made-up")).toBe(false);

    ok(await engine.runMutation("storage:remove", { id }, null));
    expect(await query("storage:info", { id })).toEqual({ url: null, size: null, contentType: null });
    expect(await engine.getBlob(id)).toBeNull();
    expect(existsSync(path.join(dir, "storage", id))).toBe(false);
  });

  it("runs queries, internal functions, fetch and env from actions with the caller's identity", async () => {
    await engine.setEnv("FIXTURE_VAR", "from-env");
    const identity = { tokenIdentifier: "https://issuer|user1", subject: "user1", issuer: "https://issuer" };
    const out = ok<Record<string, unknown>>(await engine.runAction("storage:viaAction", { body: "b" }, identity));
    expect(out).toMatchObject({ s: "internal only", subject: "user1", fetched: "fetched", env: "from-env" });
    expect(await query("messages:byAuthor", { author: "action" })).toEqual([1]);
    expect(engine.getEnv()).toEqual({ FIXTURE_VAR: "from-env" });
    await engine.setEnv("FIXTURE_VAR", null);
    expect(engine.getEnv()).toEqual({});
    await expect(engine.setEnv("bad name", "x")).rejects.toThrow(/Invalid environment variable name/);
  });
});

describe("persistence and reload", () => {
  it("recovers every commit after a restart, through snapshots too", async () => {
    await engine.close();
    engine = await open(dir, { compactThresholdBytes: 2000 });
    const ids: string[] = [];
    for (let n = 0; n < 40; n++) ids.push(await send("keep", n));
    await engine.runMutation("messages:remove", { id: ids[0] }, null);
    expect(existsSync(path.join(dir, "snapshot.ndjson"))).toBe(true);
    await engine.close();
    engine = await open(dir);
    expect(await query("messages:byAuthor", { author: "keep" })).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
    expect(await send("keep", 100)).toMatch(/^[0-9a-z]+$/);
  });

  it("rebuilds indexes at start in index order when documents were written out of order", async () => {
    const order = [7, 3, 9, 1, 5, 8, 2, 6, 4, 0];
    for (const n of order) await send(n % 2 ? "odd" : "even", n, { tag: `t${9 - n}` });
    await engine.close();
    engine = await open(dir);
    expect(await query("messages:byAuthor", { author: "odd" })).toEqual([1, 3, 5, 7, 9]);
    expect(await query("messages:byAuthor", { author: "even", order: "desc" })).toEqual([8, 6, 4, 2, 0]);
    expect(await query("messages:byAuthor", { author: "odd", min: 2, max: 8 })).toEqual([3, 5, 7]);
    expect(await query("messages:firstOf", { author: "odd" })).toBe("odd7");
    expect(await query("messages:all")).toEqual(order.map((n) => `${n % 2 ? "odd" : "even"}${n}`));
  });

  it("reloads changed functions and keeps the old ones when a bundle fails", async () => {
    const convexDir = path.join(dir, "convex-copy");
    mkdirSync(convexDir);
    cpSync(FIXTURE_CONVEX, convexDir, { recursive: true });
    const e2 = await open(path.join(dir, "data2"), { convexDir });
    try {
      let reloads = 0;
      e2.onReload(() => reloads++);
      expect(err(await e2.runQuery("extra:hello", {}, null))).toMatch(/Could not find public function/);
      writeFileSync(
        path.join(convexDir, "extra.ts"),
        'import { queryGeneric } from "convex/server";\nexport const hello = queryGeneric({ args: {}, handler: async () => "hi" });\n',
      );
      await e2.reload();
      expect(reloads).toBe(1);
      expect(ok(await e2.runQuery("extra:hello", {}, null))).toBe("hi");
      writeFileSync(path.join(convexDir, "extra.ts"), "export const hello = ;\n");
      await e2.reload();
      expect(ok(await e2.runQuery("extra:hello", {}, null))).toBe("hi");
      expect(readdirSync(path.join(dir, "data2", "build")).filter((d) => d.startsWith("gen-"))).toHaveLength(1);
    } finally {
      await e2.close();
    }
  });

  it("evaluates auth.config.ts with the current environment", async () => {
    const convexDir = path.join(dir, "convex-auth");
    cpSync(FIXTURE_CONVEX, convexDir, { recursive: true });
    writeFileSync(
      path.join(convexDir, "auth.config.ts"),
      "export default { providers: process.env.TEST_ISSUER ? [{ domain: process.env.TEST_ISSUER, applicationID: 'convex' }] : [] };\n",
    );
    const e2 = await open(path.join(dir, "data3"), { convexDir });
    try {
      expect(e2.authProviders()).toEqual([]);
      await e2.setEnv("TEST_ISSUER", "http://issuer.test");
      expect(e2.authProviders()).toEqual([{ type: "oidc", domain: "http://issuer.test", applicationID: "convex" }]);
    } finally {
      await e2.setEnv("TEST_ISSUER", null);
      await e2.close();
    }
  });
});
