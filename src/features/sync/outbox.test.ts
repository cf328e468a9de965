import { afterEach, describe, expect, it, vi } from "vitest";
import { ConvexError } from "convex/values";
import { Outbox, type ChannelLike, type LockManagerLike, type Transport } from "./outbox";
import { READ_PAGE, REFILL_AT, SEND_WINDOW } from "./sendWindow";
import { IdbSyncStorage, MemorySyncStorage } from "./storage";
import { clearOptimisticUpdates, registerOptimisticUpdate } from "./registry";
import { queryToken } from "./queryKey";
import { optimisticId } from "./ids";
import type { OutboxEntry } from "./types";
import { registerCacheableQuery } from "./queryCache";

// A stand-in list query, kept in IndexedDB like the app's file listing.
registerCacheableQuery("test:rows");

let users = 0;
const newUser = () => `user-${++users}-${Math.random().toString(36).slice(2)}`;
const outboxes: Outbox[] = [];

afterEach(() => {
  for (const outbox of outboxes.splice(0)) outbox.stop();
  clearOptimisticUpdates();
});

interface Sent {
  path: string;
  args: Record<string, unknown>;
}

/** A server stand-in that records calls, can hang (offline), and answers through `respond`. */
function fakeServer(respond: (call: Sent) => unknown = () => null) {
  const sent: Sent[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  let offline = false;
  const hung: Array<() => void> = [];
  const transport: Transport = {
    async mutation(path, args) {
      const call = { path, args };
      sent.push(call);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      try {
        if (offline) await new Promise<void>((resolve) => hung.push(resolve));
        await Promise.resolve();
        return respond(call);
      } finally {
        concurrent--;
      }
    },
  };
  return {
    transport,
    sent,
    get maxConcurrent() {
      return maxConcurrent;
    },
    setOffline(value: boolean) {
      offline = value;
    },
  };
}

function makeOutbox(userKey: string, transport: Transport, extra: Partial<ConstructorParameters<typeof Outbox>[0]> = {}) {
  const outbox = new Outbox({ userKey, transport, locks: null, channel: null, retryDelayMs: () => 1, ...extra });
  outboxes.push(outbox);
  return outbox;
}

async function until(check: () => boolean, what = "condition") {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

async function storedOutbox(userKey: string): Promise<OutboxEntry[]> {
  const storage = await IdbSyncStorage.open(userKey);
  try {
    return await storage.list();
  } finally {
    storage.close();
  }
}

describe("outbox", () => {
  it("keeps entries across a reload and resends them in order with the same opIds", async () => {
    const user = newUser();
    const offline = fakeServer();
    offline.setOffline(true);
    const first = makeOutbox(user, offline.transport);
    await first.start();
    const ops = ["a", "b", "c"].map((name) => first.enqueue("files:rename", { fileId: "f1", name }));
    await until(() => first.state().status.unsaved === 0, "IndexedDB commits");
    first.stop();

    const stored = await storedOutbox(user);
    expect(stored.map((e) => e.args.name)).toEqual(["a", "b", "c"]);
    expect(stored.map((e) => e.opId)).toEqual(ops.map((o) => o.opId));

    const server = fakeServer((call) => `ok-${String(call.args.name)}`);
    const second = makeOutbox(user, server.transport);
    await second.start();
    expect(second.state().pending.map((p) => p.opId)).toEqual(ops.map((o) => o.opId));
    await until(() => second.state().status.pending === 0, "replay");
    expect(server.sent.map((c) => c.args)).toEqual([
      { fileId: "f1", name: "a", clientOpId: ops[0].opId },
      { fileId: "f1", name: "b", clientOpId: ops[1].opId },
      { fileId: "f1", name: "c", clientOpId: ops[2].opId },
    ]);
    expect(await storedOutbox(user)).toEqual([]);
  });

  it("settled() waits for the writes stored before it, confirmed or refused, and not for later ones", async () => {
    const answers = new Map<string, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
    const outbox = makeOutbox(newUser(), {
      mutation: (_path, args) => new Promise((resolve, reject) => answers.set(String(args.name), { resolve, reject })),
    });
    await outbox.start();
    await outbox.settled(); // Nothing pending: at once.
    outbox.enqueue("files:rename", { fileId: "f1", name: "a" });
    outbox.enqueue("files:rename", { fileId: "f2", name: "b" });
    let settled = false;
    void outbox.settled().then(() => (settled = true));
    outbox.enqueue("files:rename", { fileId: "f3", name: "later" });
    await until(() => answers.size === 3, "all three sent");
    answers.get("a")!.resolve(null);
    await until(() => outbox.state().status.pending === 2, "a confirmed");
    expect(settled).toBe(false);
    answers.get("b")!.reject(new ConvexError({ code: "NOT_FOUND", message: "No such file." }));
    await until(() => settled, "settled after b was refused");
    expect(outbox.state().status.pending).toBe(1);
  });

  it("stores an opId once however often it is appended", async () => {
    const storage = await IdbSyncStorage.open(newUser());
    const entry = { opId: "op-1", path: "files:rename", args: { name: "x" }, createdAt: 1, userKey: "u" };
    const a = await storage.append(entry);
    const b = await storage.append({ ...entry, args: { name: "y" } });
    expect(b.seq).toBe(a.seq);
    expect((await storage.list()).map((e) => e.args)).toEqual([{ name: "x" }]);
    storage.close();
  });

  it("resolves the caller's promise with the server's result and keeps failures of the network pending", async () => {
    const user = newUser();
    let failures = 2;
    const outbox = makeOutbox(user, {
      mutation() {
        if (failures-- > 0) return Promise.reject(new TypeError("Failed to fetch"));
        return Promise.resolve("file-9");
      },
    });
    await outbox.start();
    const op = outbox.enqueue("files:createFile", { projectId: "p", name: "a.ts" });
    await expect(op.result).resolves.toBe("file-9");
    expect(outbox.state().issues).toEqual([]);
  });

  it("replaces a $ref to an earlier create with the id the server returned", async () => {
    const user = newUser();
    const offline = fakeServer();
    offline.setOffline(true);
    const first = makeOutbox(user, offline.transport);
    await first.start();
    const folder = first.enqueue("files:createFolder", { projectId: "p", name: "src" });
    const file = first.enqueue("files:createFile", { projectId: "p", parentId: folder.tempId, name: "a.ts" });
    first.enqueue("files:rename", { fileId: file.tempId, name: "b.ts" });
    await until(() => first.state().status.unsaved === 0, "commits");
    const stored = await storedOutbox(user);
    expect(stored[1].args.parentId).toEqual({ $ref: folder.opId });
    expect(stored[2].args.fileId).toEqual({ $ref: file.opId });
    first.stop();

    let next = 0;
    const server = fakeServer((call) => (call.path.includes("create") ? `real-${++next}` : null));
    const second = makeOutbox(user, server.transport);
    await second.start();
    await until(() => second.state().status.pending === 0, "replay");
    expect(server.sent[1].args.parentId).toBe("real-1");
    expect(server.sent[2].args.fileId).toBe("real-2");
    expect(second.realIds({ fileId: file.tempId })).toEqual({ fileId: "real-2" });
  });

  it("drops a write whose $ref target was refused, and says why", async () => {
    const user = newUser();
    const server = fakeServer((call) => {
      if (call.path === "files:createFile") throw new ConvexError({ code: "NAME_TAKEN", message: "a.ts already exists." });
      return null;
    });
    const outbox = makeOutbox(user, server.transport);
    server.setOffline(true);
    await outbox.start();
    const create = outbox.enqueue("files:createFile", { projectId: "p", name: "a.ts" });
    const rename = outbox.enqueue("files:rename", { fileId: create.tempId, name: "b.ts" });
    await until(() => outbox.state().status.unsaved === 0, "commits");
    server.setOffline(false);
    outbox.stop();
    const again = makeOutbox(user, server.transport);
    await again.start();
    await until(() => again.state().status.pending === 0, "replay");
    expect(server.sent.map((c) => c.path)).toEqual(["files:createFile", "files:createFile"]);
    expect(again.state().issues.map((i) => [i.opId, i.kind])).toEqual([
      [create.opId, "rejected"],
      [rename.opId, "rejected"],
    ]);
    expect(again.state().issues[0].message).toBe("a.ts already exists.");
  });
});

describe("content conflicts", () => {
  const base = "line 1\nline 2\nline 3\nline 4\n";

  async function contentOutbox(respond: (call: Sent) => unknown) {
    const user = newUser();
    const server = fakeServer(respond);
    const outbox = makeOutbox(user, server.transport);
    await outbox.start();
    outbox.cache.setLive("files:get", { fileId: "f1" }, { _id: "f1", content: base, revision: 3 });
    return { outbox, server };
  }

  it("merges edits to different lines and resends against the server's revision", async () => {
    const theirs = "line 1\nline 2\nline 3\nTHEIRS 4\n";
    const { outbox, server } = await contentOutbox((call) => {
      if (call.args.baseRevision === 3) {
        throw new ConvexError({ code: "CONFLICT", message: "changed", revision: 4, content: theirs });
      }
      return { revision: 5 };
    });
    const op = outbox.enqueue("files:updateContent", { fileId: "f1", content: "MINE 1\nline 2\nline 3\nline 4\n", baseRevision: 3 });
    // The caller learns the merged text the server now holds, not only the revision.
    await expect(op.result).resolves.toEqual({ revision: 5, content: "MINE 1\nline 2\nline 3\nTHEIRS 4\n" });
    expect(server.sent[1].args).toEqual({
      fileId: "f1",
      content: "MINE 1\nline 2\nline 3\nTHEIRS 4\n",
      baseRevision: 4,
      clientOpId: op.opId,
    });
    expect(outbox.state().issues).toEqual([]);
  });

  it("records a conflict with both texts when the same lines changed", async () => {
    const theirs = "THEIRS 1\nline 2\nline 3\nline 4\n";
    const { outbox, server } = await contentOutbox(() => {
      throw new ConvexError({ code: "CONFLICT", message: "changed", revision: 4, content: theirs });
    });
    const mine = "MINE 1\nline 2\nline 3\nline 4\n";
    const op = outbox.enqueue("files:updateContent", { fileId: "f1", content: mine, baseRevision: 3 });
    await expect(op.result).rejects.toThrow(/changed elsewhere/);
    expect(server.sent).toHaveLength(1);
    const [issue] = outbox.state().issues;
    expect(issue).toMatchObject({ kind: "conflict", fileId: "f1", text: mine, theirs, base, serverRevision: 4 });
    expect(issue.merged).toBe("<<<<<<< mine\nMINE 1\n=======\nTHEIRS 1\n>>>>>>> theirs\nline 2\nline 3\nline 4\n");
    expect(outbox.state().status.pending).toBe(0);
  });

  it("sends a later edit of the same file on top of the earlier one's new revision", async () => {
    let revision = 3;
    const { outbox, server } = await contentOutbox((call) => {
      if (call.args.baseRevision !== revision) {
        throw new ConvexError({ code: "CONFLICT", message: "stale", revision, content: "?" });
      }
      return { revision: ++revision };
    });
    const server0 = server;
    server0.setOffline(false);
    outbox.enqueue("files:updateContent", { fileId: "f1", content: base + "a\n", baseRevision: 3 });
    const second = outbox.enqueue("files:updateContent", { fileId: "f1", content: base + "a\nb\n", baseRevision: 3 });
    await expect(second.result).resolves.toEqual({ revision: 5, content: base + "a\nb\n" });
    expect(server.sent.map((c) => c.args.baseRevision)).toEqual([3, 4]);
  });

  it("folds later edits chained onto a conflicting one into the same issue, with the newest text", async () => {
    const theirs = "THEIRS 1\nline 2\nline 3\nline 4\n";
    const { outbox, server } = await contentOutbox(() => {
      throw new ConvexError({ code: "CONFLICT", message: "changed", revision: 4, content: theirs });
    });
    const first = outbox.enqueue("files:updateContent", { fileId: "f1", content: "MINE 1\nline 2\nline 3\nline 4\n", baseRevision: 3 });
    const newest = "MINE 1\nline 2\nline 3\nline 4\nmore\n";
    const second = outbox.enqueue("files:updateContent", { fileId: "f1", content: newest, baseRevision: 3 });
    await expect(first.result).rejects.toThrow(/changed elsewhere/);
    await expect(second.result).rejects.toThrow(/changed elsewhere/);
    expect(server.sent).toHaveLength(1);
    expect(outbox.state().issues).toHaveLength(1);
    expect(outbox.state().issues[0]).toMatchObject({ kind: "conflict", text: newest, theirs });
    expect(outbox.state().status.pending).toBe(0);
  });

  it("records a write to a deleted file with the text so it can be saved elsewhere", async () => {
    const { outbox } = await contentOutbox(() => {
      throw new ConvexError({ code: "NOT_FOUND", message: "That file no longer exists." });
    });
    const op = outbox.enqueue("files:updateContent", { fileId: "f1", content: "precious", baseRevision: 3 });
    await expect(op.result).rejects.toThrow(/no longer exists/);
    expect(outbox.state().issues[0]).toMatchObject({ kind: "deleted", fileId: "f1", text: "precious" });
  });
});

describe("storage failure", () => {
  it("falls back to memory when IndexedDB cannot be opened, tells the user once, and still sends", async () => {
    const onStorageFallback = vi.fn();
    const server = fakeServer(() => "ok");
    const outbox = makeOutbox(newUser(), server.transport, {
      openStorage: () => Promise.reject(new Error("IndexedDB is disabled")),
      onStorageFallback,
    });
    await outbox.start();
    await expect(outbox.enqueue("files:rename", { fileId: "f", name: "a" }).result).resolves.toBe("ok");
    await expect(outbox.enqueue("files:rename", { fileId: "f", name: "b" }).result).resolves.toBe("ok");
    expect(onStorageFallback).toHaveBeenCalledTimes(1);
    expect(onStorageFallback.mock.calls[0][0]).toMatch(/IndexedDB is disabled/);
    expect(outbox.state().status.storage).toBe("memory");
  });

  it("moves to memory when a write hits the quota, keeping what was already pending", async () => {
    class QuotaStorage extends MemorySyncStorage {
      full = false;
      override async append(entry: OutboxEntry) {
        if (this.full) throw new DOMException("Quota exceeded", "QuotaExceededError");
        return super.append(entry);
      }
    }
    const quota = new QuotaStorage();
    // Stands in for IndexedDB: only a non-memory storage is replaced on failure.
    Object.defineProperty(quota, "kind", { value: "indexeddb" });
    const onStorageFallback = vi.fn();
    const server = fakeServer(() => "ok");
    server.setOffline(true);
    const outbox = makeOutbox(newUser(), server.transport, {
      openStorage: () => Promise.resolve(quota),
      onStorageFallback,
    });
    await outbox.start();
    outbox.enqueue("files:rename", { fileId: "f", name: "a" });
    await until(() => outbox.state().status.unsaved === 0, "first commit");
    quota.full = true;
    outbox.enqueue("files:rename", { fileId: "f", name: "b" });
    await until(() => outbox.state().status.unsaved === 0, "second commit");
    expect(onStorageFallback).toHaveBeenCalledTimes(1);
    expect(outbox.state().pending.map((p) => p.label)).toEqual(['Rename to "a"', 'Rename to "b"']);
  });
});

describe("overlay", () => {
  it("applies pending writes' registered optimistic updates to results cached before a reload", async () => {
    type Row = { _id: string; name: string; parentId?: string };
    registerOptimisticUpdate("files:rename", (store, args: { fileId: string; name: string }) => {
      for (const { args: treeArgs, value } of store.getAllQueries<any>("test:rows" as any)) {
        const rows = value as Row[] | undefined;
        if (!rows) continue;
        store.setQuery("test:rows" as any, treeArgs, rows.map((r) => (r._id === args.fileId ? { ...r, name: args.name } : r)));
      }
    });
    registerOptimisticUpdate("files:createFile", (store, args: { projectId: string; name: string; clientOpId?: string }) => {
      const rows = store.getQuery("test:rows" as any, { projectId: args.projectId }) as Row[] | undefined;
      if (rows) store.setQuery("test:rows" as any, { projectId: args.projectId }, [...rows, { _id: optimisticId(args), name: args.name }]);
    });

    const user = newUser();
    const server = fakeServer();
    server.setOffline(true);
    const first = makeOutbox(user, server.transport, { cacheDebounceMs: 0 });
    await first.start();
    first.cache.setLive("test:rows", { projectId: "p" }, [{ _id: "f1", name: "old.ts" }]);
    await first.cache.flush();
    first.stop();

    const second = makeOutbox(user, server.transport);
    await second.start();
    const created = second.enqueue("files:createFile", { projectId: "p", name: "new.ts" });
    second.enqueue("files:rename", { fileId: created.tempId, name: "renamed.ts" });
    second.enqueue("files:rename", { fileId: "f1", name: "fresh.ts" });
    const token = queryToken("test:rows", { projectId: "p" });
    const shown = second.overlay(second.cache.snapshot()).get(token)?.value;
    expect(shown).toEqual([
      { _id: "f1", name: "fresh.ts" },
      { _id: created.tempId, name: "renamed.ts" },
    ]);
    expect(second.cache.snapshot().get(token)?.value).toEqual([{ _id: "f1", name: "old.ts" }]);
  });

  it("keeps a result's identity when a recomputed overlay shows the same value, and changes it when it differs", async () => {
    registerOptimisticUpdate("files:rename", (store, args: { fileId: string; name: string }) => {
      const file = store.getQuery("files:get" as any, { fileId: args.fileId }) as { name: string } | undefined;
      if (file) store.setQuery("files:get" as any, { fileId: args.fileId }, { ...file, name: args.name });
    });
    const server = fakeServer();
    server.setOffline(true);
    const outbox = makeOutbox(newUser(), server.transport);
    await outbox.start();
    outbox.cache.setLive("files:get", { fileId: "a" }, { _id: "a", name: "a.ts" });
    outbox.cache.setLive("files:get", { fileId: "b" }, { _id: "b", name: "b.ts" });
    outbox.enqueue("files:rename", { fileId: "a", name: "a2.ts" });
    const tokenA = queryToken("files:get", { fileId: "a" });
    const tokenB = queryToken("files:get", { fileId: "b" });
    const before = outbox.overlay(outbox.cache.snapshot());
    outbox.cache.setLive("files:get", { fileId: "b" }, { _id: "b", name: "b2.ts" });
    const after = outbox.overlay(outbox.cache.snapshot());
    expect(after).not.toBe(before);
    expect(after.get(tokenA)?.value).toEqual({ _id: "a", name: "a2.ts" });
    expect(after.get(tokenA)?.value).toBe(before.get(tokenA)?.value);
    expect(after.get(tokenB)?.value).toEqual({ _id: "b", name: "b2.ts" });
    outbox.enqueue("files:rename", { fileId: "a", name: "a3.ts" });
    expect(outbox.overlay(outbox.cache.snapshot()).get(tokenA)?.value).toEqual({ _id: "a", name: "a3.ts" });
  });

  it("computes the overlay once for readers laying in the same live results, and again for new ones", async () => {
    let runs = 0;
    registerOptimisticUpdate("files:rename", (store, args: { fileId: string; name: string }) => {
      runs++;
      const file = store.getQuery("files:get" as any, { fileId: args.fileId }) as { name: string } | undefined;
      if (file) store.setQuery("files:get" as any, { fileId: args.fileId }, { ...file, name: args.name });
    });
    const server = fakeServer();
    server.setOffline(true);
    const outbox = makeOutbox(newUser(), server.transport);
    await outbox.start();
    outbox.cache.setLive("files:get", { fileId: "a" }, { _id: "a", name: "a.ts" });
    outbox.enqueue("files:rename", { fileId: "a", name: "a2.ts" });
    const token = queryToken("files:get", { fileId: "a" });
    const live = { _id: "a", name: "live.ts" };
    const override = () => [{ token, path: "files:get", args: { fileId: "a" }, value: live, updatedAt: 0 }];
    const cache = outbox.cache.snapshot();
    const first = outbox.overlay(cache, override());
    expect(first.get(token)?.value).toEqual({ _id: "a", name: "a2.ts" });
    expect(runs).toBe(1);
    // Another reader of the same render, with the same live value and with none: computed once each.
    expect(outbox.overlay(cache, override())).toBe(first);
    const plain = outbox.overlay(cache);
    expect(outbox.overlay(cache)).toBe(plain);
    expect(outbox.overlay(cache, override())).toBe(first);
    expect(runs).toBe(2);
    // A newer live value is a new computation.
    outbox.overlay(cache, [{ ...override()[0], value: { _id: "a", name: "newer.ts" } }]);
    expect(runs).toBe(3);
  });
});

describe("several tabs", () => {
  /** Web Locks and BroadcastChannel as the browser gives them to tabs of one origin. */
  function browserShared() {
    const held = new Map<string, Promise<unknown>>();
    const locks: LockManagerLike = {
      request(name, callback) {
        const previous = held.get(name) ?? Promise.resolve();
        const run = previous.then(callback, callback);
        held.set(name, run.catch(() => {}));
        return run;
      },
    };
    const members = new Set<ChannelLike>();
    const channel = () => {
      const member: ChannelLike = {
        onmessage: null,
        postMessage(message) {
          for (const other of members) {
            if (other !== member) setTimeout(() => other.onmessage?.({ data: structuredClone(message) } as MessageEvent));
          }
        },
        close() {
          members.delete(member);
        },
      };
      members.add(member);
      return member;
    };
    return { locks, channel };
  }

  it("sends each write once, in order, from one tab at a time, whichever tab wrote it", async () => {
    const user = newUser();
    const shared = browserShared();
    const server = fakeServer((call) => `done-${String(call.args.name)}`);
    const busy = new Map<string, number>();
    let tabsAtOnce = 0;
    const tabTransport = (tab: string): Transport => ({
      async mutation(path, args) {
        busy.set(tab, (busy.get(tab) ?? 0) + 1);
        tabsAtOnce = Math.max(tabsAtOnce, [...busy.values()].filter((n) => n > 0).length);
        try {
          return await server.transport.mutation(path, args);
        } finally {
          busy.set(tab, busy.get(tab)! - 1);
        }
      },
    });
    const tabA = makeOutbox(user, tabTransport("A"), shared);
    const tabB = makeOutbox(user, tabTransport("B"), shared);
    await Promise.all([tabA.start(), tabB.start()]);
    const results = [];
    for (let i = 0; i < 6; i++) {
      const tab = i % 2 === 0 ? tabA : tabB;
      results.push(tab.enqueue("files:rename", { fileId: "f", name: `n${i}` }).result);
    }
    await expect(Promise.all(results)).resolves.toEqual([0, 1, 2, 3, 4, 5].map((i) => `done-n${i}`));
    const opIds = server.sent.map((c) => c.args.clientOpId);
    expect(new Set(opIds).size).toBe(6);
    expect(server.sent).toHaveLength(6);
    expect(server.sent.map((c) => c.args.name)).toEqual(["n0", "n1", "n2", "n3", "n4", "n5"]);
    expect(tabsAtOnce).toBe(1);
    await until(() => tabA.state().status.pending === 0 && tabB.state().status.pending === 0, "both tabs to see it");
  });

  it("lets another tab take over the outbox when the sending tab goes away", async () => {
    const user = newUser();
    const shared = browserShared();
    const stuck = fakeServer();
    stuck.setOffline(true);
    const tabA = makeOutbox(user, stuck.transport, shared);
    await tabA.start();
    const op = tabA.enqueue("files:rename", { fileId: "f", name: "x" });
    await until(() => stuck.sent.length === 1, "first send");
    const server = fakeServer(() => "ok");
    const tabB = makeOutbox(user, server.transport, shared);
    await tabB.start();
    expect(server.sent).toHaveLength(0);
    tabA.stop();
    tabB.kick();
    await until(() => server.sent.length === 1, "second tab to send");
    expect(server.sent[0].args.clientOpId).toBe(op.opId);
  });
});

describe("pipelined replay", () => {
  /**
   * A server that applies writes in the order they arrive and each clientOpId once (a resend gets the stored
   * answer), and answers only when `release` is called, so several writes can be on the wire at once.
   */
  function orderedServer(apply: (call: Sent, attempt: number) => unknown) {
    const applied: string[] = [];
    const answers = new Map<string, unknown>();
    const attempts = new Map<string, number>();
    const held: Array<() => void> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let auto = false;
    const sent: Sent[] = [];
    const transport: Transport = {
      mutation(path, args) {
        const call = { path, args };
        sent.push(call);
        const opId = String(args.clientOpId);
        const attempt = (attempts.get(opId) ?? 0) + 1;
        attempts.set(opId, attempt);
        let outcome: { ok: true; value: unknown } | { ok: false; error: Error };
        if (answers.has(opId)) outcome = { ok: true, value: answers.get(opId) };
        else {
          try {
            const value = apply(call, attempt);
            answers.set(opId, value);
            applied.push(opId);
            outcome = { ok: true, value };
          } catch (thrown) {
            const error = thrown as Error;
            const lostAnswer = error instanceof LostAnswer;
            if (lostAnswer) {
              answers.set(opId, error.value);
              applied.push(opId);
            }
            outcome = { ok: false, error: lostAnswer ? new TypeError("Failed to fetch") : error };
          }
        }
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise((resolve, reject) => {
          const answer = () => {
            inFlight--;
            if (outcome.ok) resolve(outcome.value);
            else reject(outcome.error);
          };
          if (auto) setTimeout(answer);
          else held.push(answer);
        });
      },
    };
    return {
      transport,
      sent,
      applied,
      get maxInFlight() {
        return maxInFlight;
      },
      get held() {
        return held.length;
      },
      release() {
        for (const answer of held.splice(0)) answer();
      },
      /** Answers the oldest write on the wire only. */
      releaseOne() {
        held.shift()?.();
      },
      answerAll() {
        auto = true;
        this.release();
      },
    };
  }

  class LostAnswer extends Error {
    constructor(readonly value: unknown) {
      super("applied, answer lost");
    }
  }

  async function queued(user: string, write: (outbox: Outbox) => void) {
    const offline = fakeServer();
    offline.setOffline(true);
    const outbox = makeOutbox(user, offline.transport);
    await outbox.start();
    write(outbox);
    await until(() => outbox.state().status.unsaved === 0, "IndexedDB commits");
    outbox.stop();
    return (await storedOutbox(user)).map((e) => e.opId);
  }

  it("sends independent writes without waiting for each answer, bounded, and confirms them in order", async () => {
    const user = newUser();
    const opIds = await queued(user, (outbox) => {
      // More writes than the window holds.
      for (let i = 0; i < SEND_WINDOW + 24; i++) outbox.enqueue("files:rename", { fileId: `f${i}`, name: `n${i}` });
    });
    const server = orderedServer((call) => `ok-${String(call.args.name)}`);
    const outbox = makeOutbox(user, server.transport);
    const confirmed: string[] = [];
    outbox.subscribe(() => {
      for (const opId of opIds) if (outbox.lookup(opId) && !confirmed.includes(opId)) confirmed.push(opId);
    });
    await outbox.start();
    await until(() => server.held > 1, "several writes on the wire");
    expect(server.held).toBeLessThanOrEqual(SEND_WINDOW);
    server.answerAll();
    await until(() => outbox.state().status.pending === 0, "replay");
    expect(server.applied).toEqual(opIds);
    expect(confirmed).toEqual(opIds);
    expect(server.maxInFlight).toBeGreaterThan(1);
    expect(server.maxInFlight).toBeLessThanOrEqual(SEND_WINDOW);
    expect(await storedOutbox(user)).toEqual([]);
  });

  it("tops the window up in bursts once it drained to REFILL_AT, not one write per answer", async () => {
    // The server answers the writes that reach it together with one Transition re-sending every listing bucket
    // they changed: one write per answer made it one Transition (a whole bucket) per write during a replay.
    const user = newUser();
    const opIds = await queued(user, (outbox) => {
      for (let i = 0; i < 3 * SEND_WINDOW; i++) outbox.enqueue("files:rename", { fileId: `f${i}`, name: `n${i}` });
    });
    const server = orderedServer((call) => `ok-${String(call.args.name)}`);
    const outbox = makeOutbox(user, server.transport);
    await outbox.start();
    await until(() => server.held === SEND_WINDOW, "the whole window on the wire");
    const bursts: number[] = [];
    for (let answered = 0; answered < opIds.length; answered++) {
      const before = server.sent.length;
      server.releaseOne();
      await until(() => outbox.lookup(opIds[answered]) !== undefined, `answer ${answered} confirmed`);
      if (server.sent.length > before) bursts.push(server.sent.length - before);
    }
    expect(bursts).toEqual(Array.from({ length: (2 * SEND_WINDOW) / (SEND_WINDOW - REFILL_AT) }, () => SEND_WINDOW - REFILL_AT));
    expect(server.maxInFlight).toBe(SEND_WINDOW);
    expect(server.applied).toEqual(opIds);
    expect(await storedOutbox(user)).toEqual([]);
  });

  it("puts writes stored while the window's head waits on the wire at once, not after the head's answer", async () => {
    const user = newUser();
    const server = orderedServer((call) => `ok-${String(call.args.name)}`);
    const outbox = makeOutbox(user, server.transport);
    await outbox.start();
    // Offline, the Convex client holds a mutation until it reconnects: the head's answer does not come.
    outbox.enqueue("files:rename", { fileId: "f0", name: "n0" });
    await until(() => server.held === 1, "the first write on the wire");
    for (let i = 1; i < 6; i++) outbox.enqueue("files:rename", { fileId: `f${i}`, name: `n${i}` });
    await until(() => server.held === 6, "the later writes on the wire beside it");
    expect(server.sent.map((call) => call.args.name)).toEqual(["n0", "n1", "n2", "n3", "n4", "n5"]);
    server.answerAll();
    await until(() => outbox.state().status.pending === 0, "replay");
    expect(server.applied).toHaveLength(6);
  });

  it("fills the whole window with writes stored while the head waits (offline), not only up to REFILL_AT", async () => {
    const user = newUser();
    const server = orderedServer((call) => `ok-${String(call.args.name)}`);
    const outbox = makeOutbox(user, server.transport);
    await outbox.start();
    // One by one, as a person makes them offline: each stored write kicks the sender while the head waits.
    for (let i = 0; i < SEND_WINDOW + 8; i++) {
      outbox.enqueue("files:rename", { fileId: `f${i}`, name: `n${i}` });
      await until(() => outbox.state().status.unsaved === 0, `write ${i} stored`);
    }
    await until(() => server.held === SEND_WINDOW, "the whole window on the wire");
    expect(server.sent.map((call) => call.args.name)).toEqual(Array.from({ length: SEND_WINDOW }, (_, i) => `n${i}`));
    server.answerAll();
    await until(() => outbox.state().status.pending === 0, "replay");
    expect(server.applied).toHaveLength(SEND_WINDOW + 8);
  });

  it("reads the writes stored behind a waiting write ahead, so the answer unblocking them sends them at once", async () => {
    const user = newUser();
    const events: string[] = [];
    const server = orderedServer((call) => (call.path === "files:createFile" ? "real-a" : null));
    const transport: Transport = {
      mutation(path, args) {
        events.push(`send ${String(args.name)}`);
        return server.transport.mutation(path, args);
      },
    };
    const outbox = makeOutbox(user, transport);
    const read = outbox.storedAfter.bind(outbox);
    const namesRead = new Set<unknown>();
    vi.spyOn(outbox, "storedAfter").mockImplementation(async (afterSeq, limit) => {
      events.push("read");
      const page = await read(afterSeq, limit);
      for (const entry of page) namesRead.add(entry.args.name);
      return page;
    });
    await outbox.start();
    // Offline, one by one: the create goes on the wire (held there), the rename naming it waits for its answer,
    // and the renames stored after it wait behind it.
    const created = outbox.enqueue("files:createFile", { projectId: "p", name: "a.ts" });
    await until(() => server.held === 1, "the create on the wire");
    await outbox.enqueue("files:rename", { fileId: created.tempId, name: "a2.ts" }).stored;
    await until(() => namesRead.has("a2.ts"), "the rename read by the sender");
    for (let i = 0; i < 5; i++) await outbox.enqueue("files:rename", { fileId: `f${i}`, name: `n${i}` }).stored;
    await until(() => namesRead.has("n4"), "the last rename read by the sender while the create waits");
    const answeredAt = events.length;
    server.releaseOne();
    await until(() => server.sent.length === 7, "every rename on the wire");
    const after = events.slice(answeredAt);
    expect(after.slice(0, 6)).toEqual(["send a2.ts", "send n0", "send n1", "send n2", "send n3", "send n4"]);
    server.answerAll();
    await until(() => outbox.state().status.pending === 0, "replay");
    expect(server.sent[1].args).toMatchObject({ fileId: "real-a", name: "a2.ts" });
  });

  it("confirms the answers of one transition as one batch: one change for readers, one transaction, one notice", async () => {
    const user = newUser();
    const opIds = await queued(user, (outbox) => {
      for (let i = 0; i < SEND_WINDOW; i++) outbox.enqueue("files:rename", { fileId: `f${i}`, name: `n${i}` });
    });
    const server = orderedServer((call) => `ok-${String(call.args.name)}`);
    const notices: unknown[] = [];
    const channel = (): ChannelLike => ({ onmessage: null, postMessage: (message) => notices.push(message), close() {} });
    const outbox = makeOutbox(user, server.transport, { channel });
    await outbox.start();
    await until(() => server.held === SEND_WINDOW, "the whole window on the wire");
    let changes = 0;
    outbox.subscribe(() => changes++);
    const transaction = vi.spyOn(IDBDatabase.prototype, "transaction");
    // The Convex client resolves every mutation a transition reflects in one go; `release` does the same.
    server.release();
    await until(() => outbox.state().status.pending === 0, "replay");
    await outbox.removalsCommitted();
    const writes = transaction.mock.calls.filter(([stores, mode]) => mode === "readwrite" && [stores].flat().includes("outbox"));
    transaction.mockRestore();
    expect(changes).toBe(1);
    expect(writes).toHaveLength(1);
    expect(notices).toEqual([{ type: "confirmed", answers: opIds.map((opId, i) => ({ opId, result: `ok-n${i}` })) }]);
    expect(server.applied).toEqual(opIds);
    expect(await storedOutbox(user)).toEqual([]);
    for (const opId of opIds) expect(outbox.lookup(opId)).toBeDefined();
  });

  it("holds back a write naming an unconfirmed create, and everything after it, until the create is answered", async () => {
    const user = newUser();
    let created = 0;
    const server = orderedServer((call) => (call.path === "files:createFile" ? `real-${++created}` : null));
    const opIds = await queued(user, (outbox) => {
      const a = outbox.enqueue("files:createFile", { projectId: "p", name: "a.ts" });
      outbox.enqueue("files:createFile", { projectId: "p", name: "b.ts" });
      outbox.enqueue("files:rename", { fileId: a.tempId, name: "a2.ts" });
      outbox.enqueue("files:rename", { fileId: "other", name: "c.ts" });
    });
    const outbox = makeOutbox(user, server.transport);
    const lookups = vi.spyOn(outbox, "lookup");
    await outbox.start();
    // The sender asks for the create's result before sending the rename naming it, and holds it back without one.
    await until(() => server.held === 2 && lookups.mock.calls.some(([opId]) => opId === opIds[0]), "the rename held back");
    expect(lookups.mock.results.every((r) => r.value === undefined)).toBe(true);
    expect(server.sent.map((c) => c.path)).toEqual(["files:createFile", "files:createFile"]);
    server.answerAll();
    await until(() => outbox.state().status.pending === 0, "replay");
    expect(server.applied).toEqual(opIds);
    expect(server.sent[2].args).toMatchObject({ fileId: "real-1", name: "a2.ts" });
  });

  it("loses and reorders nothing when a write in the middle of the window fails, and applies a resend once", async () => {
    const user = newUser();
    const names = ["a", "b", "lost", "crash", "e", "f"];
    const opIds = await queued(user, (outbox) => {
      for (const name of names) outbox.enqueue("files:rename", { fileId: `f-${name}`, name });
    });
    const server = orderedServer((call, attempt) => {
      // Applied, but the answer never arrives: the resend must not apply it again.
      if (call.args.name === "lost" && attempt === 1) throw new LostAnswer("ok-lost");
      // Refused without effect (a server error): resent after the writes already behind it on the wire.
      if (call.args.name === "crash" && attempt === 1) throw new Error("Server Error");
      return `ok-${String(call.args.name)}`;
    });
    const outbox = makeOutbox(user, server.transport);
    await outbox.start();
    await until(() => server.held === names.length, "the whole window on the wire");
    server.answerAll();
    await until(() => outbox.state().status.pending === 0, "replay");
    const [a, b, lost, crash, e, f] = opIds;
    expect(server.applied).toEqual([a, b, lost, e, f, crash]);
    expect(new Set(server.applied).size).toBe(names.length);
    // The two failed writes were sent again, once each, in their outbox order; nothing else was.
    expect(server.sent.map((c) => c.args.clientOpId)).toEqual([...opIds, lost, crash]);
    expect(outbox.state().issues).toEqual([]);
    for (const opId of opIds) expect(outbox.lookup(opId)).toBeDefined();
    expect(await storedOutbox(user)).toEqual([]);
  });

  it("keeps a write naming a file behind that file's content write in flight, so a merged resend still lands first", async () => {
    const user = newUser();
    const base = "one\ntwo\nthree\n";
    const theirs = "one\ntwo\nTHREE\n";
    const server = orderedServer((call, attempt) => {
      if (call.path === "files:updateContent" && attempt === 1) {
        throw new ConvexError({ code: "CONFLICT", message: "changed", revision: 2, content: theirs });
      }
      return call.path === "files:updateContent" ? { revision: 3 } : null;
    });
    const opIds = await queued(user, (outbox) => {
      outbox.cache.setLive("files:get", { fileId: "f1" }, { _id: "f1", content: base, revision: 1 });
      outbox.enqueue("files:rename", { fileId: "f0", name: "zero.ts" });
      outbox.enqueue("files:updateContent", { fileId: "f1", content: "ONE\ntwo\nthree\n", baseRevision: 1 });
      outbox.enqueue("files:deleteFile", { fileId: "f1" });
      outbox.enqueue("files:rename", { fileId: "f2", name: "two.ts" });
    });
    const outbox = makeOutbox(user, server.transport);
    await outbox.start();
    // The sender fills its window in one synchronous pass and the transport is called in that pass's microtasks:
    // had the delete not been held back, it would be on the wire with these two. Nothing but an answer lets the
    // sender go on (no write is stored meanwhile to kick it).
    await until(() => server.held === 2, "the rename and the content write on the wire");
    expect(server.sent).toHaveLength(2);
    server.answerAll();
    await until(() => outbox.state().status.pending === 0, "replay");
    expect(server.applied).toEqual(opIds);
    expect(server.sent.map((c) => c.args.clientOpId)).toEqual([opIds[0], opIds[1], opIds[1], opIds[2], opIds[3]]);
    expect(server.sent[2].args).toMatchObject({ content: "ONE\ntwo\nTHREE\n", baseRevision: 2 });
    expect(outbox.state().issues).toEqual([]);
  });

  it("sends another file's content write ahead of a chained edit waiting for its file's answer, and nothing else", async () => {
    const user = newUser();
    const server = orderedServer((call) =>
      call.path === "files:updateContent" ? { revision: Number(call.args.baseRevision) + 1 } : null,
    );
    const opIds = await queued(user, (outbox) => {
      outbox.enqueue("files:updateContent", { fileId: "f1", content: "a\n", baseRevision: 1 });
      // Chained onto the first (it needs that write's new revision): it waits for its answer.
      outbox.enqueue("files:updateContent", { fileId: "f1", content: "a\nb\n", baseRevision: 1 });
      outbox.enqueue("files:updateContent", { fileId: "f2", content: "x\n", baseRevision: 1 });
      // Not a content write: it keeps its place behind the chained edit, and so does everything after it.
      outbox.enqueue("files:rename", { fileId: "f3", name: "three.ts" });
      outbox.enqueue("files:updateContent", { fileId: "f4", content: "y\n", baseRevision: 1 });
    });
    const [first, second, other, rename, after] = opIds;
    const outbox = makeOutbox(user, server.transport);
    await outbox.start();
    // As above, the window is filled in one synchronous pass: only an answer lets the sender go on.
    await until(() => server.held === 2, "the first edit of f1 and the edit of f2 on the wire");
    expect(server.sent.map((c) => c.args.clientOpId)).toEqual([first, other]);
    server.answerAll();
    await until(() => outbox.state().status.pending === 0, "replay");
    expect(server.applied).toEqual([first, other, second, rename, after]);
    expect(server.sent.find((c) => c.args.clientOpId === second)?.args).toMatchObject({ content: "a\nb\n", baseRevision: 2 });
    expect(outbox.state().issues).toEqual([]);
    expect(await storedOutbox(user)).toEqual([]);
  });
});

describe("replay cost", () => {
  it("reads the stored outbox page by page while sending: no read grows with the queue", async () => {
    // One read of a day's 5,000 entries was a single task of over 100 ms in the page (bench/offline).
    class CountingStorage extends MemorySyncStorage {
      lists = 0;
      largestRead = 0;
      override async list() {
        const all = await super.list();
        // The first read is the outbox's own view, at start; the sender's reads come after it.
        if (this.lists++ > 0) this.largestRead = Math.max(this.largestRead, all.length);
        return all;
      }
      override async listAfter(afterSeq: number, limit: number) {
        const page = await super.listAfter(afterSeq, limit);
        this.largestRead = Math.max(this.largestRead, page.length);
        return page;
      }
    }
    const user = newUser();
    const total = 2 * READ_PAGE + 7;
    const entries: OutboxEntry[] = Array.from({ length: total }, (_, i) => ({
      opId: `op-${i}`,
      path: "files:rename",
      args: { fileId: `f${i}`, name: `n${i}` },
      createdAt: 1,
      userKey: user,
    }));
    const storage = new CountingStorage({ outbox: entries });
    const server = fakeServer(() => null);
    const outbox = makeOutbox(user, server.transport, { openStorage: () => Promise.resolve(storage) });
    await outbox.start();
    await until(() => outbox.state().status.pending === 0, "replay");
    // Every entry sent once, in order.
    expect(server.sent.map((c) => c.args.clientOpId)).toEqual(entries.map((e) => e.opId));
    expect(storage.largestRead).toBeGreaterThan(0);
    expect(storage.largestRead).toBeLessThanOrEqual(READ_PAGE);
  });
});

describe("replay latency", () => {
  it("puts the writes a batch of answers unblocks on the wire before readers hear of the batch", async () => {
    // Readers re-render the page when told: the renames naming the creates' ids must not wait for that render.
    const sent: string[] = [];
    const held: (() => void)[] = [];
    let online = false;
    const transport: Transport = {
      async mutation(path, args) {
        sent.push(`${path} ${String(args.name)}`);
        if (!online) await new Promise<void>((resolve) => held.push(resolve));
        return path === "files:createFile" ? `id-${String(args.name)}` : null;
      },
    };
    const outbox = makeOutbox(newUser(), transport);
    await outbox.start();
    const creates = ["a", "b"].map((name) => outbox.enqueue("files:createFile", { projectId: "p", name }));
    for (const [i, create] of creates.entries()) outbox.enqueue("files:rename", { fileId: create.tempId, name: `r${i}` });
    await until(() => outbox.state().status.unsaved === 0 && sent.length === 2, "the creates sent");
    const heard: string[][] = [];
    outbox.subscribe(() => {
      if (outbox.getEntries().length === 2 && heard.length === 0) heard.push([...sent]);
    });
    online = true;
    for (const release of held.splice(0)) release();
    await until(() => outbox.state().status.pending === 0, "replay");
    expect(heard).toEqual([["files:createFile a", "files:createFile b", "files:rename r0", "files:rename r1"]]);
  });
});
